//! `price λ from "summary.json"`: an event rule choosing among `one of` depths with a
//! response model takes its λ from a batch run's summary (`mintage run --summary`) and
//! decides exactly as with that λ written; an unreadable summary is `E016`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::learning::synthetic;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn rules(price: &str) -> String {
    format!(
        "campaign learn {{\n  window 2026-11-01 .. 2026-12-31 Asia/Shanghai\n  response from \"model.json\"\n  {price}\n  rule welcome {{\n    on view_item\n    once per user\n    give percent_off one of 10%, 20%, 30% cap ¥1000 valid 7d\n  }}\n}}\n"
    )
}

/// A model fitted on synthetic decisions, in `dir/model.json`.
fn model(dir: &Path) {
    let fitted = synthetic::write_and_fit(dir, 5000, 1).unwrap();
    std::fs::write(dir.join("model.json"), serde_json::to_string(&fitted.model).unwrap()).unwrap();
}

/// A batch run of the learning-loop campaign over dormant users; its summary.
fn batch_summary(dir: &Path) -> Value {
    let mut table = String::new();
    for i in 0..400 {
        table.push_str(&format!(
            "{{\"id\":\"u-{i}\",\"paid_orders\":{},\"last_order_at\":\"2026-01-01T00:00:00+08:00\",\"avg_order_value\":{},\"scores\":{{\"p_convert\":{:.3},\"elasticity\":{:.2}}}}}\n",
            1 + i % 5,
            [300, 800, 1500, 2500][i % 4],
            0.02 + (i % 17) as f64 / 100.0,
            0.5 + (i % 7) as f64 / 3.0
        ));
    }
    let users = dir.join("table.jsonl");
    std::fs::write(&users, table).unwrap();
    let summary = dir.join("summary.json");
    ok(&mintage(&[
        "run",
        "examples/learning_loop/dormant_learn.mint",
        "--campaign",
        "dormant_learn",
        "--users",
        users.to_str().unwrap(),
        "--now",
        "2026-06-01T00:00:00+08:00",
        "--arm",
        "main",
        "--budget",
        "300",
        "--summary",
        summary.to_str().unwrap(),
    ]));
    serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap()
}

/// (user, percent) of each coupon the rules give over 200 views.
fn choices(dir: &Path, name: &str, price: &str) -> Vec<(String, i64)> {
    let file = dir.join(name);
    std::fs::write(&file, rules(price)).unwrap();
    let mut events = String::new();
    for i in 0..200 {
        events.push_str(&format!(
            "{{\"id\":\"v-{i}\",\"type\":\"view_item\",\"at\":\"2026-11-20T10:00:00+08:00\",\"user\":{{\"id\":\"u-{i}\",\"registered_at\":\"2024-01-01T00:00:00+08:00\",\"paid_orders\":{},\"last_order_at\":\"2026-06-01T00:00:00+08:00\",\"total_spend\":{},\"avg_order_value\":{},\"ltv_tier\":\"mid\"}},\"scores\":{{\"p_base\":{:.3},\"price_sensitivity\":{:.3}}}}}\n",
            1 + i % 9,
            500 + i * 7,
            100 + (i * 13) % 500,
            (i as f64 * 0.61) % 1.0,
            (i as f64 * 0.37) % 1.0
        ));
    }
    let events_file = dir.join(format!("{name}.events.jsonl"));
    std::fs::write(&events_file, events).unwrap();
    let out = ok(&mintage(&[
        "replay",
        file.to_str().unwrap(),
        "--events",
        events_file.to_str().unwrap(),
        "--seed",
        "1",
    ]));
    out.lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .flat_map(|d| {
            let user = d["user_id"].as_str().unwrap().to_string();
            let coupons = d["coupons"].as_array().unwrap().clone();
            coupons
                .into_iter()
                .map(move |c| (user.clone(), c["percent"].as_i64().unwrap()))
        })
        .collect()
}

#[test]
fn an_event_rule_takes_the_price_of_the_last_batch_run() {
    let dir = tempfile::tempdir().unwrap();
    model(dir.path());
    let summary = batch_summary(dir.path());
    std::fs::write(dir.path().join("summary.json"), summary.to_string()).unwrap();
    let lambda = summary["lambda"].as_f64().unwrap();
    assert!(lambda > 0.0, "the run's budget binds: {summary}");
    let from = choices(dir.path(), "from.mint", "price λ from \"summary.json\"");
    let written = choices(dir.path(), "written.mint", &format!("price λ {lambda}"));
    assert_eq!(from.len(), 200);
    assert_eq!(from, written, "λ {lambda} from the summary");
    // The price matters: a price near 0 picks deeper coupons for some users.
    let cheap = choices(dir.path(), "cheap.mint", "price λ 0.01");
    assert_ne!(from, cheap, "λ {lambda} against 0.01");
}

/// `mintage check` of `dir/rules.mint` written with `price`: it fails; what it printed.
fn check_fails(dir: &Path, price: &str) -> String {
    let file = dir.join("rules.mint");
    std::fs::write(&file, rules(price)).unwrap();
    let out = mintage(&["check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_summary_that_is_not_there_is_e016() {
    let dir = tempfile::tempdir().unwrap();
    model(dir.path());
    let text = check_fails(dir.path(), "price λ from \"runs/none.json\"");
    assert!(
        text.contains("E016") && text.contains("cannot read the batch run summary"),
        "{text}"
    );
    std::fs::write(dir.path().join("bad.json"), "{\"campaign\": \"x\"}").unwrap();
    let text = check_fails(dir.path(), "price λ from \"bad.json\"");
    assert!(text.contains("is not a batch run summary"), "{text}");
}
