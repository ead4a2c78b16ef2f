campaign twins {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
  rule welcome {
    on app_open
    once per user
    give amount_off ¥5 valid 72h
  }
}
