# New users: a progressive offer that nudges them to their first paid order.
campaign new_user_ladder "新客首单阶梯券" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥200_000 face value
  funding platform 100%
  audience user.paid_orders == 0 and user.registered_at within 30d

  experiment ladder_v1 by user.id {
    arm holdout 10% holds out ladder
    arm ladder 45%
    arm flat 45%
  }

  cancel timers on order_paid

  rule welcome in ladder {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }

  rule cart_nudge in ladder {
    on add_to_cart
    wait 2h unless checkout_started, order_paid
    once per user
    give amount_off ¥30 min_spend ¥199 valid 48h
    revoke welcome as upgraded
  }

  rule last_call in ladder {
    on payment_abandoned
    wait 24h unless order_paid
    once per user
    give percent_off 15% cap ¥100 valid 6h
  }

  rule flat_welcome in flat {
    on view_item
    once per user
    give amount_off ¥30 min_spend ¥199 valid 72h
  }
}
