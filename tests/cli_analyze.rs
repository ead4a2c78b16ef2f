//! `mintage analyze` end to end with the real binary: the generator's event file (known
//! lift, `examples/outcomes_data`) → `analyze --events` gives the report the analysis
//! gives on the generator's own outcomes; `replay --db` into SQLite → `analyze --db` gives
//! the same numbers; the text format, `--by`, and the errors.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../examples/outcomes_data/mod.rs"]
mod outcomes_data;

use mintage::analysis::{Design, DesignArm, Options, analyze};
use outcomes_data::{ARMS, Params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn params(users: u64) -> Params {
    Params {
        users,
        seed: 5,
        ..Params::default()
    }
}

/// The generator's event file for `p`, in a fresh folder.
fn events(p: &Params, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    let file = std::fs::File::create(&path).unwrap();
    let s = outcomes_data::events::write(p, &root().join("rules"), file);
    assert_eq!(s.arm_mismatches, 0);
    (dir, path)
}

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

/// The same report, floats to 1e-12 relative (serde_json reads a float back to within an
/// ulp or so of what it wrote, not always to the bit).
fn same(a: &Value, b: &Value, at: &str) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>(), "{at}");
            for (k, v) in x {
                same(v, &y[k], &format!("{at}.{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same(v, w, &format!("{at}[{i}]"));
            }
        }
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-12 * x.abs().max(y.abs()), "{at}: {x} vs {y}");
        }
        _ => assert_eq!(a, b, "{at}"),
    }
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn analyze_events(path: &Path, seed: u64, extra: &[&str]) -> Output {
    let seed = seed.to_string();
    let mut args = vec!["analyze", "rules/", "--events", path.to_str().unwrap(), "--seed", &seed];
    args.extend_from_slice(extra);
    mintage(&args)
}

#[test]
fn from_events_the_numbers_are_the_generators() {
    let p = params(2000);
    let (_dir, path) = events(&p, "events.jsonl");
    for (flags, options) in [
        (vec![], Options::default()),
        (vec!["--cuped", "--sequential"], {
            let mut o = Options::default();
            o.settings.cuped = true;
            o.settings.sequential = true;
            o
        }),
        (
            vec!["--by", "user.ltv_tier"],
            Options {
                by: Some("user.ltv_tier".into()),
                ..Options::default()
            },
        ),
    ] {
        let mut args = vec!["--format", "json"];
        args.extend_from_slice(&flags);
        let got = json(&analyze_events(&path, p.seed, &args));
        let want = serde_json::to_value(analyze(&outcomes_data::outcomes(&p), &ladder(), &options).unwrap()).unwrap();
        same(&got, &want, &format!("{flags:?}"));
        // Coupons were issued and redeemed: the codes of the file are the replay's.
        assert!(got["arms"][1]["redeemed"].as_u64().unwrap() > 0);
        assert!(got["arms"][1]["cost_per_user"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn by_a_user_field_reports_each_group() {
    let p = params(1500);
    let (_dir, path) = events(&p, "events.jsonl");
    let r = json(&analyze_events(
        &path,
        p.seed,
        &["--format", "json", "--by", "user.ltv_tier"],
    ));
    let groups = r["groups"].as_array().unwrap();
    let values: Vec<&str> = groups.iter().map(|g| g["value"].as_str().unwrap()).collect();
    assert_eq!(values, ["high", "low"]);
    let total: u64 = groups.iter().map(|g| g["arms"][0]["users"].as_u64().unwrap()).sum();
    assert_eq!(total, r["arms"][0]["users"].as_u64().unwrap());
}

#[test]
fn from_a_sqlite_ledger_fed_by_replay_the_numbers_are_the_same() {
    let p = params(400);
    let (dir, path) = events(&p, "events.jsonl");
    let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let seed = p.seed.to_string();
    let fed = mintage(&[
        "replay",
        "rules/",
        "--events",
        path.to_str().unwrap(),
        "--seed",
        &seed,
        "--db",
        &url,
    ]);
    assert!(fed.status.success(), "{}", String::from_utf8_lossy(&fed.stderr));
    // Fed twice: event ids decided before change nothing, orders count once.
    let again = mintage(&[
        "replay",
        "rules/",
        "--events",
        path.to_str().unwrap(),
        "--seed",
        &seed,
        "--db",
        &url,
    ]);
    assert!(again.status.success());
    for flags in [
        &["--format", "json"][..],
        &["--format", "json", "--cuped", "--by", "user.ltv_tier"],
    ] {
        let from_events = json(&analyze_events(&path, p.seed, flags));
        let mut args = vec!["analyze", "rules/", "--db", &url];
        args.extend_from_slice(flags);
        let from_db = json(&mintage(&args));
        assert_eq!(from_db, from_events);
        assert!(from_db["arms"][1]["issued"].as_u64().unwrap() > 0);
    }
}

#[test]
fn the_text_format_is_a_table() {
    let p = params(800);
    let (_dir, path) = events(&p, "events.jsonl");
    let o = analyze_events(&path, p.seed, &[]);
    assert!(o.status.success());
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.starts_with("new_user_ladder · experiment ladder_v1 · baseline holdout · window 7d\n"),
        "{text}"
    );
    assert!(text.contains("SRM: ok"), "{text}");
    for arm in ARMS {
        assert!(text.lines().any(|l| l.starts_with(arm)), "{arm}: {text}");
    }
}

#[test]
fn bad_lines_are_reported_and_skipped_with_exit_3() {
    let p = params(300);
    let (dir, path) = events(&p, "events.jsonl");
    let good = json(&analyze_events(&path, p.seed, &["--format", "json"]));
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{not json\n");
    text.push_str(r#"{"type":"order_paid","at":"2026-11-03T10:00:00+08:00","id":"p-x","user":{"id":"g5-1"},"order":{"id":"o-x"}}"#);
    text.push('\n');
    text.push_str(r#"{"type":"order_paid","at":"2026-11-03T10:00:00+08:00","id":"p-y","user":{"id":"g5-1"}}"#);
    text.push('\n');
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, text).unwrap();
    let o = analyze_events(&bad, p.seed, &["--format", "json"]);
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    let n = good_lines(&path);
    assert!(err.contains(&format!("bad.jsonl:{}: skipped:", n + 1)), "{err}");
    assert!(
        err.contains(&format!(
            "bad.jsonl:{}: outcome not counted: missing required field `order.total`",
            n + 2
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "bad.jsonl:{}: outcome not counted: an `order_paid` event needs `order`",
            n + 3
        )),
        "{err}"
    );
    assert!(err.contains("3 line(s) skipped"), "{err}");
    // The report is still printed, and the bad orders are not in it.
    let report: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(report, good);
}

fn good_lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

#[test]
fn usage_errors_exit_2_with_a_code() {
    let p = params(50);
    let (_dir, path) = events(&p, "events.jsonl");
    let o = analyze_events(&path, p.seed, &["--campaign", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[A001]: no campaign `nope` in the rules"));
    let o = analyze_events(&path, p.seed, &["--baseline", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[A005]"));
    let o = analyze_events(&path, p.seed, &["--by", "ltv_tier"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[A006]"));
    let o = mintage(&[
        "analyze",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--events",
        path.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("error[A002]"));
    // Neither source, or an unreadable one.
    assert_eq!(mintage(&["analyze", "rules/"]).status.code(), Some(2));
    let o = mintage(&["analyze", "rules/", "--events", "/nonexistent/events.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read `/nonexistent/events.jsonl`"));
}
