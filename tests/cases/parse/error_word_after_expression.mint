# After a complete condition comes an operator or the next clause.
campaign welcome {
  window 2026-11-01 .. 2026-12-01
  rule first_look {
    on view_item
    when user.paid_orders == 0 new_users
    give amount_off ¥10 valid 72h
  }
}
