campaign double11 {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  at most 30% off per order
  rule base {
    on app_open
    once per user
    give amount_off ¥30 valid 24h
  }
}
