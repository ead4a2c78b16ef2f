campaign long_lines {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  audience user.paid_orders >= 1 and user.last_order_at <= now - 90d and coupons_issued(30d, "long_lines") == 0 and user.ltv_tier != "low"
  rule deep {
    on view_item, add_to_cart, checkout_started
    when item.category in ["bags", "watches", "sneakers", "jewellery", "scarves"] or item.price >= ¥5000
    once per user per item.category
    give percent_off if signal("category_heat", item.category) >= 0.8 then 15% else 10% cap ¥200 min_spend ¥1000 for item.category valid until window end funded platform 50% seller 50%
    alert customer_service with user: user.id, category: item.category, price: item.price, total: cart.total
  }
}
