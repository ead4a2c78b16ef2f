campaign double11 {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  rule base {
    on app_open
    once per user
    give threshold spend ¥300 get ¥50 off valid until window end
  }
}

campaign newbie {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on app_open
    once per user
    give amount_off ¥30 valid 72h
    exclusive with dubble11.base, double11.bace
  }
}
