# An arm with `random offer` gives each of its users one option of the menu, drawn from
# the user id and the experiment's seed; the other arms get the first option (no
# response model chooses here), and the holdout gets nothing.
campaign depth_explore {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  experiment depth by user.id {
    arm control 10% holds out
    arm explore 30% random offer
    arm rest 60%
  }

  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 15%, 20% cap ¥100 valid 7d
  }
}

# With the seed `depth`: u-1, u-5 and u-15 are in `explore` (drawn 15%, 20%, 10%),
# u-2 in `control`, u-3 in `rest`.
test "explore users get a drawn option, the rest the first" {
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon welcome percent_off 15% cap ¥100 valid 7d
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-5"}}
  expect coupon welcome percent_off 20% cap ¥100 valid 7d
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-15"}}
  expect coupon welcome percent_off 10% cap ¥100 valid 7d
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-2"}}
  expect suppressed welcome holdout
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-3"}}
  expect coupon welcome percent_off 10% cap ¥100 valid 7d
}
