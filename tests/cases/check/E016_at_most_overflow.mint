campaign flash {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    at most 99999999999 per user
    give amount_off ¥10 valid 72h
  }
}
