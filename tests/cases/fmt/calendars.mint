campaign night_owls {
window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule owl { on view_item when hour_of( now )>=20 and weekday_of(now) in [6,7]
    once per user
    give amount_off ¥10 valid 7d on weekends   between 22:00   and 02:00 }
  rule lunch {
    on app_open
    once per user
    give amount_off ¥5 min_spend ¥50 for ["bags", "shoes", "watches"] valid until window end between 11:30 and 13:30 on mon,fri funded platform 100%
  }
}
