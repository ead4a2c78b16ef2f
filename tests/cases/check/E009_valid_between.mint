campaign c {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule late {
    on view_item
    once per user
    give amount_off ¥10 valid 7d between 25:00 and 02:00
  }
  rule empty {
    on view_item
    once per user
    give amount_off ¥10 valid 7d on weekends between 20:00 and 20:00
  }
}
