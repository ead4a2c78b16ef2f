# A risk check is `check NAME: withhold when …`.
risk {
  check fraud withhold when scores.fraud_risk >= 0.9
}
