# Bag fans: shoppers who favourited a bag this week, or looked at bags on three days of
# it, get a bags coupon when they next look at one. The marketer's definitions live in a
# profile, so other campaigns read the same `profile.bag_fan`.
profile {
  let bag_fan = count(item_favourited where item.category == "bags", 7d) >= 1
    or distinct(view_item where item.category == "bags", date_of(now), 7d) >= 3
  let recent_buyer = count(order_paid, 14d) >= 1
}

campaign bag_fans "包袋爱好者" {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥20_000 face value
  funding platform 70% seller 30% for category coupons

  rule fan_coupon {
    on view_item
    when item.category == "bags" and profile.bag_fan and not profile.recent_buyer
    once per user per month
    give percent_off 8% cap ¥120 for "bags" valid 48h
  }
}

test "a favourited bag, then a look at a bag" {
  user {"id": "u-b1", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 2, "device_id": "d-b1"}
  event view_item at 2026-12-02 20:00 {"item": {"id": "i-1", "category": "bags", "price": 1200}}
  expect nothing
  event item_favourited at 2026-12-02 20:01 {"item": {"id": "i-1", "category": "bags", "price": 1200}}
  event view_item at 2026-12-03 21:00 {"item": {"id": "i-2", "category": "bags", "price": 900}}
  expect coupon fan_coupon percent_off 8%
    cap ¥120 for "bags" valid 48h funded platform 70% seller 30%
}

test "bags looked at on three days of the week make a fan too" {
  user {"id": "u-b2", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 2, "device_id": "d-b2"}
  event view_item at 2026-12-01 20:00 {"item": {"id": "i-1", "category": "bags", "price": 1200}}
  event view_item at 2026-12-01 21:00 {"item": {"id": "i-2", "category": "bags", "price": 800}}
  expect nothing
  event view_item at 2026-12-03 20:00 {"item": {"id": "i-1", "category": "bags", "price": 1200}}
  expect nothing
  event view_item at 2026-12-05 20:00 {"item": {"id": "i-3", "category": "bags", "price": 700}}
  expect coupon fan_coupon percent_off 8%
}

test "a fan who just bought gets nothing" {
  user {"id": "u-b3", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 2, "device_id": "d-b3"}
  event item_favourited at 2026-12-02 20:01 {"item": {"id": "i-1", "category": "bags", "price": 1200}}
  event order_paid at 2026-12-03 10:00 {"order": {"id": "o-1", "total": 1200, "items": [], "coupons": [], "shipping": 0}}
  event view_item at 2026-12-04 21:00 {"item": {"id": "i-2", "category": "bags", "price": 900}}
  expect nothing
}
