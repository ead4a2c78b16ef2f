# `discount` is not an offer; `amount_off` is.
campaign welcome {
  window 2026-11-01 .. 2026-12-01
  rule first_look {
    on view_item
    once per user
    give discount ¥10 valid 72h
  }
}
