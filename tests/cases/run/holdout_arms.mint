# A holdout of two arms runs the rules of both and reports what each would have issued.
campaign depth_test {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  experiment depth by user.id {
    arm control 20% holds out shallow, deep
    arm shallow 40%
    arm deep 40%
  }

  rule small in shallow {
    on view_item
    once per user
    give amount_off ¥5 valid 72h
  }

  rule large in deep {
    on view_item
    once per user
    give amount_off ¥20 valid 72h
  }
}

# With the seed `depth`, u-1 falls in `shallow`, u-2 in `control`, u-3 in `deep`.
test "the holdout of two arms reports what each would have issued" {
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon small amount_off ¥5 valid 72h
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-2"}}
  expect suppressed small holdout
  expect suppressed large holdout
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-3"}}
  expect coupon large amount_off ¥20 valid 72h
}
