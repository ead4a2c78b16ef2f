# Funding shares are percentages.
campaign shared {
  window 2026-11-01 .. 2026-12-01
  funding platform 70 seller 30%
}
