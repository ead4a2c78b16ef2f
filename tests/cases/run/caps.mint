# Issue caps: `at most N coupons per campaign` (a campaign clause) and `at most N coupons
# per rule` (a rule clause) count the coupons issued to everyone, and never give a place
# back. Period budgets: `budget ¥N face value per day` / `per hour`, beside the total.
campaign first_two {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  at most 2 coupons per campaign

  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 1h
  }

  rule cart {
    on add_to_cart
    once per user
    at most 1 coupon per rule
    give amount_off ¥5 valid 1h
  }
}

campaign paced {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  budget ¥100 face value
  budget ¥20 face value per day
  budget ¥10 face value per hour

  rule daily {
    on app_open
    at most 3 times per user
    give amount_off ¥10 valid 1h
  }
}

test "the campaign's cap withholds the third coupon, and expiry gives no place back" {
  user {"registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon welcome
  event add_to_cart at 2026-11-02 10:01 {"user": {"id": "u-2"}}
  expect coupon cart
  event view_item at 2026-11-02 10:02 {"user": {"id": "u-3"}}
  expect suppressed welcome cap
  event view_item at 2026-11-03 10:00 {"user": {"id": "u-4"}}
  expect suppressed welcome cap
}

test "the rule's cap withholds its second coupon; a withheld coupon counts toward no limit" {
  user {"registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event add_to_cart at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon cart
  event add_to_cart at 2026-11-02 10:01 {"user": {"id": "u-2"}}
  expect suppressed cart cap
  event view_item at 2026-11-02 10:02 {"user": {"id": "u-2"}}
  expect coupon welcome
}

test "the hour's budget, then the day's, withhold; the next hour and day issue again" {
  user {"id": "u-7", "registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event app_open at 2026-11-02 10:00
  expect coupon daily
  event app_open at 2026-11-02 10:30
  expect suppressed daily budget_hour
  event app_open at 2026-11-02 11:00
  expect coupon daily
  event app_open at 2026-11-02 12:00
  expect suppressed daily budget_day
  event app_open at 2026-11-03 00:00
  expect coupon daily
  # Three coupons: the two withheld counted toward no limit.
  event app_open at 2026-11-03 02:00
  expect nothing
}

# Ten days, 240 hours: ¥240 paced evenly is ¥1 more by the end of each hour.
campaign evenly {
  window 2026-11-01 00:00 .. 2026-11-11 00:00 Asia/Shanghai
  budget ¥240 face value
  pace evenly

  rule hello {
    on order_paid
    give amount_off ¥1 valid 100d
  }
}

test "pace evenly: each hour adds its share of the budget, and unused shares carry on" {
  user {"id": "u-5", "registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event order_paid at 2026-11-01 00:10 {"order": {"id": "o-1", "total": 10}}
  expect coupon hello
  event order_paid at 2026-11-01 00:50 {"order": {"id": "o-2", "total": 10}}
  expect suppressed hello pace
  event order_paid at 2026-11-01 01:00 {"order": {"id": "o-3", "total": 10}}
  expect coupon hello
  # By the end of 05:00–06:00, ¥6: four more fit.
  event order_paid at 2026-11-01 05:10 {"order": {"id": "o-4", "total": 10}}
  expect coupon hello
  event order_paid at 2026-11-01 05:11 {"order": {"id": "o-5", "total": 10}}
  expect coupon hello
  event order_paid at 2026-11-01 05:12 {"order": {"id": "o-6", "total": 10}}
  expect coupon hello
  event order_paid at 2026-11-01 05:13 {"order": {"id": "o-7", "total": 10}}
  expect coupon hello
  event order_paid at 2026-11-01 05:14 {"order": {"id": "o-8", "total": 10}}
  expect suppressed hello pace
}
