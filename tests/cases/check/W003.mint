campaign winback {
  batch
  budget ¥10_000 expected cost
  audience user.paid_orders >= 1
  segment everyone {
    give amount_off ¥20 min_spend ¥200 valid 7d
  }
  segment big_spenders when user.avg_order_value >= ¥2000 {
    give amount_off ¥50 min_spend ¥500 valid 7d
  }
  model {
    cost = 10% of offer.face_value
    gain = offer.face_value
  }
  maximize gain
}
