# A response model that is not there.
campaign dormant {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  response from "models/not_fitted_yet.json"
  price λ 2.5
  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 15% cap ¥100 valid 7d
  }
}
