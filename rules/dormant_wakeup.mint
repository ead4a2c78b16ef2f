# Dormant users: a budget-optimal batch that wakes up sleeping buyers.
campaign dormant_wakeup "沉睡用户唤醒" {
  batch
  budget ¥50_000 expected cost
  funding platform 100%
  audience user.paid_orders >= 1
    and user.last_order_at <= now - 90d
    and coupons_issued(30d, "dormant_wakeup") == 0

  segment quality_seeker when user.avg_order_value >= ¥2000 and scores.price_sensitivity < 0.6 {
    give perk free_authentication worth ¥50 valid 30d
  }

  segment price_sensitive when scores.price_sensitivity >= 0.6 {
    give percent_off one of 10%, 15%, 20%, 25%, 30% cap ¥150 min_spend ¥100 valid 7d
  }

  segment others {
    give amount_off ¥20 min_spend ¥200 valid 7d
  }

  # The response model: how likely a user is to order within 7 days with the offer.
  model {
    let aov = user.avg_order_value
    let p0 = scores.p_convert
    let value = if offer.kind == "percent_off"
      then min(offer.percent of aov, offer.cap)
      else offer.face_value
    let discount = if aov > ¥0 then value / aov else 0
    let p = min(0.95, p0 * exp(scores.elasticity * discount))
    cost = p * value
    gain = (p - p0) * aov
  }
  maximize gain
}

test "each dormant user gets the offer of their segment" {
  user {"registered_at": "2024-01-15T09:00:00+08:00", "paid_orders": 4, "last_order_at": "2026-02-10T12:00:00+08:00", "ltv_tier": "mid", "tags": []}
  users [
    {"id": "u-quality", "avg_order_value": 2500, "scores": {"p_convert": 0.05, "price_sensitivity": 0.3, "elasticity": 1.2}},
    {"id": "u-price", "avg_order_value": 800, "scores": {"p_convert": 0.06, "price_sensitivity": 0.8, "elasticity": 2.6}},
    {"id": "u-other", "avg_order_value": 500, "scores": {"p_convert": 0.1, "price_sensitivity": 0.5, "elasticity": 1.0}},
    {"id": "u-active", "avg_order_value": 500, "last_order_at": "2026-05-20T12:00:00+08:00", "scores": {"p_convert": 0.1, "price_sensitivity": 0.5, "elasticity": 1.0}}
  ] run at 2026-06-01 09:00
  expect "u-quality" coupon quality_seeker perk free_authentication worth ¥50 valid 30d
  expect "u-price" coupon price_sensitive percent_off 20% cap ¥150 min_spend ¥100 valid 7d
  expect "u-other" coupon others amount_off ¥20 min_spend ¥200 valid 7d
  expect "u-active" nothing
}

# With ¥5 of expected cost to spend, the 20% offer's cost does not buy enough gain.
test "a small budget goes where it earns the most" {
  user {"registered_at": "2024-01-15T09:00:00+08:00", "paid_orders": 4, "last_order_at": "2026-02-10T12:00:00+08:00", "ltv_tier": "mid", "tags": []}
  users [
    {"id": "u-quality", "avg_order_value": 2500, "scores": {"p_convert": 0.05, "price_sensitivity": 0.3, "elasticity": 1.2}},
    {"id": "u-price", "avg_order_value": 800, "scores": {"p_convert": 0.06, "price_sensitivity": 0.8, "elasticity": 2.6}},
    {"id": "u-other", "avg_order_value": 500, "scores": {"p_convert": 0.1, "price_sensitivity": 0.5, "elasticity": 1.0}}
  ] run at 2026-06-01 09:00 budget ¥5
  expect "u-quality" coupon quality_seeker
  expect "u-other" coupon others amount_off ¥20
  expect "u-price" suppressed price_sensitive budget
}
