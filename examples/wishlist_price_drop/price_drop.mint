# Wishlist nudges: a platform event type declared by the rules, a custom function in
# Rhai, and an alert to the merchandising team for very expensive items.
event wishlist_added

function price_band(price: money) -> string {
  if price >= 5000.0 { "luxury" } else if price >= 1000.0 { "premium" } else { "everyday" }
}

campaign wishlist_nudge "心愿单降价提醒" {
  window 2026-11-20 00:00 .. 2027-01-31 00:00 Asia/Shanghai
  budget ¥50_000 face value

  rule premium_wish {
    on wishlist_added
    when price_band(item.price) == "premium"
    at most 2 per user per week
    give amount_off ¥30 min_spend ¥1000 valid 48h
  }

  rule luxury_wish {
    on wishlist_added
    when price_band(item.price) == "luxury"
    once per user per item.id
    alert merchandising with item: item.id, price: item.price
    give amount_off ¥200 min_spend ¥5000 valid 48h
  }
}

test "premium wishes get at most two coupons a week" {
  user {"id": "u-w1", "registered_at": "2025-05-01T09:00:00+08:00", "paid_orders": 1, "device_id": "d-w1"}
  event wishlist_added at 2026-11-23 10:00 {"item": {"id": "i-1", "category": "bags", "price": 1800}}
  expect coupon premium_wish amount_off ¥30
  event wishlist_added at 2026-11-24 10:00 {"item": {"id": "i-2", "category": "bags", "price": 1500}}
  expect coupon premium_wish
  event wishlist_added at 2026-11-25 10:00 {"item": {"id": "i-3", "category": "bags", "price": 1200}}
  expect nothing
  event wishlist_added at 2026-11-30 10:00 {"item": {"id": "i-4", "category": "bags", "price": 1200}}
  expect coupon premium_wish
}

test "a luxury wish alerts merchandising" {
  user {"id": "u-w2", "registered_at": "2025-05-01T09:00:00+08:00", "paid_orders": 1, "device_id": "d-w2"}
  event wishlist_added at 2026-11-23 10:00 {"item": {"id": "i-9", "category": "watches", "price": 52000}}
  expect coupon luxury_wish amount_off ¥200 min_spend ¥5000
  expect alert merchandising
  event wishlist_added at 2026-11-23 11:00 {"item": {"id": "i-10", "category": "bags", "price": 300}}
  expect nothing
}
