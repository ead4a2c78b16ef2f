//! Quotes from the ledger: the checkout terms a rule gives its coupons (`stackable`,
//! `not on sale items`, `exclusive`, `exclusive with`, a campaign's `at most … off per
//! order`) come back from SQLite and PostgreSQL as they went in, and `Ledger::quote` of
//! a wallet is `checkout::quote` of the same coupons, for any order (by property).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::checkout::{self, Coupon, Line, Order, QuoteRequest, Time};
use mintage::ledger::quote::QuoteAsk;
use mintage::ledger::{Ledger, LedgerOptions, VersionedRules};
use mintage::runtime::event::Event;
use mintage::value::{Yuan, parse_time};
use proptest::prelude::*;
use serde_json::json;
use std::sync::Arc;

const RULES: &str = include_str!("cases/parse/checkout_terms.mint");
const AT: &str = "2026-11-11T12:00:00+08:00";

fn ms(t: &str) -> i64 {
    parse_time(t).unwrap_or_else(|e| panic!("{t}: {e}"))
}

fn rules() -> VersionedRules {
    let rules = mintage::load_str("checkout_terms.mint", RULES).unwrap_or_else(|e| panic!("{e}"));
    VersionedRules {
        rules: Arc::new(rules),
        version: "r-terms".into(),
    }
}

fn event(id: &str, kind: &str, at: &str, user: &str, item: &str) -> String {
    json!({
        "id": id,
        "type": kind,
        "at": at,
        "user": {"id": user, "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": format!("d-{user}")},
        "item": {"id": item, "category": "bags", "price": 300, "seller_id": "s-1"},
        "scores": {"fraud_risk": 0.01},
    })
    .to_string()
}

/// A ledger at `url` where u-1 holds every kind of coupon of the rules: double11's base
/// threshold and three stackable `bags` coupons (not for items on sale), newbie's
/// welcome (exclusive with double11.base and late) and late (exclusive).
fn seeded(url: &str) -> Ledger {
    let options = LedgerOptions {
        seed: Some(7),
        ..LedgerOptions::default()
    };
    let ledger = Ledger::open(url, rules(), options).unwrap_or_else(|e| panic!("open {url}: {e}"));
    let events = [
        event("e-1", "app_open", "2026-11-11T09:00:00+08:00", "u-1", "i-1"),
        event("e-2", "view_item", "2026-11-11T09:01:00+08:00", "u-1", "i-1"),
        event("e-3", "view_item", "2026-11-11T09:02:00+08:00", "u-1", "i-2"),
        event("e-4", "view_item", "2026-11-11T09:03:00+08:00", "u-1", "i-3"),
    ];
    for raw in &events {
        let e = Event::from_json(raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        ledger.decide(&e, raw).unwrap_or_else(|e| panic!("decide {raw}: {e}"));
    }
    ledger
}

fn by_rule<'a>(wallet: &'a [Coupon], rule: &str) -> Vec<&'a Coupon> {
    wallet.iter().filter(|c| c.rule == rule).collect()
}

/// The terms each rule wrote are the terms read back.
fn assert_terms(ledger: &Ledger) {
    let wallet = ledger.checkout_wallet("u-1", ms(AT)).unwrap();
    let rules: Vec<&str> = wallet.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(wallet.len(), 6, "{rules:?}");
    let bags = by_rule(&wallet, "bags");
    assert_eq!(bags.len(), 3, "{rules:?}");
    for c in &bags {
        assert!(c.stackable && c.not_on_sale, "{c:?}");
        assert_eq!(c.campaign_cap, Some(Yuan::whole(300)), "{c:?}");
        assert_eq!(c.amount, Some(Yuan::whole(20)));
        assert_eq!(c.categories, ["bags"]);
        assert!(c.exclusive_with.is_empty());
    }
    let base = by_rule(&wallet, "base")[0];
    assert!(!base.stackable && !base.not_on_sale, "{base:?}");
    assert_eq!(base.campaign_cap, Some(Yuan::whole(300)));
    assert_eq!(base.min_spend, Yuan::whole(300));
    let welcome = by_rule(&wallet, "welcome")[0];
    assert_eq!(welcome.exclusive_with, ["double11/base", "late"]);
    assert_eq!(welcome.campaign_cap, None);
    assert!(!welcome.stackable && !welcome.not_on_sale);
    let late = by_rule(&wallet, "late")[0];
    assert_eq!(late.exclusive_with, ["*"], "`exclusive`: every other rule");
}

fn line(id: &str, category: &str, price: i64, on_sale: bool) -> Line {
    Line {
        id: id.into(),
        category: Some(category.into()),
        price: Yuan::whole(price),
        qty: 1,
        seller_id: Some("s-1".into()),
        on_sale,
    }
}

/// The terms at work: the three `bags` coupons stack on the bag not on sale, the base
/// threshold joins them, and the exclusive newbie coupons stay out.
fn assert_quote(ledger: &Ledger) {
    let order = Order {
        id: "o-1".into(),
        buyer_id: "u-1".into(),
        lines: vec![line("bag", "bags", 200, false), line("sale", "bags", 300, true)],
        shipping: Yuan::whole(10),
    };
    let ask = QuoteAsk {
        order,
        codes: None,
        at: Some(AT.into()),
    };
    ask.validate().unwrap();
    let answer = ledger.quote(&ask, 0).unwrap();
    let q = &answer.quote;
    let chosen: Vec<&str> = q.coupons.iter().map(|c| c.rule.as_str()).collect();
    assert_eq!(chosen, ["bags", "bags", "bags", "base"], "{q:#?}");
    assert_eq!(q.discount, Yuan::whole(110));
    for c in q.coupons.iter().filter(|c| c.rule == "bags") {
        let lines: Vec<&str> = c.lines.iter().map(|l| l.line_id.as_str()).collect();
        assert_eq!(lines, ["bag"], "not on the line on sale");
    }
    let reasons: Vec<&str> = q.not_chosen.iter().map(|n| n.reason.as_str()).collect();
    assert_eq!(reasons, ["exclusive", "exclusive"], "{:?}", q.not_chosen);
    assert_eq!(answer.at, "2026-11-11T04:00:00Z");
}

#[test]
fn checkout_terms_round_trip_through_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("l.db").display());
    drop(seeded(&url));
    // Read back by another open of the same file: what the database holds, not a cache.
    let ledger = Ledger::open(&url, rules(), LedgerOptions::default()).unwrap();
    assert_terms(&ledger);
    assert_quote(&ledger);
}

#[test]
fn checkout_terms_round_trip_through_postgres() {
    let db = pg::TestDb::new();
    let url = db.url("");
    drop(seeded(&url));
    let ledger = Ledger::open(&url, rules(), LedgerOptions::default()).unwrap();
    assert_eq!(ledger.backend_name(), "postgres");
    assert_terms(&ledger);
    assert_quote(&ledger);
}

fn order() -> impl Strategy<Value = Order> {
    let line = (0usize..3, 0i64..60_000, 1u32..4, 0usize..3, prop::bool::weighted(0.3));
    (prop::collection::vec(line, 1..6), 0i64..2_000).prop_map(|(lines, shipping)| Order {
        id: "o-p".into(),
        buyer_id: "u-1".into(),
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, (category, price, qty, seller, on_sale))| Line {
                id: format!("l{i}"),
                category: Some(["bags", "shoes", "watches"][category].into()),
                price: Yuan(price),
                qty,
                seller_id: Some(["s-1", "s-2", "u-1"][seller].into()),
                on_sale,
            })
            .collect(),
        shipping: Yuan(shipping),
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The ledger adds nothing of its own to a quote: for the whole wallet, and for any
    /// subset of its codes, it is the engine's quote of the same coupons.
    #[test]
    fn the_ledger_quotes_as_the_engine_does(order in order(), pick in prop::collection::vec(any::<bool>(), 6), hour in 0i64..48) {
        static LEDGER: std::sync::OnceLock<Ledger> = std::sync::OnceLock::new();
        let ledger = LEDGER.get_or_init(|| seeded("sqlite::memory:"));
        // From the day before Singles' Day to the day after: some coupons not yet valid, some expired.
        let at = ms("2026-11-10T12:00:00+08:00") + hour * 3_600_000;
        let wallet = ledger.checkout_wallet("u-1", at).unwrap();
        let engine = checkout::quote(&QuoteRequest { order: order.clone(), wallet: wallet.clone(), at: Time(at) }).unwrap();
        let ask = QuoteAsk { order: order.clone(), codes: None, at: None };
        prop_assert!(ask.validate().is_ok());
        let answer = ledger.quote(&ask, at).unwrap();
        prop_assert_eq!(&answer.quote, &engine);

        // Codes typed: the stored coupons those codes name, valid or not at `at`.
        let all = ledger.checkout_wallet("u-1", ms("2026-11-11T09:30:00+08:00")).unwrap();
        let chosen: Vec<Coupon> = all.iter().zip(&pick).filter(|(_, p)| **p).map(|(c, _)| c.clone()).collect();
        let codes: Vec<String> = chosen.iter().map(|c| c.code.to_lowercase()).collect();
        let engine = checkout::quote(&QuoteRequest { order: order.clone(), wallet: chosen, at: Time(at) }).unwrap();
        let answer = ledger.quote(&QuoteAsk { order, codes: Some(codes), at: None }, at).unwrap();
        prop_assert_eq!(answer.quote, engine);
    }
}
