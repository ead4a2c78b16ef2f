campaign new_year {
  window 2026-12-31 00:00 .. 2027-01-02 00:00 Asia/Shangai
  rule countdown {
    on app_open
    once per user
    give amount_off ¥20 min_spend ¥200 valid 24h
  }
}
