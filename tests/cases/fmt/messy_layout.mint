# a campaign written in a hurry
campaign   messy  "乱七八糟" {
window 2026-11-01 00:00 .. 2026-12-01 00:00   Asia/Shanghai


      audience user.paid_orders == 0
  and user.registered_at within 30d   # new users only
rule   welcome {
on view_item
      once per user
give amount_off ¥10    valid 72h

}
}
