# A cap of no coupons never issues.
campaign flash {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  at most 0 coupons per campaign
  rule first {
    on view_item
    once per user
    give amount_off ¥10 valid 24h
  }
}
