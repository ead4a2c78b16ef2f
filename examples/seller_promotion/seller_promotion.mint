# A seller's own promotion: a vintage shop's anniversary week, ¥30 off its items for a
# spend of ¥300, paid by the shop. The platform pays nothing of it; other sellers' items
# are not covered.
campaign vintage_house_week "古着屋周年庆" {
  window 2026-12-05 00:00 .. 2026-12-12 00:00 Asia/Shanghai
  budget ¥20_000 face value
  for seller "s-vintage"
  audience user.ltv_tier != "blocked"

  rule anniversary {
    on view_item
    when item.seller_id == "s-vintage" and item.price >= ¥200
    once per user
    give amount_off ¥30 min_spend ¥300 valid 3d
  }
}

test "a look at the shop's item brings the shop's coupon, paid by the shop" {
  user {"id": "u-v1", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 6, "ltv_tier": "mid", "device_id": "d-v1"}
  event view_item at 2026-12-06 21:00 {"item": {"id": "i-coat", "category": "clothes", "price": 680, "seller_id": "s-vintage"}}
  expect coupon anniversary amount_off ¥30
    min_spend ¥300 for seller "s-vintage" valid 3d funded seller 100%
  event view_item at 2026-12-06 21:10 {"item": {"id": "i-bag", "category": "bags", "price": 900, "seller_id": "s-vintage"}}
  expect nothing
}

test "other sellers' items and cheap items bring nothing" {
  user {"id": "u-v2", "registered_at": "2025-03-01T09:00:00+08:00", "paid_orders": 2, "ltv_tier": "low", "device_id": "d-v2"}
  event view_item at 2026-12-06 21:00 {"item": {"id": "i-9", "category": "clothes", "price": 680, "seller_id": "s-other"}}
  expect nothing
  event view_item at 2026-12-06 21:05 {"item": {"id": "i-scarf", "category": "clothes", "price": 80, "seller_id": "s-vintage"}}
  expect nothing
}
