//! CUPED: regression adjustment of a metric on a pre-exposure covariate, as gbstats'
//! `RegressionAdjustedStatistic` does it.
//!
//! Each arm's mean becomes `mean(Y) − θ mean(X)`, with one θ for both arms, fitted on the
//! pooled users (`compute_theta`): `θ = cov(Y, X) / var(X)` over both arms together. The
//! covariate was fixed before exposure, so the adjustment removes the part of the metric's
//! spread that the covariate predicts without moving the expected difference.

use super::sums::{ArmMoments, ArmSums, MetricKind};

/// The pooled θ, or `None` when the pooled metric or covariate has no variance, in which
/// case gbstats (and so Mintage) falls back to the unadjusted test; a θ of exactly 0 falls
/// back too, which changes nothing but the label.
pub fn pooled_theta(kind: MetricKind, baseline: &ArmSums, arm: &ArmSums) -> Option<f64> {
    let pooled = baseline.pooled(arm);
    let covariate_variance = pooled.covariate_variance();
    if covariate_variance == 0.0 || pooled.variance(kind) == 0.0 {
        return None;
    }
    let theta = pooled.covariance() / covariate_variance;
    (theta != 0.0 && theta.is_finite()).then_some(theta)
}

/// One arm's moments adjusted with `theta`: the mean minus θ times the covariate's mean,
/// the variance `var(Y) + θ² var(X) − 2θ cov(Y, X)`, and the plain mean kept for the
/// relative difference.
pub fn adjusted(kind: MetricKind, sums: &ArmSums, theta: f64) -> ArmMoments {
    let plain = ArmMoments::plain(kind, sums);
    let variance = if sums.n <= 1 {
        0.0
    } else {
        plain.variance + theta * theta * sums.covariate_variance() - 2.0 * theta * sums.covariance()
    };
    ArmMoments {
        n: plain.n,
        mean: plain.mean - theta * sums.covariate_mean(),
        variance,
        unadjusted_mean: plain.mean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arm(pairs: &[(f64, f64)]) -> ArmSums {
        let mut sums = ArmSums::default();
        for (value, covariate) in pairs {
            sums.push(*value, *covariate);
        }
        sums
    }

    #[test]
    fn theta_is_the_pooled_regression_slope() {
        // Pooled, Y = 2X + 1 exactly, so the slope is 2 whatever the arms.
        let a = arm(&[(1.0, 0.0), (5.0, 2.0)]);
        let b = arm(&[(3.0, 1.0), (7.0, 3.0)]);
        let theta = pooled_theta(MetricKind::Mean, &a, &b);
        assert!(theta.is_some_and(|t| (t - 2.0).abs() < 1e-12), "{theta:?}");
    }

    #[test]
    fn a_constant_covariate_means_no_adjustment() {
        let a = arm(&[(1.0, 4.0), (5.0, 4.0)]);
        let b = arm(&[(3.0, 4.0), (7.0, 4.0)]);
        assert_eq!(pooled_theta(MetricKind::Mean, &a, &b), None);
    }

    #[test]
    fn adjustment_keeps_the_plain_mean_for_relative_differences() {
        let a = arm(&[(1.0, 0.0), (5.0, 2.0), (4.0, 1.0)]);
        let m = adjusted(MetricKind::Mean, &a, 0.5);
        assert_eq!(m.unadjusted_mean, 10.0 / 3.0);
        assert!((m.mean - (10.0 / 3.0 - 0.5)).abs() < 1e-15);
    }
}
