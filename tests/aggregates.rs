//! Aggregates over a user's own past events: exact against brute force over random event
//! streams (`count`, `sum`, `distinct`, `days_since`, windows `(now − D, now]`), and
//! durable: on SQLite and PostgreSQL a user's favourites this week count across
//! decisions and across a restart of the ledger; rules that add an aggregate start it
//! empty; the explain trace shows each aggregate's value.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::check::aggregate::{Aggregate, Func};
use mintage::check::types::{TExpr, Type};
use mintage::ledger::{Ledger, LedgerOptions, VersionedRules};
use mintage::runtime::aggregate::{push, read};
use mintage::runtime::event::Event;
use mintage::value::{Millis, Value};
use proptest::prelude::*;
use serde_json::json;
use std::collections::VecDeque;
use std::sync::Arc;

const DAY: Millis = 86_400_000;

fn spec(func: Func, window: Option<Millis>, money: bool) -> Aggregate {
    let field = matches!(func, Func::Sum | Func::Distinct).then(|| {
        TExpr::constant(
            Value::Missing,
            if money { Type::Money } else { Type::Number },
            mintage::source::Span::default(),
        )
    });
    Aggregate {
        key: Arc::from("k"),
        func,
        event: Arc::from("view_item"),
        cond: None,
        field,
        window,
    }
}

fn brute(func: Func, window: Option<Millis>, events: &[(Millis, i64)], now: Millis) -> Value {
    let seen: Vec<&(Millis, i64)> = events
        .iter()
        .filter(|(t, _)| *t <= now && window.is_none_or(|w| *t > now - w))
        .collect();
    match func {
        Func::Count => Value::Number(seen.len() as f64),
        Func::Sum => Value::Money(seen.iter().map(|(_, v)| v).sum()),
        Func::Distinct => {
            let mut v: Vec<i64> = seen.iter().map(|(_, v)| *v).collect();
            v.sort();
            v.dedup();
            Value::Number(v.len() as f64)
        }
        Func::DaysSince => seen
            .last()
            .map_or(Value::Missing, |(t, _)| Value::Number((now - t) as f64 / DAY as f64)),
    }
}

proptest! {
    #[test]
    fn aggregates_are_exact_at_the_window_edges(
        gaps in prop::collection::vec(0i64..3 * DAY, 1..60),
        values in prop::collection::vec(0i64..5, 60),
        func in 0usize..4,
        days in 1i64..10,
        probes in prop::collection::vec(0i64..2 * DAY, 1..5),
    ) {
        let func = [Func::Count, Func::Sum, Func::Distinct, Func::DaysSince][func];
        let window = (func != Func::DaysSince).then_some(days * DAY);
        let s = spec(func, window, true);
        let mut t = 1_000 * DAY;
        let mut events = Vec::new();
        let mut kept: VecDeque<(Millis, Value)> = VecDeque::new();
        for (gap, v) in gaps.iter().zip(&values) {
            t += gap;
            events.push((t, *v * 100));
            push(&s, &mut kept, t, Value::Money(*v * 100));
            // Read at the event, at exact window edges after it, and later.
            let mut at = vec![t, t + window.unwrap_or(DAY) - 1, t + window.unwrap_or(DAY)];
            at.extend(probes.iter().map(|p| t + p));
            for now in at {
                prop_assert_eq!(read(&s, kept.iter(), now), brute(func, window, &events, now), "at {}", now - t);
            }
            if let Some(w) = window {
                prop_assert!(kept.iter().all(|(e, _)| *e > t - w), "kept an entry past the window");
            }
        }
    }
}

const RULES: &str = r#"
campaign bag_fans {
  window 2026-12-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  rule fan {
    on view_item
    when item.category == "bags"
      and count(item_favourited where item.category == "bags", 7d) >= 2
    once per user
    give amount_off ¥20 for "bags" valid 48h
  }
}
"#;

fn open(url: &str, rules: &str, version: &str) -> Ledger {
    let rules = mintage::load_str("fans.mint", rules).unwrap_or_else(|e| panic!("{e}"));
    let rules = VersionedRules {
        rules: Arc::new(rules),
        version: version.into(),
    };
    let options = LedgerOptions {
        seed: Some(5),
        ..LedgerOptions::default()
    };
    Ledger::open(url, rules, options).unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// Decides one event of `u-1` and answers the rules it issued.
fn decide(ledger: &Ledger, id: &str, kind: &str, at: &str, category: &str) -> Vec<String> {
    let raw = json!({
        "id": id, "type": kind, "at": at,
        "user": {"id": "u-1", "registered_at": "2025-01-01T09:00:00+08:00", "device_id": "d-1"},
        "item": {"id": format!("i-{id}"), "category": category, "price": 900},
    })
    .to_string();
    let e = Event::from_json(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
    let out = ledger.decide(&e, &raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
    out.decided.decision["coupons"]
        .as_array()
        .map(|c| {
            c.iter()
                .map(|c| c["rule"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn favourites_count_across_decisions_and_restarts(url: &str) {
    let ledger = open(url, RULES, "r-1");
    assert!(decide(&ledger, "e-1", "item_favourited", "2026-12-01T10:00:00+08:00", "bags").is_empty());
    assert!(decide(&ledger, "e-2", "item_favourited", "2026-12-02T10:00:00+08:00", "shoes").is_empty());
    assert!(decide(&ledger, "e-3", "view_item", "2026-12-03T10:00:00+08:00", "bags").is_empty());
    drop(ledger);
    // A restart keeps the favourite of 1 December.
    let ledger = open(url, RULES, "r-1");
    assert!(decide(&ledger, "e-4", "item_favourited", "2026-12-04T10:00:00+08:00", "bags").is_empty());
    assert_eq!(
        decide(&ledger, "e-5", "view_item", "2026-12-05T10:00:00+08:00", "bags"),
        ["fan"]
    );
    drop(ledger);
    // Rules that count favourites of shoes start that count empty.
    let shoes = RULES
        .replace("rule fan", "rule shoe_fan")
        .replace("\"bags\" and count", "\"shoes\" and count")
        .replace(
            "item_favourited where item.category == \"bags\"",
            "item_favourited where item.category == \"shoes\"",
        )
        .replace("item.category == \"bags\"\n", "item.category == \"shoes\"\n");
    let ledger = open(url, &shoes, "r-2");
    assert!(decide(&ledger, "e-6", "item_favourited", "2026-12-06T10:00:00+08:00", "shoes").is_empty());
    assert!(
        decide(&ledger, "e-7", "view_item", "2026-12-06T11:00:00+08:00", "shoes").is_empty(),
        "the favourite of shoes on 2 December was before these rules counted them"
    );
    assert!(decide(&ledger, "e-8", "item_favourited", "2026-12-06T12:00:00+08:00", "shoes").is_empty());
    assert_eq!(
        decide(&ledger, "e-9", "view_item", "2026-12-06T13:00:00+08:00", "shoes"),
        ["shoe_fan"]
    );
}

#[test]
fn favourites_count_across_decisions_and_restarts_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
    favourites_count_across_decisions_and_restarts(&url);
}

#[test]
fn favourites_count_across_decisions_and_restarts_on_postgres() {
    let db = pg::TestDb::new();
    favourites_count_across_decisions_and_restarts(&db.url(""));
}

#[test]
fn the_trace_shows_each_aggregate() {
    let program = mintage::load_str("fans.mint", RULES).unwrap();
    let mut rt =
        mintage::runtime::engine::Runtime::new(Arc::new(program), mintage::runtime::codes::CodeMinter::seeded(1))
            .explain(true);
    let raw = json!({"id": "e-1", "type": "item_favourited", "at": "2026-12-01T10:00:00+08:00",
        "user": {"id": "u-1"}, "item": {"id": "i-1", "category": "bags"}})
    .to_string();
    let d = rt.decide(&Event::from_json(&raw).unwrap());
    let trace = d.trace.unwrap();
    let entry = trace.iter().find(|t| &*t.campaign == "aggregate").unwrap();
    assert_eq!(
        &*entry.rule,
        r#"count(item_favourited where item.category == "bags", 1w)"#
    );
    assert_eq!(entry.outcome, "1");
}
