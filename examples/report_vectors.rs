//! Prints full experiment reports that Mintage computed from generated ladder outcomes
//! (`examples/outcomes_data`), with the per-arm sums behind them, as JSON lines for
//! `.ci/gbstats_compare.py` to recompute with the real gbstats:
//! `cargo run --example report_vectors > reports.jsonl`
//!
//! Each line (`"type": "report"`) holds the settings, the declared weights, per arm (and
//! per `--by` group) the sums of `conversion` and `gmv_per_user` with the covariate, and
//! the report. Small data sets also carry every user's values (`rows`: arm, converted,
//! GMV, covariate), so that the Python side sums them itself. A/A and A/B, small to
//! large, fixed, sequential, CUPED and both. Seeded: the same lines every run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod outcomes_data;

use mintage::analysis::stats::Settings;
use mintage::analysis::tally::{ArmTally, tally};
use mintage::analysis::{Design, DesignArm, Options, analyze};
use outcomes_data::{ARMS, Params, WEIGHTS_BP};
use serde_json::{Value, json};
use std::io::Write;

fn design() -> Design {
    Design {
        campaign: outcomes_data::CAMPAIGN.into(),
        experiment: outcomes_data::EXPERIMENT.into(),
        arms: ARMS
            .iter()
            .zip(WEIGHTS_BP)
            .map(|(a, w)| DesignArm {
                name: a.to_string(),
                weight: f64::from(w),
                holds_out: *a == "holdout",
            })
            .collect(),
    }
}

fn sums(arms: &[ArmTally]) -> Value {
    let arms: Vec<Value> = ARMS
        .iter()
        .zip(arms)
        .map(|(a, t)| json!({"arm": a, "conversion": t.conversion, "gmv": t.gmv}))
        .collect();
    Value::Array(arms)
}

/// Every user's values as the analysis sees them, summed by the Python side.
fn rows(p: &Params) -> Value {
    let window = mintage::analysis::outcomes::DEFAULT_WINDOW;
    let rows: Vec<Value> = outcomes_data::users(p)
        .map(|u| {
            let in_window = |at: i64| u.exposed_at <= at && at < u.exposed_at + window;
            let gmv: i64 = u.orders.iter().filter(|o| in_window(o.at)).map(|o| o.total_fen).sum();
            let converted = u.orders.iter().any(|o| in_window(o.at));
            json!([
                u.arm,
                u8::from(converted),
                gmv as f64 / 100.0,
                u.total_spend_fen as f64 / 100.0
            ])
        })
        .collect();
    Value::Array(rows)
}

fn main() {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let design = design();
    let mut cases: Vec<(String, Params, bool)> = Vec::new();
    for seed in 1..=6u64 {
        for users in [40u64, 2_000, 30_000] {
            let aa = seed % 2 == 0;
            let lift = if aa { [0.0; 3] } else { [0.0, 0.05 * seed as f64, -0.1] };
            let p = Params {
                users,
                seed,
                lift,
                ..Params::default()
            };
            let label = if aa { "aa" } else { "ab" };
            cases.push((format!("{label}/{seed}/{users}"), p, seed == 3));
        }
    }
    let big = Params {
        users: 200_000,
        seed: 11,
        ..Params::default()
    };
    cases.push(("ab/11/200000".into(), big, true));
    // A tiny experiment: arms of a handful of users, some without variance.
    let tiny = Params {
        users: 12,
        seed: 5,
        conversion: 0.3,
        ..Params::default()
    };
    cases.push(("edge/12".into(), tiny, false));
    for (id, p, by) in cases {
        let outcomes = outcomes_data::outcomes(&p);
        let field = by.then_some("ltv_tier");
        let t = tally(&outcomes, &design, field);
        let groups: Vec<Value> = t
            .groups
            .iter()
            .map(|(value, arms)| json!({"value": value.as_deref(), "arms": sums(arms)}))
            .collect();
        let rows = if p.users <= 2_000 { rows(&p) } else { Value::Null };
        for (sequential, cuped) in [(false, false), (true, false), (false, true), (true, true)] {
            let mut settings = Settings::default();
            settings.sequential = sequential;
            settings.cuped = cuped;
            let options = Options {
                by: by.then(|| "user.ltv_tier".to_string()),
                settings,
                ..Options::default()
            };
            let report = analyze(&outcomes, &design, &options).unwrap();
            let line = json!({"type": "report", "id": id, "alpha": settings.alpha(), "tuning": settings.tuning(),
                "sequential": sequential, "cuped": cuped, "weights": WEIGHTS_BP, "arms": sums(&t.arms),
                "groups": groups, "rows": rows, "report": report});
            writeln!(out, "{line}").unwrap();
        }
    }
}
