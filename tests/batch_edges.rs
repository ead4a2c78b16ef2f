//! `mintage run` at its edges: a negative budget, a user twice in the table, negative
//! money in a row, a model whose `exp()` overflows, and users the budget is not the reason
//! for leaving out.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-batch-edges-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `mintage run rules/ --campaign dormant_wakeup` over `rows` (written to `file`).
fn run(file: &str, rows: &str, extra: &[&str]) -> Output {
    let users = temp(file, rows);
    let mut args = vec![
        "run",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--users",
        users.to_str().unwrap(),
        "--now",
        "2026-06-01T00:00:00+08:00",
        "--seed",
        "1",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn decisions(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A dormant user in the `others` segment (¥20 off ¥200), with the given scores.
fn row(id: &str, aov: &str, p_convert: f64, elasticity: f64) -> String {
    format!(
        r#"{{"id":"{id}","paid_orders":2,"last_order_at":"2026-01-01T00:00:00+08:00","avg_order_value":{aov},"scores":{{"p_convert":{p_convert},"price_sensitivity":0.3,"elasticity":{elasticity}}}}}"#
    ) + "\n"
}

#[test]
fn a_negative_budget_is_an_error() {
    let o = run("budget.jsonl", &row("u-1", "500", 0.1, 2.0), &["--budget", "-5"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("the budget ¥-5 is negative"), "{}", stderr(&o));
    assert!(o.stdout.is_empty(), "nothing is decided");
}

#[test]
fn a_user_twice_in_the_table_is_reported_with_both_lines_and_the_second_skipped() {
    let rows = row("u-1", "500", 0.1, 2.0) + &row("u-2", "800", 0.1, 2.0) + &row("u-1", "900", 0.2, 3.0);
    let o = run("twice.jsonl", &rows, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("twice.jsonl:3: skipped: user `u-1` is already on line 1"),
        "{}",
        stderr(&o)
    );
    let ones: Vec<Value> = decisions(&o).into_iter().filter(|d| d["user_id"] == "u-1").collect();
    assert_eq!(ones.len(), 1, "{ones:?}");
    assert_eq!(ones[0]["event_id"], "row-1", "the first row decides");
}

#[test]
fn negative_money_in_a_row_is_a_bad_row() {
    let rows = row("u-1", "-500", 0.1, 2.0) + &row("u-2", "500", 0.1, 2.0);
    let o = run("negative.jsonl", &rows, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("negative.jsonl:1: skipped: -500 is negative"),
        "{}",
        stderr(&o)
    );
    assert!(decisions(&o).iter().all(|d| d["user_id"] != "u-1"));
    // The same in a CSV table, for a total spend.
    let csv = "id,paid_orders,last_order_at,total_spend,avg_order_value,scores.p_convert,scores.price_sensitivity,scores.elasticity\n\
               u-1,2,2026-01-01T00:00:00+08:00,-10,500,0.1,0.3,2\n";
    let o = run("negative.csv", csv, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("negative.csv:2: skipped: column `total_spend`: `-10` is negative"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_overflowing_exp_saturates_instead_of_dropping_the_user() {
    // elasticity × discount = 1e6 × 0.04: exp overflows; p = min(0.95, 0.1 × exp(…)) = 0.95,
    // so the ¥20 offer costs 0.95 × ¥20 = ¥19 and gains (0.95 − 0.1) × ¥500 = ¥425.
    let o = run("overflow.jsonl", &row("u-1", "500", 0.1, 1e6), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let d = decisions(&o);
    assert_eq!(d.len(), 1, "{d:?}");
    let c = &d[0]["coupons"][0];
    assert_eq!(
        (c["expected_cost"].as_f64(), c["expected_gain"].as_f64()),
        (Some(19.0), Some(425.0)),
        "{d:?}"
    );
}

#[test]
fn users_left_out_say_whether_the_budget_was_the_reason() {
    // u-sure converts anyway (p_convert 0.95 = the model's ceiling): no offer gains
    // anything. u-1's offer gains ¥425 and costs ¥19.
    let rows = row("u-sure", "500", 0.95, 2.0) + &row("u-1", "500", 0.1, 1e6);
    let reason = |o: &Output, user: &str| {
        decisions(o)
            .into_iter()
            .find(|d| d["user_id"] == user)
            .map(|d| d["suppressed"][0]["reason"].clone())
    };
    let o = run("gain.jsonl", &rows, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(reason(&o, "u-sure"), Some(Value::from("no_gain")));
    assert_eq!(reason(&o, "u-1"), Some(Value::Null), "offered");
    let o = run("gain.jsonl", &rows, &["--budget", "10"]);
    assert_eq!(reason(&o, "u-sure"), Some(Value::from("no_gain")));
    assert_eq!(reason(&o, "u-1"), Some(Value::from("budget")), "¥19 does not fit ¥10");
}
