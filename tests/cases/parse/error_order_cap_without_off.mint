campaign double11 {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  at most ¥300 per order
}
