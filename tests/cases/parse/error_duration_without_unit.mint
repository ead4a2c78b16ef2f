# `wait 60`: sixty what? A duration needs its unit.
campaign nudge {
  window 2026-11-01 .. 2026-12-01
  rule cart_nudge {
    on add_to_cart
    wait 60
    once per user
    give amount_off ¥10 valid 24h
  }
}
