# A cap of the whole campaign is a campaign clause; inside a rule, write `per rule`.
campaign flash {
  window 2026-11-01 .. 2026-12-01
  rule first_500 {
    on view_item
    at most 500 per campaign
    give amount_off ¥10 valid 24h
  }
}
