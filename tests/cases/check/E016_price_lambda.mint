# λ must be a positive price.
campaign dormant {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  experiment depth by user.id {
    arm explore 10% random offer
    arm rest 90%
  }
  price lambda 0
  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 15% cap ¥100 valid 7d
  }
}
