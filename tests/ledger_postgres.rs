//! The ledger on PostgreSQL, through the public `Ledger` API: migrations, persistence,
//! idempotent retries, redemption, timers fired once by two instances, and budgets and
//! limits holding with two instances × 16 threads deciding at once. Every test has a
//! database of its own; the server is started if it is down, and a test fails (never
//! skips) if it cannot be reached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::ledger::{
    CouponState, DecideOutcome, KeyDigest, Ledger, LedgerError, LedgerOptions, RedeemOutcome, RedeemRequest,
    RollbackOutcome, Scope, VersionedRules,
};
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::event::Event;
use mintage::value::{Yuan, parse_time};
use pg::TestDb;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

fn seed_rules() -> VersionedRules {
    let rules = mintage::load(&[PathBuf::from("rules")]).unwrap_or_else(|e| panic!("{e}"));
    VersionedRules {
        rules: Arc::new(rules),
        version: "r-seed".into(),
    }
}

fn rules_from(text: &str) -> VersionedRules {
    let rules = mintage::load_str("test.mint", text).unwrap_or_else(|e| panic!("{e}"));
    VersionedRules {
        rules: Arc::new(rules),
        version: "r-test".into(),
    }
}

fn open(url: &str, rules: VersionedRules, seed: u64) -> Ledger {
    Ledger::open(
        url,
        rules,
        LedgerOptions {
            seed: Some(seed),
            ..LedgerOptions::default()
        },
    )
    .unwrap_or_else(|e| panic!("open {url}: {e}"))
}

fn ms(t: &str) -> i64 {
    parse_time(t).unwrap_or_else(|e| panic!("{t}: {e}"))
}

/// An event of a new user (registered 2026-10-28, no paid orders).
fn event(id: &str, kind: &str, at: &str, user: &str) -> String {
    json!({
        "id": id,
        "type": kind,
        "at": at,
        "user": {
            "id": user,
            "registered_at": "2026-10-28T09:00:00+08:00",
            "paid_orders": 0,
            "device_id": format!("d-{user}"),
        },
        "item": {"id": "i-1", "category": "shoes", "price": 600, "seller_id": "s-1"},
        "cart": {"items": [], "total": 600},
        "scores": {"fraud_risk": 0.01},
    })
    .to_string()
}

fn decide(ledger: &Ledger, raw: &str) -> DecideOutcome {
    let e = Event::from_json(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
    ledger.decide(&e, raw).unwrap_or_else(|e| panic!("decide {raw}: {e}"))
}

/// (code, rule) of each coupon a decision issued.
fn coupons(decision: &Value) -> Vec<(String, String)> {
    decision["coupons"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .map(|c| {
                    (
                        c["code"].as_str().unwrap_or("").to_string(),
                        c["rule"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn assert_clean(ledger: &Ledger) -> mintage::ledger::Audit {
    let a = ledger.audit().unwrap_or_else(|e| panic!("audit: {e}"));
    assert!(a.overspent.is_empty(), "overspent: {:?}", a.overspent);
    assert!(
        a.budget_mismatches.is_empty(),
        "budget mismatches: {:?}",
        a.budget_mismatches
    );
    assert!(
        a.limit_violations.is_empty(),
        "limit violations: {:?}",
        a.limit_violations
    );
    assert_eq!(a.duplicate_decisions, 0, "events decided twice");
    a
}

#[test]
fn migrations_apply_once_even_when_instances_start_together() {
    let db = TestDb::new();
    let url = db.url("");
    let opened: Vec<_> = (0..4)
        .map(|i| {
            let url = url.clone();
            std::thread::spawn(move || open(&url, seed_rules(), i))
        })
        .collect();
    for t in opened {
        assert_eq!(t.join().expect("opened").backend_name(), "postgres");
    }
    // Reopening applies nothing new.
    drop(open(&url, seed_rules(), 9));
    // Every version once, in order, from 1 (the ledger) up.
    let applied = db.count("SELECT COUNT(*) FROM schema_migrations");
    assert!(applied >= 2, "{applied} migrations");
    assert_eq!(db.count("SELECT MAX(version)::int8 FROM schema_migrations"), applied);
    assert_eq!(
        db.count("SELECT COUNT(DISTINCT version) FROM schema_migrations"),
        applied
    );
    // A ledger migrated by a newer build is refused, not written to.
    db.client()
        .batch_execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', 0)")
        .expect("insert");
    match Ledger::open(&url, seed_rules(), LedgerOptions::default()) {
        Err(LedgerError::SchemaTooNew { found: 99, .. }) => {}
        Err(e) => panic!("expected a schema error, got {e}"),
        Ok(_) => panic!("a newer schema was accepted"),
    }
}

/// The tables of the database and the rows of `schema_migrations`.
fn schema_of(db: &TestDb) -> (Vec<String>, Vec<(i32, String)>) {
    let mut client = db.client();
    let tables = client
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
            &[],
        )
        .expect("tables")
        .iter()
        .map(|r| r.get(0))
        .collect();
    let versions = client
        .query("SELECT version, name FROM schema_migrations ORDER BY version", &[])
        .expect("versions")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    (tables, versions)
}

#[test]
fn a_ledger_newer_than_the_build_is_refused_and_left_untouched() {
    let db = TestDb::new();
    db.client()
        .batch_execute(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, \
             applied_at BIGINT NOT NULL); INSERT INTO schema_migrations VALUES (999, 'from the future', 0)",
        )
        .expect("a newer schema");
    let before = schema_of(&db);
    match Ledger::open(&db.url(""), seed_rules(), LedgerOptions::default()) {
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
    assert_eq!(schema_of(&db), before, "the ledger was changed");
    // The migration lock was let go: with the newer row gone, the ledger opens.
    db.client()
        .batch_execute("DELETE FROM schema_migrations")
        .expect("delete");
    drop(open(&db.url(""), seed_rules(), 1));
    assert!(schema_of(&db).0.contains(&"coupons".to_string()));
}

#[test]
fn an_unreachable_server_is_an_error() {
    pg::server();
    let url = "postgres://postgres@127.0.0.1:1/nothing?connect_timeout=2";
    match Ledger::open(url, seed_rules(), LedgerOptions::default()) {
        Err(LedgerError::Database { message, source }) => {
            assert!(message.contains("cannot connect"), "{message}");
            // The driver's own error is kept, not only its text.
            assert!(source.is_some_and(|s| s.is::<postgres::Error>()));
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("opened a ledger on a closed port"),
    }
    assert!(matches!(
        Ledger::open("postgres://h/db?sync=sometimes", seed_rules(), LedgerOptions::default()),
        Err(LedgerError::BadUrl(_))
    ));
}

#[test]
fn decisions_persist_and_retries_mint_nothing() {
    let db = TestDb::new();
    let url = db.url("sync=full&pool=4");
    let ledger = open(&url, seed_rules(), 1);
    let raw = event("e-1", "view_item", "2026-11-02T10:00:00+08:00", "u-ann");
    let first = decide(&ledger, &raw);
    assert!(!first.decided.replayed);
    assert_eq!(first.decided.rules_version, "r-seed");
    let issued = coupons(&first.decided.decision);
    assert_eq!(issued.len(), 1, "{}", first.decided.decision);
    let (code, rule) = &issued[0];
    assert_eq!(rule, "welcome");

    // The same event again (a client's retry), on a second instance: the first answer.
    let other = open(&url, seed_rules(), 2);
    let again = decide(&other, &raw);
    assert!(again.decided.replayed);
    assert_eq!(again.decided.decision_id, first.decided.decision_id);
    assert_eq!(again.decided.decision, first.decided.decision);
    drop(other);
    drop(ledger);

    let ledger = open(&url, seed_rules(), 3);
    let c = ledger
        .coupon(code)
        .expect("coupon")
        .expect("the coupon is in the ledger");
    assert_eq!(c.status, CouponState::Issued);
    assert_eq!(c.user_id, "u-ann");
    assert_eq!(c.decision_id, first.decided.decision_id);
    assert_eq!(c.coupon["rule"], "welcome");
    let wallet = ledger.wallet("u-ann", ms("2026-11-02T11:00:00+08:00")).expect("wallet");
    assert_eq!(
        wallet.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
        vec![code.as_str()]
    );
    assert!(
        ledger
            .wallet("u-ann", ms("2026-11-06T11:00:00+08:00"))
            .expect("wallet")
            .is_empty()
    );
    let stats = ledger.stats("new_user_ladder").expect("stats").expect("known campaign");
    assert_eq!(stats.issued, 1);
    assert_eq!(stats.budget_reserved, Yuan(1000));
    assert_eq!(stats.by_arm.len(), 1);
    assert!(ledger.stats("no_such_campaign").expect("stats").is_none());
    let audit = assert_clean(&ledger);
    assert_eq!((audit.coupons, audit.decisions), (1, 1));

    // A user id that is not plain text in SQL still locks and persists.
    let odd = "u-'o\\\"brien'); DROP TABLE coupons; --";
    decide(&ledger, &event("e-odd", "view_item", "2026-11-02T10:00:00+08:00", odd));
    assert_eq!(ledger.audit().expect("audit").decisions, 2);
    let stored: i64 = db
        .client()
        .query_one("SELECT COUNT(*) FROM decisions WHERE user_id = $1", &[&odd])
        .and_then(|r| r.try_get(0))
        .expect("count");
    assert_eq!(stored, 1);
}

#[test]
fn connections_killed_while_idle_are_replaced() {
    let db = TestDb::new();
    let ledger = open(&db.url("pool=4"), seed_rules(), 1);
    // Four connections in the pool, then the server drops them all (as on a restart).
    std::thread::scope(|s| {
        for i in 0..4 {
            let ledger = &ledger;
            s.spawn(move || {
                decide(
                    ledger,
                    &event(&format!("k-{i}"), "view_item", "2026-11-02T10:00:00+08:00", "u-ann"),
                )
            });
        }
    });
    let killed = db.count(&format!(
        "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity \
         WHERE datname = '{}' AND pid <> pg_backend_pid()",
        db.name
    ));
    assert!(killed >= 1, "no connection to kill");
    for i in 0..8 {
        decide(
            &ledger,
            &event(
                &format!("k-after-{i}"),
                "view_item",
                "2026-11-02T10:05:00+08:00",
                "u-bob",
            ),
        );
    }
    assert!(
        ledger
            .wallet("u-bob", ms("2026-11-02T11:00:00+08:00"))
            .expect("wallet")
            .len()
            == 1
    );
    assert_eq!(assert_clean(&ledger).decisions, 12);
}

#[test]
fn api_keys_are_kept_as_digests() {
    let db = TestDb::new();
    let ledger = open(&db.url(""), seed_rules(), 1);
    assert_eq!(ledger.key_count().expect("count"), 0);
    let key = ledger.add_key(&[Scope::Decide, Scope::Redeem], "ci").expect("key");
    assert_eq!(ledger.key_count().expect("count"), 1);
    assert_eq!(
        ledger.key_scopes(&KeyDigest::of(&key)).expect("scopes"),
        Some(vec![Scope::Decide, Scope::Redeem])
    );
    assert_eq!(ledger.key_scopes(&KeyDigest::of("mnt_unknown")).expect("scopes"), None);
    assert_eq!(
        db.count(&format!("SELECT COUNT(*) FROM api_keys WHERE digest = '{key}'")),
        0
    );
    let digest = KeyDigest::of(&key);
    assert_eq!(
        db.count(&format!(
            "SELECT COUNT(*) FROM api_keys WHERE digest = '{}'",
            digest.as_str()
        )),
        1
    );
}

fn redeem(ledger: &Ledger, request: Value) -> RedeemOutcome {
    let req: RedeemRequest = serde_json::from_value(request.clone()).unwrap_or_else(|e| panic!("{request}: {e}"));
    ledger
        .redeem(&req, ms("2026-11-02T12:00:00+08:00"))
        .unwrap_or_else(|e| panic!("redeem {request}: {e}"))
}

fn order(code: &str, id: &str, buyer: &str, price: f64, seller: &str, stage: &str) -> Value {
    json!({
        "code": code,
        "stage": stage,
        "order": {"id": id, "buyer_id": buyer, "items": [{"id": "i-1", "category": "shoes", "price": price, "seller_id": seller}]},
    })
}

fn held_by(outcome: &RollbackOutcome) -> Vec<(String, CouponState)> {
    outcome.coupons.iter().map(|c| (c.code.clone(), c.status)).collect()
}

#[test]
fn redemption_reasons_commit_and_rollback() {
    let db = TestDb::new();
    let ledger = open(&db.url(""), seed_rules(), 1);
    // u-bob is in the `flat` arm: ¥30 off a spend of ¥199.
    let d = decide(
        &ledger,
        &event("e-b1", "view_item", "2026-11-02T10:00:00+08:00", "u-bob"),
    );
    let code = coupons(&d.decided.decision).first().expect("a coupon").0.clone();
    let reason = |o: &RedeemOutcome| o.reason.clone().unwrap_or_default();

    let bad_check: String = {
        let mut chars: Vec<char> = code.chars().collect();
        // The last character is the check character: any other one fails the check.
        let last = chars.last_mut().expect("a character");
        *last = if *last == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect()
    };
    assert_eq!(
        reason(&redeem(
            &ledger,
            order(&bad_check, "o-0", "u-bob", 300.0, "s-1", "commit")
        )),
        "invalid_code"
    );
    let unknown = CodeMinter::seeded(987_654).mint();
    assert_eq!(
        reason(&redeem(
            &ledger,
            order(&unknown, "o-0", "u-bob", 300.0, "s-1", "commit")
        )),
        "unknown_code"
    );
    assert_eq!(
        reason(&redeem(&ledger, order(&code, "o-0", "u-eve", 300.0, "s-1", "commit"))),
        "not_owner"
    );
    assert_eq!(
        reason(&redeem(&ledger, order(&code, "o-0", "u-bob", 100.0, "s-1", "commit"))),
        "min_spend"
    );
    assert_eq!(
        reason(&redeem(&ledger, order(&code, "o-0", "u-bob", 300.0, "u-bob", "commit"))),
        "risk:self_dealing"
    );

    // Reserve, retry, collide with another order, roll back: usable again.
    let held = redeem(&ledger, order(&code, "o-1", "u-bob", 300.0, "s-1", "reserve"));
    assert!(held.accepted, "{held:?}");
    assert_eq!(held.status, Some(CouponState::Reserved));
    let settlement = held.settlement.clone().expect("settlement");
    assert_eq!(
        (settlement.discount, settlement.platform, settlement.seller),
        (Yuan(3000), Yuan(3000), Yuan(0))
    );
    let retry = redeem(&ledger, order(&code, "o-1", "u-bob", 300.0, "s-1", "reserve"));
    assert!(retry.replayed && retry.accepted);
    assert_eq!(
        reason(&redeem(&ledger, order(&code, "o-2", "u-bob", 300.0, "s-1", "commit"))),
        "already_redeemed"
    );
    let back = ledger
        .rollback("o-1", None, ms("2026-11-02T12:05:00+08:00"))
        .expect("rollback");
    assert_eq!(held_by(&back), vec![(code.clone(), CouponState::Issued)]);
    assert_eq!(
        ledger.coupon(&code).expect("coupon").expect("found").status,
        CouponState::Issued
    );

    // Pay: the budget is spent; the order cancelled afterwards gives it back.
    let paid = redeem(&ledger, order(&code, "o-3", "u-bob", 300.0, "s-1", "commit"));
    assert!(paid.accepted, "{paid:?}");
    assert_eq!(paid.status, Some(CouponState::Redeemed));
    let stats = ledger.stats("new_user_ladder").expect("stats").expect("campaign");
    assert_eq!(
        (
            stats.redeemed,
            stats.budget_reserved,
            stats.budget_spent,
            stats.discount_given
        ),
        (1, Yuan(3000), Yuan(3000), Yuan(3000))
    );
    assert_clean(&ledger);
    let undone = ledger
        .rollback("o-3", Some(&code), ms("2026-11-02T13:00:00+08:00"))
        .expect("rollback");
    assert_eq!(held_by(&undone), vec![(code.clone(), CouponState::Issued)]);
    let stats = ledger.stats("new_user_ladder").expect("stats").expect("campaign");
    assert_eq!(
        (stats.redeemed, stats.budget_reserved, stats.budget_spent),
        (0, Yuan(3000), Yuan(0))
    );

    // Reserve, then commit separately.
    assert!(redeem(&ledger, order(&code, "o-4", "u-bob", 300.0, "s-1", "reserve")).accepted);
    // At the redemption's clock: a reservation lapses after the reservation time.
    let committed = ledger
        .commit_at("o-4", ms("2026-11-02T12:00:00+08:00"))
        .expect("commit");
    assert_eq!(held_by(&committed), vec![(code.clone(), CouponState::Redeemed)]);
    assert_eq!(
        ledger
            .coupon(&code)
            .expect("coupon")
            .expect("found")
            .order_id
            .as_deref(),
        Some("o-4")
    );
    assert_eq!(
        ledger
            .stats("new_user_ladder")
            .expect("stats")
            .expect("campaign")
            .budget_spent,
        Yuan(3000)
    );
    assert_clean(&ledger);
}

#[test]
fn timers_fire_once_with_two_instances_ticking() {
    let db = TestDb::new();
    let url = db.url("");
    let a = Arc::new(open(&url, seed_rules(), 1));
    let b = Arc::new(open(&url, seed_rules(), 1 << 32));

    // u-ann (ladder arm): welcome, then a cart; the view 2.5 h later fires the nudge first,
    // which revokes the welcome coupon and gives its budget back.
    let welcome = decide(&a, &event("t-1", "view_item", "2026-11-02T10:00:00+08:00", "u-ann"));
    let welcome_code = coupons(&welcome.decided.decision)[0].0.clone();
    decide(&a, &event("t-2", "add_to_cart", "2026-11-02T10:05:00+08:00", "u-ann"));
    assert_eq!(db.count("SELECT COUNT(*) FROM timers"), 1);
    let later = decide(&b, &event("t-3", "view_item", "2026-11-02T12:30:00+08:00", "u-ann"));
    assert_eq!(later.fired.len(), 1, "{later:?}");
    assert_eq!(coupons(&later.fired[0].decision)[0].1, "cart_nudge");
    assert_eq!(later.fired[0].decision["revoked"][0]["code"], welcome_code.as_str());
    assert_eq!(
        a.coupon(&welcome_code).expect("coupon").expect("found").status,
        CouponState::Revoked
    );
    assert_eq!(db.count("SELECT COUNT(*) FROM timers"), 0);

    // Many users put something in their cart; both instances tick at once, twice each.
    for i in 0..40 {
        decide(
            &a,
            &event(
                &format!("c-{i}"),
                "add_to_cart",
                "2026-11-02T10:05:00+08:00",
                &format!("u-t{i}"),
            ),
        );
    }
    let pending = db.count("SELECT COUNT(*) FROM timers");
    assert!(pending > 10, "only {pending} timers started");
    let now = ms("2026-11-02T12:10:00+08:00");
    let tickers: Vec<_> = [a.clone(), b.clone(), a.clone(), b.clone()]
        .into_iter()
        .map(|l| std::thread::spawn(move || l.tick(now, usize::MAX).unwrap_or_else(|e| panic!("tick: {e}"))))
        .collect();
    let fired: Vec<_> = tickers.into_iter().flat_map(|t| t.join().expect("ticked")).collect();
    assert_eq!(fired.len() as i64, pending, "each timer fires exactly once");
    let ids: BTreeSet<_> = fired.iter().map(|d| d.decision_id.clone()).collect();
    assert_eq!(ids.len(), fired.len());
    assert_eq!(db.count("SELECT COUNT(*) FROM timers"), 0);
    assert_eq!(
        db.count("SELECT COUNT(*) FROM decisions WHERE trigger = 'timer'"),
        pending + 1
    );
    let nudged = fired.iter().filter(|d| !coupons(&d.decision).is_empty()).count() as i64;
    assert_eq!(
        db.count("SELECT COUNT(*) FROM coupons WHERE rule = 'cart_nudge'"),
        nudged + 1
    );
    assert!(a.tick(now, usize::MAX).expect("tick").is_empty());
    assert_clean(&a);

    // Validity ends: expiry gives the budget back, once, whichever instance ticks.
    let end = ms("2026-11-20T00:00:00+08:00");
    let expiring: Vec<_> = [a.clone(), b.clone()]
        .into_iter()
        .map(|l| std::thread::spawn(move || l.tick(end, usize::MAX).unwrap_or_else(|e| panic!("tick: {e}"))))
        .collect();
    for t in expiring {
        t.join().expect("ticked");
    }
    let stats = b.stats("new_user_ladder").expect("stats").expect("campaign");
    assert_eq!(stats.expired as i64, nudged + 1);
    assert_eq!(stats.budget_reserved, Yuan(0));
    assert_clean(&b);
}

/// A campaign whose budget runs out part-way: ¥1,500 for coupons of ¥10 and ¥20.
const FLASH: &str = r#"
campaign flash "限时券" {
  window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai
  budget ¥1_500 face value
  funding platform 100%

  rule hello {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }

  rule basket {
    on add_to_cart
    once per user
    give amount_off ¥20 min_spend ¥100 valid 72h
  }
}
"#;

const INSTANCES: usize = 2;
const USERS: usize = 240;
const THREADS: usize = 16;
const PER_THREAD: usize = 40;

/// Event `i` of the load: the same text whoever sends it, so a resend is a retry.
fn load_event(i: usize) -> String {
    let user = format!("u-{}", (i * 7919) % USERS);
    let kind = if i.is_multiple_of(3) {
        "add_to_cart"
    } else {
        "view_item"
    };
    let s = i % 3600;
    let at = format!("2026-11-05T10:{:02}:{:02}+08:00", s / 60, s % 60);
    event(&format!("l-{i}"), kind, &at, &user)
}

#[test]
fn budgets_and_limits_hold_with_two_instances_of_sixteen_threads() {
    let db = TestDb::new();
    // A connection per thread: 32 transactions at once on the server.
    let url = db.url("pool=16");
    let ledgers = [
        Arc::new(open(&url, rules_from(FLASH), 1)),
        Arc::new(open(&url, rules_from(FLASH), 1 << 32)),
    ];
    let total = INSTANCES * THREADS * PER_THREAD;
    let started = std::time::Instant::now();
    let mut workers = Vec::new();
    for (l, ledger) in ledgers.iter().enumerate() {
        for t in 0..THREADS {
            let ledger = ledger.clone();
            let worker = l * THREADS + t;
            workers.push(std::thread::spawn(move || {
                let mut answers = Vec::new();
                for j in 0..PER_THREAD {
                    // Events are dealt round-robin; every fifth round each worker also resends
                    // the event of its peer on the other instance, as a client's retry would.
                    let round = j * INSTANCES * THREADS;
                    let mut ids = vec![round + worker];
                    if j.is_multiple_of(5) {
                        ids.push(round + (worker + THREADS) % (INSTANCES * THREADS));
                    }
                    for i in ids {
                        let out = decide(&ledger, &load_event(i));
                        answers.push((i, out));
                    }
                }
                answers
            }));
        }
    }
    let answers: Vec<(usize, DecideOutcome)> = workers.into_iter().flat_map(|w| w.join().expect("worker")).collect();
    let elapsed = started.elapsed();
    eprintln!(
        "{} decisions by 2 instances × {THREADS} threads in {:.2} s: {:.0} decisions/s",
        answers.len(),
        elapsed.as_secs_f64(),
        answers.len() as f64 / elapsed.as_secs_f64()
    );

    // Every event has one decision, whoever answered.
    let mut by_event: BTreeMap<usize, String> = BTreeMap::new();
    let mut minted = 0;
    for (i, out) in &answers {
        let id = &out.decided.decision_id;
        if let Some(first) = by_event.insert(*i, id.clone()) {
            assert_eq!(&first, id, "event l-{i} answered with two decisions");
        } else {
            minted += coupons(&out.decided.decision).len();
        }
    }
    assert_eq!(by_event.len(), total);
    assert!(
        answers.iter().any(|(_, o)| o.decided.replayed),
        "no resend was answered from the ledger"
    );

    let audit = assert_clean(&ledgers[0]);
    assert_eq!(audit.decisions as usize, total);
    assert_eq!(audit.coupons as usize, minted);
    let stats = ledgers[1].stats("flash").expect("stats").expect("campaign");
    assert!(stats.budget_reserved <= Yuan(150000));
    assert!(
        stats.budget_reserved >= Yuan(148000),
        "the budget did not run out: {stats:?}"
    );
    let suppressed =
        db.count("SELECT COUNT(*) FROM decisions WHERE body LIKE '%\"reason\":\"budget\"%' AND trigger = 'event'");
    assert!(suppressed > 0, "no decision was suppressed for budget");
}

#[path = "support/outcomes.rs"]
mod outcomes;

#[test]
fn outcomes_are_recorded_once_and_read_back_as_in_memory() {
    let db = TestDb::new();
    let url = db.url("pool=2");
    let rules = seed_rules();
    let ledger = open(&url, rules.clone(), 1);
    outcomes::check(&ledger, &rules);
    assert_eq!(db.count("SELECT COUNT(*) FROM exposures"), 10);
    assert_eq!(db.count("SELECT COUNT(*) FROM orders"), 11);
    assert!(db.count("SELECT COUNT(*) FROM redeemed_events WHERE discount = 800") > 0);
}
