# The file's header.
campaign nudge "提醒" { # after the opening brace
  window 2026-11-01 .. 2026-12-01   # trailing a clause


  # before a rule
  rule cart_nudge {
  on add_to_cart # why this trigger
        # an own-line comment inside the rule
    when cart.total >= ¥300 # first condition
       and item.category in ["bags",   # a list broken by a comment
    "shoes"]
    once per user
    give amount_off ¥30
      # between an offer and its terms
      min_spend ¥300 valid 24h
    # before the closing brace
  } # after the rule
} # after the campaign

test "nudge" { # a test
  user {"id": "u-1",   "paid_orders": 1}
  event add_to_cart at 2026-11-02   10:00 {"cart": {"total": 400, "items": []}, "item": {"id": "i", "category": "bags", "price": 400}}
  # expectations follow
  expect coupon cart_nudge
}
# the end
