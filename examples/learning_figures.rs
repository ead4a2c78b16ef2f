//! The learning loop's figures (docs/learning.md): for each world and seed, explore on the
//! `explore` and `holdout` arms of `examples/learning_loop/dormant_learn.mint` through
//! the simulator (14 days), fit the response from what happened, allocate the `main`
//! arm's budget with it, and judge that allocation by the world's truth beside the best
//! uniform coupon and the oracle at the same budget.
//!
//! `cargo run --release --example learning_figures -- [SEEDS] [WORLD.toml …]`
//! (default: 3 seeds of `examples/worlds/dormant.toml` and `examples/worlds/resale.toml`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::learning::{Inputs, fit};
use mintage::runtime::batch::{BatchRun, user_row_event};
use mintage::simulate::score::{Given, judge};
use mintage::simulate::{SimOptions, World, output, simulate};
use mintage::value::builtins::NoFacts;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

const CAMPAIGN: &str = "dormant_learn";
const WINDOW_DAYS: u32 = 14;
/// The allocation's budget: this many yuan of expected cost per eligible `main` user.
const BUDGET_PER_USER: f64 = 1.5;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let seeds: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut worlds: Vec<PathBuf> = args.iter().skip(1).map(PathBuf::from).collect();
    if worlds.is_empty() {
        worlds = vec![
            "examples/worlds/dormant.toml".into(),
            "examples/worlds/resale.toml".into(),
        ];
    }
    let rules = Arc::new(mintage::load(&[PathBuf::from("examples/learning_loop/dormant_learn.mint")]).expect("rules"));
    println!(
        "| world | seed | explored | fitted ¥/¥ | uniform ¥/¥ | oracle ¥/¥ | × uniform | % of oracle | Qini | fit s |"
    );
    println!("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for path in &worlds {
        let text = std::fs::read_to_string(path).expect("world");
        let config = World::parse(&text).expect("world");
        for seed in 1..=seeds {
            let row = one(&rules, &config, seed);
            let name = path.file_name().unwrap().to_string_lossy();
            println!(
                "| {name} | {seed} | {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.0} % | {:.3} | {:.1} |",
                row.explored,
                row.verdict.allocation.per_yuan,
                row.verdict.uniform.per_yuan,
                row.verdict.oracle.per_yuan,
                row.verdict.vs_uniform,
                row.verdict.vs_oracle * 100.0,
                row.qini,
                row.fit_seconds
            );
            std::io::stdout().flush().ok();
        }
    }
}

struct Row {
    explored: u64,
    verdict: mintage::simulate::score::Verdict,
    qini: f64,
    fit_seconds: f64,
}

fn one(rules: &Arc<mintage::runtime::engine::Rules>, config: &mintage::simulate::WorldConfig, seed: u64) -> Row {
    let dir = std::env::temp_dir().join(format!("mintage-learning-figures-{}-{seed}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // Explore: the explore and holdout arms, through the closed loop.
    let mut world = World::new(config.clone(), seed).unwrap();
    let rows = output::rows(&world);
    let options = SimOptions {
        days: WINDOW_DAYS,
        seed,
        batches: vec![(CAMPAIGN.to_string(), 0)],
        record_outcomes: false,
        batch_arms: vec!["explore".into(), "holdout".into()],
    };
    let (out, _) = simulate(&mut world, rules.clone(), &options).unwrap();
    let write = |name: &str, lines: &mut dyn Iterator<Item = String>| {
        let p = dir.join(name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&p).unwrap());
        for l in lines {
            writeln!(f, "{l}").unwrap();
        }
        p
    };
    let users = write("users.jsonl", &mut rows.into_iter());
    let decisions = write(
        "decisions.jsonl",
        &mut out.decisions.iter().map(|d| serde_json::to_string(d).unwrap()),
    );
    let orders = write("orders.jsonl", &mut out.orders.iter().cloned());
    // Fit.
    let started = std::time::Instant::now();
    let fitted = fit(&Inputs {
        campaign: CAMPAIGN.into(),
        decisions: decisions.into(),
        users: users.into(),
        orders: orders.into(),
        window: i64::from(WINDOW_DAYS) * 86_400_000,
        l2: std::env::var("L2").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0),
        fitted_at: 0,
    })
    .unwrap();
    let fit_seconds = started.elapsed().as_secs_f64();
    let model = Arc::new(fitted.model);
    // Allocate the main arm's budget with the fitted response, over the users as they
    // were when the campaign started.
    let fresh = World::new(config.clone(), seed).unwrap();
    let now = fresh.start;
    let events: Vec<_> = (fresh.users().iter().enumerate())
        .filter_map(|(i, u)| user_row_event(fresh.row(u), i as u64 + 1, now).ok())
        .collect();
    let mut count = BatchRun::new(rules, CAMPAIGN, now, Some(0)).unwrap();
    count.only_arms(&["main".into()]).unwrap();
    for (i, e) in events.iter().enumerate() {
        count.add_row(e, &NoFacts, i as u64);
    }
    let budget = (BUDGET_PER_USER * count.rows.len() as f64 * 100.0).round() as i64;
    let mut run = BatchRun::new(rules, CAMPAIGN, now, Some(budget)).unwrap();
    run.only_arms(&["main".into()]).unwrap();
    run.use_response(model.clone()).unwrap();
    for (i, e) in events.iter().enumerate() {
        run.add_row(e, &NoFacts, i as u64);
    }
    let allocation = run.allocate();
    let mut given = Vec::new();
    for index in 0..run.rows.len() {
        let offset = run.rows[index].offset as usize;
        if allocation.choice.get(index).copied().flatten().is_some()
            && let Some(d) = run.decide(&events[offset], &NoFacts, index, &allocation)
        {
            given.extend(Given::of(&d, CAMPAIGN));
        }
    }
    let verdict = judge(&fresh, rules, CAMPAIGN, &["main".into()], now, WINDOW_DAYS, &given).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    Row {
        explored: model.fitted_on.random + model.fitted_on.holdout,
        verdict,
        qini: model.metrics.qini,
        fit_seconds,
    }
}
