# Times outside 1970-01-01 .. 9998-12-31 (UTC) could not be written back as RFC 3339:
# the window's end and the test's tick are refused.
campaign forever {
  window 2026-01-01 00:00 .. 9999-12-31 23:59 UTC
  rule hello {
    on app_open
    once per user
    give amount_off ¥5 valid 24h
  }
}

test "a tick before 1970" {
  tick 1969-12-31 23:00
  expect nothing
}
