//! Calendars of coupons on SQLite and PostgreSQL: a coupon `valid 7d on weekends between 20:00 and 02:00`
//! carries its calendar in the decision's JSON and in its stored terms, and the single-code
//! `redeem`, the order-level `redeem_order` and the quote refuse it outside the calendar
//! (`not_valid_now`, saying when it is valid and what time it is, in the campaign's zone)
//! and take it inside. Terms stored before calendars read as valid at any time. And
//! `hour_of`, `weekday_of`, `date_of` agree with chrono for any instant and zone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;
#[path = "support/schema.rs"]
mod schema;

use chrono::{Datelike, TimeZone, Timelike};
use mintage::checkout::{Line, Order};
use mintage::ledger::quote::QuoteAsk;
use mintage::ledger::{Ledger, LedgerOptions, OrderRedeemRequest, RedeemRequest, Stage, VersionedRules};
use mintage::runtime::event::Event;
use mintage::value::calendar::{date_of, hour_of, weekday_of};
use mintage::value::{Yuan, parse_time};
use proptest::prelude::*;
use serde_json::{Value as Json, json};
use std::sync::Arc;

const RULES: &str = r#"
campaign nights {
  window 2026-11-01 .. 2026-12-01 Asia/Shanghai
  rule owl {
    on view_item
    once per user
    give amount_off ¥10 valid 14d on weekends between 20:00 and 02:00
  }
  rule plain {
    on app_open
    once per user
    give amount_off ¥5 valid 14d
  }
}
"#;

/// Issued on Wednesday 2026-11-11 at 10:00 in Shanghai.
const ISSUED: &str = "2026-11-11T10:00:00+08:00";
/// Wednesday 14:05: outside.
const WEDNESDAY: &str = "2026-11-11T14:05:00+08:00";
/// Saturday 21:00: inside.
const SATURDAY_NIGHT: &str = "2026-11-14T21:00:00+08:00";
/// Sunday 01:30: still Saturday's night.
const SUNDAY_SMALL_HOURS: &str = "2026-11-15T01:30:00+08:00";
/// Monday 01:30: Sunday's night, inside too.
const MONDAY_SMALL_HOURS: &str = "2026-11-16T01:30:00+08:00";
/// Monday 02:00: the end is exclusive.
const MONDAY_TWO: &str = "2026-11-16T02:00:00+08:00";
/// Saturday 01:30: Friday's night, outside.
const SATURDAY_SMALL_HOURS: &str = "2026-11-14T01:30:00+08:00";

const NOT_NOW: &str = "the coupon is valid on weekends between 20:00 and 02:00 (Asia/Shanghai); it is Wednesday 14:05";

fn ms(t: &str) -> i64 {
    parse_time(t).unwrap_or_else(|e| panic!("{t}: {e}"))
}

fn open(url: &str) -> Ledger {
    let rules = mintage::load_str("nights.mint", RULES).unwrap_or_else(|e| panic!("{e}"));
    let rules = VersionedRules {
        rules: Arc::new(rules),
        version: "r-nights".into(),
    };
    let options = LedgerOptions {
        seed: Some(7),
        ..LedgerOptions::default()
    };
    Ledger::open(url, rules, options).unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// Decides `kind` for `user` at [`ISSUED`]; the decision's coupons.
fn issue(ledger: &Ledger, user: &str, kind: &str) -> Vec<Json> {
    let raw = json!({
        "id": format!("e-{user}-{kind}"),
        "type": kind,
        "at": ISSUED,
        "user": {"id": user},
        "item": {"id": "i-1", "category": "bags", "price": 300, "seller_id": "s-1"},
    })
    .to_string();
    let e = Event::from_json(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
    let out = ledger.decide(&e, &raw).unwrap_or_else(|e| panic!("decide {raw}: {e}"));
    out.decided.decision["coupons"].as_array().cloned().unwrap_or_default()
}

fn owl(ledger: &Ledger, user: &str) -> String {
    let coupons = issue(ledger, user, "view_item");
    assert_eq!(coupons.len(), 1, "{coupons:?}");
    coupons[0]["code"].as_str().unwrap().to_string()
}

fn order(id: &str, buyer: &str) -> Order {
    Order {
        id: id.into(),
        buyer_id: buyer.into(),
        lines: vec![Line {
            id: "a".into(),
            category: Some("bags".into()),
            price: Yuan::whole(100),
            qty: 1,
            seller_id: Some("s-1".into()),
            on_sale: false,
        }],
        shipping: Yuan::whole(0),
    }
}

fn redeem(ledger: &Ledger, code: &str, order_id: &str, user: &str, at: &str) -> mintage::ledger::RedeemOutcome {
    let req = RedeemRequest {
        code: code.into(),
        order: serde_json::from_value(json!({
            "id": order_id,
            "buyer_id": user,
            "items": [{"id": "a", "category": "bags", "price": 100.0, "seller_id": "s-1"}],
        }))
        .unwrap(),
        at: Some(at.into()),
        stage: Stage::Commit,
    };
    ledger.redeem(&req, ms(at)).unwrap_or_else(|e| panic!("redeem: {e}"))
}

#[test]
fn the_decision_and_the_coupon_carry_the_calendar() {
    let ledger = &open("sqlite::memory:");
    let coupons = issue(ledger, "u-1", "view_item");
    let doc = schema::document();
    schema::fits(
        &doc,
        &json!({"$ref": "#/components/schemas/Coupon"}),
        &coupons[0],
        "coupon",
    );
    assert_eq!(
        coupons[0]["valid_on"],
        json!({"days": ["saturday", "sunday"], "between": ["20:00", "02:00"], "zone": "Asia/Shanghai"})
    );
    let stored = ledger.coupon(coupons[0]["code"].as_str().unwrap()).unwrap().unwrap();
    assert_eq!(stored.coupon["valid_on"], coupons[0]["valid_on"]);
    // A coupon without a calendar has no `valid_on` at all: the contract is as it was.
    let plain = issue(ledger, "u-1", "app_open");
    assert!(plain[0].get("valid_on").is_none(), "{plain:?}");
}

fn redeem_refuses_outside_the_calendar_and_takes_inside(ledger: &Ledger) {
    let code = owl(ledger, "u-1");
    let o = redeem(ledger, &code, "o-1", "u-1", WEDNESDAY);
    assert!(!o.accepted);
    assert_eq!(o.reason.as_deref(), Some("not_valid_now"));
    assert_eq!(o.detail.as_deref(), Some(NOT_NOW));
    for at in [SATURDAY_SMALL_HOURS, MONDAY_TWO] {
        let o = redeem(ledger, &code, "o-2", "u-1", at);
        assert_eq!(o.reason.as_deref(), Some("not_valid_now"), "{at}");
    }
    let o = redeem(ledger, &code, "o-3", "u-1", SUNDAY_SMALL_HOURS);
    assert!(o.accepted, "{o:?}");
    for (user, at) in [("u-2", SATURDAY_NIGHT), ("u-3", MONDAY_SMALL_HOURS)] {
        let code = owl(ledger, user);
        let o = redeem(ledger, &code, &format!("o-{user}"), user, at);
        assert!(o.accepted, "{at}: {o:?}");
    }
}

fn redeem_order_refuses_outside_the_calendar_and_takes_inside(ledger: &Ledger) {
    let code = owl(ledger, "u-1");
    let ask = |id: &str, at: &str| OrderRedeemRequest {
        codes: vec![code.clone()],
        order: order(id, "u-1"),
        at: Some(at.into()),
        stage: Stage::Commit,
    };
    let o = ledger.redeem_order(&ask("o-1", WEDNESDAY), ms(WEDNESDAY)).unwrap();
    assert!(!o.accepted);
    assert_eq!(o.codes[0].reason.as_deref(), Some("not_valid_now"));
    assert_eq!(o.codes[0].detail.as_deref(), Some(NOT_NOW));
    let o = ledger
        .redeem_order(&ask("o-2", MONDAY_SMALL_HOURS), ms(MONDAY_SMALL_HOURS))
        .unwrap();
    assert!(o.accepted, "{o:?}");
    assert_eq!(o.discount, Yuan::whole(10));
}

fn the_quote_leaves_out_a_coupon_outside_its_calendar(ledger: &Ledger) {
    let code = owl(ledger, "u-1");
    let plain = issue(ledger, "u-1", "app_open")[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    let quote = |codes: Option<Vec<String>>, at: &str| {
        let ask = QuoteAsk {
            order: order("o-1", "u-1"),
            codes,
            at: Some(at.into()),
        };
        ledger.quote(&ask, ms(at)).unwrap().quote
    };
    for codes in [None, Some(vec![code.clone(), plain.clone()])] {
        let q = quote(codes.clone(), WEDNESDAY);
        let chosen: Vec<&str> = q.coupons.iter().map(|c| c.code.as_str()).collect();
        assert_eq!(chosen, [plain.as_str()], "{codes:?}");
        let out: Vec<(&str, &str, &str)> = q
            .not_chosen
            .iter()
            .map(|n| (n.code.as_str(), n.reason.as_str(), n.detail.as_str()))
            .collect();
        assert_eq!(out, [(code.as_str(), "not_valid_now", NOT_NOW)], "{codes:?}");
    }
    let q = quote(None, SATURDAY_NIGHT);
    assert!(q.not_chosen.is_empty(), "{q:?}");
    assert_eq!(
        q.discount,
        Yuan::whole(15),
        "the ¥10 night coupon with the ¥5 one: {q:?}"
    );
}

#[test]
fn redeem_on_sqlite() {
    redeem_refuses_outside_the_calendar_and_takes_inside(&open("sqlite::memory:"));
}

#[test]
fn redeem_order_on_sqlite() {
    redeem_order_refuses_outside_the_calendar_and_takes_inside(&open("sqlite::memory:"));
}

#[test]
fn quote_on_sqlite() {
    the_quote_leaves_out_a_coupon_outside_its_calendar(&open("sqlite::memory:"));
}

#[test]
fn redeem_redeem_order_and_quote_on_postgres() {
    for scenario in [
        redeem_refuses_outside_the_calendar_and_takes_inside,
        redeem_order_refuses_outside_the_calendar_and_takes_inside,
        the_quote_leaves_out_a_coupon_outside_its_calendar,
    ] {
        let db = pg::TestDb::new();
        scenario(&open(&db.url("")));
    }
}

#[test]
fn terms_stored_before_calendars_read_as_any_time() {
    let old = r#"{"kind":"amount_off","amount":1000,"percent":null,"cap":null,"min_spend":0,"categories":[],"gift":null,"perk":null,"platform_share":10000,"seller_share":0,"exclusive_with":[]}"#;
    let t: mintage::ledger::store::Terms = serde_json::from_str(old).unwrap();
    assert_eq!(t.valid_on, None);
    let back = serde_json::to_string(&t).unwrap();
    assert!(!back.contains("valid_on"), "{back}");
}

fn zones() -> impl Strategy<Value = chrono_tz::Tz> {
    (0..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| chrono_tz::TZ_VARIANTS[i])
}

proptest! {
    #[test]
    fn calendar_functions_agree_with_chrono(ms in 0i64..4_102_444_800_000, tz in zones()) {
        let t = chrono::DateTime::from_timestamp_millis(ms).unwrap().with_timezone(&tz);
        prop_assert_eq!(hour_of(ms, tz), Some(t.hour()));
        prop_assert_eq!(weekday_of(ms, tz), Some(t.weekday().number_from_monday()));
        let day = date_of(ms, tz).unwrap();
        let start = chrono::DateTime::from_timestamp_millis(day).unwrap().with_timezone(&tz);
        prop_assert_eq!(start.date_naive(), t.date_naive());
        prop_assert!(day <= ms);
        // No earlier instant is on the same day.
        let before = chrono::DateTime::from_timestamp_millis(day - 1).unwrap().with_timezone(&tz);
        prop_assert!(before.date_naive() < t.date_naive());
        // Where midnight exists, it is the day's start, as a date literal reads it.
        if let Some(m) = tz.from_local_datetime(&t.date_naive().and_hms_opt(0, 0, 0).unwrap()).earliest() {
            prop_assert_eq!(day, m.timestamp_millis());
        }
    }
}
