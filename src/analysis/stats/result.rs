//! What a comparison returns: plain serializable values, unrounded, under the keys of the
//! report (`absolute` / `relative` → `estimate`, `ci`, `p_value`; `p_value_holm`), or a
//! typed reason why there was not enough data.

use serde::Serialize;
use std::fmt;

/// One difference between an arm and the baseline.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub estimate: f64,
    /// The `1 − α` interval (or confidence sequence), `[low, high]`.
    pub ci: [f64; 2],
    pub p_value: f64,
}

impl Difference {
    fn is_finite(&self) -> bool {
        self.estimate.is_finite() && self.ci.iter().all(|v| v.is_finite()) && self.p_value.is_finite()
    }
}

/// An arm against the baseline on one metric.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Lift {
    /// `mean(arm) − mean(baseline)`, in the metric's unit.
    pub absolute: Difference,
    /// The same over `mean(baseline)`: 0.1 is a lift of 10 %.
    pub relative: Difference,
    /// The relative p-value after Holm's adjustment over all the comparisons of a report;
    /// `None` until [`adjust_holm`](super::holm::adjust_holm) has run.
    pub p_value_holm: Option<f64>,
    /// Welch–Satterthwaite degrees of freedom (used by the fixed-horizon test only).
    pub dof: f64,
    /// CUPED's pooled θ when the metric was regression-adjusted.
    pub theta: Option<f64>,
}

impl Lift {
    pub(crate) fn is_finite(&self) -> bool {
        self.absolute.is_finite() && self.relative.is_finite() && self.dof.is_finite()
    }
}

/// Which side of a comparison lacks data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Baseline,
    Arm,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Baseline => "the baseline",
            Side::Arm => "the arm",
        })
    }
}

/// Why a metric could not be compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", content = "side", rename_all = "snake_case")]
pub enum Reason {
    /// Fewer than 2 users: no variance can be estimated.
    TooFewUsers(Side),
    /// Every user has the same value (or the adjusted variance is not positive).
    ZeroVariance(Side),
    /// The baseline's mean is 0, so no relative difference exists (gbstats then reports
    /// neither difference).
    ZeroBaselineMean,
    /// The sums are not finite numbers, or the statistics overflow.
    NotFinite,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::TooFewUsers(side) => write!(f, "fewer than 2 users in {side}"),
            Reason::ZeroVariance(side) => write!(f, "no variance in {side}: every user has the same value"),
            Reason::ZeroBaselineMean => f.write_str("the baseline's mean is 0, so there is no lift to measure"),
            Reason::NotFinite => f.write_str("the sums are not finite numbers, or the statistics overflow"),
        }
    }
}

/// The reason, and a sentence for people, in the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NotEnoughData {
    #[serde(flatten)]
    pub reason: Reason,
    pub message: String,
}

impl From<Reason> for NotEnoughData {
    fn from(reason: Reason) -> Self {
        NotEnoughData {
            reason,
            message: reason.to_string(),
        }
    }
}

/// The outcome for one metric: a lift, or why there is none. Serialized as the lift's
/// fields, or as `{"not_enough_data": {"reason": …, "side": …, "message": …}}`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Comparison {
    Lift(Lift),
    NotEnoughData { not_enough_data: NotEnoughData },
}

impl Comparison {
    pub(crate) fn not_enough(reason: Reason) -> Comparison {
        Comparison::NotEnoughData {
            not_enough_data: reason.into(),
        }
    }

    /// The lift, when there is one.
    pub fn lift(&self) -> Option<&Lift> {
        match self {
            Comparison::Lift(lift) => Some(lift),
            Comparison::NotEnoughData { .. } => None,
        }
    }

    /// Why there is no lift, when there is none.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Comparison::Lift(_) => None,
            Comparison::NotEnoughData { not_enough_data } => Some(not_enough_data.reason),
        }
    }
}
