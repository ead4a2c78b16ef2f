# header comment

# risk policy
risk {
  # first check
  check fraud_score: withhold when scores.fraud_risk >= 0.9 # trailing
    # indented comment
}
