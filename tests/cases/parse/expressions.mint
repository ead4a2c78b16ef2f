campaign exprs {
  window 2026-11-01 .. 2026-12-01
  audience not (user.ltv_tier in ["low", "mid"]) or -user.paid_orders < -3 and user.total_spend / ¥100 >= 2.5
  rule r {
    on view_item
    when item.category not in ["bags"] and 15% of item.price > ¥20 and now - user.registered_at <= 7d
    once per user per week
    give amount_off if item.price > ¥1_000 then 30 CNY else 10元 valid 1h30m
  }
}
