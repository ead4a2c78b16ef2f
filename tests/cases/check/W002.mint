campaign impossible {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule mid_price {
    on view_item
    when item.price > ¥500 and item.price < ¥100
    once per user
    give amount_off ¥10 valid 72h
  }
}
