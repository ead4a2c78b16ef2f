# A menu in an event rule needs something to choose among its options.
campaign menu_event {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 15% cap ¥100 valid 7d
  }
}
