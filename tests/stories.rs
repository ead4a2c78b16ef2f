//! The stories of `tests/stories/` (a copy of the public scenarios): each is replayed
//! through the real binary and its decisions compared with `expected.jsonl` the way the
//! shared checker does: every record expected, none extra, in any order, coupon times
//! compared as instants and amounts to the fen. CI also runs the shared checker itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn stories() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stories");
    let mut out: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.jsonl").exists())
        .collect();
    out.sort();
    out
}

/// An RFC 3339 time as the UTC instant it names.
fn instant(v: &Value) -> Value {
    let s = v.as_str().unwrap_or_else(|| panic!("a time, got {v}"));
    let t = chrono::DateTime::parse_from_rfc3339(s).unwrap_or_else(|e| panic!("`{s}`: {e}"));
    json!(t.with_timezone(&chrono::Utc).format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

/// Numbers compared to the fen, whatever their JSON spelling (`10` or `10.0`).
fn canon(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(format!("{:.2}", n.as_f64().unwrap())),
        Value::Array(a) => Value::Array(a.iter().map(canon).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), canon(v))).collect()),
        other => other.clone(),
    }
}

fn coupon_record(user: &Value, trigger: &Value, c: &Value) -> Value {
    let mut categories: Vec<String> = c["categories"]
        .as_array()
        .map(|a| a.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default();
    categories.sort();
    let arm = if c["campaign"] == "new_user_ladder" {
        c["arm"].clone()
    } else {
        Value::Null
    };
    let min_spend = if c["min_spend"].is_null() {
        json!(0)
    } else {
        c["min_spend"].clone()
    };
    json!({"coupon": {
        "user_id": user, "campaign": c["campaign"], "rule": c["rule"], "kind": c["kind"],
        "amount": c["amount"], "percent": c["percent"], "cap": c["cap"], "min_spend": min_spend,
        "categories": categories, "gift": c["gift"], "perk": c["perk"],
        "valid_from": instant(&c["valid_from"]), "valid_until": instant(&c["valid_until"]),
        "arm": arm, "trigger": trigger,
        "funding": {"platform": c["funding"]["platform"], "seller": c["funding"]["seller"]}}})
}

/// Decision lines as the records `expected.jsonl` lists.
fn records(stdout: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut rule_of: BTreeMap<String, Value> = BTreeMap::new();
    for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
        let d: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("`{line}`: {e}"));
        let (user, trigger, at) = (&d["user_id"], &d["trigger"], instant(&d["at"]));
        for c in d["coupons"].as_array().unwrap() {
            rule_of.insert(c["code"].as_str().unwrap().to_string(), c["rule"].clone());
            out.push(coupon_record(user, trigger, c));
        }
        for r in d["revoked"].as_array().unwrap() {
            let rule = rule_of
                .get(r["code"].as_str().unwrap())
                .cloned()
                .unwrap_or(json!("?unknown code"));
            out.push(
                json!({"revoked": {"user_id": user, "campaign": r["campaign"], "rule": rule,
                "reason": r["reason"], "at": at}}),
            );
        }
        for a in d["actions"].as_array().unwrap() {
            out.push(
                json!({"action": {"user_id": user, "campaign": a["campaign"], "kind": a["kind"],
                "target": a["target"], "at": at}}),
            );
        }
        for s in d["suppressed"].as_array().unwrap() {
            out.push(
                json!({"suppressed": {"user_id": user, "campaign": s["campaign"], "rule": s["rule"],
                "reason": s["reason"], "at": at}}),
            );
        }
    }
    out
}

/// The records as a multiset of canonical JSON texts.
fn multiset(records: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in records {
        *m.entry(canon(r).to_string()).or_insert(0) += 1;
    }
    m
}

/// What `a` holds more often than `b`.
fn minus(a: &BTreeMap<String, usize>, b: &BTreeMap<String, usize>) -> Vec<String> {
    a.iter()
        .flat_map(|(k, n)| std::iter::repeat_n(k.clone(), n.saturating_sub(b.get(k).copied().unwrap_or(0))))
        .collect()
}

#[test]
fn every_story_replays_to_its_expected_decisions() {
    let all = stories();
    assert!(all.len() >= 8, "only {} stories in tests/stories", all.len());
    let mut failures = Vec::new();
    for dir in &all {
        let out = Command::new(env!("CARGO_BIN_EXE_mintage"))
            .args(["replay", "rules/", "--events"])
            .arg(dir.join("events.jsonl"))
            .args(["--seed", "1"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let got = multiset(&records(&String::from_utf8_lossy(&out.stdout)));
        let text = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
        let expected: Vec<Value> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let want = multiset(&expected);
        let (missing, extra) = (minus(&want, &got), minus(&got, &want));
        if !missing.is_empty() || !extra.is_empty() {
            failures.push(format!(
                "{}:\n  missing: {missing:#?}\n  extra: {extra:#?}",
                dir.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_changed_expectation_is_caught() {
    // The comparison itself can fail: one changed amount is one missing and one extra record.
    let dir = &stories()[0];
    let text = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
    let expected: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut changed = expected.clone();
    let first = changed
        .iter_mut()
        .find(|r| r.get("coupon").is_some())
        .expect("a story with a coupon");
    first["coupon"]["min_spend"] = json!(12345);
    let (a, b) = (multiset(&expected), multiset(&changed));
    assert_eq!(minus(&a, &b).len(), 1);
    assert_eq!(minus(&b, &a).len(), 1);
}
