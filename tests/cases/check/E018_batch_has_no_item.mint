# A batch run reads user rows: there is no item, cart or event to read.
campaign seller_wakeup {
  batch
  budget ¥10_000 expected cost
  segment bag_lovers when item.category == "bags" {
    give amount_off ¥20 min_spend ¥200 valid 7d for seller item.seller_id
  }
  segment big_carts when cart.total >= ¥1000 {
    give amount_off ¥30 min_spend ¥300 valid 7d
  }
  model {
    cost = 10% of offer.face_value
    gain = offer.face_value
  }
  maximize gain
}
