campaign uncapped {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule percent {
    on view_item
    once per user
    give percent_off 10% valid 24h
  }
}
