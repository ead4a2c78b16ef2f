//! The experiment report: per arm its users, conversion, GMV, coupons and cost; each arm
//! against the baseline on `conversion` and `gmv_per_user` through the statistics kernel;
//! the SRM check; incremental GMV and ROI; Holm's adjustment over every comparison in the
//! report; the same per group with `--by`. Numbers are unrounded; a number that cannot be
//! computed (no users, no coupons, no cost) is `null`, a comparison without enough data
//! says why, and nothing is ever NaN or infinite.

use super::design::{AnalysisError, Design};
use super::outcomes::{Outcomes, window_string};
use super::stats::{self, ArmCount, Comparison, MetricKind, Settings, Srm};
use super::tally::{ArmTally, Tallies, tally};
use serde::Serialize;
use std::collections::BTreeMap;

/// What to analyse and how.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The baseline arm; by default the arm that holds out, else the first.
    pub baseline: Option<String>,
    /// A field of the exposed user (`user.ltv_tier`) to report per value of.
    pub by: Option<String>,
    /// The test (`sequential`, `cuped`, α).
    pub settings: Settings,
}

/// Which tests made the numbers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Method {
    pub engine: &'static str,
    pub alpha: f64,
    pub sequential: bool,
    /// The tuning parameter of the sequential test, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sequential_tuning: Option<f64>,
    pub cuped: bool,
    /// CUPED's covariate, when it ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub covariate: Option<&'static str>,
}

/// An arm against the baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct VsBaseline {
    pub conversion: Comparison,
    pub gmv_per_user: Comparison,
}

/// One arm of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ArmReport {
    pub arm: String,
    pub users: u64,
    pub conversion: Option<f64>,
    pub gmv_per_user: Option<f64>,
    pub issued_per_user: Option<f64>,
    pub redemption_rate: Option<f64>,
    pub cost_per_user: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vs_baseline: Option<VsBaseline>,
    /// `(gmv_per_user(arm) − gmv_per_user(baseline)) × users(arm)`, yuan.
    #[serde(skip_serializing_if = "is_baseline")]
    pub incremental_gmv: Option<Option<f64>>,
    /// `incremental_gmv / cost(arm)`; `null` without cost.
    #[serde(skip_serializing_if = "is_baseline")]
    pub roi: Option<Option<f64>>,
    pub converted: u64,
    /// Totals in yuan.
    pub gmv: f64,
    pub cost: f64,
    pub issued: u64,
    pub redeemed: u64,
}

fn is_baseline(v: &Option<Option<f64>>) -> bool {
    v.is_none()
}

/// The arms of the whole experiment or of one group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupReport {
    /// The group's value of the `--by` field; `null` for users without it.
    pub value: Option<String>,
    pub srm: Srm,
    pub arms: Vec<ArmReport>,
}

/// The whole report, serialized with the keys of the example.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub campaign: String,
    pub experiment: String,
    pub baseline: String,
    pub window: String,
    pub method: Method,
    pub srm: Srm,
    pub arms: Vec<ArmReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<GroupReport>>,
    /// Exposed users of arms the rules do not declare (left out of everything above).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub undeclared_arms: BTreeMap<String, u64>,
    /// The campaign's coupons issued to users without an exposure (left out).
    #[serde(skip_serializing_if = "is_zero")]
    pub unexposed_coupons: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Report {
    /// Every group's comparisons, then the whole experiment's, mutably.
    fn comparisons_mut(&mut self) -> impl Iterator<Item = &mut Comparison> {
        let groups = self.groups.iter_mut().flatten().flat_map(|g| g.arms.iter_mut());
        self.arms
            .iter_mut()
            .chain(groups)
            .filter_map(|a| a.vs_baseline.as_mut())
            .flat_map(|v| [&mut v.conversion, &mut v.gmv_per_user])
    }
}

/// `numerator / denominator` when the denominator is not 0.
fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    let q = numerator / denominator;
    (denominator != 0.0 && q.is_finite()).then_some(q)
}

fn arm_report(name: &str, t: &ArmTally, baseline: Option<&ArmTally>, settings: &Settings) -> ArmReport {
    let users = t.users() as f64;
    let gmv = t.gmv_fen as f64 / 100.0;
    let cost = t.cost_fen as f64 / 100.0;
    let per_user = |v: f64| ratio(v, users);
    let vs_baseline = baseline.map(|b| VsBaseline {
        conversion: stats::compare(MetricKind::Proportion, &b.conversion, &t.conversion, settings),
        gmv_per_user: stats::compare(MetricKind::Mean, &b.gmv, &t.gmv, settings),
    });
    let incremental = baseline.map(|b| {
        let base = ratio(b.gmv_fen as f64 / 100.0, b.users() as f64);
        match (per_user(gmv), base) {
            (Some(arm), Some(base)) => Some((arm - base) * users),
            _ => None,
        }
    });
    ArmReport {
        arm: name.to_string(),
        users: t.users(),
        conversion: per_user(t.converted as f64),
        gmv_per_user: per_user(gmv),
        issued_per_user: per_user(t.issued as f64),
        redemption_rate: ratio(t.redeemed as f64, t.issued as f64),
        cost_per_user: per_user(cost),
        vs_baseline,
        incremental_gmv: incremental,
        roi: incremental.map(|i| i.and_then(|i| ratio(i, cost))),
        converted: t.converted,
        gmv,
        cost,
        issued: t.issued,
        redeemed: t.redeemed,
    }
}

fn arms(design: &Design, tallies: &[ArmTally], baseline: usize, settings: &Settings) -> Vec<ArmReport> {
    let base = tallies.get(baseline);
    design
        .arms
        .iter()
        .zip(tallies)
        .enumerate()
        .map(|(i, (a, t))| arm_report(&a.name, t, base.filter(|_| i != baseline), settings))
        .collect()
}

fn srm_of(design: &Design, tallies: &[ArmTally]) -> Srm {
    let counts = design.arms.iter().zip(tallies).map(|(a, t)| ArmCount {
        arm: a.name.clone(),
        users: t.users(),
        weight: a.weight,
    });
    stats::srm(counts.collect())
}

/// Analyses `design`'s campaign over `outcomes`.
pub fn analyze(outcomes: &Outcomes, design: &Design, options: &Options) -> Result<Report, AnalysisError> {
    let baseline = design.baseline(options.baseline.as_deref())?;
    let field = match &options.by {
        Some(by) => match by.strip_prefix("user.") {
            Some(name) if !name.is_empty() => Some(name),
            _ => return Err(AnalysisError::NotAUserField(by.clone())),
        },
        None => None,
    };
    let Tallies {
        arms: totals,
        groups,
        undeclared,
        unexposed_coupons,
    } = tally(outcomes, design, field);
    let settings = &options.settings;
    let groups = field.map(|_| {
        groups
            .iter()
            .map(|(value, tallies)| GroupReport {
                value: value.as_deref().map(str::to_string),
                srm: srm_of(design, tallies),
                arms: arms(design, tallies, baseline, settings),
            })
            .collect()
    });
    let mut report = Report {
        campaign: design.campaign.clone(),
        experiment: design.experiment.clone(),
        baseline: design.arms.get(baseline).map(|a| a.name.clone()).unwrap_or_default(),
        window: window_string(outcomes.window()),
        method: Method {
            engine: "gbstats 0.8 frequentist",
            alpha: settings.alpha(),
            sequential: settings.sequential,
            sequential_tuning: settings.sequential.then(|| settings.tuning()),
            cuped: settings.cuped,
            covariate: settings.cuped.then_some("user.total_spend"),
        },
        srm: srm_of(design, &totals),
        arms: arms(design, &totals, baseline, settings),
        by: options.by.clone(),
        groups,
        undeclared_arms: undeclared,
        unexposed_coupons,
    };
    stats::adjust_holm(report.comparisons_mut());
    Ok(report)
}
