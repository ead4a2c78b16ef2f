# A budget per day counts the face value of the coupons issued that day, not expected cost.
campaign paced {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  budget ¥50_000 face value
  budget ¥10_000 expected cost per day
  rule first {
    on view_item
    once per user
    give amount_off ¥10 valid 24h
  }
}
