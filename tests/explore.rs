//! Exploration: a batch campaign's experiment through `mintage run` (arms in the right
//! shares, random offers drawn uniformly and recorded, holdouts reported with their arm,
//! the budget paying random offers first, `--arm` choosing whom a run takes), and
//! `mintage verify` judging a run by a simulated world's truth.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-explore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

const RULES: &str = "examples/learning_loop/dormant_learn.mint";

/// `n` dormant users with scores, as a batch table.
fn table(n: usize) -> String {
    let mut s = String::new();
    for i in 0..n {
        let aov = [300, 800, 1500, 2500][i % 4];
        let p = 0.02 + (i % 17) as f64 / 100.0;
        s.push_str(&format!(
            "{{\"id\":\"u-{i}\",\"paid_orders\":{},\"last_order_at\":\"2026-01-01T00:00:00+08:00\",\"avg_order_value\":{aov},\"scores\":{{\"p_convert\":{p:.3},\"elasticity\":{:.2}}}}}\n",
            1 + i % 5,
            0.5 + (i % 7) as f64 / 3.0
        ));
    }
    s
}

fn run(users: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "run",
        RULES,
        "--campaign",
        "dormant_learn",
        "--users",
        users.to_str().unwrap(),
        "--now",
        "2026-06-01T00:00:00+08:00",
        "--seed",
        "7",
    ];
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn decisions(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn summary(out: &Output) -> Value {
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .expect("a summary on stderr");
    serde_json::from_str(line).unwrap()
}

#[test]
fn arms_random_offers_and_holdouts() {
    let users = temp("arms.jsonl", &table(6000));
    let out = run(&users, &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let ds = decisions(&out);
    assert_eq!(ds.len(), 6000);
    let mut arms: BTreeMap<String, usize> = BTreeMap::new();
    let mut drawn: BTreeMap<u64, usize> = BTreeMap::new();
    for d in &ds {
        let coupons = d["coupons"].as_array().unwrap();
        let suppressed = d["suppressed"].as_array().unwrap();
        if let Some(c) = coupons.first() {
            let arm = c["arm"].as_str().unwrap().to_string();
            assert!(c["option"].as_u64().unwrap() < 5, "{c}");
            if arm == "explore" {
                assert_eq!(c["random"], Value::Bool(true), "{c}");
                *drawn.entry(c["option"].as_u64().unwrap()).or_default() += 1;
            } else {
                assert_eq!(c["arm"], "main");
                assert!(c.get("random").is_none(), "{c}");
            }
            *arms.entry(arm).or_default() += 1;
        } else {
            let s = &suppressed[0];
            if s["reason"] == "holdout" {
                assert_eq!(s["arm"], "holdout");
                *arms.entry("holdout".into()).or_default() += 1;
            } else {
                assert!(s.get("arm").is_none(), "{s}");
                *arms.entry("main".into()).or_default() += 1;
            }
        }
    }
    // 5 %, 10 % and 85 % of 6000, within a few standard deviations.
    let share = |a: &str| arms.get(a).copied().unwrap_or(0) as f64 / 6000.0;
    assert!((share("holdout") - 0.05).abs() < 0.015, "{arms:?}");
    assert!((share("explore") - 0.10).abs() < 0.02, "{arms:?}");
    assert!((share("main") - 0.85).abs() < 0.025, "{arms:?}");
    // Five options, each drawn for about a fifth of the explore arm.
    let explored: usize = drawn.values().sum();
    assert_eq!(drawn.len(), 5, "{drawn:?}");
    for n in drawn.values() {
        let f = *n as f64 / explored as f64;
        assert!((f - 0.2).abs() < 0.07, "{drawn:?}");
    }
    let s = summary(&out);
    assert_eq!(s["explored"].as_u64().unwrap() as usize, explored);
    assert_eq!(s["held_out"].as_u64().unwrap() as usize, arms["holdout"]);
    // The same table, the same draws.
    let again = run(&users, &[]);
    assert_eq!(out.stdout, again.stdout);
}

#[test]
fn arm_runs_take_only_their_users() {
    let users = temp("only.jsonl", &table(2000));
    let explore = run(&users, &["--arm", "explore,holdout"]);
    assert!(explore.status.success(), "{}", String::from_utf8_lossy(&explore.stderr));
    let main = run(&users, &["--arm", "main"]);
    assert!(main.status.success());
    let mut seen = std::collections::HashSet::new();
    for d in decisions(&explore) {
        for c in d["coupons"].as_array().unwrap() {
            assert_eq!(c["arm"], "explore", "{c}");
        }
        for s in d["suppressed"].as_array().unwrap() {
            assert_eq!(s["reason"], "holdout", "{s}");
        }
        assert!(seen.insert(d["user_id"].as_str().unwrap().to_string()));
    }
    for d in decisions(&main) {
        for c in d["coupons"].as_array().unwrap() {
            assert_eq!(c["arm"], "main", "{c}");
        }
        assert!(
            seen.insert(d["user_id"].as_str().unwrap().to_string()),
            "a user in two runs"
        );
    }
    assert_eq!(seen.len(), 2000);
    let (e, m) = (summary(&explore), summary(&main));
    assert_eq!(
        e["other_arms"].as_u64().unwrap() + m["other_arms"].as_u64().unwrap(),
        2000
    );
}

#[test]
fn random_offers_are_paid_first_and_within_the_budget() {
    let users = temp("budget.jsonl", &table(2000));
    let out = run(&users, &["--arm", "explore", "--budget", "30"]);
    assert!(out.status.success());
    let mut cost = 0.0;
    let mut left_out = 0;
    for d in decisions(&out) {
        for c in d["coupons"].as_array().unwrap() {
            cost += c["expected_cost"].as_f64().unwrap();
        }
        for s in d["suppressed"].as_array().unwrap() {
            assert_eq!(s["reason"], "budget", "{s}");
            left_out += 1;
        }
    }
    assert!(cost <= 30.0 + 1e-9, "{cost}");
    assert!(left_out > 0, "a ¥30 budget cannot pay every random offer");
}

#[test]
fn an_unknown_arm_is_an_error_naming_the_arms() {
    let users = temp("unknown.jsonl", &table(10));
    let out = run(&users, &["--arm", "mian"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no arm `mian`") && err.contains("`main`"), "{err}");
}

#[test]
fn verify_judges_a_run_by_the_truth() {
    let dir = std::env::temp_dir().join(format!("mintage-explore-sim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let bin = env!("CARGO_BIN_EXE_mintage");
    let root = env!("CARGO_MANIFEST_DIR");
    let sim = Command::new(bin)
        .args([
            "simulate",
            "examples/worlds/small.toml",
            "--rules",
            RULES,
            "--days",
            "1",
            "--out",
        ])
        .arg(&dir)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(sim.status.success(), "{}", String::from_utf8_lossy(&sim.stderr));
    let users = dir.join("users.jsonl");
    let out = Command::new(bin)
        .args(["run", RULES, "--campaign", "dormant_learn", "--users"])
        .arg(&users)
        .args(["--now", "2026-11-01T00:00:00+08:00", "--arm", "main", "--budget", "500"])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success());
    let decisions = dir.join("main.jsonl");
    std::fs::write(&decisions, &out.stdout).unwrap();
    let verdict = Command::new(bin)
        .args([
            "verify",
            "examples/worlds/small.toml",
            "--rules",
            RULES,
            "--campaign",
            "dormant_learn",
        ])
        .arg("--decisions")
        .arg(&decisions)
        .args([
            "--arm",
            "main",
            "--now",
            "2026-11-01T00:00:00+08:00",
            "--format",
            "json",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(verdict.status.success(), "{}", String::from_utf8_lossy(&verdict.stderr));
    let v: Value = serde_json::from_slice(&verdict.stdout).unwrap();
    let coupons = decisions_count(&out);
    assert_eq!(v["allocation"]["coupons"].as_u64().unwrap(), coupons);
    // The yardsticks spend the allocation's own true cost, and the oracle is the best
    // there is at that budget (to the allocator's rounding).
    let budget = v["budget"].as_f64().unwrap();
    assert!(v["uniform"]["cost"].as_f64().unwrap() <= budget + 1e-6);
    assert!(v["oracle"]["cost"].as_f64().unwrap() <= budget + 0.01);
    let oracle = v["oracle"]["incremental_gmv"].as_f64().unwrap();
    assert!(
        oracle + 0.01 >= v["allocation"]["incremental_gmv"].as_f64().unwrap(),
        "{v}"
    );
    assert!(
        oracle + 0.01 >= v["uniform"]["incremental_gmv"].as_f64().unwrap(),
        "{v}"
    );
    assert!(v["uniform_option"].as_str().unwrap().contains("_off"), "{v}");
}

fn decisions_count(out: &Output) -> u64 {
    decisions(out)
        .iter()
        .map(|d| d["coupons"].as_array().unwrap().len() as u64)
        .sum()
}
