//! Fitting the response: on synthetic randomized decisions from a known logistic truth
//! (`mintage::learning::synthetic`) the fit recovers it, ranks uplift well and is
//! calibrated; bad inputs give the documented errors; `mintage fit` runs end to end.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::learning::{FitError, Fitted, Inputs, fit, synthetic};
use mintage::response::ResponseModel;
use mintage::response::features::{Column, Source};
use mintage::value::DAY_MS;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

struct Files {
    _dir: tempfile::TempDir,
    users: PathBuf,
    decisions: PathBuf,
    orders: PathBuf,
}

fn files(n: usize, seed: u64) -> Files {
    let dir = tempfile::tempdir().unwrap();
    let (users, decisions, orders) = (
        dir.path().join("users.jsonl"),
        dir.path().join("decisions.jsonl"),
        dir.path().join("orders.jsonl"),
    );
    let open = |p: &Path| std::io::BufWriter::new(std::fs::File::create(p).unwrap());
    let (mut u, mut d, mut o) = (open(&users), open(&decisions), open(&orders));
    synthetic::write(n, seed, &mut u, &mut d, &mut o).unwrap();
    drop((u, d, o));
    Files {
        _dir: dir,
        users,
        decisions,
        orders,
    }
}

fn inputs(f: &Files) -> Inputs {
    Inputs {
        campaign: synthetic::CAMPAIGN.into(),
        decisions: f.decisions.clone().into(),
        users: f.users.clone().into(),
        orders: f.orders.clone().into(),
        window: 7 * DAY_MS,
        l2: 1.0,
        fitted_at: 0,
    }
}

/// One fit on 40,000 synthetic users, shared by the tests.
fn fitted() -> &'static Fitted {
    static FIT: OnceLock<Fitted> = OnceLock::new();
    FIT.get_or_init(|| {
        let f = files(40_000, 7);
        fit(&inputs(&f)).unwrap()
    })
}

/// A coefficient on the raw scale of a score: the standardised one ÷ the score's sd.
fn raw(model: &ResponseModel, name: &str, score: &str) -> f64 {
    let sd = model
        .columns
        .iter()
        .find_map(|c| match c {
            Column::Numeric {
                source: Source::Score(s),
                sd,
                ..
            } if s == score => Some(*sd),
            _ => None,
        })
        .unwrap();
    coef(model, name) / sd
}

fn coef(model: &ResponseModel, name: &str) -> f64 {
    model.order.iter().find(|c| c.name == name).unwrap().value
}

fn mean(model: &ResponseModel, score: &str) -> f64 {
    model
        .columns
        .iter()
        .find_map(|c| match c {
            Column::Numeric {
                source: Source::Score(s),
                mean,
                ..
            } if s == score => Some(*mean),
            _ => None,
        })
        .unwrap()
}

#[test]
fn the_fit_recovers_the_truth() {
    let m = &fitted().model;
    let interaction = raw(m, "depth*scores.price_sensitivity", "price_sensitivity");
    assert!(
        (interaction - synthetic::DEPTH_PS).abs() < 0.5,
        "depth × ps: {interaction}"
    );
    let p_base = raw(m, "scores.p_base", "p_base");
    assert!((p_base - synthetic::P_BASE).abs() < 0.4, "p_base: {p_base}");
    // The coupon's effect at ps = 0 on the raw scale, at each depth explored (with three
    // depths, treated, d and d² are only identified together).
    let slope = coef(m, "depth") - interaction * mean(m, "price_sensitivity");
    for pct in synthetic::DEPTHS {
        let d = mintage::response::features::depth_curve(pct as f64 / 100.0);
        let fitted = coef(m, "treated") + slope * d + coef(m, "depth^2") * d * d;
        let truth = synthetic::TREATED + synthetic::DEPTH * d;
        assert!((fitted - truth).abs() < 0.3, "{pct} %: {fitted} vs {truth}");
    }
    assert!(m.metrics.converged, "{:?}", m.metrics);
}

#[test]
fn counts_say_what_was_fitted_on() {
    let f = &fitted().model.fitted_on;
    assert_eq!(f.decisions, 40_000);
    assert_eq!(f.random + f.holdout + f.skipped, 40_000);
    assert!(f.skipped > 3000 && f.holdout > 7000, "{f:?}");
    assert_eq!(f.train + f.test, f.random + f.holdout);
    let test_share = f.test as f64 / (f.train + f.test) as f64;
    assert!((test_share - 0.2).abs() < 0.02, "{test_share}");
    assert!(fitted().warnings.is_empty(), "{:?}", fitted().warnings);
}

#[test]
fn the_uplift_ranking_beats_random_and_the_fit_beats_the_base_rate() {
    let x = &fitted().model.metrics;
    assert!(x.qini > 0.0, "qini {}", x.qini);
    assert!(x.log_loss < x.base_log_loss, "{} vs {}", x.log_loss, x.base_log_loss);
    assert!(x.treated > 0 && x.control > 0);
}

#[test]
fn reliability_bins_are_close() {
    for b in fitted().model.metrics.reliability.iter().filter(|b| b.count >= 300) {
        assert!(
            (b.mean_predicted - b.observed).abs() < 0.04,
            "bin {}–{}: predicted {} observed {} ({})",
            b.from,
            b.to,
            b.mean_predicted,
            b.observed,
            b.count
        );
    }
}

#[test]
fn predictions_are_close_to_the_truth_and_monotone_in_depth() {
    let m = &fitted().model;
    // The raw fit may dip near depth 0 for the least sensitive (d² is free); the
    // projection makes every prediction monotone, checked below.
    assert!(m.metrics.monotone_share > 0.75, "{}", m.metrics.monotone_share);
    let user = |p_base: f64, ps: f64| {
        let row = format!(
            r#"{{"id":"x","registered_at":"2024-01-01T00:00:00Z","paid_orders":10,"last_order_at":"2026-06-01T00:00:00Z","total_spend":3000,"avg_order_value":300,"ltv_tier":"mid","scores":{{"p_base":{p_base},"price_sensitivity":{ps}}}}}"#
        );
        serde_json::from_str::<mintage::event::User>(&row).unwrap()
    };
    for (i, o) in m.options.iter().enumerate() {
        let view = o.view();
        for (pb, ps) in [(0.2, 0.2), (0.5, 0.5), (0.8, 0.9)] {
            let u = user(pb, ps);
            let truth = synthetic::truth(pb, ps, Some(f64::from(o.percent.unwrap() as i32) / 10_000.0));
            let p = m.p_order(&u, synthetic::AT, Some(&view));
            assert!((p - truth).abs() < 0.04, "option {i} at ({pb}, {ps}): {p} vs {truth}");
        }
    }
    // More depth never lowers P(order).
    let u = user(0.5, 0.1);
    let mut last = m.p_order(&u, synthetic::AT, None);
    for o in &m.options {
        let p = m.p_order(&u, synthetic::AT, Some(&o.view()));
        assert!(p >= last - 1e-12 || o.percent == Some(1000), "{p} < {last}");
        last = p;
    }
    // Valuation: the order is worth its price without the coupon (V₀) and 70 % of it with
    // the 30 % coupon; cost is P × the discount, gain the incremental GMV.
    let v = m.value(&u, synthetic::AT, &m.options[2].view());
    assert_eq!(m.options[2].percent, Some(3000));
    let v0 = m.order_value(&u, synthetic::AT, None);
    assert!(v0 > 20_000 && v0 < 45_000, "¥300 or so: {v0}");
    assert!(
        (v.order_value - (v0 - v0 * 3 / 10)).abs() <= 1,
        "{} vs {v0}",
        v.order_value
    );
    assert!((v.cost as f64 - v.p_order * (v0 * 3 / 10) as f64).abs() <= 1.0);
    let gain = v.p_order * v.order_value as f64 - v.p_none * v0 as f64;
    assert!((v.gain as f64 - gain).abs() <= 1.0, "{} vs {gain}", v.gain);
}

#[test]
fn the_model_round_trips_and_its_version_is_stable() {
    let m = &fitted().model;
    let json = serde_json::to_string_pretty(m).unwrap();
    let back = ResponseModel::from_json(&json).unwrap();
    assert_eq!(back.version(), m.version());
    assert_eq!(back.campaign(), "learn");
    assert!(m.version().starts_with("learn-") && m.version().len() == "learn-".len() + 12);
    let u: mintage::event::User = serde_json::from_str(r#"{"id":"x","scores":{"p_base":0.3}}"#).unwrap();
    let o = m.options[0].view();
    assert_eq!(back.p_order(&u, 0, Some(&o)), m.p_order(&u, 0, Some(&o)));
}

#[test]
fn the_same_data_fits_the_same_version() {
    let f = files(3000, 11);
    let a = fit(&inputs(&f)).unwrap().model;
    let mut later = inputs(&f);
    later.fitted_at = 1_000_000;
    let b = fit(&later).unwrap().model;
    assert_eq!(a.version(), b.version());
    assert_ne!(a.fitted_at, b.fitted_at);
}

#[test]
fn bad_inputs_give_the_documented_errors() {
    let f = files(400, 3);
    let mut wrong = inputs(&f);
    wrong.campaign = "other".into();
    assert!(matches!(fit(&wrong), Err(FitError::NoRandomized { .. })));

    let dir = tempfile::tempdir().unwrap();
    let few = dir.path().join("users.jsonl");
    std::fs::write(&few, "{\"id\":\"u-0\"}\n").unwrap();
    let mut missing = inputs(&f);
    missing.users = few.into();
    let e = fit(&missing).unwrap_err();
    assert!(matches!(e, FitError::MissingUser { line: 2, .. }), "{e}");
    assert!(e.to_string().contains("user `u-1`"), "{e}");

    let none = dir.path().join("orders.jsonl");
    std::fs::write(&none, "").unwrap();
    let mut no_orders = inputs(&f);
    no_orders.orders = none.into();
    assert!(matches!(
        fit(&no_orders),
        Err(FitError::TooFewOrders { ordered: 0, .. })
    ));

    let mut absent = inputs(&f);
    absent.decisions = dir.path().join("nope.jsonl").into();
    let e = fit(&absent).unwrap_err();
    assert!(e.to_string().starts_with("cannot read `"), "{e}");

    let bad = dir.path().join("decisions.jsonl");
    let text = std::fs::read_to_string(&f.decisions).unwrap();
    std::fs::write(&bad, format!("not json\n{text}")).unwrap();
    let mut skipped = inputs(&f);
    skipped.decisions = bad.into();
    let fitted = fit(&skipped).unwrap();
    assert_eq!(fitted.warnings.len(), 1);
    assert!(
        fitted.warnings[0].contains("decisions.jsonl:1: skipped: not a decision"),
        "{:?}",
        fitted.warnings
    );
}

fn mintage(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

#[test]
fn the_cli_fits_and_writes_a_model() {
    let f = files(3000, 5);
    let out = f._dir.path().join("model.json");
    let (u, d, o, m) = (
        f.users.to_str().unwrap(),
        f.decisions.to_str().unwrap(),
        f.orders.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let args = [
        "fit",
        "examples/learning/learn.mint",
        "--campaign",
        "learn",
        "--users",
        u,
        "--decisions",
        d,
        "--orders",
        o,
        "--out",
        m,
    ];
    let run = mintage(&args);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("qini") && stdout.contains("log-loss"), "{stdout}");
    let model = ResponseModel::load(&out).unwrap();
    assert_eq!(model.fitted_on.window_ms, 7 * DAY_MS, "the experiment's measure");

    let json = mintage(&[&args[..], &["--format", "json", "--window", "3d"]].concat());
    assert_eq!(json.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["fitted_on"]["window_ms"], 3 * DAY_MS);

    let unknown = mintage(&[&args[..2], &["--campaign", "lean"], &args[4..]].concat());
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `learn`?"));

    let bad_window = mintage(&[&args[..], &["--window", "soon"]].concat());
    assert_eq!(bad_window.status.code(), Some(2));
}

#[test]
fn the_cli_exits_3_after_skipping_a_bad_line() {
    let f = files(3000, 5);
    let orders = std::fs::read_to_string(&f.orders).unwrap();
    std::fs::write(&f.orders, format!("{orders}{{\"type\":\"order_paid\"\n")).unwrap();
    let out = f._dir.path().join("model.json");
    let run = mintage(&[
        "fit",
        "examples/learning/learn.mint",
        "--campaign",
        "learn",
        "--users",
        f.users.to_str().unwrap(),
        "--decisions",
        f.decisions.to_str().unwrap(),
        "--orders",
        f.orders.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("orders.jsonl:") && stderr.contains("1 line(s) skipped"),
        "{stderr}"
    );
    assert!(out.exists(), "the model is written anyway");
}

/// A fit on plenty of orders gives no advice; one on a few hundred users says it is noisy.
#[test]
fn the_fit_says_when_it_is_too_thin_to_trust() {
    assert_eq!(mintage::learning::advice(&fitted().model), Vec::<String>::new());
    let f = files(600, 3);
    let thin = fit(&inputs(&f)).unwrap();
    let advice = mintage::learning::advice(&thin.model);
    assert!(
        advice.iter().any(|a| a.contains("the fit is noisy")),
        "{advice:?} ({:?})",
        thin.model.fitted_on
    );
}
