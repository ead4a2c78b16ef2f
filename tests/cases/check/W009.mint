campaign unlimited {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule every_view {
    on view_item
    give amount_off ¥1 valid 1h
  }
}
