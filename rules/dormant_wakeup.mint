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
