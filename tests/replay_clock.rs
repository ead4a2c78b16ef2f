//! `replay --db` keeps the events' time as its clock, as the in-memory replay does: by
//! each event, other users' timers that fell due have fired and coupons whose validity
//! ended have expired and given their budget back. The two replays print the same
//! decisions (codes aside: a ledger mints its own).
//!
//! `tests/replay_clock/`: `tight` has a budget of one ¥10 coupon valid 1h, so u-2's second
//! view (after u-1's coupon ran out) gets one; `later` starts a 2h timer for u-3, who has
//! no event after it, so only the clock can fire it, before u-4's view at 15:00.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use serde_json::Value;
use std::process::Command;

fn replay(extra: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args([
            "replay",
            "tests/replay_clock/rules.mint",
            "--events",
            "tests/replay_clock/events.jsonl",
            "--seed",
            "1",
        ])
        .args(extra)
        .output()
        .expect("mintage runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let mut d: Value = serde_json::from_str(l).expect("a decision");
            for c in d["coupons"].as_array_mut().expect("coupons") {
                c.as_object_mut().expect("a coupon").remove("code");
            }
            d
        })
        .collect()
}

/// (time, trigger, event id, rule of each coupon) of each decision.
fn summary(decisions: &[Value]) -> Vec<(String, String, String, Vec<String>)> {
    decisions
        .iter()
        .map(|d| {
            let rules = d["coupons"]
                .as_array()
                .expect("coupons")
                .iter()
                .map(|c| c["rule"].as_str().expect("rule").to_string())
                .collect();
            let text = |k: &str| d[k].as_str().expect(k).to_string();
            (text("at"), text("trigger"), text("event_id"), rules)
        })
        .collect()
}

#[test]
fn the_ledger_replay_expires_coupons_and_fires_timers_by_the_events_time() {
    let memory = replay(&[]);
    let expected = vec![
        ("2026-11-11T10:00:00+08:00", "event", "e1", vec!["hello"]),
        ("2026-11-11T10:30:00+08:00", "event", "e2", vec![]),
        ("2026-11-11T11:30:00+08:00", "event", "e3", vec!["hello"]),
        ("2026-11-11T14:00:00+08:00", "timer", "e4", vec!["nudge"]),
        ("2026-11-11T15:00:00+08:00", "event", "e5", vec!["hello"]),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(at, t, id, rules)| {
            (
                at.to_string(),
                t.to_string(),
                id.to_string(),
                rules.into_iter().map(str::to_string).collect::<Vec<_>>(),
            )
        })
        .collect();
    assert_eq!(summary(&memory), expected);
    assert_eq!(memory[1]["suppressed"][0]["reason"], "budget");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite:{}", dir.path().join("l.db").display());
    assert_eq!(replay(&["--db", &db]), memory);
    assert_eq!(replay(&["--db", "sqlite::memory:"]), memory);
    let pg = pg::TestDb::new();
    assert_eq!(replay(&["--db", &pg.url("")]), memory);
}
