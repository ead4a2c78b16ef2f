campaign spring_sale {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    give amount_off 10 off valid 72h
  }
}
