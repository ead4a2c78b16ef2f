function loyalty_boost(orders: number) -> number {
  let boost = if orders > 10 { 1.2 } else { 1.0 };
  boost *
}

campaign loyalty {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule thanks {
    on order_paid
    when loyalty_boost(user.paid_orders) > 1.1
    once per user
    give amount_off ¥20 valid 7d
  }
}
