campaign flash_a {
  window 2026-11-01 00:00 .. 2026-11-03 00:00 Asia/Shanghai
  exclusive
  rule deal {
    on view_item
    once per user
    give amount_off ¥10 valid 24h
  }
}

campaign flash_b {
  window 2026-11-02 00:00 .. 2026-11-04 00:00 Asia/Shanghai
  exclusive
  rule deal {
    on view_item
    once per user
    give amount_off ¥15 valid 24h
  }
}
