field   user.city :string
event wishlist_added ,price_drop

function double( amount :money ,times: number )->money {
    amount * times
}

campaign spacing{
  window 2026-11-01   09:30 .. 2026-12-01 00:00 UTC
  budget 30   CNY   face   value
  funding platform 70% , seller 30% for category coupons
  audience not ( user.paid_orders > 3 ) and - 1 < user.paid_orders and user.city not   in [ "上海" , "北京" , ]
  rule a in ladder{on wishlist_added once per user give amount_off min( ¥10 , 10% of double( cart.total , 2 ) ) valid 1h30m}
  experiment ladder by user.id seed "s-1" { arm ladder 90% arm control 10% holds out ladder }
}

risk{check fraud : withhold when scores.fraud_risk>=0.9}
