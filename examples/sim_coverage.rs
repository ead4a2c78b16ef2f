//! Does `analyze` recover the simulator's true lift? Over SEEDS simulated A/B
//! experiments (`examples/worlds/welcome_ab.mint` over `examples/worlds/small.toml`, 14
//! days), how often the 95 % interval of the conversion lift holds the true average
//! effect (it should, about 95 % of the time). A figure for `docs/simulator.md`, not a
//! test (`tests/simulate.rs` runs a smaller, looser one).
//!
//! `cargo run --release --example sim_coverage -- [SEEDS]` (default 100)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::simulate::World;
use mintage::simulate::coverage::ab_trial;
use std::path::Path;
use std::sync::Arc;

fn main() {
    let seeds: u64 = std::env::args()
        .nth(1)
        .map_or(100, |s| s.parse().expect("SEEDS is a number"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("examples/worlds/small.toml")).unwrap();
    let config = World::parse(&text).unwrap();
    let rules = Arc::new(mintage::load(&[root.join("examples/worlds/welcome_ab.mint")]).unwrap());
    let (mut covered, mut trials, mut bias) = (0u64, 0u64, 0.0);
    let (mut gmv_covered, mut gmv_bias) = (0u64, 0.0);
    for seed in 1..=seeds {
        let Some(t) = ab_trial(&config, &rules, "welcome_ab", seed, 14).unwrap() else {
            println!("seed {seed}: no lift to measure");
            continue;
        };
        trials += 1;
        covered += u64::from(t.covered());
        bias += t.estimate - t.true_effect;
        gmv_covered += u64::from(t.gmv_covered());
        gmv_bias += t.gmv_estimate - t.true_gmv_effect;
        println!(
            "seed {seed:>3}: {} exposed, true effect {:+.4}, estimate {:+.4} [{:+.4}, {:+.4}] {}",
            t.exposed,
            t.true_effect,
            t.estimate,
            t.ci[0],
            t.ci[1],
            if t.covered() { "covered" } else { "MISSED" }
        );
        println!(
            "          baseline conversion {:.4}, truth {:.4}",
            t.baseline_conversion, t.true_baseline
        );
        println!(
            "          GMV/user: true effect {:+.2}, estimate {:+.2} [{:+.2}, {:+.2}] {}",
            t.true_gmv_effect,
            t.gmv_estimate,
            t.gmv_ci[0],
            t.gmv_ci[1],
            if t.gmv_covered() { "covered" } else { "MISSED" }
        );
    }
    let share = if trials == 0 {
        0.0
    } else {
        covered as f64 / trials as f64
    };
    println!(
        "coverage: {covered} of {trials} ({:.1} %); mean error of the estimate {:+.5}",
        100.0 * share,
        if trials == 0 { 0.0 } else { bias / trials as f64 }
    );
    let gmv_share = if trials == 0 {
        0.0
    } else {
        gmv_covered as f64 / trials as f64
    };
    println!(
        "GMV/user coverage: {gmv_covered} of {trials} ({:.1} %); mean error of the estimate {:+.3} yuan",
        100.0 * gmv_share,
        if trials == 0 { 0.0 } else { gmv_bias / trials as f64 }
    );
}
