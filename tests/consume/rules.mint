# The consumer's crash test: one campaign whose coupons depend on the order of each
# user's own events (so that a user's events decided out of order would show), one with a
# budget that runs out (so that an overspend would show).
campaign in_order "按序检查" {
  window 2026-01-01 00:00 .. 2028-01-01 00:00 Asia/Shanghai

  rule second_look {
    on view_item
    when count(view_item, 30d) == 2
    once per user
    give amount_off ¥5 valid 72h
  }

  rule cart_after_views {
    on add_to_cart
    when count(view_item, 30d) >= 3 and count(add_to_cart, 30d) == 1
    once per user
    give amount_off ¥8 valid 72h
  }
}

campaign scarce "预算检查" {
  window 2026-01-01 00:00 .. 2028-01-01 00:00 Asia/Shanghai
  budget ¥300 face value

  rule first_view {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
