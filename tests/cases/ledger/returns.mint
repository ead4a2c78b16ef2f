# Returns: a threshold, a seller co-funded category coupon, free shipping and a gift.
campaign spring {
  window 2026-03-01 00:00 .. 2026-04-01 00:00 Asia/Shanghai
  budget ¥10_000 face value
  funding platform 100%
  funding platform 70% seller 30% for category coupons
  rule base {
    on app_open
    once per user
    give threshold spend ¥300 get ¥50 off valid 48h
  }
  rule bags {
    on view_item
    once per user
    give percent_off 10% cap ¥200 for "bags" valid until window end
  }
  rule ship {
    on app_open
    once per user
    give free_shipping worth ¥12 valid 48h
  }
  rule kit {
    on app_open
    once per user
    give gift care_kit worth ¥30 min_spend ¥100 valid 48h
  }
}
