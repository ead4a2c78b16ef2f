campaign weekend {
  window 2026-11-07 00:00 .. 2026-11-09 00:00 Asia/Shanghai
  rule slow_nudge {
    on add_to_cart
    wait 3d unless order_paid
    once per user
    give amount_off ¥20 min_spend ¥200 valid 24h
  }
}
