# A two-hour flash coupon for the first 500 shoppers who open the app on 12.12 evening:
# ¥50 off a spend of ¥399, valid four hours. The cap counts coupons issued, and a
# coupon that expires unused gives no place back: "the first 500" means 500. How a cap
# withholds the next coupon (`suppressed: cap`, exact across instances) is tested in
# tests/cases/run/caps.mint and tests/ledger_caps.rs.
campaign flash_1212 "双十二闪购" {
  window 2026-12-12 20:00 .. 2026-12-12 22:00 Asia/Shanghai
  budget ¥25_000 face value
  funding platform 100%
  at most 500 coupons per campaign
  audience user.ltv_tier != "blocked"

  rule flash {
    on app_open
    once per user
    give amount_off ¥50 min_spend ¥399 valid 4h
  }
}

test "the first shoppers in the two hours get the flash coupon, once" {
  user {"registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 2, "ltv_tier": "mid"}
  event app_open at 2026-12-12 19:59 {"user": {"id": "u-early"}}
  expect nothing
  event app_open at 2026-12-12 20:00 {"user": {"id": "u-1"}}
  expect coupon flash amount_off ¥50 min_spend ¥399
  event app_open at 2026-12-12 20:30 {"user": {"id": "u-1"}}
  expect nothing
  event app_open at 2026-12-12 21:59 {"user": {"id": "u-2"}}
  expect coupon flash amount_off ¥50
  event app_open at 2026-12-12 22:00 {"user": {"id": "u-3"}}
  expect nothing
}
