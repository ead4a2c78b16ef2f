//! GrowthBook's sequential test (gbstats' `SequentialTwoSidedTTest`): asymptotic
//! confidence sequences after Waudby-Smith et al. (2023, arXiv 2103.06476), valid however
//! often the experiment is looked at.
//!
//! With `N` users in both arms and the difference's variance `V`, the per-user variance is
//! `s² = V N`. The mixture's spread `ρ` is chosen so that the sequence is tightest at
//! `N = tuning` users (eq. 161): `ρ² = (−2 ln α + ln(1 − 2 ln α)) / tuning`. The interval
//! (eq. 9) is `estimate ± s √(2 (N ρ² + 1) ln(√(N ρ² + 1) / α) / (N ρ)²)` and the p-value is
//! the inverse of the mixture's e-value (eq. 155), capped at 1: with `st² = estimate² N / V`,
//! `e = exp(ρ² st² / (2 (N ρ² + 1))) / √(N ρ² + 1)`.

use super::difference::Estimate;
use super::result::Difference;

/// GrowthBook's default tuning parameter: the sample size where the sequence is tightest.
pub const DEFAULT_TUNING: f64 = 5000.0;

/// `ρ` for `alpha` and the tuning parameter.
pub fn rho(alpha: f64, tuning: f64) -> f64 {
    let log_alpha = alpha.ln();
    ((-2.0 * log_alpha + (1.0 - 2.0 * log_alpha).ln()) / tuning).sqrt()
}

/// The confidence sequence and its p-value for an estimate from `users` users in all.
pub fn interval(estimate: Estimate, users: f64, alpha: f64, tuning: f64) -> Difference {
    let rho = rho(alpha, tuning);
    let spread = users * rho * rho + 1.0;
    let s2 = estimate.variance * users;
    let width = s2.sqrt() * (2.0 * spread * (spread.sqrt() / alpha).ln() / (users * rho).powi(2)).sqrt();
    // The e-value in logarithms: exp() of a large statistic would overflow to infinity.
    let st2 = estimate.estimate * estimate.estimate * users / estimate.variance;
    let log_evalue = rho * rho * st2 / (2.0 * spread) - 0.5 * spread.ln();
    Difference {
        estimate: estimate.estimate,
        ci: [estimate.estimate - width, estimate.estimate + width],
        p_value: (-log_evalue).exp().min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequence_is_wider_than_the_fixed_interval() {
        let e = Estimate {
            estimate: 0.01,
            variance: 1e-5,
        };
        let fixed = super::super::fixed::interval(e, 1e4, 0.05);
        let seq = interval(e, 1e4, 0.05, DEFAULT_TUNING);
        assert!(seq.ci[0] < fixed.ci[0] && seq.ci[1] > fixed.ci[1]);
        assert!(seq.p_value >= fixed.p_value);
    }

    #[test]
    fn no_difference_gives_p_one() {
        let seq = interval(
            Estimate {
                estimate: 0.0,
                variance: 1e-5,
            },
            1e4,
            0.05,
            DEFAULT_TUNING,
        );
        assert_eq!(seq.p_value, 1.0);
    }
}
