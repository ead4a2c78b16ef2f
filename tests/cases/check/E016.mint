campaign precise {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    once per user
    give amount_off ¥9.999 valid 72h
  }
}
