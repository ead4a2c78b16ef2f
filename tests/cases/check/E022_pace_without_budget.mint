# `pace evenly` spreads a face-value budget over the window: there must be one.
campaign evenly {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  pace evenly
  rule first {
    on view_item
    once per user
    give amount_off ¥10 valid 24h
  }
}
