campaign double11 { window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
     at   most ¥300   off per   order
  rule bags { on view_item   at most 3 times per user stackable   not   on sale  items
    give amount_off ¥20 for "bags" valid 24h
    exclusive   with   newbie.welcome ,base }
  rule base { on app_open once per user give amount_off ¥5 valid 24h }
}
campaign newbie { window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome { on app_open once per user give amount_off ¥30 valid 72h exclusive } }
