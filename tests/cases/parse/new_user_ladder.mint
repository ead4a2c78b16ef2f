# New users: a progressive offer that nudges them to their first paid order.
campaign new_user_ladder "新客首单阶梯券" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥200_000 face value
  funding platform 100%
  audience user.paid_orders == 0 and user.registered_at within 30d

  experiment ladder_v1 by user.id {
    arm holdout 10% holds out ladder
    arm ladder 45%
    arm flat 45%
  }

  cancel timers on order_paid

  rule welcome in ladder {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }

  rule cart_nudge in ladder {
    on add_to_cart
    wait 2h unless checkout_started, order_paid
    once per user
    give amount_off ¥30 min_spend ¥199 valid 48h
    revoke welcome as upgraded
  }

  rule last_call in ladder {
    on payment_abandoned
    wait 24h unless order_paid
    once per user
    give percent_off 15% cap ¥100 valid 6h
  }

  rule flat_welcome in flat {
    on view_item
    once per user
    give amount_off ¥30 min_spend ¥199 valid 72h
  }
}

# u-ann falls in the `ladder` arm, u-ivy in `holdout`, u-bob in `flat`.
test "a new user gets the welcome coupon, then the cart nudge upgrades it" {
  user {"id": "u-ann", "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": "d-ann"}
  event view_item at 2026-11-02 10:00 {"item": {"id": "i-1", "category": "shoes", "price": 600}}
  expect coupon welcome amount_off ¥10 valid 72h
  event view_item at 2026-11-02 10:01 {"item": {"id": "i-2", "category": "bags", "price": 900}}
  expect nothing
  event add_to_cart at 2026-11-02 10:05 {"cart": {"items": [], "total": 600}}
  expect nothing
  tick 2026-11-02 12:05
  expect coupon cart_nudge amount_off ¥30 min_spend ¥199 valid 48h
  expect revoked welcome as upgraded
}

test "checking out stops the nudge; an unpaid payment brings the last call" {
  user {"id": "u-ann", "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": "d-ann"}
  event add_to_cart at 2026-11-03 20:00
  event checkout_started at 2026-11-03 20:10
  event payment_abandoned at 2026-11-03 20:12
  tick 2026-11-04 20:11
  expect nothing
  tick 2026-11-04 20:12
  expect coupon last_call percent_off 15% cap ¥100 valid 6h
}

test "paying cancels pending timers" {
  user {"id": "u-ann", "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": "d-ann"}
  event add_to_cart at 2026-11-04 09:01
  event payment_abandoned at 2026-11-04 09:03
  event order_paid at 2026-11-04 09:30
  tick 2026-11-06 00:00
  expect nothing
}

test "the holdout arm reports what it would have issued, once" {
  user {"id": "u-ivy", "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": "d-ivy"}
  event view_item at 2026-11-05 10:00
  expect suppressed welcome holdout
  event view_item at 2026-11-05 10:02
  expect nothing
}

test "the flat arm gets one ¥30 coupon and no timers" {
  user {"id": "u-bob", "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": "d-bob"}
  event view_item at 2026-11-05 10:01
  expect coupon flat_welcome amount_off ¥30 min_spend ¥199 valid 72h
  event add_to_cart at 2026-11-05 10:04
  tick 2026-11-05 13:00
  expect nothing
}

test "buyers and users registered over 30 days ago are not new" {
  user {"id": "u-ann", "registered_at": "2026-09-25T09:00:00+08:00", "paid_orders": 0, "device_id": "d-ann"}
  event view_item at 2026-11-05 10:00
  expect nothing
  event view_item at 2026-11-05 10:00 {"user": {"registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 1}}
  expect nothing
}
