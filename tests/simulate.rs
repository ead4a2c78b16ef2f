//! The marketplace simulator (`mintage::simulate`, `mintage simulate`): a seed gives the
//! same run, bad world files say which knob, the truth responds to depth as documented,
//! the loop redeems what the engine issued, and `analyze` on simulated experiments
//! recovers the true effect.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::event::fields::OfferView;
use mintage::runtime::engine::Rules;
use mintage::simulate::coverage::ab_trial;
use mintage::simulate::{SimOptions, SimUser, World, WorldConfig, output, simulate};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rules(path: &str) -> Arc<Rules> {
    Arc::new(mintage::load(&[root().join(path)]).unwrap())
}

/// The small world, with fewer users.
fn tiny(users: u32) -> WorldConfig {
    let text = std::fs::read_to_string(root().join("examples/worlds/small.toml")).unwrap();
    let mut config = World::parse(&text).unwrap();
    config.users.count = users;
    config
}

fn options(days: u32, seed: u64) -> SimOptions {
    SimOptions {
        days,
        seed,
        ..SimOptions::default()
    }
}

fn run(config: &WorldConfig, rules: &Arc<Rules>, days: u32, seed: u64) -> (World, mintage::simulate::SimOutput) {
    let mut world = World::new(config.clone(), seed).unwrap();
    let (out, _) = simulate(&mut world, rules.clone(), &options(days, seed)).unwrap();
    (world, out)
}

fn error_of(text: &str) -> String {
    World::parse(text).unwrap_err().to_string()
}

#[test]
fn the_shipped_worlds_are_valid() {
    for name in ["resale.toml", "small.toml"] {
        let text = std::fs::read_to_string(root().join("examples/worlds").join(name)).unwrap();
        World::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn the_same_seed_gives_the_same_run_and_another_seed_another() {
    let config = tiny(300);
    let rules = rules("rules");
    let (wa, a) = run(&config, &rules, 5, 7);
    let (wb, b) = run(&config, &rules, 5, 7);
    assert!(a.events.len() > 100, "{} events", a.events.len());
    assert_eq!(a.events, b.events);
    assert_eq!(a.decisions, b.decisions);
    assert_eq!(output::rows(&wa), output::rows(&wb));
    let (_, c) = run(&config, &rules, 5, 8);
    assert_ne!(a.events, c.events);
}

#[test]
fn a_bad_knob_names_the_key_the_value_and_the_range() {
    assert_eq!(
        error_of("[users]\nnew_share = 1.5\n"),
        "`users.new_share` is 1.5; it must be between 0 and 1"
    );
    assert_eq!(
        error_of("[users]\ncount = 0\n"),
        "`users.count` is 0; it must be between 1 and 10000000"
    );
    assert_eq!(
        error_of("[response]\nhalf_depth = 0\n"),
        "`response.half_depth` is 0; it must be between 0.001 and 10"
    );
    assert!(error_of("[users]\nnew_share = 0.6\ndormant_share = 0.6\n").contains("together they must be at most 1"));
    assert!(error_of("start = \"yesterday\"\n").starts_with("`start` is `yesterday`"));
    assert_eq!(
        error_of("[[catalog.categories]]\nname = \"bags\"\nshare = 1\nprice_median = 0\n"),
        "`catalog.categories[0].price_median` is 0; it must be between 1 and 10000000"
    );
}

#[test]
fn unknown_keys_and_wrong_types_are_refused() {
    let e = error_of("[users]\ncuont = 10\n");
    assert!(e.contains("unknown field `cuont`"), "{e}");
    let e = error_of("colour = 1\n");
    assert!(e.contains("unknown field `colour`"), "{e}");
    let e = error_of("[users]\ncount = \"many\"\n");
    assert!(e.contains("count"), "{e}");
}

fn amount_off(yuan: i64, min_spend: Option<i64>) -> OfferView {
    OfferView {
        kind: "amount_off",
        amount: Some(yuan * 100),
        percent: None,
        cap: None,
        min_spend: min_spend.map(|m| m * 100),
        face_value: Some(yuan * 100),
    }
}

#[test]
fn the_truth_rises_with_depth_and_a_coupon_never_hurts() {
    let world = World::new(tiny(500), 3).unwrap();
    let truth = world.truth();
    for user in world.users() {
        let none = world.p_order(user, None, 7);
        let mut last = none;
        for yuan in [5, 10, 20, 50, 100, 200] {
            let p = world.p_order(user, Some(&amount_off(yuan, None)), 7);
            assert!(p >= last - 1e-12, "{}: ¥{yuan} gives {p} < {last}", user.id);
            last = p;
        }
        // A minimum spend far above the basket reaches the user less.
        let far = Some(&amount_off(50, Some(user.basket / 100 * 4 + 100)));
        assert!(world.p_order(user, far, 7) <= world.p_order(user, Some(&amount_off(50, None)), 7));
        assert!(world.p_order(user, far, 7) >= none);
        // p = 1 − (1 − p_day)^W.
        let day = truth.p_day(user, None);
        assert!((none - (1.0 - (1.0 - day).powi(7))).abs() < 1e-12);
        // Without a coupon, every day's order pays full price.
        let gmv = truth.expected_gmv(user, None, 3, 7, false);
        let full = 7.0 * day * world.expected_order_value(user, None) as f64;
        assert!((gmv - full).abs() < 1e-6 * full.max(1.0), "{gmv} against {full}");
        // Spending up to a minimum spend raises the order's value.
        assert!(world.expected_order_value(user, far) >= world.expected_order_value(user, None) - 5000);
    }
}

#[test]
fn users_differ_in_how_they_respond() {
    let world = World::new(tiny(2000), 1).unwrap();
    let offer = amount_off(30, None);
    let lifts: Vec<f64> = world
        .users()
        .iter()
        .map(|u: &SimUser| world.p_order(u, Some(&offer), 7) / world.p_order(u, None, 7).max(1e-9))
        .collect();
    let strong = lifts.iter().filter(|l| **l > 1.5).count();
    let barely = lifts.iter().filter(|l| **l < 1.1).count();
    assert!(strong > 100 && barely > 500, "{strong} strong, {barely} barely");
}

#[test]
fn users_redeem_the_coupons_the_engine_gave_them_while_valid() {
    let rules = rules("examples/worlds/welcome_ab.mint");
    let (_, out) = run(&tiny(800), &rules, 7, 2);
    let mut issued: HashMap<String, (String, i64, i64)> = HashMap::new();
    for d in &out.decisions {
        for c in &d.coupons {
            issued.insert(
                c.code.clone(),
                (d.user_id.as_deref().unwrap().to_string(), c.valid_from, c.valid_until),
            );
        }
    }
    assert!(!issued.is_empty());
    let mut redeemed = 0;
    for line in &out.orders {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        let at = mintage::value::parse_time(e["at"].as_str().unwrap()).unwrap();
        for code in e["order"]["coupons"].as_array().unwrap() {
            let (user, from, until) = issued.get(code.as_str().unwrap()).expect("a code the engine issued");
            assert_eq!(user, e["user"]["id"].as_str().unwrap());
            assert!(*from <= at && at < *until, "used outside its validity");
            redeemed += 1;
        }
    }
    assert!(redeemed > 10, "{redeemed} redeemed");
    assert_eq!(redeemed, out.redeemed);
}

#[test]
fn fraud_rings_share_a_device_and_visit_in_bursts() {
    let world = World::new(tiny(100), 1).unwrap();
    let ring: Vec<&SimUser> = world.users().iter().filter(|u| u.ring == Some(0)).collect();
    assert_eq!(ring.len(), 8);
    assert!(ring.iter().all(|u| u.device_id == ring[0].device_id));
}

#[test]
fn analyze_recovers_the_true_effect_of_simulated_experiments() {
    let rules = rules("examples/worlds/welcome_ab.mint");
    let config = tiny(500);
    let (mut covered, mut gmv_covered, mut trials) = (0, 0, 0);
    let mut baseline_error = 0.0;
    for seed in 1..=30 {
        let Some(t) = ab_trial(&config, &rules, "welcome_ab", seed, 10).unwrap() else {
            continue;
        };
        trials += 1;
        covered += u32::from(t.covered());
        gmv_covered += u32::from(t.gmv_covered());
        baseline_error += t.baseline_conversion - t.true_baseline;
        assert!(t.true_effect > 0.0, "seed {seed}: {t:?}");
    }
    assert!(trials >= 25, "{trials} trials");
    // 95 % intervals: fewer than 70 % covered would be far outside chance.
    assert!(covered * 10 >= trials * 7, "{covered} of {trials} covered");
    assert!(
        gmv_covered * 10 >= trials * 7,
        "GMV/user: {gmv_covered} of {trials} covered"
    );
    // The held-out arm converts as the truth says (its standard error is about 0.012 a
    // trial, about 0.002 over 30).
    let mean_error = baseline_error / f64::from(trials);
    assert!(
        mean_error.abs() < 0.01,
        "the baseline is off by {mean_error} on average"
    );
}

fn mintage() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
}

#[test]
fn the_command_writes_files_that_replay_run_and_analyze_read() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let world = root().join("examples/worlds/small.toml");
    let ab = root().join("examples/worlds/welcome_ab.mint");
    let status = mintage()
        .arg("simulate")
        .arg(&world)
        .arg("--rules")
        .arg(&ab)
        .args(["--days", "4", "--seed", "3", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(summary["coupons_issued"].as_u64().unwrap() > 0);
    for f in [
        "users.jsonl",
        "events.jsonl",
        "decisions.jsonl",
        "orders.jsonl",
        "truth.jsonl",
        "summary.json",
    ] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // A second run into the same folder is refused without --force.
    let again = mintage()
        .arg("simulate")
        .arg(&world)
        .arg("--rules")
        .arg(&ab)
        .args(["--days", "1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    // `replay` of the events with the same seed makes the same decisions.
    let replay = mintage()
        .arg("replay")
        .arg(&ab)
        .arg("--events")
        .arg(out.join("events.jsonl"))
        .args(["--seed", "3"])
        .output()
        .unwrap();
    assert!(replay.status.success());
    assert_eq!(replay.stdout, std::fs::read(out.join("decisions.jsonl")).unwrap());
    // `analyze` reads the events.
    let analyze = mintage()
        .arg("analyze")
        .arg(&ab)
        .arg("--events")
        .arg(out.join("events.jsonl"))
        .args(["--seed", "3", "--format", "json"])
        .output()
        .unwrap();
    assert!(analyze.status.success(), "{}", String::from_utf8_lossy(&analyze.stderr));
    let report: serde_json::Value = serde_json::from_slice(&analyze.stdout).unwrap();
    assert!(report["arms"][1]["redeemed"].as_u64().unwrap() > 0, "{report}");
    // `run` reads the user rows.
    let batch = mintage()
        .arg("run")
        .arg(root().join("rules"))
        .args([
            "--campaign",
            "dormant_wakeup",
            "--now",
            "2026-11-03T00:00:00+08:00",
            "--seed",
            "1",
            "--users",
        ])
        .arg(out.join("users.jsonl"))
        .output()
        .unwrap();
    assert!(batch.status.success(), "{}", String::from_utf8_lossy(&batch.stderr));
    assert!(!batch.stdout.is_empty());
    // The truth has a line per user.
    let truth = std::fs::read_to_string(out.join("truth.jsonl")).unwrap();
    let users = std::fs::read_to_string(out.join("users.jsonl")).unwrap();
    assert_eq!(truth.lines().count(), users.lines().count());
}

#[test]
fn batch_campaigns_run_on_their_day() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sim");
    let status = mintage()
        .arg("simulate")
        .arg(root().join("examples/worlds/small.toml"))
        .arg("--rules")
        .arg(root().join("rules"))
        .args(["--days", "3", "--batch", "dormant_wakeup@1", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert!(
        summary["coupons_by_trigger"]["batch"].as_u64().unwrap() > 100,
        "{summary}"
    );
    let bad = mintage()
        .arg("simulate")
        .arg(root().join("examples/worlds/small.toml"))
        .arg("--rules")
        .arg(root().join("rules"))
        .args(["--days", "3", "--batch", "nope@1", "--out"])
        .arg(dir.path().join("other"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
}

#[test]
fn the_truth_answers_for_any_user_and_any_offer() {
    let world = World::new(tiny(200), 5).unwrap();
    let user = world.user("u7").unwrap();
    assert_eq!(&*world.row(user).id, "u7");
    let percent = |bp: i64, cap: Option<i64>| OfferView {
        kind: "percent_off",
        amount: None,
        percent: Some(bp),
        cap: cap.map(|c| c * 100),
        min_spend: None,
        face_value: cap.map(|c| c * 100),
    };
    let p10 = world.p_order(user, Some(&percent(1000, None)), 7);
    let p20 = world.p_order(user, Some(&percent(2000, None)), 7);
    let capped = world.p_order(user, Some(&percent(2000, Some(1))), 7);
    assert!(p20 >= p10 && p10 >= world.p_order(user, None, 7));
    assert!(capped <= p20);
    let free = OfferView {
        kind: "free_shipping",
        face_value: Some(1200),
        ..OfferView::default()
    };
    let ev = world.expected_order_value(user, None);
    assert_eq!(world.expected_order_value(user, Some(&free)), ev - 1200);
    assert!(world.p_order(user, Some(&free), 7) > world.p_order(user, None, 7));
    // The coupon's discount comes off what the order pays.
    assert_eq!(world.expected_order_value(user, Some(&amount_off(30, None))), ev - 3000);
}

#[test]
fn the_worlds_batch_tables_run_their_campaigns() {
    let mut config = tiny(300);
    config.batch.push(mintage::simulate::world::BatchDay {
        campaign: "dormant_wakeup".into(),
        day: 1,
    });
    let (_, out) = run(&config, &rules("rules"), 3, 4);
    let batch: Vec<_> = out.got.iter().filter(|g| g.trigger == "batch").collect();
    assert!(!batch.is_empty());
    assert!(
        batch
            .iter()
            .all(|g| g.day == 1 && &*g.coupon.campaign == "dormant_wakeup")
    );
    let mut missing = tiny(100);
    missing.batch.push(mintage::simulate::world::BatchDay {
        campaign: "nope".into(),
        day: 0,
    });
    let mut world = World::new(missing, 1).unwrap();
    let e = simulate(&mut world, rules("rules"), &options(1, 1)).err().unwrap();
    assert!(e.to_string().contains("batch `nope` on day 0"), "{e}");
    let mut world = World::new(config, 1).unwrap();
    let e = simulate(&mut world, rules("rules"), &options(1, 1)).err().unwrap();
    assert_eq!(
        e.to_string(),
        "batch `dormant_wakeup` on day 1: the run has days 0 to 0"
    );
}
