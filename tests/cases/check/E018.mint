campaign offer_outside {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    when offer.amount > ¥5
    once per user
    give amount_off ¥10 valid 72h
  }
}
