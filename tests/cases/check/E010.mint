campaign deep_discount {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule deep {
    on view_item
    when maxx(item.price, ¥100) > ¥500
    once per user
    give amount_off ¥20 valid 24h
  }
}
