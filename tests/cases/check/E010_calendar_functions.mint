campaign c {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule r {
    on view_item
    when weekday_of() == 6 and huor_of(now) >= 20 and date_of(now, now) == 2026-11-11
    once per user
    give amount_off ¥10 valid 7d
  }
}
