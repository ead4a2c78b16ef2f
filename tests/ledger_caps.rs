//! Issue caps (`at most N coupons per campaign`, `per rule`) and budgets of a day or an
//! hour on both ledgers: decided as the in-memory runtime decides them, kept across
//! reopening, never passed by two ledgers deciding on one database at once, and reported
//! by the audit when passed (here: by rules that lowered them afterwards). PostgreSQL
//! runs on the local server (`support/pg.rs`), started if it is down.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::ledger::{Audit, Ledger, LedgerOptions, VersionedRules};
use mintage::runtime::event::Event;
use serde_json::Value;
use std::sync::Arc;

const RULES: &str = r#"
campaign flash {
  window 2026-01-01 00:00 .. 2100-01-01 00:00 Asia/Shanghai
  at most 25 coupons per campaign

  rule first_look {
    on view_item
    once per user
    at most 15 coupons per rule
    give amount_off ¥10 valid 72h
  }

  rule cart {
    on add_to_cart
    once per user
    give amount_off ¥5 valid 72h
  }
}

campaign paced {
  window 2026-01-01 00:00 .. 2100-01-01 00:00 Asia/Shanghai
  budget ¥1_000 face value
  budget ¥120 face value per day
  budget ¥50 face value per hour

  rule daily {
    on app_open
    at most 3 times per user
    give amount_off ¥10 valid 1h
  }
}
"#;

fn rules(text: &str) -> VersionedRules {
    VersionedRules {
        rules: Arc::new(mintage::load_str("caps.mint", text).unwrap_or_else(|e| panic!("{e}"))),
        version: "r-caps".into(),
    }
}

fn open(url: &str, text: &str) -> Ledger {
    Ledger::open(url, rules(text), LedgerOptions::default()).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn event(id: &str, kind: &str, at: &str, user: &str) -> String {
    format!(r#"{{"id":"{id}","type":"{kind}","at":"{at}","user":{{"id":"{user}","device_id":"d-{user}"}}}}"#)
}

/// The decision's coupons (rule names) and suppressions (rule, reason).
fn decide(ledger: &Ledger, raw: &str) -> (Vec<String>, Vec<(String, String)>) {
    let e = Event::from_json(raw).expect("event");
    let d = ledger
        .decide(&e, raw)
        .unwrap_or_else(|e| panic!("{raw}: {e}"))
        .decided
        .decision;
    let names = |key: &str, field: &str| -> Vec<Value> {
        d[key]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(|c| c[field].clone())
            .collect()
    };
    let coupons = names("coupons", "rule")
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let rules = names("suppressed", "rule");
    let reasons = names("suppressed", "reason");
    let suppressed = rules
        .iter()
        .zip(&reasons)
        .map(|(r, why)| (r.as_str().unwrap().to_string(), why.as_str().unwrap().to_string()))
        .collect();
    (coupons, suppressed)
}

fn issued(ledger: &Ledger, raw: &str, rule: &str) {
    let (coupons, suppressed) = decide(ledger, raw);
    assert_eq!(coupons, vec![rule.to_string()], "{raw}: suppressed {suppressed:?}");
}

fn withheld(ledger: &Ledger, raw: &str, rule: &str, reason: &str) {
    let (coupons, suppressed) = decide(ledger, raw);
    assert!(coupons.is_empty(), "{raw}: {coupons:?}");
    assert_eq!(suppressed, vec![(rule.to_string(), reason.to_string())], "{raw}");
}

fn assert_clean(a: &Audit) {
    assert!(a.caps_exceeded.is_empty(), "{a:?}");
    assert!(a.period_overspent.is_empty(), "{a:?}");
    assert!(a.overspent.is_empty(), "{a:?}");
    assert!(a.budget_mismatches.is_empty(), "{a:?}");
    assert!(a.limit_violations.is_empty(), "{a:?}");
    assert_eq!(a.duplicate_decisions, 0, "{a:?}");
}

// ---- one ledger: the decisions, and the tallies kept across reopening

fn caps_hold_and_survive_reopening(url: &str) {
    let small = RULES
        .replace("at most 25 coupons per campaign", "at most 3 coupons per campaign")
        .replace("at most 15 coupons per rule", "at most 2 coupons per rule");
    {
        let l = open(url, &small);
        issued(
            &l,
            &event("a1", "view_item", "2026-11-02T10:00:00+08:00", "u-1"),
            "first_look",
        );
        issued(
            &l,
            &event("a2", "view_item", "2026-11-02T10:01:00+08:00", "u-2"),
            "first_look",
        );
        withheld(
            &l,
            &event("a3", "view_item", "2026-11-02T10:02:00+08:00", "u-3"),
            "first_look",
            "cap",
        );
        // The withheld coupon counted toward no limit: u-3 may still have one later.
        issued(
            &l,
            &event("a4", "add_to_cart", "2026-11-02T10:03:00+08:00", "u-3"),
            "cart",
        );
        withheld(
            &l,
            &event("a5", "add_to_cart", "2026-11-02T10:04:00+08:00", "u-4"),
            "cart",
            "cap",
        );
        // The hour's ¥50, then the day's ¥120, then the next day's.
        for (i, hour) in ["10", "11", "12"].iter().enumerate() {
            for m in 0..5 {
                let user = format!("p-{i}-{m}");
                let at = format!("2026-11-02T{hour}:{:02}:00+08:00", m * 5);
                let id = format!("p{i}{m}");
                if i == 2 && m >= 2 {
                    withheld(&l, &event(&id, "app_open", &at, &user), "daily", "budget_day");
                } else {
                    issued(&l, &event(&id, "app_open", &at, &user), "daily");
                }
            }
            withheld(
                &l,
                &event(
                    &format!("p{i}x"),
                    "app_open",
                    &format!("2026-11-02T{hour}:30:00+08:00"),
                    "p-x",
                ),
                "daily",
                if i == 2 { "budget_day" } else { "budget_hour" },
            );
        }
        assert_clean(&l.audit().expect("audit"));
    }
    // A coupon that expires gives no place back under a cap; a new day has its budget.
    let l = open(url, &small);
    l.tick(
        mintage::value::parse_time("2026-11-06T00:00:00+08:00").unwrap(),
        usize::MAX,
    )
    .expect("tick");
    withheld(
        &l,
        &event("b1", "view_item", "2026-11-06T10:00:00+08:00", "u-9"),
        "first_look",
        "cap",
    );
    issued(
        &l,
        &event("b2", "app_open", "2026-11-06T10:00:00+08:00", "p-x"),
        "daily",
    );
    assert_clean(&l.audit().expect("audit"));
    // Rules that lower the caps and budgets afterwards: the audit reports what passes them.
    let lowered = small
        .replace("at most 3 coupons per campaign", "at most 2 coupons per campaign")
        .replace("budget ¥120 face value per day", "budget ¥100 face value per day");
    let a = open(url, &lowered).audit().expect("audit");
    assert_eq!(a.caps_exceeded.len(), 2, "the coupons and the tally of `flash`: {a:?}");
    assert!(a.caps_exceeded.iter().all(|s| s.starts_with("flash")), "{a:?}");
    assert_eq!(a.period_overspent.len(), 1, "2026-11-02 took ¥120: {a:?}");
    assert!(a.period_overspent[0].contains("day/2026-11-02"), "{a:?}");
}

#[test]
fn sqlite_holds_caps_and_period_budgets_across_reopening() {
    let dir = tempfile::tempdir().unwrap();
    caps_hold_and_survive_reopening(&format!("sqlite:{}", dir.path().join("l.db").display()));
}

#[test]
fn postgres_holds_caps_and_period_budgets_across_reopening() {
    let db = pg::TestDb::new();
    caps_hold_and_survive_reopening(&db.url(""));
}

// ---- two ledgers on one database, deciding at once

/// ¥240 over 240 hours, paced: ¥1 more by the end of each hour.
const STEADY: &str = r#"
campaign steady {
  window 2026-11-02 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  budget ¥240 face value
  pace evenly

  rule hello {
    on view_item
    give amount_off ¥1 valid 100d
  }
}

"#;

const THREADS: usize = 8;
const USERS: usize = 120;

/// Every user views, adds to the cart and opens the app, spread over eight threads of two
/// ledgers: far more demand than the caps and the day's budget let through.
fn two_ledgers_race(url: &str) {
    let text = format!("{RULES}{STEADY}");
    let ledgers: Vec<Arc<Ledger>> = (0..2).map(|_| Arc::new(open(url, &text))).collect();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let ledger = ledgers[t % 2].clone();
            s.spawn(move || {
                for u in (t..USERS).step_by(THREADS) {
                    for (k, kind) in ["view_item", "add_to_cart", "app_open"].iter().enumerate() {
                        // One hour, so that only the hour's ¥50 and the caps bind.
                        let at = format!("2026-11-02T10:{:02}:{:02}+08:00", u % 60, k * 10);
                        let raw = event(&format!("e-{u}-{k}"), kind, &at, &format!("u-{u}"));
                        decide(&ledger, &raw);
                    }
                }
            });
        }
    });
    let a = ledgers[0].audit().expect("audit");
    assert_clean(&a);
    assert_eq!(a.decisions as usize, USERS * 3);
    assert_eq!(
        a.coupons,
        25 + 5 + 11,
        "25 of `flash` (its cap), 5 of `paced` (¥50 / ¥10 in the hour), 11 of `steady` \
         (paced: ¥11 of ¥240 by 11:00): {a:?}"
    );
}

#[test]
fn two_sqlite_ledgers_never_pass_a_cap_or_a_period_budget() {
    let dir = tempfile::tempdir().unwrap();
    two_ledgers_race(&format!("sqlite:{}", dir.path().join("l.db").display()));
}

#[test]
fn two_postgres_ledgers_never_pass_a_cap_or_a_period_budget() {
    let db = pg::TestDb::new();
    two_ledgers_race(&db.url("pool=4"));
}

// ---- the same decisions as the in-memory runtime (`mintage replay` without `--db`)

/// Caps, a day's and an hour's budget, and a `wait` rule whose coupons count in the hour
/// their timer fires in.
const PACED_TIMERS: &str = r#"
campaign nudge {
  window 2026-01-01 00:00 .. 2100-01-01 00:00 Asia/Shanghai
  budget ¥300 face value
  budget ¥60 face value per day
  budget ¥30 face value per hour
  at most 12 coupons per campaign

  rule later {
    on add_to_cart
    wait 2h unless order_paid
    once per user per day
    give amount_off ¥10 valid 3h
  }

  rule now {
    on view_item
    at most 2 times per user
    at most 7 coupons per rule
    give amount_off ¥10 valid 1h
  }
}

campaign steady {
  window 2026-11-02 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  budget ¥24 face value
  pace evenly

  rule hello {
    on view_item
    give amount_off ¥1 valid 100d
  }
}
"#;

fn stream() -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..120u32 {
        let day = 2 + i / 40;
        let hour = 8 + (i * 7) % 14;
        let kind = ["view_item", "add_to_cart", "order_paid"][(i % 3) as usize];
        let at = format!("2026-11-{day:02}T{hour:02}:{:02}:00+08:00", (i * 13) % 60);
        out.push(event(&format!("s-{i}"), kind, &at, &format!("u-{}", i % 9)));
    }
    // Events in time order, as a stream is.
    out.sort_by_key(|raw| Event::from_json(raw).expect("event").at);
    out
}

fn decides_like_memory(url: &str) {
    let rules = rules(PACED_TIMERS);
    let mut memory =
        mintage::runtime::engine::Runtime::new(rules.rules.clone(), mintage::runtime::codes::CodeMinter::seeded(1));
    let ledger = Ledger::open(
        url,
        rules,
        LedgerOptions {
            seed: Some(1),
            explain: false,
            ..LedgerOptions::default()
        },
    )
    .expect("opens");
    let (mut want, mut got) = (Vec::new(), Vec::new());
    for raw in stream() {
        let e = Event::from_json(&raw).expect("event");
        want.extend(memory.process(&e).iter().map(|d| d.to_json().to_string()));
        // As a service's ticker does: every user's timers due by now fire first, as the
        // in-memory runtime fires them before the event.
        for d in ledger.tick(e.at, usize::MAX).expect("tick") {
            got.push(d.decision.to_string());
        }
        let out = ledger.decide(&e, &raw).expect("decides");
        for d in out.fired.iter().chain(std::iter::once(&out.decided)) {
            if d.is_printable() {
                got.push(d.decision.to_string());
            }
        }
    }
    want.sort();
    got.sort();
    assert!(
        want.iter().any(|d| d.contains("\"budget_hour\"")),
        "the stream reaches the hour's budget"
    );
    assert!(want.iter().any(|d| d.contains("\"cap\"")), "the stream reaches a cap");
    assert!(
        want.iter().any(|d| d.contains("\"pace\"")),
        "the stream reaches the pace"
    );
    assert_eq!(got, want);
    assert_clean(&ledger.audit().expect("audit"));
}

#[test]
fn sqlite_decides_caps_and_period_budgets_like_the_in_memory_runtime() {
    decides_like_memory("sqlite::memory:");
}

#[test]
fn postgres_decides_caps_and_period_budgets_like_the_in_memory_runtime() {
    let db = pg::TestDb::new();
    decides_like_memory(&db.url(""));
}
