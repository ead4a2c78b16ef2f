# Saved by an editor set to GBK: the title's bytes are not UTF-8.
campaign dormant_wakeup "³ÁË¯ÓÃ»§»½ÐÑ" {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  rule base {
    on app_open
    once per user
    give amount_off 10Ôª valid 24h
  }
}
