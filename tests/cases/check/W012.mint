campaign weekend_treats {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai

  # Issued on a Monday, it ends on Tuesday: never usable.
  rule browse {
    on view_item
    once per user
    give amount_off ¥10 valid 24h on weekends
  }

  # Not reported: the rule issues only on Fridays and weekends.
  rule friday {
    on view_item
    when weekday_of(now) >= 5
    once per user
    give amount_off ¥10 valid 48h on weekends
  }

  # Not reported: a week covers every gap.
  rule long {
    on app_open
    once per user
    give amount_off ¥10 valid 7d on fri between 22:00 and 02:00
  }
}
