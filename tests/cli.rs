//! End-to-end tests of the real binary on `rules/`, `examples/` and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn seed_rules_check_clean() {
    let o = mintage(&["check", "rules/", "examples/"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("0 error(s), 0 warning(s)"));
}

#[test]
fn check_reports_errors_with_location_code_and_help() {
    let p = temp(
        "typo.mint",
        "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  audience user.paid_order == 0\n}\n",
    );
    let o = mintage(&["check", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("E002") && err.contains("did you mean `user.paid_orders`?") && err.contains("typo.mint:3:12"),
        "{err}"
    );
    let o = mintage(&["check", p.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["errors"], 1);
    assert_eq!(v["diagnostics"][0]["code"], "E002");
    assert_eq!(v["diagnostics"][0]["line"], 3);
    assert_eq!(v["diagnostics"][0]["column"], 12);
}

#[test]
fn missing_path_is_a_usage_error() {
    let o = mintage(&["check", "no/such/dir"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read `no/such/dir`"));
}

#[test]
fn fmt_check_passes_on_rules_and_flags_messy_files() {
    assert!(mintage(&["fmt", "--check", "rules/", "examples/"]).status.success());
    let p = temp("messy.mint", "campaign c {\nwindow 2026-11-01 .. 2026-12-01\n}\n");
    let o = mintage(&["fmt", "--check", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("would reformat"));
    assert!(mintage(&["fmt", p.to_str().unwrap()]).status.success());
    assert!(mintage(&["fmt", "--check", p.to_str().unwrap()]).status.success());
}

#[test]
fn rule_tests_pass_and_failures_show_a_diff() {
    let o = mintage(&["test", "rules/"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(stdout(&o).contains("0 failed"));
    let src = std::fs::read_to_string(root().join("rules/new_user_ladder.mint")).unwrap();
    let broken = src.replace(
        "expect coupon welcome amount_off ¥10 valid 72h",
        "expect coupon welcome amount_off ¥20 valid 72h",
    );
    let p = temp("new_user_ladder.mint", &broken);
    let o = mintage(&["test", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("- expect coupon welcome amount_off ¥20 valid 72h")
            && out.contains("+ coupon welcome amount_off ¥10 valid 3d"),
        "{out}"
    );
}

#[test]
fn explain_prints_the_registry_text() {
    let o = mintage(&["explain", "e003"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("E003: type mismatch"));
    assert_eq!(mintage(&["explain", "E999"]).status.code(), Some(2));
}

#[test]
fn eval_explains_every_rule_considered() {
    let event = r#"{"id":"e-1","type":"view_item","at":"2026-11-11T01:00:00+08:00",
      "user":{"id":"u-1","registered_at":"2025-01-01T09:00:00+08:00","paid_orders":3,"device_id":"d-1"},
      "item":{"id":"i-1","category":"shoes","price":600,"seller_id":"s-1","stock_age_days":5},
      "scores":{"fraud_risk":0.01}}"#;
    let p = temp("event.json", event);
    let o = mintage(&[
        "eval",
        "rules/",
        "--event",
        p.to_str().unwrap(),
        "--explain",
        "--seed",
        "7",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let trace = v["trace"].as_array().unwrap();
    let text = serde_json::to_string(trace).unwrap();
    assert!(text.contains("\"rule\":\"base\"") && text.contains("issued"), "{text}");
    assert!(
        text.contains("item.stock_age_days > 60") && text.contains("item.stock_age_days = 5"),
        "{text}"
    );
    assert!(
        text.contains("audience") && text.contains("user.paid_orders = 3"),
        "{text}"
    );
}

#[test]
fn replay_skips_bad_lines_with_their_number_and_exit_3() {
    let good = std::fs::read_to_string(root().join("examples/events/new_user.jsonl")).unwrap();
    let mut lines: Vec<&str> = good.lines().collect();
    lines.insert(1, "{not json");
    lines.insert(2, r#"{"id":"x","type":"view_item","at":"2026-11-02T10:00:00+08:00"}"#);
    let p = temp("events.jsonl", &lines.join("\n"));
    let o = mintage(&["replay", "rules/", "--events", p.to_str().unwrap(), "--seed", "1"]);
    assert_eq!(o.status.code(), Some(3));
    let err = stderr(&o);
    assert!(
        err.contains("events.jsonl:2: skipped") && err.contains("events.jsonl:3: skipped: field `user` is required"),
        "{err}"
    );
    let decisions: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(decisions.len(), 2, "the good lines are still processed");
}

#[test]
fn replay_is_reproducible_with_a_seed() {
    let run = || {
        stdout(&mintage(&[
            "replay",
            "rules/",
            "--events",
            "examples/events/new_user.jsonl",
            "--seed",
            "42",
        ]))
    };
    assert_eq!(run(), run());
    let other = stdout(&mintage(&[
        "replay",
        "rules/",
        "--events",
        "examples/events/new_user.jsonl",
        "--seed",
        "43",
    ]));
    assert_ne!(run(), other);
}

#[test]
fn replay_refuses_rules_with_errors() {
    let p = temp(
        "bad.mint",
        "campaign c { window 2026-11-01 .. 2026-12-01 rule r { on view_itm once per user give amount_off ¥1 valid 1h } }",
    );
    let o = mintage(&[
        "replay",
        p.to_str().unwrap(),
        "--events",
        "examples/events/new_user.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E004"));
}

#[test]
fn graph_draws_dot_and_mermaid() {
    let o = mintage(&["graph", "rules/"]);
    assert!(o.status.success());
    assert!(stdout(&o).starts_with("digraph mintage {"));
    let o = mintage(&["graph", "rules/", "--format", "mermaid"]);
    assert!(stdout(&o).contains("double11.hot_category"));
}

#[test]
fn batch_run_allocates_within_budget_and_reports() {
    let summary = std::env::temp_dir().join(format!("mintage-summary-{}.json", std::process::id()));
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--users",
        "examples/users/dormant_sample.jsonl",
        "--now",
        "2026-11-24T00:00:00+08:00",
        "--budget",
        "300",
        "--seed",
        "1",
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["campaign"], "dormant_wakeup");
    assert_eq!(s["users_read"], 200);
    assert!(s["expected_cost"].as_f64().unwrap() <= 300.0);
    assert!(s["gain_share_of_bound"].as_f64().unwrap() > 0.98);
    let decisions: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        decisions.len() as u64,
        s["eligible"].as_u64().unwrap(),
        "one decision per eligible user"
    );
    let offered = decisions
        .iter()
        .filter(|d| !d["coupons"].as_array().unwrap().is_empty())
        .count() as u64;
    assert_eq!(offered, s["offered"].as_u64().unwrap());
    let cost: f64 = decisions
        .iter()
        .flat_map(|d| d["coupons"].as_array().unwrap().clone())
        .map(|c| c["expected_cost"].as_f64().unwrap())
        .sum();
    assert!(cost <= 300.0 + 1e-6, "{cost}");
    for d in &decisions {
        assert_eq!(d["trigger"], "batch");
        let left_out = d["suppressed"].as_array().unwrap();
        assert!(
            left_out.is_empty() || left_out[0]["reason"] == "budget" || left_out[0]["reason"] == "no_gain",
            "{d}"
        );
    }
}

#[test]
fn batch_run_reads_csv_and_skips_bad_rows() {
    let csv = "id,paid_orders,last_order_at,avg_order_value,scores.p_convert,scores.price_sensitivity,scores.elasticity\n\
               u-1,3,2026-05-01T10:00:00+08:00,2500,0.05,0.3,2.0\n\
               u-2,2,2026-04-01T10:00:00+08:00,300,0.1,0.8,2.5\n\
               u-3,two,2026-04-01T10:00:00+08:00,300,0.1,0.8,2.5\n\
               u-4,5,2026-11-20T10:00:00+08:00,300,0.1,0.8,2.5\n";
    let p = temp("users.csv", csv);
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--users",
        p.to_str().unwrap(),
        "--now",
        "2026-11-24T00:00:00+08:00",
        "--seed",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("users.csv:4: skipped") && err.contains("`two` is not a number"),
        "{err}"
    );
    let decisions: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let users: Vec<&str> = decisions.iter().map(|d| d["user_id"].as_str().unwrap()).collect();
    assert_eq!(users, vec!["u-1", "u-2"], "u-4 ordered four days ago: not dormant");
    assert_eq!(decisions[0]["coupons"][0]["segment"], "quality_seeker");
    assert_eq!(decisions[1]["coupons"][0]["segment"], "price_sensitive");
}

#[test]
fn batch_run_errors_are_clear() {
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "dormant_wakup",
        "--users",
        "examples/users/dormant_sample.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("did you mean `dormant_wakeup`?"), "{}", stderr(&o));
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "double11",
        "--users",
        "examples/users/dormant_sample.jsonl",
    ]);
    assert!(stderr(&o).contains("not a batch campaign"), "{}", stderr(&o));
}

#[test]
fn times_that_cannot_be_written_back_are_refused() {
    // `9999-12-31T23:59:59Z` would print as `10000-01-01T07:59:59+08:00`, and
    // `0001-01-01T00:00:00Z` in local mean time, 43 s off.
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--users",
        "examples/users/dormant_sample.jsonl",
        "--now",
        "9999-12-31T23:59:59Z",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--now: `9999-12-31T23:59:59Z` is out of range: times run from 1970-01-01T00:00:00Z"),
        "{}",
        stderr(&o)
    );

    let good = std::fs::read_to_string(root().join("examples/events/new_user.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let at = serde_json::from_str::<serde_json::Value>(first).unwrap()["at"]
        .as_str()
        .unwrap()
        .to_string();
    let lines = [first.replace(&at, "0001-01-01T00:00:00Z"), first.to_string()];
    let p = temp("ancient.jsonl", &lines.join("\n"));
    let o = mintage(&["replay", "rules/", "--events", p.to_str().unwrap(), "--seed", "1"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("ancient.jsonl:1: skipped: `0001-01-01T00:00:00Z` is out of range"),
        "{}",
        stderr(&o)
    );

    let p = temp("future.json", &first.replace(&at, "9999-12-31T23:59:59Z"));
    let o = mintage(&["eval", "rules/", "--event", p.to_str().unwrap()]);
    assert_ne!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stderr(&o).contains("out of range"), "{}", stderr(&o));
}

#[test]
fn replay_keeps_its_offline_clock() {
    // What the service refuses from clients (ticks, events from after its clock) is how
    // a replay moves its clock: the wall clock is not asked.
    let good = std::fs::read_to_string(root().join("examples/events/new_user.jsonl")).unwrap();
    let first = good.lines().next().unwrap();
    let at = serde_json::from_str::<serde_json::Value>(first).unwrap()["at"]
        .as_str()
        .unwrap()
        .to_string();
    let lines = [
        first
            .replace(&at, "2026-12-20T10:00:00+08:00")
            .replace("2026-10-28T09:00:00+08:00", "2026-12-19T09:00:00+08:00"),
        r#"{"id": "t-2031", "type": "tick", "at": "2031-01-01T00:00:00Z"}"#.to_string(),
    ];
    let p = temp("offline.jsonl", &lines.join("\n"));
    let o = mintage(&["replay", "rules/", "--events", p.to_str().unwrap(), "--seed", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let decisions: Vec<serde_json::Value> = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(decisions[0]["at"], "2026-12-20T10:00:00+08:00", "{decisions:?}");
}
