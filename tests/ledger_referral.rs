//! Referrals on both ledgers: a `referral_completed` decides each side as its user's
//! own event (limits, timers and risk on that user), a retry replays both sides or
//! completes the one left undecided, and the decisions are the in-memory runtime's.
//! The service answers the inviter's decision under `others`. PostgreSQL runs on the
//! local server (`support/pg.rs`), started if it is down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;
#[path = "support/service.rs"]
mod service;

use mintage::ledger::{Decided, Ledger, LedgerOptions, VersionedRules};
use mintage::runtime::event::Event;
use serde_json::Value;
use std::sync::Arc;

const RULES: &str = r#"
campaign invite {
  window 2026-12-01 .. 2027-01-01 Asia/Shanghai
  budget ¥1_000 face value

  rule inviter_bonus {
    on referral_completed
    at most 2 times per user
    give amount_off ¥20 min_spend ¥100 valid 14d to inviter
  }

  rule friend_bonus {
    on referral_completed
    once per user
    give amount_off ¥20 min_spend ¥100 valid 14d to invitee
  }

  rule thank_you {
    on referral_completed
    wait 1h
    once per user
    give perk thank_you_badge worth ¥1 valid 30d to inviter
  }
}

risk {
  check velocity: withhold when coupons_issued(24h) >= 4
}
"#;

fn open(url: &str) -> Ledger {
    open_with(url, RULES)
}

fn open_with(url: &str, text: &str) -> Ledger {
    let rules = VersionedRules {
        rules: Arc::new(mintage::load_str("invite.mint", text).unwrap_or_else(|e| panic!("{e}"))),
        version: "r-invite".into(),
    };
    let options = LedgerOptions {
        seed: Some(7),
        ..LedgerOptions::default()
    };
    Ledger::open(url, rules, options).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn referral(id: &str, at: &str, inviter: (&str, &str), invitee: (&str, &str)) -> String {
    format!(
        r#"{{"id":"{id}","type":"referral_completed","at":"2026-12-{at}+08:00","inviter":{{"id":"{}","device_id":"{}"}},"invitee":{{"id":"{}","device_id":"{}"}}}}"#,
        inviter.0, inviter.1, invitee.0, invitee.1
    )
}

/// (user, coupons by rule, suppressions as `rule reason`) of one decision.
fn summary(d: &Value) -> (String, Vec<String>, Vec<String>) {
    let list = |key: &str, f: &dyn Fn(&Value) -> String| -> Vec<String> {
        d[key].as_array().cloned().unwrap_or_default().iter().map(f).collect()
    };
    (
        d["user_id"].as_str().unwrap_or_default().to_string(),
        list("coupons", &|c| c["rule"].as_str().unwrap().to_string()),
        list("suppressed", &|s| {
            format!("{} {}", s["rule"].as_str().unwrap(), s["reason"].as_str().unwrap())
        }),
    )
}

fn printable(decided: Vec<Decided>) -> Vec<Value> {
    decided
        .into_iter()
        .filter(Decided::is_printable)
        .map(|d| d.decision)
        .collect()
}

/// Decides `raw`; returns the timers that fired first, the invitee's and the inviter's
/// decisions.
fn decide(l: &Ledger, raw: &str) -> (Vec<Value>, Value, Value, bool) {
    let e = Event::from_json(raw).unwrap();
    let out = l.decide(&e, raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
    assert_eq!(out.others.len(), 1, "{raw}: one other side");
    let replayed = out.decided.replayed && out.others[0].replayed;
    let fired = printable(out.fired);
    let inviter = out.others.into_iter().next().unwrap().decision;
    (fired, out.decided.decision, inviter, replayed)
}

const HOST: (&str, &str) = ("u-host", "d-host");

fn both_sides_are_decided_once(url: &str) {
    let l = open(url);
    let first = referral("r-1", "03T10:00:00", HOST, ("u-f1", "d-f1"));
    let (fired, invitee, inviter, replayed) = decide(&l, &first);
    assert!(fired.is_empty() && !replayed);
    assert_eq!(summary(&invitee), ("u-f1".into(), vec!["friend_bonus".into()], vec![]));
    assert_eq!(
        summary(&inviter),
        ("u-host".into(), vec!["inviter_bonus".into()], vec![])
    );
    assert_eq!(invitee["event_id"], "r-1");
    assert_eq!(inviter["event_id"], "r-1");
    // Each coupon is its user's in the ledger.
    for (d, user) in [(&invitee, "u-f1"), (&inviter, "u-host")] {
        let code = d["coupons"][0]["code"].as_str().unwrap();
        assert_eq!(l.coupon(code).unwrap().unwrap().user_id, user);
    }
    // A retry replays both sides: the same codes, nothing new.
    let (_, again_invitee, again_inviter, replayed) = decide(&l, &first);
    assert!(replayed);
    assert_eq!(again_invitee["coupons"][0]["code"], invitee["coupons"][0]["code"]);
    assert_eq!(again_inviter["coupons"][0]["code"], inviter["coupons"][0]["code"]);

    // The inviter's timer fires on the inviter, an hour later, before the next event.
    let second = referral("r-2", "03T11:30:00", HOST, ("u-f2", "d-f2"));
    let (fired, invitee, inviter, _) = decide(&l, &second);
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(summary(&fired[0]), ("u-host".into(), vec!["thank_you".into()], vec![]));
    assert_eq!(fired[0]["trigger"], "timer");
    assert_eq!(summary(&invitee).1, vec!["friend_bonus".to_string()]);
    assert_eq!(summary(&inviter).1, vec!["inviter_bonus".to_string()]);

    // The inviter's limit (2) counts the inviter's coupons; the friend still gets one.
    let third = referral("r-3", "04T10:00:00", HOST, ("u-f3", "d-f3"));
    let (_, invitee, inviter, _) = decide(&l, &third);
    assert_eq!(summary(&invitee).1, vec!["friend_bonus".to_string()]);
    assert!(summary(&inviter).1.is_empty(), "{inviter}");
    // A friend invited twice is rewarded once; the second inviter still is.
    let twice = referral("r-4", "04T11:00:00", ("u-other", "d-other"), ("u-f3", "d-f3"));
    let (_, invitee, inviter, _) = decide(&l, &twice);
    assert!(summary(&invitee).1.is_empty(), "{invitee}");
    assert_eq!(summary(&inviter).1, vec!["inviter_bonus".to_string()]);

    // Self-referral on one device: both sides withheld as multi_account.
    let own = referral("r-5", "05T10:00:00", ("u-main", "d-shared"), ("u-alt", "d-shared"));
    let (_, invitee, inviter, _) = decide(&l, &own);
    assert_eq!(
        summary(&invitee),
        ("u-alt".into(), vec![], vec!["friend_bonus risk:multi_account".into()])
    );
    assert_eq!(
        summary(&inviter),
        ("u-main".into(), vec![], vec!["inviter_bonus risk:multi_account".into()])
    );
    let a = l.audit().unwrap();
    assert!(a.limit_violations.is_empty() && a.overspent.is_empty(), "{a:?}");
    assert_eq!(a.duplicate_decisions, 0, "{a:?}");
}

#[test]
fn sqlite_decides_each_side_of_a_referral_once() {
    both_sides_are_decided_once("sqlite::memory:");
}

#[test]
fn postgres_decides_each_side_of_a_referral_once() {
    let db = pg::TestDb::new();
    both_sides_are_decided_once(&db.url(""));
}

/// The invitee's side decided alone (as when the inviter's transaction failed): a retry
/// of the whole referral replays it and decides the inviter's.
fn a_retry_completes_the_side_left_undecided(url: &str) {
    let l = open(url);
    let raw = referral("r-9", "03T10:00:00", HOST, ("u-f9", "d-f9"));
    let e = Event::from_json(&raw).unwrap();
    let sides = e.sides();
    let alone = l.decide(&sides[0], &raw).unwrap();
    assert!(alone.others.is_empty());
    let (_, invitee, inviter, replayed) = decide(&l, &raw);
    assert!(!replayed);
    assert_eq!(
        invitee["coupons"][0]["code"],
        alone.decided.decision["coupons"][0]["code"]
    );
    assert_eq!(summary(&inviter).1, vec!["inviter_bonus".to_string()]);
    let (_, _, _, replayed) = decide(&l, &raw);
    assert!(replayed);
}

#[test]
fn sqlite_completes_a_referral_side_on_retry() {
    a_retry_completes_the_side_left_undecided("sqlite::memory:");
}

#[test]
fn postgres_completes_a_referral_side_on_retry() {
    let db = pg::TestDb::new();
    a_retry_completes_the_side_left_undecided(&db.url(""));
}

#[test]
fn the_ledger_decides_referrals_as_the_in_memory_runtime_does() {
    let events: Vec<String> = (0..40)
        .map(|i| {
            let inviter = format!("u-h{}", i % 4);
            let device = if i % 9 == 0 {
                format!("d-h{}", i % 4)
            } else {
                format!("d-f{i}")
            };
            let at = format!("{:02}T{:02}:{:02}:00", 3 + i / 12, 8 + (i % 12), (i * 7) % 60);
            referral(
                &format!("r-{i}"),
                &at,
                (&inviter, &format!("d-h{}", i % 4)),
                (&format!("u-f{}", i % 30), &device),
            )
        })
        .collect();
    // A strict velocity check, so that risk withholds some sides and not others.
    let text = RULES.replace("coupons_issued(24h) >= 4", "coupons_issued(24h) >= 2");
    let rules = Arc::new(mintage::load_str("invite.mint", &text).unwrap());
    let mut memory = mintage::runtime::engine::Runtime::new(rules, mintage::runtime::codes::CodeMinter::seeded(7));
    let mut want = Vec::new();
    for raw in &events {
        for d in memory.process(&Event::from_json(raw).unwrap()) {
            want.push(summary(&d.to_json()));
        }
    }
    let l = open_with("sqlite::memory:", &text);
    let mut got = Vec::new();
    for raw in &events {
        let (fired, invitee, inviter, _) = decide(&l, raw);
        for d in fired.iter().chain([&invitee, &inviter]) {
            let s = summary(d);
            if !s.1.is_empty() || !s.2.is_empty() {
                got.push(s);
            }
        }
    }
    want.sort();
    got.sort();
    assert!(want.iter().any(|s| s.2.iter().any(|r| r.contains("multi_account"))));
    assert!(want.iter().any(|s| s.1.contains(&"thank_you".to_string())));
    assert!(want.iter().any(|s| s.2.iter().any(|r| r.contains("velocity"))));
    assert_eq!(got, want);
}

#[tokio::test]
async fn the_service_answers_the_inviters_decision_under_others() {
    let s = service::Service::new(&[service::root().join("examples/invite_a_friend")]);
    s.clock.store(
        service::ms("2026-12-03T10:05:00+08:00"),
        std::sync::atomic::Ordering::SeqCst,
    );
    let raw = referral("r-1", "03T10:00:00", HOST, ("u-f1", "d-f1"));
    let body: Value = serde_json::from_str(&raw).unwrap();
    let (status, answer) = s.post("/v1/decide", &s.decide, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["decision"]["user_id"], "u-f1");
    assert_eq!(answer["decision"]["coupons"][0]["rule"], "friend_bonus");
    assert_eq!(answer["others"][0]["decision"]["user_id"], "u-host");
    assert_eq!(answer["others"][0]["decision"]["coupons"][0]["rule"], "inviter_bonus");
    assert_eq!(answer["others"][0]["replayed"], false);
    let (_, again) = s.post("/v1/decide", &s.decide, &body).await;
    assert_eq!(again["others"][0]["replayed"], true);
    assert_eq!(
        again["others"][0]["decision"]["coupons"][0]["code"],
        answer["others"][0]["decision"]["coupons"][0]["code"]
    );
    // A referral without its inviter is a 400 that says so.
    let mut bad = body.clone();
    bad.as_object_mut().unwrap().remove("inviter");
    bad["id"] = "r-2".into();
    let (status, answer) = s.post("/v1/decide", &s.decide, &bad).await;
    assert_eq!(status, 400, "{answer}");
    assert!(answer.to_string().contains("needs `inviter`"), "{answer}");
}

#[test]
fn replay_prints_a_decision_per_side_in_memory_and_on_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("referrals.jsonl");
    let lines = [
        referral("r-1", "03T10:00:00", HOST, ("u-f1", "d-f1")),
        referral("r-2", "03T10:30:00", ("u-main", "d-shared"), ("u-alt", "d-shared")),
        r#"{"id":"r-3","type":"referral_completed","at":"2026-12-03T11:00:00+08:00","invitee":{"id":"u-f3"}}"#
            .to_string(),
    ];
    std::fs::write(&events, lines.join("\n") + "\n").unwrap();
    let rules = service::root().join("examples/invite_a_friend");
    let db = format!("sqlite:{}", dir.path().join("l.db").display());
    let mut outputs = Vec::new();
    for extra in [vec![], vec!["--db", db.as_str()]] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_mintage"))
            .arg("replay")
            .arg(&rules)
            .arg("--events")
            .arg(&events)
            .args(["--seed", "1"])
            .args(&extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "a bad line is skipped: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(":3: skipped: a `referral_completed` event needs `inviter`"),
            "{stderr}"
        );
        let decisions: Vec<(String, Vec<String>, Vec<String>)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| summary(&serde_json::from_str(l).unwrap()))
            .collect();
        outputs.push(decisions);
    }
    let want = vec![
        ("u-f1".to_string(), vec!["friend_bonus".to_string()], vec![]),
        ("u-host".to_string(), vec!["inviter_bonus".to_string()], vec![]),
        (
            "u-alt".to_string(),
            vec![],
            vec!["friend_bonus risk:multi_account".to_string()],
        ),
        (
            "u-main".to_string(),
            vec![],
            vec!["inviter_bonus risk:multi_account".to_string()],
        ),
    ];
    assert_eq!(outputs[0], want, "in memory");
    assert_eq!(outputs[1], want, "on the ledger");
}
