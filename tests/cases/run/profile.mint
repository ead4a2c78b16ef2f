# Profile features shared by campaigns: defined once, read as `profile.NAME`.
profile {
  let bag_fan = count(item_favourited where item.category == "bags", 7d) >= 1
  let big_spender = sum(order_paid, order.total, 90d) > ¥5000
  let loyal_bag_fan = profile.bag_fan and user.paid_orders >= 3
}

campaign bag_week {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  rule fan {
    on view_item
    when item.category == "bags" and profile.loyal_bag_fan
    once per user
    give amount_off ¥20 for "bags" valid 48h
  }
}

test "a loyal buyer who favourited a bag" {
  user {"id": "u-1", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 3}
  event view_item at 2026-12-02 10:00 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  expect nothing
  event item_favourited at 2026-12-02 10:05 {"item": {"id": "i-1", "category": "bags"}}
  event view_item at 2026-12-02 10:10 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  expect coupon fan amount_off ¥20
}
