# Face-value budgets: reserved at issue, released on expiry and revocation, spent on use.
campaign tiny_budget {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  budget ¥25 face value

  rule welcome {
    on view_item
    once per user
    give amount_off ¥10 valid 1h
  }

  rule upgrade {
    on add_to_cart
    once per user
    give amount_off ¥20 valid 1h
    revoke welcome as upgraded
  }
}

test "a coupon that does not fit the budget is withheld, and fits again once one expires" {
  user {"registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon welcome
  event view_item at 2026-11-02 10:01 {"user": {"id": "u-2"}}
  expect coupon welcome
  event view_item at 2026-11-02 10:02 {"user": {"id": "u-3"}}
  expect suppressed welcome budget
  event view_item at 2026-11-02 11:30 {"user": {"id": "u-4"}}
  expect coupon welcome
}

test "revoking a coupon releases its budget for the upgrade" {
  user {"id": "u-9", "registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event view_item at 2026-11-02 10:00
  expect coupon welcome amount_off ¥10
  event add_to_cart at 2026-11-02 10:10
  expect coupon upgrade amount_off ¥20
  expect revoked welcome as upgraded
}

test "a redeemed coupon stays spent" {
  user {"registered_at": "2026-10-01T00:00:00+08:00", "paid_orders": 0}
  event view_item at 2026-11-02 10:00 {"user": {"id": "u-1"}}
  expect coupon welcome
  event coupon_redeemed at 2026-11-02 10:05 {"user": {"id": "u-1"}, "code": "$coupon:welcome"}
  expect nothing
  event view_item at 2026-11-02 12:00 {"user": {"id": "u-2"}}
  expect coupon welcome
  event view_item at 2026-11-02 12:01 {"user": {"id": "u-3"}}
  expect suppressed welcome budget
}
