campaign big_carts {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule rescue {
    on cart_abandoned
    when cart.total >= 1000
    once per user
    give amount_off ¥50 min_spend ¥500 valid 2h
  }
}
