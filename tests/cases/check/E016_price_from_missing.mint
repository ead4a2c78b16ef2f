# `price λ from` names a batch run summary that is not there.
campaign dormant {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  experiment depth by user.id {
    arm explore 10% random offer
    arm rest 90%
  }
  price λ from "runs/not_run_yet.json"
  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 15% cap ¥100 valid 7d
  }
}
