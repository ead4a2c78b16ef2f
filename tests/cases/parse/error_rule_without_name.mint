campaign welcome {
  window 2026-11-01 .. 2026-12-01
  rule {
    on view_item
  }
}
