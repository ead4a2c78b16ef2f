# `to inviter` / `to invitee` only in a rule on `referral_completed` alone, and only
# those two words.
campaign invite {
  window 2026-12-01 .. 2027-01-01 Asia/Shanghai

  rule on_open {
    on app_open
    once per user
    give amount_off ¥5 valid 7d to inviter
  }

  rule mixed {
    on referral_completed, order_paid
    once per user
    give amount_off ¥5 valid 7d to invitee
  }

  rule misspelt {
    on referral_completed
    once per user
    give amount_off ¥5 valid 7d to invter
  }
}

campaign winback {
  batch
  budget ¥1_000 expected cost

  segment everyone {
    give amount_off ¥10 min_spend ¥100 valid 7d to inviter
  }
}
