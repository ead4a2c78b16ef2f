# hour_of, weekday_of and date_of read `now` (the event's time) in the campaign's zone;
# test steps are written in the default zone (Asia/Shanghai).

campaign night_owls {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule owl {
    on view_item
    when hour_of(now) >= 20 and weekday_of(now) >= 6
    at most 5 per user per day
    give amount_off ¥10 valid 7d on weekends between 22:00 and 02:00
  }
}

campaign singles_day {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule on_the_day {
    on app_open
    when date_of(now) == 2026-11-11
    once per user
    give amount_off ¥11 valid 24h
  }
}

campaign new_york_breakfast {
  window 2026-11-01 .. 2026-12-01 America/New_York
  rule breakfast {
    on add_to_cart
    when hour_of(now) < 10 and weekday_of(now) == 6
    once per user
    give amount_off ¥5 valid until window end on weekdays between 07:00 and 10:00
  }
}

test "night owls on a Saturday evening, not a Friday evening" {
  user {"id": "u-1"}
  event view_item at 2026-11-06 21:00 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  expect nothing
  event view_item at 2026-11-07 19:59 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  expect nothing
  event view_item at 2026-11-07 20:00 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  expect coupon owl amount_off ¥10 valid 7d on sat, sun between 22:00 and 02:00
  event view_item at 2026-11-08 23:30 {"item": {"id": "i-1", "category": "bags", "price": 900}}
  expect coupon owl amount_off ¥10 on weekends
}

test "the date in the campaign's zone" {
  user {"id": "u-2"}
  event app_open at 2026-11-10 23:59
  expect nothing
  event app_open at 2026-11-11 00:00
  expect coupon on_the_day amount_off ¥11 valid 24h
}

test "a New York campaign reads New York's hour and day" {
  user {"id": "u-3"}
  # Saturday 2026-11-07 21:00 in Shanghai is Saturday 08:00 in New York.
  event add_to_cart at 2026-11-07 21:00 {"item": {"id": "i-2", "category": "shoes", "price": 300}}
  expect coupon breakfast amount_off ¥5 valid until window end on weekdays between 07:00 and 10:00
}

test "Saturday morning in Shanghai is Friday evening in New York" {
  user {"id": "u-4"}
  event add_to_cart at 2026-11-07 08:00 {"item": {"id": "i-2", "category": "shoes", "price": 300}}
  expect nothing
}
