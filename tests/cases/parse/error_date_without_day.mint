campaign november {
  window 2026-11 .. 2026-12-01
}
