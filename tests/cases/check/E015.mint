campaign mixed_up {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  segment everyone {
    give amount_off ¥20 valid 7d
  }
  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
