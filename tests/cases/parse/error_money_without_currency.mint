# A budget is money: `¥5000`, not `5000`.
campaign flash {
  window 2026-11-01 .. 2026-12-01
  budget 5000
}
