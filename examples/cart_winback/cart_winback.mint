# An escalating cart win-back: two hours after a cart is left, ¥10 off; a day after it,
# if it still has not been bought, ¥25 off a spend of ¥200 in place of the ¥10. Checking
# out stops the first step, paying stops both.
campaign cart_winback "购物车挽回" {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥30_000 face value
  funding platform 100%
  audience user.paid_orders >= 1 and user.ltv_tier != "blocked"
  cancel timers on order_paid

  rule nudge {
    on add_to_cart
    when cart.total >= ¥100
    wait 2h unless checkout_started, order_paid
    once per user per week
    give amount_off ¥10 valid 24h
  }

  rule escalate {
    on add_to_cart
    when cart.total >= ¥200
    wait 24h unless order_paid
    once per user per week
    give amount_off ¥25 min_spend ¥200 valid 24h
    revoke nudge as upgraded
  }
}

test "a cart left for a day gets ¥10, then ¥25 in its place" {
  user {"id": "u-c1", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 3, "ltv_tier": "mid", "device_id": "d-c1"}
  event add_to_cart at 2026-12-03 10:00 {"cart": {"items": [{"id": "i-9", "category": "bags", "price": 320, "qty": 1}], "total": 320}}
  expect nothing
  tick 2026-12-03 12:00
  expect coupon nudge amount_off ¥10 valid 24h
  tick 2026-12-04 10:00
  expect coupon escalate amount_off ¥25 min_spend ¥200 valid 24h
  expect revoked nudge as upgraded
}

test "checking out stops the nudge, paying stops the escalation" {
  user {"id": "u-c2", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 3, "ltv_tier": "mid", "device_id": "d-c2"}
  event add_to_cart at 2026-12-03 10:00 {"cart": {"items": [{"id": "i-9", "category": "bags", "price": 320, "qty": 1}], "total": 320}}
  event checkout_started at 2026-12-03 11:00
  tick 2026-12-03 12:00
  expect nothing
  event order_paid at 2026-12-03 15:00 {"order": {"id": "o-1", "total": 320, "items": [], "coupons": [], "shipping": 0}}
  tick 2026-12-04 10:00
  expect nothing
}

test "a small cart gets only the first step" {
  user {"id": "u-c3", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 1, "ltv_tier": "low", "device_id": "d-c3"}
  event add_to_cart at 2026-12-03 10:00 {"cart": {"items": [{"id": "i-3", "category": "shoes", "price": 150, "qty": 1}], "total": 150}}
  tick 2026-12-03 12:00
  expect coupon nudge amount_off ¥10
  tick 2026-12-05 12:00
  expect nothing
}
