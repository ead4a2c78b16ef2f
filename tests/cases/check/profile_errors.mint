profile {
  let fan = count(item_favourited, 7d) >= 1
  let fan = 1 > 0
  let early = profile.later
  let later = user.paid_orders > 2
}

campaign winback {
  batch
  budget ¥100 expected cost
  audience profile.fan and profile.fam
  segment all {
    give amount_off ¥5 valid 7d
  }
  model {
    cost = ¥1
    gain = ¥2
  }
}
