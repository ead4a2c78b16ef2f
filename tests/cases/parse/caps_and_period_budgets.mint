# Issue caps and budgets of a day or an hour.
campaign first_500 "The first 500 new users" {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  budget ¥50_000 face value
  budget ¥10_000 face value per day
  budget ¥1_000 per hour
  at most 500 coupons per campaign
  pace evenly
  at most ¥300 off per order
  rule welcome {
    on view_item
    at most 2 times per user
    at most 300 coupons per rule
    give amount_off ¥10 valid 24h
  }
  rule cart {
    on add_to_cart
    once per user
    at most 1 coupon per rule
    give amount_off ¥5 valid 24h
  }
}
