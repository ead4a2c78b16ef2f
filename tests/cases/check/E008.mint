campaign test_weights {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  experiment depth by user.id {
    arm holdout 10% holds out
    arm ladder 45%
    arm flat 40%
  }
  rule welcome in ladder {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
  rule flat_welcome in flat {
    on view_item
    once per user
    give amount_off ¥30 min_spend ¥199 valid 72h
  }
}
