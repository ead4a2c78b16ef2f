# Singles' Day: a store-wide threshold coupon plus category offers.
campaign double11 "双十一" {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  budget ¥1_000_000 face value
  funding platform 100%
  funding platform 70% seller 30% for category coupons

  rule base {
    on app_open, view_item
    once per user
    give threshold spend ¥300 get ¥50 off valid until window end
  }

  rule hot_category {
    on view_item
    when item.category in ["bags", "watches", "sneakers"]
    once per user per item.category
    give percent_off if signal("category_heat", item.category) >= 0.8 then 15% else 10%
      cap ¥200 for item.category valid until window end
  }

  rule overstock {
    on view_item
    when item.stock_age_days > 60
    once per user per item.category
    give gift care_kit worth ¥30 min_spend ¥500 for item.category valid until window end
  }

  rule vip_rescue {
    on cart_abandoned
    when user.ltv_tier == "high" and cart.total >= ¥1000
    once per user per day
    alert customer_service with user: user.id, cart_total: cart.total
    give amount_off ¥100 min_spend ¥1000 valid 2h
    exclusive with base
  }
}

test "singles' day offers, deepened by a heat signal" {
  user {"id": "u-gus", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 12, "ltv_tier": "high", "device_id": "d-gus"}
  event app_open at 2026-11-10 23:59
  expect nothing
  event app_open at 2026-11-11 00:00:10
  expect coupon base threshold spend ¥300 get ¥50 off
  event signal at 2026-11-11 00:30 {"name": "category_heat", "key": "bags", "value": 0.85}
  event view_item at 2026-11-11 01:00 {"item": {"id": "i-1", "category": "bags", "price": 3000, "stock_age_days": 10}}
  expect coupon hot_category percent_off 15% cap ¥200 for "bags"
  event view_item at 2026-11-11 01:05 {"item": {"id": "i-2", "category": "watches", "price": 8000, "stock_age_days": 90}}
  expect coupon hot_category percent_off 10% cap ¥200 for "watches"
  expect coupon overstock gift care_kit worth ¥30 min_spend ¥500 for "watches"
  event view_item at 2026-11-11 01:06 {"item": {"id": "i-3", "category": "bags", "price": 3100, "stock_age_days": 5}}
  expect nothing
}

test "a high-value abandoned cart alerts customer service once a day" {
  user {"id": "u-gus", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 12, "ltv_tier": "high", "device_id": "d-gus"}
  event cart_abandoned at 2026-11-11 02:00 {"cart": {"items": [], "total": 3000}}
  expect coupon vip_rescue amount_off ¥100 min_spend ¥1000 valid 2h
  expect alert customer_service
  event cart_abandoned at 2026-11-11 03:00 {"cart": {"items": [], "total": 3000}}
  expect nothing
  event cart_abandoned at 2026-11-11 04:00 {"user": {"ltv_tier": "low"}, "cart": {"items": [], "total": 3000}}
  expect nothing
}
