campaign ladder {
  window 2026-11-01 .. 2026-12-01
  experiment ladder_v1 by user.id seed 42 {
    arm a 50%
    arm b 50%
  }
}
