# `per rule` caps one rule: it goes inside the rule it caps.
campaign flash {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  at most 100 coupons per rule
  rule first {
    on view_item
    once per user
    give amount_off ¥10 valid 24h
  }
}
