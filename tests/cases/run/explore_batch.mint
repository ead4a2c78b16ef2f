# A batch campaign with an experiment: the holdout gets nothing, the explore arm an option
# of its segment's menu drawn at random (within the budget), the rest what the
# allocation chooses.
campaign learn_depth {
  batch
  budget ¥1_000 expected cost
  audience user.paid_orders >= 1
  experiment learn by user.id {
    arm holdout 20% holds out
    arm explore 40% random offer
    arm main 40%
  }

  segment everyone {
    give amount_off one of ¥10, ¥20, ¥30 min_spend ¥100 valid 7d
  }

  model {
    let p = min(0.9, scores.p_convert + offer.face_value / ¥100)
    cost = p * offer.face_value
    gain = (p - scores.p_convert) * user.avg_order_value
  }
  maximize gain
}

# With the seed `learn`: u-1 and u-2 are in `explore` (both drawn ¥20), u-3 in `main`
# (the allocation's best, ¥30), u-5 in `holdout`.
test "arms in a batch run" {
  user {"paid_orders": 2, "avg_order_value": 300, "scores": {"p_convert": 0.1}}
  users [
    {"id": "u-1"},
    {"id": "u-2"},
    {"id": "u-3"},
    {"id": "u-5"}
  ] run at 2026-11-20 10:00
  expect "u-1" coupon everyone amount_off ¥20 min_spend ¥100 valid 7d
  expect "u-2" coupon everyone amount_off ¥20 min_spend ¥100 valid 7d
  expect "u-3" coupon everyone amount_off ¥30 min_spend ¥100 valid 7d
  expect "u-5" suppressed everyone holdout
}
