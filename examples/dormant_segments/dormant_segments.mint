# Dormant buyers, by what they used to buy: a monthly batch that spends a fixed budget
# where it earns the most. High-value sleepers get a free authentication, bag buyers a
# bags coupon (co-funded by sellers), the rest a small amount off.
campaign dormant_segments "沉睡用户分层唤醒" {
  batch
  budget ¥2_000 expected cost
  funding platform 100%
  funding platform 70% seller 30% for category coupons
  audience user.paid_orders >= 2 and user.last_order_at <= now - 60d and user.ltv_tier != "blocked"

  segment high_value when user.ltv_tier == "high" {
    give perk free_authentication worth ¥50 valid 30d
  }

  segment bag_buyers when "bags" in user.tags {
    give percent_off one of 10%, 15%, 20% cap ¥200 for "bags" valid 14d
  }

  segment others {
    give amount_off ¥15 min_spend ¥150 valid 14d
  }

  model {
    let aov = user.avg_order_value
    let p0 = scores.p_convert
    let value = if offer.kind == "percent_off"
      then min(offer.percent of aov, offer.cap)
      else offer.face_value
    let p = min(0.9, p0 * exp(scores.elasticity * value / max(aov, ¥1)))
    cost = p * value
    gain = (p - p0) * aov
  }
}

test "each sleeper gets the offer of their segment; active buyers none" {
  user {"registered_at": "2024-01-15T09:00:00+08:00", "paid_orders": 5, "last_order_at": "2026-09-01T12:00:00+08:00", "ltv_tier": "mid", "tags": []}
  users [
    {"id": "u-high", "ltv_tier": "high", "avg_order_value": 3000, "scores": {"p_convert": 0.04, "elasticity": 1.5}},
    {"id": "u-bags", "tags": ["bags"], "avg_order_value": 1200, "scores": {"p_convert": 0.05, "elasticity": 2.5}},
    {"id": "u-rest", "avg_order_value": 400, "scores": {"p_convert": 0.08, "elasticity": 1.0}},
    {"id": "u-active", "last_order_at": "2026-11-20T12:00:00+08:00", "avg_order_value": 400, "scores": {"p_convert": 0.08, "elasticity": 1.0}}
  ] run at 2026-12-01 09:00
  expect "u-high" coupon high_value
  expect "u-bags" coupon bag_buyers percent_off 20%
    cap ¥200 for "bags" valid 14d funded platform 70% seller 30%
  expect "u-rest" coupon others amount_off ¥15 min_spend ¥150 valid 14d
  expect "u-active" nothing
}

# ¥2 of expected cost buys the ¥15 coupon's (¥1.25), not also the bags coupon's.
test "a tight budget goes to the best gain per yuan" {
  user {"registered_at": "2024-01-15T09:00:00+08:00", "paid_orders": 5, "last_order_at": "2026-09-01T12:00:00+08:00", "ltv_tier": "mid", "tags": []}
  users [
    {"id": "u-bags", "tags": ["bags"], "avg_order_value": 1200, "scores": {"p_convert": 0.05, "elasticity": 2.5}},
    {"id": "u-rest", "avg_order_value": 400, "scores": {"p_convert": 0.08, "elasticity": 1.0}}
  ] run at 2026-12-01 09:00 budget ¥2
  expect "u-rest" coupon others amount_off ¥15
  expect "u-bags" suppressed bag_buyers budget
}
