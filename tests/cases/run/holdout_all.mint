# A bare holdout holds out the rules without an arm. With the seed `control_test`,
# u-1 falls in `treated` (bucket 6677) and u-4 in `control` (bucket 3879).
campaign plain_holdout {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  experiment control_test by user.id {
    arm control 50% holds out
    arm treated 50%
  }

  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}

test "users of the holdout see suppressions, the others coupons" {
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon welcome
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-4"}}
  expect suppressed welcome holdout
  event view_item at 2026-11-02 10:05 {"user": {"id": "u-4"}}
  expect nothing
}
