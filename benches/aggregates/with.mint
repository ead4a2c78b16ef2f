# 20 aggregates over past events, read by 20 rules whose outcomes are those of without.mint
# (each reads its aggregate, then `or true`): the cost of keeping and reading them.
# docs/performance.md, "Behaviour over time", runs it.
profile {
  let f0 = count(view_item where item.category == "bags", 7d) >= 3
  let f1 = distinct(view_item where item.category == "bags", item.id, 30d) >= 2
  let f2 = count(view_item where item.category == "watches", 7d) >= 3
  let f3 = distinct(view_item where item.category == "watches", item.id, 30d) >= 2
  let f4 = count(view_item where item.category == "sneakers", 7d) >= 3
  let f5 = distinct(view_item where item.category == "sneakers", item.id, 30d) >= 2
  let f6 = count(view_item where item.category == "shoes", 7d) >= 3
  let f7 = distinct(view_item where item.category == "shoes", item.id, 30d) >= 2
  let f8 = count(view_item, 1d) >= 5
  let f9 = count(view_item, 7d) >= 20
  let f10 = count(add_to_cart, 7d) >= 2
  let f11 = count(app_open, 30d) >= 4
  let f12 = count(order_paid, 90d) >= 1
  let f13 = count(checkout_started, 7d) >= 1
  let f14 = count(payment_abandoned, 14d) >= 1
  let f15 = count(cart_abandoned, 14d) >= 1
  let f16 = distinct(view_item, item.category, 7d) >= 3
  let f17 = days_since(order_paid) < 30
  let f18 = sum(view_item, item.price, 7d) > ¥5000
  let f19 = count(add_to_cart where cart.total >= ¥500, 30d) >= 1
}

campaign behaviour {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule r0 {
    on view_item
    when (profile.f0 or true) and item.price > ¥0
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r1 {
    on view_item
    when (profile.f1 or true) and item.price > ¥1
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r2 {
    on view_item
    when (profile.f2 or true) and item.price > ¥2
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r3 {
    on view_item
    when (profile.f3 or true) and item.price > ¥3
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r4 {
    on view_item
    when (profile.f4 or true) and item.price > ¥4
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r5 {
    on view_item
    when (profile.f5 or true) and item.price > ¥5
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r6 {
    on view_item
    when (profile.f6 or true) and item.price > ¥6
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r7 {
    on view_item
    when (profile.f7 or true) and item.price > ¥7
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r8 {
    on view_item
    when (profile.f8 or true) and item.price > ¥8
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r9 {
    on view_item
    when (profile.f9 or true) and item.price > ¥9
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r10 {
    on view_item
    when (profile.f10 or true) and item.price > ¥10
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r11 {
    on view_item
    when (profile.f11 or true) and item.price > ¥11
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r12 {
    on view_item
    when (profile.f12 or true) and item.price > ¥12
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r13 {
    on view_item
    when (profile.f13 or true) and item.price > ¥13
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r14 {
    on view_item
    when (profile.f14 or true) and item.price > ¥14
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r15 {
    on view_item
    when (profile.f15 or true) and item.price > ¥15
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r16 {
    on view_item
    when (profile.f16 or true) and item.price > ¥16
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r17 {
    on view_item
    when (profile.f17 or true) and item.price > ¥17
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r18 {
    on view_item
    when (profile.f18 or true) and item.price > ¥18
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r19 {
    on view_item
    when (profile.f19 or true) and item.price > ¥19
    once per user
    give amount_off ¥1 valid 24h
  }
}
