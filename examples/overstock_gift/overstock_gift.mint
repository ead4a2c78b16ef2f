# Overstock: items listed for more than 90 days move with a gift (a care kit worth ¥30
# for a spend of ¥500 on their category). When a valuable one is left in a cart, customer
# service is asked to call the shopper, with the item and the cart's total.
campaign overstock_clearance "滞销清仓" {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥15_000 face value
  funding platform 100%

  rule care_kit {
    on view_item
    when item.stock_age_days > 90
    once per user per item.category
    give gift care_kit worth ¥30 min_spend ¥500 for item.category valid 7d
  }

  rule call_back {
    on cart_abandoned
    when cart.total >= ¥3000 and user.ltv_tier in ["mid", "high"]
    once per user per week
    alert customer_service with user: user.id, cart_total: cart.total
  }
}

test "an old listing brings the gift for its category, once per category" {
  user {"id": "u-o1", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 5, "ltv_tier": "mid", "device_id": "d-o1"}
  event view_item at 2026-12-10 20:00 {"item": {"id": "i-w1", "category": "watches", "price": 2600, "stock_age_days": 120}}
  expect coupon care_kit gift care_kit worth ¥30 min_spend ¥500 for "watches" valid 7d
  event view_item at 2026-12-10 20:05 {"item": {"id": "i-w2", "category": "watches", "price": 1900, "stock_age_days": 200}}
  expect nothing
  event view_item at 2026-12-10 20:10 {"item": {"id": "i-b1", "category": "bags", "price": 900, "stock_age_days": 95}}
  expect coupon care_kit gift care_kit worth ¥30 for "bags"
  event view_item at 2026-12-10 20:15 {"item": {"id": "i-b2", "category": "bags", "price": 900, "stock_age_days": 10}}
  expect nothing
}

test "a valuable cart left behind asks customer service to call" {
  user {"id": "u-o2", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 9, "ltv_tier": "high", "device_id": "d-o2"}
  event cart_abandoned at 2026-12-11 22:00 {"cart": {"items": [{"id": "i-w1", "category": "watches", "price": 3200, "qty": 1}], "total": 3200}}
  expect alert customer_service
  event cart_abandoned at 2026-12-12 22:00 {"cart": {"items": [{"id": "i-w1", "category": "watches", "price": 3200, "qty": 1}], "total": 3200}}
  expect nothing
}

test "a new shopper of low value is not called" {
  user {"id": "u-o3", "registered_at": "2026-11-30T09:00:00+08:00", "paid_orders": 0, "ltv_tier": "low", "device_id": "d-o3"}
  event cart_abandoned at 2026-12-11 22:00 {"cart": {"items": [{"id": "i-w1", "category": "watches", "price": 3200, "qty": 1}], "total": 3200}}
  expect nothing
}
