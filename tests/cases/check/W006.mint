campaign generous {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule clearance {
    on view_item
    once per user
    give percent_off 150% cap ¥100 valid 24h
  }
}
