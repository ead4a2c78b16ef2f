# The 20 rules of with.mint without their aggregates (docs/performance.md).

campaign behaviour {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule r0 {
    on view_item
    when item.price > ¥0
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r1 {
    on view_item
    when item.price > ¥1
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r2 {
    on view_item
    when item.price > ¥2
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r3 {
    on view_item
    when item.price > ¥3
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r4 {
    on view_item
    when item.price > ¥4
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r5 {
    on view_item
    when item.price > ¥5
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r6 {
    on view_item
    when item.price > ¥6
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r7 {
    on view_item
    when item.price > ¥7
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r8 {
    on view_item
    when item.price > ¥8
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r9 {
    on view_item
    when item.price > ¥9
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r10 {
    on view_item
    when item.price > ¥10
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r11 {
    on view_item
    when item.price > ¥11
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r12 {
    on view_item
    when item.price > ¥12
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r13 {
    on view_item
    when item.price > ¥13
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r14 {
    on view_item
    when item.price > ¥14
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r15 {
    on view_item
    when item.price > ¥15
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r16 {
    on view_item
    when item.price > ¥16
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r17 {
    on view_item
    when item.price > ¥17
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r18 {
    on view_item
    when item.price > ¥18
    once per user
    give amount_off ¥1 valid 24h
  }
  rule r19 {
    on view_item
    when item.price > ¥19
    once per user
    give amount_off ¥1 valid 24h
  }
}
