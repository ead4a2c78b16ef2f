campaign c {
  window 2026-11-01 .. 2026-12-01
  rule r {
    on view_item
    once per user
    give amount_off ¥10 valid 7d on weekends, saterday
  }
}
