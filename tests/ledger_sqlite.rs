//! The durable ledger on SQLite: the same decisions as the in-memory runtime, idempotent
//! retries, persistence across reopening, redemption, timers, and budgets and limits held
//! under concurrent deciders.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/scenarios.rs"]
mod scenarios;

use mintage::ledger::{
    CouponState, KeyDigest, Ledger, LedgerError, LedgerOptions, Order, OrderCoupon, OrderItem, RedeemRequest, Scope,
    Stage, VersionedRules,
};
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::Runtime;
use mintage::runtime::event::Event;
use mintage::value::Yuan;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn rules_from(paths: &[PathBuf]) -> VersionedRules {
    let rules = mintage::load(paths).expect("rules load");
    VersionedRules {
        rules: Arc::new(rules),
        version: "r-test".into(),
    }
}

fn seed_rules() -> VersionedRules {
    rules_from(&[PathBuf::from("rules")])
}

fn open(url: &str, rules: VersionedRules) -> Ledger {
    Ledger::open(
        url,
        rules,
        LedgerOptions {
            seed: Some(1),
            explain: false,
            ..LedgerOptions::default()
        },
    )
    .expect("ledger opens")
}

fn decide(ledger: &Ledger, raw: &str) -> mintage::ledger::DecideOutcome {
    let event = Event::from_json(raw).expect("valid event");
    ledger.decide(&event, raw).expect("decides")
}

fn scenario_files() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/stories"))
        .expect("tests/stories holds the stories")
        .filter_map(|e| e.ok().map(|e| e.path().join("events.jsonl")))
        .filter(|p| p.exists())
        .collect();
    out.push(PathBuf::from("examples/events/new_user.jsonl"));
    out.sort();
    out
}

/// Every printable decision of a stream, as sorted JSON lines.
fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn the_ledger_decides_like_the_in_memory_runtime() {
    for file in scenario_files() {
        let rules = seed_rules();
        let mut memory = Runtime::new(rules.rules.clone(), CodeMinter::seeded(1));
        let ledger = open("sqlite::memory:", rules);
        let mut want = Vec::new();
        let mut got = Vec::new();
        for raw in scenarios::lines(&file) {
            let event = Event::from_json(&raw).expect("valid event");
            for d in memory.process(&event) {
                want.push(d.to_json().to_string());
            }
            let out = ledger.decide(&event, &raw).expect("decides");
            for d in out.fired.iter().chain(std::iter::once(&out.decided)) {
                if d.is_printable() {
                    got.push(d.decision.to_string());
                }
            }
        }
        assert_eq!(sorted(got), sorted(want), "{}", file.display());
        let audit = ledger.audit().expect("audit");
        assert!(audit.budget_mismatches.is_empty(), "{}: {audit:?}", file.display());
        assert_eq!(audit.duplicate_decisions, 0);
    }
}

const WELCOME: &str = r#"{"id":"e-1","type":"view_item","at":"2026-11-11T10:00:00+08:00",
 "user":{"id":"u-1","registered_at":"2026-11-05T09:00:00+08:00","paid_orders":0,"ltv_tier":"low","device_id":"d-1"},
 "item":{"id":"i-1","category":"bags","price":1280,"seller_id":"s-4","stock_age_days":90},
 "scores":{"p_convert":0.1,"fraud_risk":0.01}}"#;

#[test]
fn a_retried_event_gets_its_first_decision_and_mints_nothing() {
    let ledger = open("sqlite::memory:", seed_rules());
    let first = decide(&ledger, WELCOME);
    assert!(!first.decided.replayed);
    let minted = first.decided.decision["coupons"].as_array().map_or(0, Vec::len);
    assert!(minted > 0, "{first:?}");
    let again = decide(&ledger, WELCOME);
    assert!(again.decided.replayed);
    assert_eq!(again.decided.decision, first.decided.decision);
    assert_eq!(again.decided.decision_id, first.decided.decision_id);
    assert_eq!(ledger.audit().expect("audit").coupons, minted as u64);
}

fn codes(d: &mintage::ledger::DecideOutcome) -> Vec<(String, String)> {
    d.decided.decision["coupons"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["rule"].as_str().unwrap_or_default().to_string(),
                c["code"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[test]
fn coupons_and_timers_survive_reopening() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let (code, user_coupons) = {
        let ledger = open(&url, seed_rules());
        let d = decide(&ledger, WELCOME);
        let cs = codes(&d);
        let cart = r#"{"id":"e-2","type":"add_to_cart","at":"2026-11-02T10:05:00+08:00",
          "user":{"id":"u-ann","registered_at":"2026-10-28T09:00:00+08:00","paid_orders":0,"device_id":"d-ann"},
          "item":{"id":"i-5","category":"shoes","price":600,"seller_id":"s-1"},
          "cart":{"items":[{"id":"i-5","category":"shoes","price":600,"seller_id":"s-1","qty":1}],"total":600},
          "scores":{"p_convert":0.1,"fraud_risk":0.01}}"#;
        decide(&ledger, cart);
        (cs[0].1.clone(), cs.len())
    };
    let ledger = open(&url, seed_rules());
    let c = ledger
        .coupon(&code)
        .expect("read")
        .expect("the coupon is in the ledger");
    assert_eq!(c.status, CouponState::Issued);
    assert_eq!(c.user_id, "u-1");
    let now = mintage::value::parse_time("2026-11-11T12:00:00+08:00").expect("time");
    assert_eq!(ledger.wallet("u-1", now).expect("wallet").len(), user_coupons);
    let stats = ledger.stats("double11").expect("stats").expect("known campaign");
    assert!(stats.issued >= 1 && stats.budget_reserved > Yuan(0), "{stats:?}");
    // u-ann's cart timer (if her arm starts one) fires once after the restart.
    let later = mintage::value::parse_time("2026-11-02T13:00:00+08:00").expect("time");
    let fired = ledger.tick(later, 100).expect("tick");
    let again = ledger.tick(later, 100).expect("tick");
    assert!(again.is_empty(), "a timer fired twice: {again:?}");
    let memory = {
        let rules = seed_rules();
        let mut rt = Runtime::new(rules.rules.clone(), CodeMinter::seeded(7));
        let raw = r#"{"id":"e-2","type":"add_to_cart","at":"2026-11-02T10:05:00+08:00",
          "user":{"id":"u-ann","registered_at":"2026-10-28T09:00:00+08:00","paid_orders":0,"device_id":"d-ann"},
          "item":{"id":"i-5","category":"shoes","price":600,"seller_id":"s-1"},
          "cart":{"items":[{"id":"i-5","category":"shoes","price":600,"seller_id":"s-1","qty":1}],"total":600},
          "scores":{"p_convert":0.1,"fraud_risk":0.01}}"#;
        rt.process(&Event::from_json(raw).expect("event"));
        rt.tick(later).len()
    };
    assert!(memory > 0, "the cart nudge starts a timer for u-ann");
    assert_eq!(fired.len(), memory, "fired {fired:?}");
}

fn order(id: &str, buyer: &str, items: &[(&str, f64, &str)]) -> Order {
    Order {
        id: id.into(),
        buyer_id: buyer.into(),
        items: items
            .iter()
            .enumerate()
            .map(|(i, (cat, price, seller))| OrderItem {
                id: format!("i-{i}"),
                category: Some(cat.to_string()),
                price: *price,
                seller_id: Some(seller.to_string()),
                qty: 1,
            })
            .collect(),
        shipping: None,
    }
}

fn redeem(ledger: &Ledger, code: &str, order: Order, stage: Stage) -> mintage::ledger::RedeemOutcome {
    let now = mintage::value::parse_time("2026-11-11T12:00:00+08:00").expect("time");
    ledger
        .redeem(
            &RedeemRequest {
                code: code.into(),
                order,
                at: None,
                stage,
            },
            now,
        )
        .expect("redeem")
}

#[test]
fn redemption_checks_then_settles_by_funder() {
    let ledger = open("sqlite::memory:", seed_rules());
    let d = decide(&ledger, WELCOME);
    let cs = codes(&d);
    let code_of = |rule: &str| cs.iter().find(|(r, _)| r == rule).map(|(_, c)| c.clone());
    let base = code_of("base").expect("the base coupon");
    let hot = code_of("hot_category").expect("a hot category coupon");

    // The check character catches a typo before any lookup.
    let mut typo = base.clone();
    let last = typo.pop().expect("non-empty");
    typo.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(
        redeem(
            &ledger,
            &typo,
            order("o-0", "u-1", &[("bags", 400.0, "s-4")]),
            Stage::Commit
        )
        .reason
        .as_deref(),
        Some("invalid_code")
    );
    let r = redeem(
        &ledger,
        "MNT-2345-6789-ABCD",
        order("o-0", "u-1", &[("bags", 400.0, "s-4")]),
        Stage::Commit,
    );
    assert!(
        matches!(r.reason.as_deref(), Some("unknown_code") | Some("invalid_code")),
        "{r:?}"
    );
    assert_eq!(
        redeem(
            &ledger,
            &base,
            order("o-1", "u-2", &[("bags", 400.0, "s-4")]),
            Stage::Commit
        )
        .reason
        .as_deref(),
        Some("not_owner")
    );
    assert_eq!(
        redeem(
            &ledger,
            &base,
            order("o-1", "u-1", &[("bags", 100.0, "s-4")]),
            Stage::Commit
        )
        .reason
        .as_deref(),
        Some("min_spend")
    );
    assert_eq!(
        redeem(
            &ledger,
            &hot,
            order("o-1", "u-1", &[("shoes", 400.0, "s-4")]),
            Stage::Commit
        )
        .reason
        .as_deref(),
        Some("category_scope")
    );
    assert_eq!(
        redeem(
            &ledger,
            &hot,
            order("o-1", "u-1", &[("bags", 400.0, "u-1")]),
            Stage::Commit
        )
        .reason
        .as_deref(),
        Some("risk:self_dealing")
    );

    // ¥50 off ¥300: platform-funded.
    let ok = redeem(
        &ledger,
        &base,
        order("o-2", "u-1", &[("bags", 400.0, "s-4")]),
        Stage::Commit,
    );
    assert!(ok.accepted, "{ok:?}");
    let s = ok.settlement.clone().expect("settlement");
    assert_eq!((s.discount, s.platform, s.seller), (Yuan(5000), Yuan(5000), Yuan(0)));
    // A retry answers the same; another order finds it used.
    let retry = redeem(
        &ledger,
        &base,
        order("o-2", "u-1", &[("bags", 400.0, "s-4")]),
        Stage::Commit,
    );
    assert!(retry.replayed && retry.accepted && retry.settlement == ok.settlement);
    assert_eq!(
        redeem(
            &ledger,
            &base,
            order("o-3", "u-1", &[("bags", 400.0, "s-4")]),
            Stage::Commit
        )
        .reason
        .as_deref(),
        Some("already_redeemed")
    );

    // 10 % of ¥1,280 on bags, capped at ¥200: ¥128, split 70/30 for a category coupon.
    let hot_ok = redeem(
        &ledger,
        &hot,
        order("o-4", "u-1", &[("bags", 1280.0, "s-4")]),
        Stage::Reserve,
    );
    assert!(hot_ok.accepted, "{hot_ok:?}");
    let s = hot_ok.settlement.expect("settlement");
    assert_eq!(
        (s.discount, s.platform, s.seller),
        (Yuan(12800), Yuan(8960), Yuan(3840))
    );
    assert_eq!(
        ledger.coupon(&hot).expect("read").expect("exists").status,
        CouponState::Reserved
    );
    let before = ledger.stats("double11").expect("stats").expect("campaign");
    // The order is cancelled: the coupon is usable again, the budget it held stays reserved.
    let now = mintage::value::parse_time("2026-11-11T12:30:00+08:00").expect("time");
    let back = ledger.rollback("o-4", None, now).expect("rollback");
    assert_eq!(
        back.coupons,
        vec![OrderCoupon {
            code: hot.clone(),
            status: CouponState::Issued
        }]
    );
    let after = ledger.stats("double11").expect("stats").expect("campaign");
    assert_eq!(before.budget_reserved, after.budget_reserved);
    // Committed redemption rolled back after the window: expired, budget released.
    let late = mintage::value::parse_time("2026-11-13T00:00:00+08:00").expect("time");
    let gone = ledger.rollback("o-2", None, late).expect("rollback");
    assert_eq!(
        gone.coupons,
        vec![OrderCoupon {
            code: base.clone(),
            status: CouponState::Expired
        }]
    );
    let audit = ledger.audit().expect("audit");
    assert!(
        audit.budget_mismatches.is_empty() && audit.overspent.is_empty(),
        "{audit:?}"
    );
}

/// 2 ledgers on one file × 16 threads, a budget that runs out: never overspent, no user
/// gets a once-per coupon twice, no event decided twice.
#[test]
fn budgets_and_limits_hold_under_concurrent_deciders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let rules_text = r#"
campaign flash "限时券" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥300 face value
  funding platform 100%
  rule first_look {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
}
"#;
    let rules = || VersionedRules {
        rules: Arc::new(mintage::load_str("flash.mint", rules_text).expect("rules check")),
        version: "r-flash".into(),
    };
    let ledgers: Vec<Arc<Ledger>> = (0..2)
        .map(|_| Arc::new(Ledger::open(&url, rules(), LedgerOptions::default()).expect("opens")))
        .collect();
    let mut handles = Vec::new();
    for t in 0..32 {
        let ledger = ledgers[t % 2].clone();
        handles.push(std::thread::spawn(move || {
            for i in 0..20 {
                // 40 users, each seen by several threads: the limit and the budget race.
                let user = (t * 7 + i) % 40;
                let raw = format!(
                    r#"{{"id":"e-{t}-{i}","type":"view_item","at":"2026-11-11T10:00:{:02}+08:00","user":{{"id":"u-{user}","device_id":"d-{user}"}}}}"#,
                    i % 60
                );
                let event = Event::from_json(&raw).expect("event");
                ledger.decide(&event, &raw).expect("decides");
            }
        }));
    }
    for h in handles {
        h.join().expect("thread");
    }
    let audit = ledgers[0].audit().expect("audit");
    assert_eq!(
        audit.coupons, 30,
        "¥300 / ¥10: the budget runs out at 30 coupons ({audit:?})"
    );
    assert!(audit.overspent.is_empty(), "{audit:?}");
    assert!(audit.budget_mismatches.is_empty(), "{audit:?}");
    assert!(audit.limit_violations.is_empty(), "{audit:?}");
    assert_eq!(audit.duplicate_decisions, 0);
    assert_eq!(audit.decisions, 32 * 20);
}

/// The tables of an SQLite file and the rows of its `schema_migrations`.
fn schema_of(path: &Path) -> (Vec<String>, Vec<(i64, String)>) {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("tables");
    let tables = tables
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<Vec<String>, _>>()
        .expect("tables");
    let mut versions = conn
        .prepare("SELECT version, name FROM schema_migrations ORDER BY version")
        .expect("versions");
    let versions = versions
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("versions")
        .collect::<Result<Vec<_>, _>>()
        .expect("versions");
    (tables, versions)
}

#[test]
fn a_ledger_newer_than_the_build_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("future.db");
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute_batch(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
                 applied_at INTEGER NOT NULL); INSERT INTO schema_migrations VALUES (999, 'from the future', 0)",
            )
        })
        .expect("a newer schema");
    let before = schema_of(&path);
    let url = format!("sqlite:{}", path.display());
    match Ledger::open(&url, seed_rules(), LedgerOptions::default()) {
        Err(e @ LedgerError::SchemaTooNew { found: 999, known }) => {
            assert!(known < 999);
            let message = e.to_string();
            assert!(
                message.contains("version 999, newer than this build knows"),
                "{message}"
            );
        }
        Err(e) => panic!("expected a schema error, got {e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
    assert_eq!(schema_of(&path), before, "the ledger was changed");
    // With the newer row gone, the same file opens and migrates.
    rusqlite::Connection::open(&path)
        .and_then(|c| c.execute_batch("DELETE FROM schema_migrations"))
        .expect("delete");
    drop(open(&url, seed_rules()));
    let (tables, versions) = schema_of(&path);
    assert!(tables.contains(&"coupons".to_string()), "{tables:?}");
    assert_eq!(versions.first().map(|v| v.0), Some(1));
}

#[test]
fn data_the_build_cannot_read_is_corrupt_not_a_database_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ledger.db");
    let url = format!("sqlite:{}", path.display());
    let ledger = open(&url, seed_rules());
    let (_, code) = codes(&decide(&ledger, WELCOME)).into_iter().next().expect("a coupon");
    rusqlite::Connection::open(&path)
        .and_then(|c| c.execute("UPDATE coupons SET status = 'misplaced' WHERE code = ?1", [&code]))
        .expect("update");
    match ledger.coupon(&code) {
        Err(LedgerError::Corrupt { message, source }) => {
            assert!(message.contains("unknown coupon status `misplaced`"), "{message}");
            assert!(source.is_some(), "the driver's error is kept");
        }
        other => panic!("expected corrupt data, got {other:?}"),
    }
    rusqlite::Connection::open(&path)
        .and_then(|c| {
            c.execute(
                "UPDATE coupons SET status = 'issued', coupon = '{' WHERE code = ?1",
                [&code],
            )
        })
        .expect("update");
    match ledger.coupon(&code) {
        Err(e @ LedgerError::Corrupt { .. }) => {
            let source = std::error::Error::source(&e).expect("a source");
            assert!(source.is::<serde_json::Error>(), "{source:?}");
        }
        other => panic!("expected corrupt data, got {other:?}"),
    }
}

#[test]
fn api_keys_are_kept_as_digests() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("keys.db");
    let ledger = open(&format!("sqlite:{}", path.display()), seed_rules());
    assert_eq!(ledger.key_count().expect("count"), 0);
    let key = ledger.add_key(&[Scope::Redeem], "ci").expect("key");
    assert_eq!(ledger.key_count().expect("count"), 1);
    let digest = KeyDigest::of(&key);
    assert_eq!(ledger.key_scopes(&digest).expect("scopes"), Some(vec![Scope::Redeem]));
    assert_eq!(ledger.key_scopes(&KeyDigest::of("mnt_other")).expect("scopes"), None);
    let stored: Vec<String> = {
        let conn = rusqlite::Connection::open(&path).expect("open");
        let mut s = conn.prepare("SELECT digest FROM api_keys").expect("select");
        s.query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    assert_eq!(stored, [digest.as_str().to_string()]);
}

#[path = "support/outcomes.rs"]
mod outcomes;

#[test]
fn outcomes_are_recorded_once_and_read_back_as_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("l.db").display());
    let rules = seed_rules();
    let ledger = open(&url, rules.clone());
    outcomes::check(&ledger, &rules);
    // Reopened: the exposures are there, and a further view exposes no one again.
    drop(ledger);
    let ledger = open(&url, rules.clone());
    let raw = outcomes::events()[1].replace("v-0-2", "v-0-3");
    decide(&ledger, &raw);
    let o = ledger.outcomes("new_user_ladder", 7 * 86_400_000).unwrap();
    assert_eq!(o.campaign("new_user_ladder").unwrap().exposures.len(), 10);
}
