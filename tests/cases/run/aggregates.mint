# Aggregates over a user's past events: favourites this week, spend over 90 days.
campaign bag_fans {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  rule fan {
    on view_item
    when item.category == "bags" and count(item_favourited where item.category == "bags", 7d) >= 2
    once per user
    give amount_off ¥20 for "bags" valid 48h
  }
  rule watch_hunter {
    on view_item
    when item.category == "watches" and count(search where search.category == "watches", 7d) >= 2
    once per user
    give amount_off ¥30 for "watches" valid 48h
  }
  rule big_spender {
    on app_open
    when sum(order_paid, order.total, 90d) > ¥5000
    once per user
    give amount_off ¥50 valid 48h
  }
}

test "two bags favourited this week, then a look at a bag" {
  user {"id": "u-1", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 3}
  event item_favourited at 2026-12-01 10:00 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  event item_favourited at 2026-12-02 10:00 {"item": {"id": "i-2", "category": "shoes", "price": 300}}
  event view_item at 2026-12-03 10:00 {"item": {"id": "i-3", "category": "bags", "price": 900}}
  expect nothing
  event item_favourited at 2026-12-04 10:00 {"item": {"id": "i-4", "category": "bags", "price": 900}}
  event view_item at 2026-12-05 10:00 {"item": {"id": "i-3", "category": "bags", "price": 900}}
  expect coupon fan amount_off ¥20
}

test "over ¥5,000 paid in 90 days" {
  user {"id": "u-2", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 3}
  event order_paid at 2026-08-20 10:00 {"order": {"id": "o-1", "total": 3000, "items": [], "coupons": [], "shipping": 0}}
  event order_paid at 2026-11-20 10:00 {"order": {"id": "o-2", "total": 2500, "items": [], "coupons": [], "shipping": 0}}
  event app_open at 2026-12-02 10:00
  expect nothing
  event order_paid at 2026-12-05 10:00 {"order": {"id": "o-3", "total": 2600, "items": [], "coupons": [], "shipping": 0}}
  event app_open at 2026-12-06 10:00
  expect coupon big_spender amount_off ¥50
}

test "two searches for watches this week, then a look at a watch" {
  user {"id": "u-3", "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 1}
  event search at 2026-12-01 10:00 {"query": "omega", "category": "watches"}
  event search at 2026-12-01 10:05 {"query": "lv bag", "category": "bags"}
  event view_item at 2026-12-01 10:10 {"item": {"id": "i-w", "category": "watches", "price": 5000}}
  expect nothing
  event search at 2026-12-02 10:00 {"query": "rolex", "category": "watches"}
  event view_item at 2026-12-02 10:10 {"item": {"id": "i-w", "category": "watches", "price": 5000}}
  expect coupon watch_hunter amount_off ¥30 for "watches"
}
