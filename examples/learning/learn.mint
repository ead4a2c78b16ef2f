# Learning the response to discount depth: a holdout gets nothing, the explore arm one
# option of the menu drawn at random; `mintage fit` learns from those two arms.
campaign learn {
  batch
  budget ¥100_000 expected cost
  audience user.paid_orders >= 1
  experiment learn by user.id measure 7d {
    arm holdout 20% holds out
    arm explore 70% random offer
    arm main 10%
  }

  segment everyone {
    give percent_off one of 10%, 20%, 30% cap ¥1000 valid 7d
  }

  model {
    let p = min(0.9, scores.p_base * 0.2 + offer.face_value / ¥1000)
    cost = p * offer.face_value
    gain = (p - scores.p_base * 0.2) * user.avg_order_value
  }
  maximize gain
}
