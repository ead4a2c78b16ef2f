# One budget per day: a total and a budget of each period may stand side by side.
campaign paced {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  budget ¥50_000 face value
  budget ¥10_000 face value per day
  budget ¥2_000 face value per hour
  budget ¥8_000 face value per day
  rule first {
    on view_item
    once per user
    at most 100 coupons per rule
    at most 200 coupons per rule
    give amount_off ¥10 valid 24h
  }
}
