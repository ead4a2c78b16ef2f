//! The outcome tables of a ledger, the same checks on SQLite and PostgreSQL: a user's
//! first qualifying event exposes them once (holdout or not), an order paid twice counts
//! once, a redemption's discount is kept, and the outcomes read back equal those the
//! in-memory runtime recorded from the same events.
#![allow(dead_code)]

use mintage::analysis::recorded::outcomes_of;
use mintage::analysis::{Design, Options, analyze};
use mintage::ledger::{Ledger, VersionedRules};
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::Runtime;
use mintage::runtime::event::Event;
use serde_json::{Value, json};

const WEEK: i64 = 7 * 86_400_000;

fn user(id: &str) -> Value {
    json!({"id": id, "registered_at": "2026-10-28T10:00:00+08:00", "paid_orders": 0, "total_spend": 12.5,
           "ltv_tier": "low", "device_id": format!("d-{id}"), "tags": []})
}

/// The events: ten users view an item (exposed), view again (not exposed again), pay an
/// order (sent twice), redeem what they got with a discount, and one orders after the
/// window.
pub fn events() -> Vec<String> {
    let mut out = Vec::new();
    for i in 0..10 {
        let u = format!("u-{i}");
        let view = |n: u32, at: &str| {
            json!({"id": format!("v-{i}-{n}"), "type": "view_item", "at": at, "user": user(&u),
                   "scores": {"p_convert": 0.1, "fraud_risk": 0.01},
                   "item": {"id": "i-1", "category": "shoes", "price": 600, "seller_id": "s-1", "stock_age_days": 5}})
        };
        out.push(view(1, "2026-11-02T10:00:00+08:00").to_string());
        out.push(view(2, "2026-11-02T11:00:00+08:00").to_string());
        let order = json!({"id": format!("o-{i}"), "total": 250.5, "shipping": 0, "coupons": [], "items": []});
        for copy in 0..2 {
            out.push(
                json!({"id": format!("p-{i}-{copy}"), "type": "order_paid", "at": "2026-11-03T10:00:00+08:00",
                       "user": user(&u), "order": order})
                .to_string(),
            );
        }
        if i == 0 {
            let late = json!({"id": "o-late", "total": 99, "items": []});
            out.push(
                json!({"id": "p-late", "type": "order_paid", "at": "2026-11-20T10:00:00+08:00", "user": user(&u),
                       "order": late})
                .to_string(),
            );
        }
    }
    out
}

/// Decides `events()` on the ledger and in memory, redeeming each coupon (by the codes
/// each minted) with a ¥8 discount; returns both reports as JSON.
pub fn check(ledger: &Ledger, rules: &VersionedRules) {
    let mut runtime = Runtime::new(rules.rules.clone(), CodeMinter::seeded(1)).record_outcomes(true);
    for raw in events() {
        let event = Event::from_json(&raw).unwrap();
        let d = ledger.decide(&event, &raw).unwrap();
        let mem = runtime.process(&event);
        let ledger_codes: Vec<&str> = d.decided.decision["coupons"]
            .as_array()
            .map(|c| c.iter().filter_map(|c| c["code"].as_str()).collect())
            .unwrap_or_default();
        let mem_codes: Vec<String> = mem
            .iter()
            .flat_map(|d| d.coupons.iter().map(|c| c.code.clone()))
            .collect();
        assert_eq!(ledger_codes.len(), mem_codes.len());
        for (ledger_code, mem_code) in ledger_codes.iter().zip(&mem_codes) {
            let at = "2026-11-03T10:00:00+08:00";
            let redeemed = |code: &str, id: &str| {
                json!({"id": id, "type": "coupon_redeemed", "at": at, "user": {"id": event.user.as_ref().unwrap().id.to_string()},
                       "code": code, "order_id": "o-x", "discount": 8})
                .to_string()
            };
            let raw = redeemed(ledger_code, &format!("r-{ledger_code}"));
            ledger.decide(&Event::from_json(&raw).unwrap(), &raw).unwrap();
            runtime.process(&Event::from_json(&redeemed(mem_code, &format!("r-{mem_code}"))).unwrap());
        }
    }
    let program = rules.rules.program();
    let design = Design::of(program, Some("new_user_ladder")).unwrap();
    let from_ledger = ledger.outcomes("new_user_ladder", WEEK).unwrap();
    let from_memory = outcomes_of(&rules.rules, &runtime.state, "new_user_ladder", WEEK).unwrap();
    let c = from_ledger.campaign("new_user_ladder").unwrap();
    assert_eq!(c.exposures.len(), 10, "one exposure per user");
    assert!(
        c.exposures
            .iter()
            .all(|e| e.total_spend == 1250 && e.field("ltv_tier").is_some_and(|t| &**t == "low"))
    );
    assert_eq!(
        from_ledger.orders().len(),
        10,
        "each order once; the late one is not attributed"
    );
    assert!(from_ledger.orders().iter().all(|o| o.total == 25_050));
    let arms = |o: &mintage::analysis::Outcomes| -> Vec<(String, String)> {
        let mut v: Vec<_> = o
            .campaign("new_user_ladder")
            .unwrap()
            .exposures
            .iter()
            .map(|e| (e.user.to_string(), e.arm.to_string()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(arms(&from_ledger), arms(&from_memory));
    let a = serde_json::to_value(analyze(&from_ledger, &design, &Options::default()).unwrap()).unwrap();
    let b = serde_json::to_value(analyze(&from_memory, &design, &Options::default()).unwrap()).unwrap();
    assert_eq!(a, b);
    let cost: f64 = a["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["cost"].as_f64().unwrap())
        .sum();
    let redeemed: u64 = a["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["redeemed"].as_u64().unwrap())
        .sum();
    assert!(redeemed > 0);
    assert_eq!(cost, 8.0 * redeemed as f64, "the events' discount, not the face value");
}
