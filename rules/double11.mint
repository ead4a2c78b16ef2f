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
