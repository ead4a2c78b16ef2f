//! What an analysis keeps per arm and metric while it streams users: counts and sums, from
//! which every statistic follows, so that a million users never sit in memory.

use serde::{Deserialize, Serialize};

/// How a metric's per-user values are modelled, as gbstats does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A 0/1 value per user (`conversion`): gbstats' `ProportionStatistic`, whose variance
    /// is the binomial `p (1 − p)`, without the `n − 1` correction.
    Proportion,
    /// Any number per user (`gmv_per_user`): gbstats' `SampleMeanStatistic`, whose variance
    /// is the sample variance with `n − 1`.
    Mean,
}

/// The sufficient statistics of one metric in one arm: the user count, the sum and the sum
/// of squares of the metric, and for CUPED the same of the pre-exposure covariate and the
/// sum of the products of the two.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmSums {
    pub n: u64,
    pub sum: f64,
    pub sum_squares: f64,
    #[serde(default)]
    pub covariate_sum: f64,
    #[serde(default)]
    pub covariate_sum_squares: f64,
    /// `Σ value · covariate`.
    #[serde(default)]
    pub cross_sum: f64,
}

impl ArmSums {
    /// Adds one user: the metric's value and the covariate's (0 when unused).
    pub fn push(&mut self, value: f64, covariate: f64) {
        self.n += 1;
        self.sum += value;
        self.sum_squares += value * value;
        self.covariate_sum += covariate;
        self.covariate_sum_squares += covariate * covariate;
        self.cross_sum += value * covariate;
    }

    /// Both arms' users together (for CUPED's pooled θ).
    pub fn pooled(&self, other: &ArmSums) -> ArmSums {
        ArmSums {
            n: self.n + other.n,
            sum: self.sum + other.sum,
            sum_squares: self.sum_squares + other.sum_squares,
            covariate_sum: self.covariate_sum + other.covariate_sum,
            covariate_sum_squares: self.covariate_sum_squares + other.covariate_sum_squares,
            cross_sum: self.cross_sum + other.cross_sum,
        }
    }

    /// Whether every sum is a finite number (a caller's bug otherwise).
    pub fn is_finite(&self) -> bool {
        [
            self.sum,
            self.sum_squares,
            self.covariate_sum,
            self.covariate_sum_squares,
            self.cross_sum,
        ]
        .iter()
        .all(|v| v.is_finite())
    }

    fn n(&self) -> f64 {
        self.n as f64
    }

    /// The metric's mean; 0 for no users, as gbstats.
    pub fn mean(&self) -> f64 {
        mean_of(self.sum, self.n())
    }

    /// The metric's variance as gbstats computes it for the kind; 0 below two users for a
    /// mean metric (a proportion's `p (1 − p)` is 0 at one user anyway).
    pub fn variance(&self, kind: MetricKind) -> f64 {
        match kind {
            MetricKind::Proportion => {
                let p = self.mean();
                p * (1.0 - p)
            }
            MetricKind::Mean => sample_variance(self.sum, self.sum_squares, self.n()),
        }
    }

    /// The covariate's mean.
    pub fn covariate_mean(&self) -> f64 {
        mean_of(self.covariate_sum, self.n())
    }

    /// The covariate's sample variance (the covariate, a spend, is a mean metric).
    pub fn covariate_variance(&self) -> f64 {
        sample_variance(self.covariate_sum, self.covariate_sum_squares, self.n())
    }

    /// The sample covariance of the metric and the covariate, with `n − 1`.
    pub fn covariance(&self) -> f64 {
        let n = self.n();
        if self.n <= 1 {
            return 0.0;
        }
        (self.cross_sum - self.sum * self.covariate_sum / n) / (n - 1.0)
    }
}

fn mean_of(sum: f64, n: f64) -> f64 {
    if n == 0.0 { 0.0 } else { sum / n }
}

fn sample_variance(sum: f64, sum_squares: f64, n: f64) -> f64 {
    if n <= 1.0 {
        return 0.0;
    }
    (sum_squares - sum * sum / n) / (n - 1.0)
}

/// One arm as the tests see it: its size, the mean being compared (adjusted by CUPED or
/// not), its variance, and the plain mean (what a relative difference divides by).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ArmMoments {
    pub n: f64,
    pub mean: f64,
    pub variance: f64,
    pub unadjusted_mean: f64,
}

impl ArmMoments {
    /// Without adjustment.
    pub fn plain(kind: MetricKind, sums: &ArmSums) -> ArmMoments {
        let mean = sums.mean();
        ArmMoments {
            n: sums.n(),
            mean,
            variance: sums.variance(kind),
            unadjusted_mean: mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(values: &[f64]) -> ArmSums {
        let mut sums = ArmSums::default();
        for (i, v) in values.iter().enumerate() {
            sums.push(*v, i as f64);
        }
        sums
    }

    #[test]
    fn mean_metric_variance_is_the_sample_variance() {
        let s = sums(&[1.0, 2.0, 3.0, 6.0]);
        assert_eq!(s.mean(), 3.0);
        // Σ (x − 3)² / 3 = (4 + 1 + 0 + 9) / 3.
        assert_eq!(s.variance(MetricKind::Mean), 14.0 / 3.0);
    }

    #[test]
    fn proportion_variance_is_binomial() {
        let s = sums(&[1.0, 0.0, 0.0, 0.0]);
        assert_eq!(s.variance(MetricKind::Proportion), 0.25 * 0.75);
    }

    #[test]
    fn covariance_uses_n_minus_one() {
        // Covariates 0, 1, 2, 3 against values 1, 2, 3, 6: Σ (x − 3)(c − 1.5) / 3.
        let s = sums(&[1.0, 2.0, 3.0, 6.0]);
        let want = ((-2.0) * (-1.5) + (-1.0) * (-0.5) + 0.0 * 0.5 + 3.0 * 1.5) / 3.0;
        assert!((s.covariance() - want).abs() < 1e-15);
        assert!((s.covariate_variance() - 5.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn no_users_give_zero_rather_than_nan() {
        let s = ArmSums::default();
        assert_eq!(s.mean(), 0.0);
        assert_eq!(s.variance(MetricKind::Mean), 0.0);
        assert_eq!(s.covariance(), 0.0);
    }
}
