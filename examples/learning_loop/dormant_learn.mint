# Wake dormant buyers: explore on 10 % of them, learn the response, then spend the rest
# of the budget where it earns the most (docs/learning.md walks through it).
campaign dormant_learn "沉睡用户唤醒：先探索，再分配" {
  batch
  budget ¥20_000 expected cost
  audience user.paid_orders >= 1 and user.last_order_at <= now - 90d
  experiment learn by user.id measure 14d {
    arm holdout 5% holds out
    arm explore 10% random offer
    arm main 85%
  }

  segment everyone {
    give amount_off one of ¥10, ¥30, ¥60 min_spend ¥100 valid 7d
    give percent_off one of 10%, 20% cap ¥300 valid 7d
  }

  # Before a response is fitted: the platform's scores.
  model {
    let aov = user.avg_order_value
    let value = if offer.kind == "percent_off"
      then min(offer.percent of aov, offer.cap)
      else offer.face_value
    let p = min(0.95, scores.p_convert * exp(scores.elasticity * (if aov > ¥0 then value / aov else 0)))
    cost = p * value
    gain = (p - scores.p_convert) * aov
  }
  maximize gain
}
