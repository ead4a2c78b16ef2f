# A limit counts per user, per day, week or month, or per a field; `campaign` is none of them.
campaign flash {
  window 2026-11-01 .. 2026-12-01
  rule first_500 {
    on view_item
    at most 500 per campaign
    give amount_off ¥10 valid 24h
  }
}
