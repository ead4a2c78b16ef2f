field user.city: string
event wishlist_added

function boost(x: number) -> number {
  if x > 1.0 { x * 2.0 } else { x }
}

campaign batchy {
  batch
  budget ¥1_000 expected cost
  segment all {
    give percent_off one of 10%, 20% cap ¥50 valid 7d
  }
  model {
    let p = min(0.95, boost(scores.p_convert))
    cost = p * offer.face_value
    gain = p * user.avg_order_value
  }
  maximize gain
}
