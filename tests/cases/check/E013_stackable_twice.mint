campaign double11 {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  at most ¥300 off per order
  at most ¥200 off per order
  rule bags {
    on view_item
    at most 3 times per user
    stackable
    stackable
    not on sale items
    not on sale items
    give amount_off ¥20 for "bags" valid 24h
  }
}
