# First order in Chengdu ships free: a city launch offer.
field user.city: string

campaign chengdu_free_shipping "成都首单包邮" {
  window 2026-11-15 00:00 .. 2027-02-15 00:00 Asia/Shanghai
  budget ¥30_000 face value
  funding platform 100%
  audience user.paid_orders == 0 and user.city == "成都"

  rule first_order_ships_free {
    on add_to_cart
    once per user
    give free_shipping worth ¥15 valid 7d
  }
}

test "a first-time buyer in Chengdu gets free shipping once" {
  user {"id": "u-cd1", "registered_at": "2026-11-01T09:00:00+08:00", "paid_orders": 0, "city": "成都", "device_id": "d-cd1"}
  event add_to_cart at 2026-11-20 12:00 {"cart": {"items": [], "total": 260}}
  expect coupon first_order_ships_free free_shipping valid 7d
  event add_to_cart at 2026-11-21 12:00 {"cart": {"items": [], "total": 260}}
  expect nothing
}

test "other cities and returning buyers do not" {
  user {"id": "u-sh1", "registered_at": "2026-11-01T09:00:00+08:00", "paid_orders": 0, "city": "上海", "device_id": "d-sh1"}
  event add_to_cart at 2026-11-20 12:00
  expect nothing
  event add_to_cart at 2026-11-20 12:00 {"user": {"id": "u-cd2", "city": "成都", "paid_orders": 2}}
  expect nothing
}
