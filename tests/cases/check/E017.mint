campaign cheap_items {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule cheap {
    on view_item
    when price < ¥100
    once per user
    give amount_off ¥5 valid 24h
  }
}
