campaign c { window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
 experiment e   by user.id   measure   14d { arm a 50% holds out
 arm b 50% } rule r in b { on view_item once per user give amount_off ¥10 valid 72h } }
