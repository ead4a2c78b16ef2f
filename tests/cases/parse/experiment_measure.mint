campaign ladder_demo {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  experiment ladder_v1 by user.id measure 14d seed "ladder-2026" {
    arm holdout 10% holds out ladder
    arm ladder 90%
  }
  rule welcome in ladder {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
