//! The two differences between an arm and the baseline, each as an estimate with the
//! variance of that estimate, and the Welch–Satterthwaite degrees of freedom they share.

use super::sums::ArmMoments;

/// A difference of means and the variance of that estimate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub variance: f64,
}

/// `mean(arm) − mean(baseline)`, with variance `s²_b / n_b + s²_a / n_a`.
pub fn absolute(baseline: &ArmMoments, arm: &ArmMoments) -> Estimate {
    Estimate {
        estimate: arm.mean - baseline.mean,
        variance: arm.variance / arm.n + baseline.variance / baseline.n,
    }
}

/// `(mean(arm) − mean(baseline)) / mean(baseline)`, with the delta-method variance of a
/// ratio of independent means, `s²_b / (μ_a² n_b) + s²_a μ_b² / (μ_a⁴ n_a)`.
///
/// As in gbstats, the ratio divides by the plain baseline mean and the variance uses the
/// plain means even when CUPED adjusted the difference in the numerator.
pub fn relative(baseline: &ArmMoments, arm: &ArmMoments) -> Estimate {
    let mu_a = baseline.unadjusted_mean;
    let mu_b = arm.unadjusted_mean;
    Estimate {
        estimate: (arm.mean - baseline.mean) / mu_a,
        variance: arm.variance / (mu_a * mu_a * arm.n) + baseline.variance * mu_b * mu_b / (mu_a.powi(4) * baseline.n),
    }
}

/// The Welch–Satterthwaite degrees of freedom,
/// `(s²_a/n_a + s²_b/n_b)² / (s⁴_a/(n_a²(n_a − 1)) + s⁴_b/(n_b²(n_b − 1)))`.
pub fn welch_dof(baseline: &ArmMoments, arm: &ArmMoments) -> f64 {
    let share = |m: &ArmMoments| m.variance / m.n;
    let spread = |m: &ArmMoments| m.variance * m.variance / (m.n * m.n * (m.n - 1.0));
    (share(baseline) + share(arm)).powi(2) / (spread(baseline) + spread(arm))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(n: f64, mean: f64, variance: f64) -> ArmMoments {
        ArmMoments {
            n,
            mean,
            variance,
            unadjusted_mean: mean,
        }
    }

    #[test]
    fn equal_arms_have_the_pooled_degrees_of_freedom() {
        // With equal n and variance, Welch's ν is 2(n − 1).
        let a = moments(50.0, 1.0, 4.0);
        assert!((welch_dof(&a, &a) - 98.0).abs() < 1e-12);
    }

    #[test]
    fn relative_difference_divides_by_the_baseline() {
        let a = moments(100.0, 2.0, 1.0);
        let b = moments(100.0, 3.0, 1.0);
        let r = relative(&a, &b);
        assert_eq!(r.estimate, 0.5);
        assert!((r.variance - (1.0 / 400.0 + 9.0 / 1600.0)).abs() < 1e-15);
        assert_eq!(absolute(&a, &b).variance, 0.02);
    }
}
