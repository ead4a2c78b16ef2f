//! The statistics of an experiment report, exactly GrowthBook's frequentist engine (its
//! Python package `gbstats` 0.8.0 is the reference, and `.ci/gbstats-compare` checks every
//! number against it): per-arm moments from streamed sums, Welch's t-test on the absolute
//! and the relative difference, the sequential test, CUPED, the SRM check and Holm's
//! adjustment. Formulas and a worked example: `docs/analysis-stats.md`.
//!
//! Pure functions over sufficient statistics ([`ArmSums`]): the caller streams users into
//! sums and never keeps them.

mod compare;
pub mod cuped;
pub mod difference;
pub mod distribution;
mod fixed;
pub mod holm;
mod result;
pub mod sequential;
mod special;
pub mod srm;
mod sums;

pub use compare::compare;
pub use holm::{adjust_holm, holm};
pub use result::{Comparison, Difference, Lift, NotEnoughData, Reason, Side};
pub use srm::{ArmCount, SRM_THRESHOLD, Srm, srm};
pub use sums::{ArmMoments, ArmSums, MetricKind};

/// How to compare: the significance level, and whether the test is sequential and the
/// metric CUPED-adjusted.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Settings {
    alpha: f64,
    tuning: f64,
    /// GrowthBook's sequential test instead of the fixed-horizon one (`--sequential`).
    pub sequential: bool,
    /// Regression adjustment on the covariate (`--cuped`).
    pub cuped: bool,
}

/// A significance level or tuning parameter out of range.
#[derive(Clone, Copy, Debug, PartialEq, thiserror::Error)]
pub enum InvalidSetting {
    #[error("the significance level must be between 0 and 1, got {0}")]
    Alpha(f64),
    #[error("the sequential tuning parameter must be a positive number of users, got {0}")]
    Tuning(f64),
}

impl Default for Settings {
    /// α = 0.05, fixed horizon, no CUPED; the tuning parameter 5,000 for when sequential.
    fn default() -> Self {
        Settings {
            alpha: 0.05,
            tuning: sequential::DEFAULT_TUNING,
            sequential: false,
            cuped: false,
        }
    }
}

impl Settings {
    /// The defaults with another significance level.
    pub fn with_alpha(self, alpha: f64) -> Result<Settings, InvalidSetting> {
        if alpha > 0.0 && alpha < 1.0 {
            Ok(Settings { alpha, ..self })
        } else {
            Err(InvalidSetting::Alpha(alpha))
        }
    }

    /// The sample size at which the sequential test's interval is tightest.
    pub fn with_tuning(self, tuning: f64) -> Result<Settings, InvalidSetting> {
        if tuning > 0.0 && tuning.is_finite() {
            Ok(Settings { tuning, ..self })
        } else {
            Err(InvalidSetting::Tuning(tuning))
        }
    }

    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    pub fn tuning(&self) -> f64 {
        self.tuning
    }
}
