# Risk policy: checked for every campaign when a coupon is about to be issued.
# The checks run in this order; the first that fails names the reason.
risk {
  check fraud_score: withhold when scores.fraud_risk >= 0.9
  check multi_account: withhold when other_users_on_device(30d) >= 3
  check velocity: withhold when coupons_issued(24h) >= 5
}
