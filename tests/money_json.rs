//! Money and percentages are written one way in every JSON answer: `10`, never `10.0`, and
//! `12.5` as it is. Decisions, settlements (and each seller's charge), campaign stats,
//! audits, batch summaries and alert details all go through `value::Yuan` / `value::Percent`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::ledger::{Ledger, LedgerOptions, Order, OrderItem, RedeemRequest, Stage, VersionedRules};
use mintage::runtime::event::Event;
use std::sync::Arc;

const RULES: &str = r#"
campaign flash {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  budget ¥1000 face value
  funding platform 50% seller 50%
  rule ten {
    on view_item
    once per user
    give amount_off ¥10 valid 72h
  }
  rule twelve_and_a_half {
    on add_to_cart
    once per user
    give percent_off 12.5% cap ¥12.5 valid 72h
  }
  rule vip {
    on cart_abandoned
    once per user
    alert customer_service with cart_total: cart.total, rate: 12.5%
  }
}
"#;

fn event(kind: &str, id: &str, extra: &str) -> String {
    format!(
        r#"{{"id":"{id}","type":"{kind}","at":"2026-11-02T10:00:00+08:00","user":{{"id":"u-1","paid_orders":1,"device_id":"d-1"}}{extra}}}"#
    )
}

fn ledger() -> Ledger {
    let rules = mintage::load_str("flash.mint", RULES).unwrap();
    let rules = VersionedRules {
        rules: Arc::new(rules),
        version: "r-money".into(),
    };
    Ledger::open(
        "sqlite::memory:",
        rules,
        LedgerOptions {
            seed: Some(1),
            explain: false,
            ..LedgerOptions::default()
        },
    )
    .unwrap()
}

fn decide(ledger: &Ledger, raw: &str) -> serde_json::Value {
    let e = Event::from_json(raw).unwrap();
    ledger.decide(&e, raw).unwrap().decided.decision
}

fn redeem(ledger: &Ledger, code: &str, order: &str) -> String {
    let req = RedeemRequest {
        code: code.into(),
        order: Order {
            id: order.into(),
            buyer_id: "u-1".into(),
            items: vec![OrderItem {
                id: "i-1".into(),
                category: Some("bags".into()),
                price: 200.0,
                seller_id: Some("s-4".into()),
                qty: 1,
            }],
            shipping: None,
        },
        at: Some("2026-11-02T12:00:00+08:00".into()),
        stage: Stage::Commit,
    };
    let now = mintage::value::parse_time("2026-11-02T12:00:00+08:00").unwrap();
    serde_json::to_string(&ledger.redeem(&req, now).unwrap()).unwrap()
}

#[test]
fn whole_amounts_are_integers_and_others_keep_their_decimals_everywhere() {
    let ledger = ledger();
    let ten = decide(&ledger, &event("view_item", "e-1", ""));
    let ten_text = ten.to_string();
    assert!(
        ten_text.contains(r#""amount":10,"#) && ten_text.contains(r#""platform":50,"#),
        "{ten_text}"
    );
    let half = decide(&ledger, &event("add_to_cart", "e-2", ""));
    let half_text = half.to_string();
    assert!(
        half_text.contains(r#""percent":12.5,"#) && half_text.contains(r#""cap":12.5,"#),
        "{half_text}"
    );
    let alert = decide(
        &ledger,
        &event("cart_abandoned", "e-3", r#","cart":{"items":[],"total":3000}"#),
    );
    let detail = alert["actions"][0]["detail"].to_string();
    assert_eq!(detail, r#"{"cart_total":3000,"rate":12.5}"#);

    let code = |d: &serde_json::Value| d["coupons"][0]["code"].as_str().unwrap().to_string();
    let settled = redeem(&ledger, &code(&ten), "o-1");
    assert!(
        settled.contains(
            r#""settlement":{"discount":10,"platform":5,"seller":5,"sellers":[{"seller_id":"s-4","amount":5}]}"#
        ),
        "{settled}"
    );
    let settled = redeem(&ledger, &code(&half), "o-2");
    assert!(
        settled.contains(
            r#""settlement":{"discount":12.5,"platform":6.25,"seller":6.25,"sellers":[{"seller_id":"s-4","amount":6.25}]}"#
        ),
        "{settled}"
    );

    let stats = serde_json::to_string(&ledger.stats("flash").unwrap().unwrap()).unwrap();
    assert!(
        stats.contains(r#""budget":1000,"budget_reserved":22.5,"budget_spent":22.5,"discount_given":22.5"#),
        "{stats}"
    );
    let audit = serde_json::to_string(&ledger.audit().unwrap()).unwrap();
    assert!(!audit.contains(".0"), "{audit}");
}
