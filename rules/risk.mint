# Risk policy: checked for every campaign when a coupon is about to be issued.
# The checks run in this order; the first that fails names the reason.
risk {
  check fraud_score: withhold when scores.fraud_risk >= 0.9
  check multi_account: withhold when other_users_on_device(30d) >= 3
  check velocity: withhold when coupons_issued(24h) >= 5
}

test "a fraud score of 0.9 or more withholds the coupon" {
  user {"id": "u-ola", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 3, "device_id": "d-ola"}
  event app_open at 2026-11-11 10:09 {"scores": {"fraud_risk": 0.95}}
  expect suppressed base risk:fraud_score
}

test "the fourth account on one device is withheld" {
  user {"registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 3, "device_id": "d-shared"}
  event app_open at 2026-11-11 10:00 {"user": {"id": "u-kim"}}
  expect coupon base
  event app_open at 2026-11-11 10:01 {"user": {"id": "u-lee"}}
  expect coupon base
  event app_open at 2026-11-11 10:02 {"user": {"id": "u-max"}}
  expect coupon base
  event app_open at 2026-11-11 10:03 {"user": {"id": "u-ned"}}
  expect suppressed base risk:multi_account
}

test "a sixth coupon within 24 hours is withheld for velocity" {
  user {"id": "u-wen", "registered_at": "2026-11-01T09:00:00+08:00", "paid_orders": 0, "device_id": "d-wen"}
  event view_item at 2026-11-11 09:00 {"item": {"id": "i-1", "category": "bags", "price": 600, "stock_age_days": 70}}
  expect coupon base
  expect coupon hot_category
  expect coupon overstock
  expect coupon welcome
  event view_item at 2026-11-11 09:10 {"item": {"id": "i-2", "category": "watches", "price": 600, "stock_age_days": 80}}
  expect coupon hot_category
  expect suppressed overstock risk:velocity
}
