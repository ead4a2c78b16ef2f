campaign spend_it_all {
  batch
  budget ¥10_000 expected cost
  segment everyone {
    give amount_off ¥20 min_spend ¥200 valid 7d
  }
  model {
    cost = 10% of offer.face_value
    gain = offer.face_value
  }
  maximize cost
}
