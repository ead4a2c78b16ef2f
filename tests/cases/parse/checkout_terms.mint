# Checkout terms: a campaign's cap per order, stackable rules, rules not for items on
# sale, and exclusivity across campaigns.
campaign double11 {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  at most ¥300 off per order
  rule base {
    on app_open
    once per user
    give threshold spend ¥300 get ¥50 off valid until window end
  }
  rule bags {
    on view_item
    at most 3 times per user
    stackable
    not on sale items
    give amount_off ¥20 for "bags" valid 24h
  }
}

campaign newbie {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule welcome {
    on app_open
    once per user
    give amount_off ¥30 valid 72h
    exclusive with double11.base, late
  }
  rule late {
    on view_item
    once per user
    give amount_off ¥5 valid 72h
    exclusive
  }
}
