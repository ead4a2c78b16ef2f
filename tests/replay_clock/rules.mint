campaign tight "一小时券" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥10 face value
  funding platform 100%

  rule hello {
    on view_item
    once per user
    give amount_off ¥10 valid 1h
  }
}

campaign later "加购两小时后" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥1_000 face value
  funding platform 100%

  rule nudge {
    on add_to_cart
    wait 2h
    once per user
    give amount_off ¥5 valid 24h
  }
}
