campaign s8848_week {
  window 2026-11-01 00:00 .. 2026-11-08 00:00 Asia/Shanghai
  for seller "s-8848"
  rule bags {
    on view_item
    once per user
    give percent_off 10% cap ¥100 for "bags" for seller item.seller_id valid 7d funded platform 20% seller 80%
  }
}
