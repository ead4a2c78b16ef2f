# `windows` is read as `window` and then `s`: the message names the whole word.
campaign welcome {
  windows 2026-11-01 .. 2026-12-01
}
