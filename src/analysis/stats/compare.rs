//! One metric, one arm against the baseline: the moments (CUPED-adjusted or not), the
//! checks for too little data, then both differences through the chosen test.

use super::cuped::{adjusted, pooled_theta};
use super::difference::{Estimate, absolute, relative, welch_dof};
use super::result::{Comparison, Difference, Lift, Reason, Side};
use super::sums::{ArmMoments, ArmSums, MetricKind};
use super::{Settings, fixed, sequential};

/// Compares `arm` with `baseline` on a metric of `kind`, as gbstats' frequentist engine
/// does: Welch's t-test (or the sequential test) on the absolute and the relative
/// difference, CUPED-adjusted when asked and possible.
pub fn compare(kind: MetricKind, baseline: &ArmSums, arm: &ArmSums, settings: &Settings) -> Comparison {
    match lift(kind, baseline, arm, settings) {
        Ok(lift) if lift.is_finite() => Comparison::Lift(lift),
        Ok(_) => Comparison::not_enough(Reason::NotFinite),
        Err(reason) => Comparison::not_enough(reason),
    }
}

fn lift(kind: MetricKind, baseline: &ArmSums, arm: &ArmSums, settings: &Settings) -> Result<Lift, Reason> {
    if !baseline.is_finite() || !arm.is_finite() {
        return Err(Reason::NotFinite);
    }
    for (sums, side) in [(baseline, Side::Baseline), (arm, Side::Arm)] {
        if sums.n < 2 {
            return Err(Reason::TooFewUsers(side));
        }
    }
    let theta = if settings.cuped {
        pooled_theta(kind, baseline, arm)
    } else {
        None
    };
    let (a, b) = match theta {
        Some(theta) => (adjusted(kind, baseline, theta), adjusted(kind, arm, theta)),
        None => (ArmMoments::plain(kind, baseline), ArmMoments::plain(kind, arm)),
    };
    // gbstats' guards, in its order: a zero baseline (adjusted or plain), then variances.
    if a.mean == 0.0 || a.unadjusted_mean == 0.0 {
        return Err(Reason::ZeroBaselineMean);
    }
    for (m, side) in [(&a, Side::Baseline), (&b, Side::Arm)] {
        if m.variance.is_nan() || m.variance <= 0.0 {
            return Err(Reason::ZeroVariance(side));
        }
    }
    let dof = welch_dof(&a, &b);
    let test = |e: Estimate| -> Difference {
        if settings.sequential {
            sequential::interval(e, a.n + b.n, settings.alpha(), settings.tuning())
        } else {
            fixed::interval(e, dof, settings.alpha())
        }
    };
    Ok(Lift {
        absolute: test(absolute(&a, &b)),
        relative: test(relative(&a, &b)),
        p_value_holm: None,
        dof,
        theta,
    })
}
