//! The `analyze` figure: a report over N exposed ladder users (default 1,000,000) built
//! directly as `Outcomes` from the generator's model (`examples/outcomes_data`), timed in
//! its two parts, recording and analysing; run it under `/usr/bin/time -v` for the peak
//! memory:
//! `cargo run --release --example analyze_figures -- 1000000`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod outcomes_data;

use mintage::analysis::stats::Settings;
use mintage::analysis::{Design, DesignArm, Options, analyze, text};
use outcomes_data::{ARMS, Params, WEIGHTS_BP};
use std::time::Instant;

fn main() {
    let users: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let design = Design {
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
    };
    let p = Params {
        users,
        seed: 7,
        ..Params::default()
    };
    let t = Instant::now();
    let outcomes = outcomes_data::outcomes(&p);
    let recorded = t.elapsed();
    let t = Instant::now();
    let plain = analyze(&outcomes, &design, &Options::default()).unwrap();
    let fixed = t.elapsed();
    let mut settings = Settings::default();
    settings.sequential = true;
    settings.cuped = true;
    let options = Options {
        by: Some("user.ltv_tier".into()),
        settings,
        ..Options::default()
    };
    let t = Instant::now();
    let full = analyze(&outcomes, &design, &options).unwrap();
    let both = t.elapsed();
    let json = serde_json::to_string(&full).unwrap();
    print!("{}", text::render(&plain));
    println!(
        "{users} users, {} orders: recording {:.3} s; analyze (fixed) {:.3} s; analyze (sequential + CUPED, --by user.ltv_tier) {:.3} s; JSON {} bytes",
        outcomes.orders().len(),
        recorded.as_secs_f64(),
        fixed.as_secs_f64(),
        both.as_secs_f64(),
        json.len()
    );
}
