//! The audit balances after any sequence of quotes, redemptions (one code or an order's
//! codes, reserved or committed), commits, rollbacks, lapsed reservations and returns,
//! on SQLite and PostgreSQL. Each run draws its sequence from a seed; after every step
//! the audit is clean, every redemption's platform and seller parts add up to its
//! discount (net of what returns took back, never below zero), every return's answer
//! adds up (lines, coupons, funders, refund and owed), and an order returned whole has
//! given back every fen its coupons gave.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::checkout::{Line, Order};
use mintage::ledger::quote::QuoteAsk;
use mintage::ledger::returns::ReturnLine;
use mintage::ledger::{
    Ledger, LedgerError, LedgerOptions, OrderItem, OrderRedeemRequest, RedeemRequest, ReturnOutcome, ReturnRequest,
    Stage, VersionedRules,
};
use mintage::rng::SplitMix64;
use mintage::runtime::event::Event;
use mintage::value::{Fen, Yuan, parse_time, time_string};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;

const RULES: &str = include_str!("cases/ledger/returns.mint");
const USERS: usize = 6;
const MINUTE: i64 = 60_000;

fn open(url: &str) -> Ledger {
    let rules = mintage::load_str("returns.mint", RULES).unwrap_or_else(|e| panic!("{e}"));
    let rules = VersionedRules {
        rules: Arc::new(rules),
        version: "r-returns".into(),
    };
    let options = LedgerOptions {
        seed: Some(3),
        reservation_ttl: 30 * MINUTE,
        ..LedgerOptions::default()
    };
    Ledger::open(url, rules, options).unwrap_or_else(|e| panic!("open {url}: {e}"))
}

fn seed(ledger: &Ledger, start: i64) {
    for u in 0..USERS {
        for (i, kind) in ["app_open", "view_item"].into_iter().enumerate() {
            let raw = json!({
                "id": format!("e-{u}-{i}"), "type": kind, "at": time_string(start, chrono_tz::UTC),
                "user": {"id": format!("u-{u}"), "registered_at": "2026-01-01T09:00:00+08:00", "device_id": format!("d-{u}")},
                "item": {"id": "i-1", "category": "bags", "price": 400, "seller_id": "s-1"},
            })
            .to_string();
            let e = Event::from_json(&raw).unwrap();
            ledger.decide(&e, &raw).unwrap();
        }
    }
}

/// A random order of `user`: two to four lines of bags and clothes from three sellers.
fn order(rng: &mut SplitMix64, id: &str, user: &str) -> Order {
    let n = 2 + rng.below(3) as usize;
    Order {
        id: id.into(),
        buyer_id: user.into(),
        lines: (0..n)
            .map(|i| Line {
                id: format!("l{i}"),
                category: Some(if rng.below(2) == 0 { "bags" } else { "clothes" }.into()),
                price: Yuan(100 * (5 + rng.below(300) as Fen) + rng.below(100) as Fen),
                qty: 1 + rng.below(3) as u32,
                seller_id: Some(format!("s-{}", 1 + rng.below(3))),
                on_sale: rng.below(5) == 0,
            })
            .collect(),
        shipping: Yuan(100 * rng.below(20) as Fen),
    }
}

fn items(o: &Order) -> mintage::ledger::Order {
    mintage::ledger::Order {
        id: o.id.clone(),
        buyer_id: o.buyer_id.clone(),
        items: o
            .lines
            .iter()
            .map(|l| OrderItem {
                id: l.id.clone(),
                category: l.category.clone(),
                price: l.price.0 as f64 / 100.0,
                seller_id: l.seller_id.clone(),
                qty: l.qty,
            })
            .collect(),
        shipping: Some(o.shipping.0 as f64 / 100.0),
    }
}

/// A refusal is an answer; anything else is a failure.
fn refused<T: std::fmt::Debug>(r: Result<T, LedgerError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(LedgerError::Refused { .. }) => None,
        Err(e) => panic!("{e}"),
    }
}

fn check_answer(a: &ReturnOutcome) {
    let coupons: Fen = a.coupons.iter().map(|c| c.clawback.0).sum();
    assert_eq!(coupons, a.clawback.0, "{a:?}");
    let lines: Fen = a.lines.iter().map(|l| l.clawback.0).sum::<Fen>()
        + a.coupons.iter().filter_map(|c| c.shipping).map(|s| s.0).sum::<Fen>();
    assert_eq!(lines, a.clawback.0, "{a:?}");
    assert_eq!(a.platform.0 + a.seller.0, a.clawback.0, "{a:?}");
    assert_eq!(a.sellers.iter().map(|s| s.amount.0).sum::<Fen>(), a.seller.0, "{a:?}");
    assert_eq!(a.refund.0 - a.owed.0, a.value.0 - a.clawback.0, "{a:?}");
    assert!(
        a.refund.0 >= 0 && a.owed.0 >= 0 && (a.refund.0 == 0 || a.owed.0 == 0),
        "{a:?}"
    );
    for c in &a.coupons {
        assert_eq!(c.platform.0 + c.seller.0, c.clawback.0, "{c:?}");
        assert!(c.platform.0 >= 0 && c.seller.0 >= 0, "{c:?}");
    }
}

fn assert_clean(ledger: &Ledger, step: &str) {
    let a = ledger.audit().unwrap();
    assert!(
        a.budget_mismatches.is_empty() && a.overspent.is_empty(),
        "{step}: {a:?}"
    );
}

/// `steps` random operations; `rows` counts redemptions whose parts do not add up.
fn run(ledger: &Ledger, seed_value: u64, steps: usize, rows: &dyn Fn() -> i64) {
    let mut rng = SplitMix64::new(seed_value);
    let start = parse_time("2026-03-10T10:00:00+08:00").unwrap();
    seed(ledger, start);
    let mut now = start + MINUTE;
    let mut orders: Vec<Order> = Vec::new();
    let mut given: BTreeMap<String, Fen> = BTreeMap::new();
    let mut back: BTreeMap<String, Fen> = BTreeMap::new();
    for step in 0..steps {
        now += rng.below(8 * 60) as i64 * MINUTE;
        let at = time_string(now, chrono_tz::UTC);
        let user = format!("u-{}", rng.below(USERS as u64));
        let what = rng.below(7);
        let label = format!("seed {seed_value} step {step} op {what}");
        match what {
            0 | 1 => {
                let id = format!("o-{step}");
                let o = order(&mut rng, &id, &user);
                let wallet = ledger.checkout_wallet(&user, now).unwrap();
                let codes: Vec<String> = wallet
                    .iter()
                    .filter(|_| rng.below(3) > 0)
                    .map(|c| c.code.clone())
                    .collect();
                let ask = QuoteAsk {
                    order: o.clone(),
                    codes: Some(codes.clone()),
                    at: Some(at.clone()),
                };
                let _ = refused(ledger.quote(&ask, now));
                if codes.is_empty() {
                    continue;
                }
                let stage = if rng.below(2) == 0 {
                    Stage::Reserve
                } else {
                    Stage::Commit
                };
                let req = OrderRedeemRequest {
                    codes,
                    order: o.clone(),
                    at: Some(at),
                    stage,
                };
                if let Some(out) = refused(ledger.redeem_order(&req, now))
                    && out.accepted
                {
                    given.insert(id, out.discount.0);
                    orders.push(o);
                }
            }
            2 => {
                let id = format!("o-{step}");
                let o = order(&mut rng, &id, &user);
                let Some(c) = ledger.checkout_wallet(&user, now).unwrap().into_iter().next() else {
                    continue;
                };
                let req = RedeemRequest {
                    code: c.code,
                    order: items(&o),
                    at: Some(at),
                    stage: Stage::Commit,
                };
                if let Some(out) = refused(ledger.redeem(&req, now))
                    && out.accepted
                {
                    given.insert(id, out.settlement.map_or(0, |s| s.discount.0));
                    orders.push(o);
                }
            }
            3 => {
                if let Some(o) = pick(&mut rng, &orders) {
                    let _ = refused(ledger.commit_at(&o.id, now));
                }
            }
            4 => {
                if let Some(o) = pick(&mut rng, &orders)
                    && rng.below(3) == 0
                    && refused(ledger.rollback(&o.id, None, now)).is_some()
                {
                    given.remove(&o.id);
                }
            }
            _ => {
                let Some(o) = pick(&mut rng, &orders) else { continue };
                let mut lines = Vec::new();
                if rng.below(3) > 0 {
                    for l in &o.lines {
                        if rng.below(2) == 0 {
                            let qty = (rng.below(2) == 0).then(|| 1 + rng.below(u64::from(l.qty)) as u32);
                            lines.push(ReturnLine {
                                line_id: l.id.clone(),
                                qty,
                            });
                        }
                    }
                }
                let lines = (!lines.is_empty()).then_some(lines);
                let req = ReturnRequest {
                    return_id: format!("r-{step}"),
                    lines,
                    at: Some(at),
                };
                if let Some(a) = refused(ledger.return_order(&o.id, &req, now)) {
                    check_answer(&a);
                    *back.entry(o.id.clone()).or_default() += a.clawback.0;
                    if a.fully_returned {
                        assert_eq!(
                            back.get(&o.id),
                            given.get(&o.id),
                            "{label}: a whole return gives back every fen"
                        );
                    }
                    let again = ledger.return_order(&o.id, &req, now).unwrap();
                    assert!(again.replayed, "{label}");
                }
            }
        }
        if rng.below(4) == 0 {
            ledger.tick(now, 1_000).unwrap();
        }
        assert_clean(ledger, &label);
        assert_eq!(rows(), 0, "{label}: a redemption's parts do not add up");
    }
    for (id, b) in &back {
        assert!(b <= given.get(id).unwrap_or(&0), "{id}: more came back than was given");
    }
    let whole = back
        .iter()
        .filter(|(id, b)| given.get(*id) == Some(*b) && **b > 0)
        .count();
    eprintln!(
        "seed {seed_value}: {} orders redeemed, {} with returns, {whole} of them all back",
        given.len(),
        back.len()
    );
    assert!(!back.is_empty(), "seed {seed_value}: no return was made");
}

fn pick<'a>(rng: &mut SplitMix64, orders: &'a [Order]) -> Option<&'a Order> {
    (!orders.is_empty()).then(|| &orders[rng.below(orders.len() as u64) as usize])
}

const BAD_ROWS: &str = "SELECT COUNT(*) FROM redemptions WHERE discount < 0 OR platform < 0 OR seller < 0 OR platform + seller <> discount";

#[test]
fn the_audit_balances_after_quotes_redemptions_rollbacks_and_returns_on_sqlite() {
    for s in 0..12 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ledger.db");
        let ledger = open(&format!("sqlite:{}", path.display()));
        let rows = || {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.query_row(BAD_ROWS, [], |r| r.get::<_, i64>(0)).unwrap()
        };
        run(&ledger, s, 120, &rows);
    }
}

#[test]
fn the_audit_balances_after_quotes_redemptions_rollbacks_and_returns_on_postgres() {
    for s in 100..103 {
        let db = pg::TestDb::new();
        let ledger = open(&db.url(""));
        run(&ledger, s, 120, &|| db.count(BAD_ROWS));
    }
}
