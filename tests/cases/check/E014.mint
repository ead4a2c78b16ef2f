campaign shared_cost {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  funding platform 70% seller 20%
  rule category_deal {
    on view_item
    once per user
    give percent_off 10% cap ¥100 for item.category valid 24h
  }
}
