campaign test_arms {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  experiment depth by user.id {
    arm small 50%
    arm large 50%
  }
  rule welcome in medium {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
