//! The experiment report (`mintage::analysis::analyze`) on generated ladder users with a
//! known lift (`examples/outcomes_data`): every per-arm number recomputed here from the
//! generated users themselves, the comparisons against the kernel on independently built
//! sums, Holm over the whole report, baselines, `--by`, the JSON keys of issue 10, and the
//! corners where there is too little data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/outcomes_data/mod.rs"]
mod outcomes_data;

use mintage::analysis::outcomes::{DEFAULT_WINDOW, Exposed};
use mintage::analysis::stats::{ArmSums, MetricKind, Settings, compare, holm};
use mintage::analysis::{AnalysisError, Design, DesignArm, Options, Outcomes, Report, analyze, text};
use outcomes_data::{ARMS, FACE_FEN, Params, users};
use serde_json::Value;

fn ladder() -> Design {
    Design {
        campaign: "new_user_ladder".into(),
        experiment: "ladder_v1".into(),
        arms: ARMS
            .iter()
            .zip([1000.0, 4500.0, 4500.0])
            .map(|(a, w)| DesignArm {
                name: a.to_string(),
                weight: w,
                holds_out: *a == "holdout",
            })
            .collect(),
    }
}

fn params(users: u64) -> Params {
    Params {
        users,
        seed: 3,
        ..Params::default()
    }
}

fn report(p: &Params, options: &Options) -> Report {
    analyze(&outcomes_data::outcomes(p), &ladder(), options).unwrap()
}

/// Per arm, straight from the generated users: (users, converted, gmv fen, issued,
/// redeemed, conversion sums, gmv sums).
fn expected(p: &Params) -> Vec<(u64, u64, i64, u64, u64, ArmSums, ArmSums)> {
    let mut out = vec![(0, 0, 0, 0, 0, ArmSums::default(), ArmSums::default()); 3];
    for u in users(p) {
        let e = &mut out[u.arm];
        let in_window = |at: i64| u.exposed_at <= at && at < u.exposed_at + DEFAULT_WINDOW;
        let gmv: i64 = u.orders.iter().filter(|o| in_window(o.at)).map(|o| o.total_fen).sum();
        let converted = u.orders.iter().any(|o| in_window(o.at));
        let covariate = u.total_spend_fen as f64 / 100.0;
        e.0 += 1;
        e.1 += u64::from(converted);
        e.2 += gmv;
        e.3 += u64::from(FACE_FEN[u.arm] > 0);
        e.4 += u64::from(u.orders.iter().any(|o| o.redeems));
        e.5.push(if converted { 1.0 } else { 0.0 }, covariate);
        e.6.push(gmv as f64 / 100.0, covariate);
    }
    out
}

fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn per_arm_numbers_are_the_generated_users_own() {
    let p = params(20_000);
    let r = report(&p, &Options::default());
    assert_eq!(r.baseline, "holdout");
    assert_eq!(r.window, "7d");
    for ((a, e), face) in r.arms.iter().zip(expected(&p)).zip(FACE_FEN) {
        let n = e.0 as f64;
        assert_eq!(a.users, e.0, "{}", a.arm);
        close("conversion", a.conversion.unwrap(), e.1 as f64 / n);
        close("gmv_per_user", a.gmv_per_user.unwrap(), e.2 as f64 / 100.0 / n);
        close("issued_per_user", a.issued_per_user.unwrap(), e.3 as f64 / n);
        close(
            "cost_per_user",
            a.cost_per_user.unwrap(),
            e.4 as f64 * face as f64 / 100.0 / n,
        );
        match a.redemption_rate {
            Some(rate) => close("redemption_rate", rate, e.4 as f64 / e.3 as f64),
            None => assert_eq!(e.3, 0, "no coupons, no rate"),
        }
    }
}

#[test]
fn comparisons_are_the_kernels_on_the_same_sums_and_holm_spans_the_report() {
    let p = params(20_000);
    for (sequential, cuped) in [(false, false), (true, false), (false, true), (true, true)] {
        let mut settings = Settings::default();
        settings.sequential = sequential;
        settings.cuped = cuped;
        let options = Options {
            settings,
            ..Options::default()
        };
        let r = report(&p, &options);
        assert_eq!((r.method.sequential, r.method.cuped), (sequential, cuped));
        let e = expected(&p);
        let mut relative_p = Vec::new();
        let mut holm_p = Vec::new();
        for (a, e) in r.arms.iter().zip(&e).skip(1) {
            let v = a.vs_baseline.as_ref().unwrap();
            let conv = compare(MetricKind::Proportion, &e_base(&p).5, &e.5, &settings);
            let gmv = compare(MetricKind::Mean, &e_base(&p).6, &e.6, &settings);
            for (got, want) in [(&v.conversion, conv), (&v.gmv_per_user, gmv)] {
                let (g, w) = (got.lift().unwrap(), want.lift().unwrap());
                close("absolute", g.absolute.estimate, w.absolute.estimate);
                close("relative p", g.relative.p_value, w.relative.p_value);
                close("relative ci", g.relative.ci[1], w.relative.ci[1]);
                relative_p.push(g.relative.p_value);
                holm_p.push(g.p_value_holm.unwrap());
            }
        }
        for (got, want) in holm_p.iter().zip(holm(&relative_p)) {
            close("holm", *got, want);
        }
    }
}

fn e_base(p: &Params) -> (u64, u64, i64, u64, u64, ArmSums, ArmSums) {
    expected(p)[0]
}

#[test]
fn the_true_lift_is_found_and_roi_follows_its_definition() {
    let p = params(60_000);
    let r = report(&p, &Options::default());
    let base = &r.arms[0];
    for (a, lift) in r.arms.iter().zip(p.lift).skip(1) {
        let conv = a.vs_baseline.as_ref().unwrap().conversion.lift().unwrap();
        assert!(
            conv.relative.ci[0] <= lift && lift <= conv.relative.ci[1],
            "{}: {conv:?}",
            a.arm
        );
        let incremental = (a.gmv_per_user.unwrap() - base.gmv_per_user.unwrap()) * a.users as f64;
        close("incremental_gmv", a.incremental_gmv.unwrap().unwrap(), incremental);
        close("roi", a.roi.unwrap().unwrap(), incremental / a.cost);
    }
    assert!(!r.srm.flag, "{:?}", r.srm);
}

#[test]
fn baselines_default_explicit_and_unknown() {
    let p = params(2_000);
    let flat = Options {
        baseline: Some("flat".into()),
        ..Options::default()
    };
    let r = report(&p, &flat);
    assert_eq!(r.baseline, "flat");
    assert!(r.arms[2].vs_baseline.is_none() && r.arms[0].vs_baseline.is_some());
    let nope = Options {
        baseline: Some("ladderr".into()),
        ..Options::default()
    };
    let e = analyze(&outcomes_data::outcomes(&p), &ladder(), &nope).unwrap_err();
    assert_eq!(
        e.to_string(),
        "no arm `ladderr` in experiment `ladder_v1` (its arms: holdout, ladder, flat)"
    );
    // Without a holdout the first arm is the baseline.
    let mut design = ladder();
    design.arms[0].holds_out = false;
    design.arms.swap(0, 1);
    let r = analyze(&outcomes_data::outcomes(&p), &design, &Options::default()).unwrap();
    assert_eq!(r.baseline, "ladder");
}

#[test]
fn by_a_user_field_splits_every_arm() {
    let p = params(5_000);
    let by = Options {
        by: Some("user.ltv_tier".into()),
        ..Options::default()
    };
    let r = report(&p, &by);
    let groups = r.groups.as_ref().unwrap();
    let values: Vec<_> = groups.iter().map(|g| g.value.clone().unwrap()).collect();
    assert_eq!(values, ["high", "low"]);
    for (i, a) in r.arms.iter().enumerate() {
        assert_eq!(a.users, groups.iter().map(|g| g.arms[i].users).sum::<u64>());
        assert_eq!(a.issued, groups.iter().map(|g| g.arms[i].issued).sum::<u64>());
    }
    // 2 comparisons × 2 metrics × (whole + 2 groups) = 12 p-values in Holm's family: the
    // adjusted p-value is at least 12× the smallest raw one, or 1.
    let lifts: Vec<_> = std::iter::once(&r.arms)
        .chain(groups.iter().map(|g| &g.arms))
        .flatten()
        .filter_map(|a| a.vs_baseline.as_ref())
        .flat_map(|v| [&v.conversion, &v.gmv_per_user])
        .filter_map(|c| c.lift())
        .collect();
    assert_eq!(lifts.len(), 12);
    let smallest = lifts
        .iter()
        .min_by(|a, b| a.relative.p_value.total_cmp(&b.relative.p_value))
        .unwrap();
    close(
        "holm",
        smallest.p_value_holm.unwrap(),
        (smallest.relative.p_value * 12.0).min(1.0),
    );
    let bad = Options {
        by: Some("ltv_tier".into()),
        ..Options::default()
    };
    let e = analyze(&outcomes_data::outcomes(&p), &ladder(), &bad).unwrap_err();
    assert_eq!(e, AnalysisError::NotAUserField("ltv_tier".into()));
}

fn keys(v: &Value) -> Vec<&str> {
    v.as_object().unwrap().keys().map(String::as_str).collect()
}

#[test]
fn the_json_has_the_keys_of_the_issue() {
    let r = serde_json::to_value(report(&params(3_000), &Options::default())).unwrap();
    for k in ["campaign", "experiment", "baseline", "window", "srm", "arms"] {
        assert!(r.get(k).is_some(), "{k}");
    }
    assert_eq!(keys(&r["srm"]), ["p_value", "flag", "observed"]);
    assert_eq!(keys(&r["srm"]["observed"]), ARMS);
    let per_arm = [
        "arm",
        "users",
        "conversion",
        "gmv_per_user",
        "issued_per_user",
        "redemption_rate",
        "cost_per_user",
    ];
    let holdout = &r["arms"][0];
    for k in per_arm {
        assert!(holdout.get(k).is_some(), "{k}");
    }
    assert_eq!(holdout["issued_per_user"], 0.0);
    assert_eq!(holdout["redemption_rate"], Value::Null);
    assert!(holdout.get("vs_baseline").is_none() && holdout.get("roi").is_none());
    let ladder = &r["arms"][1];
    for k in per_arm.iter().chain(&["vs_baseline", "incremental_gmv", "roi"]) {
        assert!(ladder.get(k).is_some(), "{k}");
    }
    for metric in ["conversion", "gmv_per_user"] {
        let m = &ladder["vs_baseline"][metric];
        for side in ["absolute", "relative"] {
            assert_eq!(keys(&m[side]), ["estimate", "ci", "p_value"]);
            assert_eq!(m[side]["ci"].as_array().unwrap().len(), 2);
        }
        assert!(m["p_value_holm"].is_f64());
    }
}

/// Every `null` in a report must be under a key that may be empty; NaN or infinity would
/// show as `null` anywhere else.
fn assert_no_hidden_nan(v: &Value, key: &str) {
    const MAY_BE_NULL: &[&str] = &[
        "conversion",
        "gmv_per_user",
        "issued_per_user",
        "redemption_rate",
        "cost_per_user",
        "incremental_gmv",
        "roi",
        "theta",
        "value",
    ];
    match v {
        Value::Null => assert!(MAY_BE_NULL.contains(&key), "`{key}` is null"),
        Value::Number(n) => assert!(n.as_f64().unwrap().is_finite()),
        Value::Array(a) => a.iter().for_each(|x| assert_no_hidden_nan(x, key)),
        Value::Object(o) => o.iter().for_each(|(k, x)| assert_no_hidden_nan(x, k)),
        _ => {}
    }
}

fn tiny(users: &[(&str, &str, i64)], orders: &[(&str, i64)]) -> Outcomes {
    let mut b = Outcomes::builder();
    for (i, (user, arm, spend)) in users.iter().enumerate() {
        b.expose(Exposed {
            campaign: "new_user_ladder",
            experiment: "ladder_v1",
            arm,
            user,
            at: i as i64,
            total_spend: *spend,
            fields: &[],
        });
    }
    for (i, (user, total)) in orders.iter().enumerate() {
        b.order(&format!("o{i}"), user, 100, *total);
    }
    b.build()
}

#[test]
fn too_little_data_is_said_per_metric_never_nan() {
    let cases = [
        tiny(&[], &[]),
        tiny(&[("a", "holdout", 0), ("b", "ladder", 0)], &[("a", 100)]),
        tiny(
            &[
                ("a", "holdout", 0),
                ("b", "holdout", 0),
                ("c", "ladder", 0),
                ("d", "ladder", 0),
            ],
            &[],
        ),
        tiny(
            &[
                ("a", "holdout", 5),
                ("b", "holdout", 5),
                ("c", "ladder", 5),
                ("d", "ladder", 5),
                ("e", "zzz", 1),
            ],
            &[("a", 100), ("c", 300), ("d", 300)],
        ),
    ];
    for settings in [Settings::default(), {
        let mut s = Settings::default();
        s.sequential = true;
        s.cuped = true;
        s
    }] {
        for outcomes in &cases {
            let options = Options {
                settings,
                ..Options::default()
            };
            let r = analyze(outcomes, &ladder(), &options).unwrap();
            let json = serde_json::to_value(&r).unwrap();
            assert_no_hidden_nan(&json, "");
            let v = r.arms[1].vs_baseline.as_ref().unwrap();
            assert!(
                v.conversion.reason().is_some() || v.gmv_per_user.reason().is_some(),
                "{json}"
            );
            assert!(text::render(&r).contains("not enough data"));
        }
    }
    let r = analyze(&cases[3], &ladder(), &Options::default()).unwrap();
    assert_eq!(r.undeclared_arms.get("zzz"), Some(&1));
    assert_eq!(r.arms[2].conversion, None);
}

#[test]
fn the_text_report_reads_at_a_glance_and_warns_of_srm() {
    let r = report(&params(3_000), &Options::default());
    let t = text::render(&r);
    assert!(
        t.starts_with("new_user_ladder · experiment ladder_v1 · baseline holdout · window 7d\n"),
        "{t}"
    );
    assert!(t.contains("SRM: ok"), "{t}");
    for arm in ARMS {
        assert!(t.lines().any(|l| l.starts_with(arm)), "{t}");
    }
    assert!(t.contains("ROI") && t.contains("baseline"), "{t}");
    // 300 in the holdout against 100 + 100: far from 10/45/45.
    let skewed: Vec<(String, &str)> = (0..500)
        .map(|i| {
            (
                format!("u{i}"),
                if i < 300 {
                    "holdout"
                } else if i < 400 {
                    "ladder"
                } else {
                    "flat"
                },
            )
        })
        .collect();
    let users: Vec<(&str, &str, i64)> = skewed.iter().map(|(u, a)| (u.as_str(), *a, 0)).collect();
    let r = analyze(&tiny(&users, &[]), &ladder(), &Options::default()).unwrap();
    assert!(r.srm.flag);
    assert!(text::render(&r).contains("WARNING: sample ratio mismatch"));
}
