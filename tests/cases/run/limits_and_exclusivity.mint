# Per-day limits in the campaign's zone, exclusive campaigns, and bare holdouts.
campaign daily_deal {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  priority 10
  exclusive

  rule deal {
    on app_open
    at most 2 per user per day
    give amount_off ¥5 valid 2h
  }
}

campaign also_on_open {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai

  rule hello {
    on app_open
    once per user
    give amount_off ¥1 valid 2h
  }
}

test "two a day, counted by the Shanghai calendar, and exclusive over later campaigns" {
  user {"id": "u-1", "registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event app_open at 2026-11-02 09:00
  expect coupon deal
  expect suppressed hello exclusive
  event app_open at 2026-11-02 23:59
  expect coupon deal
  expect suppressed hello exclusive
  event app_open at 2026-11-02 23:59:30
  expect coupon hello
  event app_open at 2026-11-03 00:00:01
  expect coupon deal
}
