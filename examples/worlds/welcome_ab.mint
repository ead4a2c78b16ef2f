# An A/B test of a welcome coupon: half the visitors get ¥30 off their next order, valid
# 72 hours, the other half are held out. `tests/simulate.rs` simulates it over many seeds
# and checks that `analyze` recovers the simulator's true effect.
campaign welcome_ab "欢迎券 A/B" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  experiment welcome_v1 by user.id {
    arm holdout 50% holds out treated
    arm treated 50%
  }

  rule welcome in treated {
    on view_item
    once per user
    give amount_off ¥30 valid 72h
  }
}
