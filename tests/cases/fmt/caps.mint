campaign first_500 { window 2026-11-01 .. 2026-12-01 Asia/Shanghai
budget   ¥50_000 face value budget ¥10_000   face value  per   day
  at   most 500   coupons per campaign  pace    evenly
rule welcome { on view_item   at most 2 times per user at most 300 coupons  per rule
give amount_off ¥10 valid 24h } }
