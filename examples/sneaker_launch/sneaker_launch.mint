# Launching the sneakers category: a deeper first coupon for shoppers who browse it,
# shared with sellers, and a reminder for those who leave a pair in the cart.
campaign sneaker_launch "球鞋品类上线" {
  window 2026-12-01 00:00 .. 2026-12-15 00:00 Asia/Shanghai
  budget ¥80_000 face value
  funding platform 60% seller 40% for category coupons
  audience user.ltv_tier != "blocked"

  rule first_look {
    on view_item
    when item.category == "sneakers" and item.price >= ¥300
    once per user
    give percent_off 12% cap ¥150 for "sneakers" valid 5d
  }

  rule left_in_cart {
    on add_to_cart
    when "sneakers" in cart.categories
    wait 6h unless checkout_started, order_paid
    once per user
    give amount_off ¥40 min_spend ¥400 for "sneakers" valid 24h
  }
}

test "browsing sneakers brings the launch coupon, seller co-funded" {
  user {"id": "u-sn1", "registered_at": "2025-05-01T09:00:00+08:00", "paid_orders": 4, "ltv_tier": "mid", "device_id": "d-sn1"}
  event view_item at 2026-12-02 20:00 {"item": {"id": "i-9", "category": "sneakers", "price": 899}}
  expect coupon first_look percent_off 12% cap ¥150 for "sneakers" valid 5d
  event view_item at 2026-12-02 20:05 {"item": {"id": "i-10", "category": "sneakers", "price": 120}}
  expect nothing
}

test "a pair left in the cart for six hours brings a reminder" {
  user {"id": "u-sn2", "registered_at": "2025-05-01T09:00:00+08:00", "paid_orders": 4, "ltv_tier": "mid", "device_id": "d-sn2"}
  event add_to_cart at 2026-12-03 10:00 {"cart": {"items": [{"id": "i-9", "category": "sneakers", "price": 899, "qty": 1}], "total": 899}}
  expect nothing
  tick 2026-12-03 16:00
  expect coupon left_in_cart amount_off ¥40 min_spend ¥400 valid 24h
}

test "checking out in time means no reminder" {
  user {"id": "u-sn3", "registered_at": "2025-05-01T09:00:00+08:00", "paid_orders": 4, "ltv_tier": "mid", "device_id": "d-sn3"}
  event add_to_cart at 2026-12-03 10:00 {"cart": {"items": [{"id": "i-9", "category": "sneakers", "price": 899, "qty": 1}], "total": 899}}
  event checkout_started at 2026-12-03 11:00
  tick 2026-12-04 00:00
  expect nothing
}
