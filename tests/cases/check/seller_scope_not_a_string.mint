campaign s8848_week {
  window 2026-11-01 00:00 .. 2026-11-08 00:00 Asia/Shanghai
  for seller item.price
  rule bags {
    on view_item
    once per user
    give amount_off ¥10 for seller ["s-1", "s-2"] valid 7d
  }
  rule shoes {
    on view_item
    once per user
    give amount_off ¥10 valid 7d
  }
}
