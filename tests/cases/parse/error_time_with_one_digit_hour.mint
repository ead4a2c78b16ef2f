campaign morning {
  window 2026-11-01 9:00 .. 2026-12-01 00:00
}
