campaign winback {
  batch
  budget ¥100 expected cost
  audience user.paid_orders >= 1
  segment others {
    give amount_off ¥10 min_spend ¥100 valid 7d
  }
  model {
    cost = 0.1 * offer.face_value
    gain = 0.05 * user.avg_order_value
  }
}

test "rows one per line" {
  users [{"id": "u-1", "paid_orders": 2, "avg_order_value": 300},   {"id": "u-2", "paid_orders": 0}]   run   at 2026-06-01 09:00   budget ¥5
  expect   "u-1" coupon others
  expect "u-2"   nothing
}
