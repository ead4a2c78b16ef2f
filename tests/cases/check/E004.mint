campaign wishlist {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule nudge {
    on wishlist_added
    once per user
    give amount_off ¥10 valid 72h
  }
}
