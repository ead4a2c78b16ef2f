campaign behaviour {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  rule wrong {
    on view_item
    when count(item_favorited, 7d) >= 1
      and count(view_item) > 2
      and sum(order_paid, item.category, 30d) > ¥10
      and count(view_item where item.price, 7d) > 0
      and count(view_item, user.registered_at - now) > 0
      and min(view_item where item.price > ¥10, 1) > 0
    once per user
    give amount_off ¥5 valid 24h
  }
}
