campaign last_spring {
  window 2026-03-01 00:00 .. 2026-03-08 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
