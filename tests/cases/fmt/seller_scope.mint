# a seller's own promotion: the campaign's scope, and a rule's own
campaign   s8848_week {
window 2026-11-01 00:00 .. 2026-11-08 00:00 Asia/Shanghai
      funding seller 100%
   for seller "s-8848"     # every offer covers only this seller's items
rule bags {
on view_item
once per user
give percent_off 10% cap ¥100
for "bags"
   for seller item.seller_id
valid 7d
}
}
