campaign double11 "双十一 {
  window 2026-11-11 .. 2026-11-12
}
