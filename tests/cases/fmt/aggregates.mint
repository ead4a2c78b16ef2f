profile {
  let fan = count( item_favourited   where item.category=="bags" ,7d )>=1
}
campaign spend {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  rule big {
    on app_open
    when sum(order_paid,order.total,90d) > ¥5000 and days_since( order_paid ) < 30 and profile.fan
    once per user
    give amount_off ¥50 valid 48h
  }
}
