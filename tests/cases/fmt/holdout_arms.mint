campaign depth_test {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  experiment depth by user.id {
    arm control 20%   holds out   shallow ,deep
    arm shallow 40%
    arm deep 40%
  }
  rule small in shallow {
    on view_item
    once per user
    give amount_off ¥5 valid 72h
  }
  rule large in deep {
    on view_item
    once per user
    give amount_off ¥20 valid 72h
  }
}
