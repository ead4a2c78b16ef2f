campaign upgrade {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
  rule nudge {
    on add_to_cart
    once per user
    give amount_off ¥30 min_spend ¥199 valid 48h
    revoke welcom as upgraded
  }
}
