//! Does `analyze` recover the truth? One simulated A/B experiment (a campaign that
//! exposes every visitor at the first visit, whose treated arm gives each exposed user
//! one coupon, the other arm held out) is analysed
//! with the analysis library, and its 95 % interval of the absolute lift in conversion is
//! compared with the simulator's true average effect over the exposed users.
//!
//! A user is exposed at the first visit (its first `view_item`), on day `e`; the window
//! sees `W = min(measure, days − e)` days of orders. The coupon is held on the first `V`
//! of them (the days whose end of visit falls before it expires). The true effect of a
//! user is `p_convert(offer, V, W, visited) − p_convert(none, V, W, visited)` (see
//! [`super::truth::Truth::p_convert`]), the first day being a visit for sure.

use super::market::{DAY, SimOptions};
use super::{SimError, World, WorldConfig};
use crate::analysis::design::window_of;
use crate::analysis::recorded::into_outcomes;
use crate::analysis::{Design, Options, analyze};
use crate::runtime::engine::Rules;
use crate::value::Millis;
use std::sync::Arc;

/// One simulated experiment and what `analyze` made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trial {
    pub seed: u64,
    pub exposed: usize,
    /// The simulator's average effect on conversion over the exposed users.
    pub true_effect: f64,
    /// `analyze`'s absolute lift in conversion of the treated arm, and its 95 % interval.
    pub estimate: f64,
    pub ci: [f64; 2],
    /// The baseline arm's conversion, and what the truth says it is on average (the
    /// exposed users' chance of an order without the coupon).
    pub baseline_conversion: f64,
    pub true_baseline: f64,
    /// The same for GMV per user (yuan).
    pub true_gmv_effect: f64,
    pub gmv_estimate: f64,
    pub gmv_ci: [f64; 2],
}

impl Trial {
    pub fn covered(&self) -> bool {
        self.ci[0] <= self.true_effect && self.true_effect <= self.ci[1]
    }

    pub fn gmv_covered(&self) -> bool {
        self.gmv_ci[0] <= self.true_gmv_effect && self.true_gmv_effect <= self.gmv_ci[1]
    }
}

/// From the exposure (a visit's first view, a minute in) to the payment of its order
/// (ten minutes in), when the coupon must still be valid.
const VISIT_END: Millis = 9 * 60_000;

/// Simulates `campaign` of `rules` over `config` for `days` days with `seed` and
/// analyses it; `None` when the report has no lift (no coupon issued, or no orders).
pub fn ab_trial(
    config: &WorldConfig,
    rules: &Arc<Rules>,
    campaign: &str,
    seed: u64,
    days: u32,
) -> Result<Option<Trial>, SimError> {
    let program = &rules.compiled.program;
    let design = Design::of(program, Some(campaign)).map_err(|e| SimError(e.to_string()))?;
    let window = window_of(program, campaign);
    let measure = u32::try_from(window / DAY).unwrap_or(u32::MAX);
    let mut world = World::new(config.clone(), seed).map_err(|e| SimError(e.to_string()))?;
    let options = SimOptions {
        days,
        seed,
        batches: Vec::new(),
        record_outcomes: true,
        batch_arms: Vec::new(),
    };
    let (out, mut runtime) = super::simulate(&mut world, rules.clone(), &options)?;
    let Some(got) = out.got.iter().find(|g| &*g.coupon.campaign == campaign) else {
        return Ok(None);
    };
    let validity = got.coupon.valid_until - got.coupon.valid_from;
    let state = std::mem::take(&mut runtime.state);
    let outcomes = into_outcomes(rules, state, campaign, window).map_err(|e| SimError(e.to_string()))?;
    let report = analyze(&outcomes, &design, &Options::default()).map_err(|e| SimError(e.to_string()))?;
    let vs = report
        .arms
        .iter()
        .find(|a| a.arm != report.baseline)
        .and_then(|a| a.vs_baseline.as_ref());
    let (Some(lift), Some(gmv)) = (
        vs.and_then(|v| v.conversion.lift().cloned()),
        vs.and_then(|v| v.gmv_per_user.lift().cloned()),
    ) else {
        return Ok(None);
    };
    let truth = &world.truth;
    let (mut sum, mut gmv_sum, mut base, mut exposed) = (0.0, 0.0, 0.0, 0usize);
    for (u, first) in world.users.iter().zip(&out.first_visit_day) {
        let Some(e) = first else { continue };
        let w = measure.min(days - e);
        let v = (0..w).filter(|k| Millis::from(*k) * DAY + VISIT_END < validity).count() as u32;
        let p0 = truth.p_convert(u, None, v, w, true);
        sum += truth.p_convert(u, Some(&got.view), v, w, true) - p0;
        base += p0;
        gmv_sum += truth.expected_gmv(u, Some(&got.view), v, w, true) - truth.expected_gmv(u, None, v, w, true);
        exposed += 1;
    }
    let reported: u64 = report.arms.iter().map(|a| a.users).sum();
    if reported != exposed as u64 {
        return Err(SimError(format!(
            "`{campaign}` exposed {reported} users, not the {exposed} who visited: the true effect here assumes \
             every visitor is exposed at the first visit (no audience, a trigger every visit has)"
        )));
    }
    let mean = |x: f64| if exposed == 0 { 0.0 } else { x / exposed as f64 };
    Ok(Some(Trial {
        seed,
        exposed,
        true_effect: mean(sum),
        estimate: lift.absolute.estimate,
        ci: lift.absolute.ci,
        baseline_conversion: report
            .arms
            .iter()
            .find(|a| a.arm == report.baseline)
            .and_then(|a| a.conversion)
            .unwrap_or(0.0),
        true_baseline: mean(base),
        true_gmv_effect: mean(gmv_sum) / 100.0,
        gmv_estimate: gmv.absolute.estimate,
        gmv_ci: gmv.absolute.ci,
    }))
}
