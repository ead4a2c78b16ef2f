//! `POST /v1/checkout/redeem` through the service: an order's codes held together with
//! an answer that fits its schema, a replay, all-or-nothing refusals as answers, a
//! reservation that lapses at the tick and its commit refused `409 reservation_expired`,
//! schema-valid requests never answered 400 (409 instead), keys and scopes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/schema.rs"]
mod schema;
#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use schema::{document, fits};
use serde_json::{Value, json};
use service::{Service, error_code, ms, view};
use std::sync::atomic::Ordering;

const REDEEM: &str = "/v1/checkout/redeem";

fn order(id: &str, buyer: &str) -> Value {
    json!({"id": id, "buyer_id": buyer, "shipping": 8,
           "lines": [{"id": "l1", "category": "shoes", "price": 150, "qty": 2, "seller_id": "s-1"},
                     {"id": "l2", "category": "bags", "price": 99.5, "seller_id": "s-2"}]})
}

async fn status_of(s: &Service, code: &str) -> Value {
    let (_, view) = s
        .call("GET", &format!("/v1/coupons/{code}"), Some(&s.redeem), Body::empty())
        .await;
    view["status"].clone()
}

fn outcome() -> Value {
    json!({"$ref": "#/components/schemas/OrderRedeemOutcome"})
}

#[tokio::test]
async fn codes_are_reserved_together_and_lapse_at_the_tick() {
    let s = Service::seed_rules();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let doc = document();
    let body = json!({"codes": [ann.to_lowercase()], "order": order("o-1", "u-ann"), "stage": "reserve"});
    let (status, answer) = s.post(REDEEM, &s.redeem, &body).await;
    assert_eq!(status, 200, "{answer}");
    fits(&doc, &outcome(), &answer, "answer");
    assert_eq!(answer["accepted"], true);
    assert_eq!(answer["status"], "reserved");
    assert_eq!(
        answer["reserved_until"], "2026-11-02T06:00:00Z",
        "the clock and 30 minutes"
    );
    assert_eq!(answer["discount"], 10);
    let code = &answer["codes"][0];
    assert_eq!(code["code"], ann.as_str());
    assert_eq!(
        code["lines"],
        json!([{"line_id": "l1", "amount": 7.51}, {"line_id": "l2", "amount": 2.49}])
    );
    assert_eq!(status_of(&s, &ann).await, "reserved");
    let (_, again) = s.post(REDEEM, &s.redeem, &body).await;
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["codes"], answer["codes"]);

    // 31 minutes later, unpaid: the commit is refused, the tick gives the coupon back.
    s.clock.store(ms("2026-11-02T14:01:00+08:00"), Ordering::SeqCst);
    let (status, refused) = s.post("/v1/commit", &s.redeem, &json!({"order_id": "o-1"})).await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(error_code(&refused), "reservation_expired");
    fits(&doc, &json!({"$ref": "#/components/schemas/Error"}), &refused, "error");
    let tick = json!({"id": "t-1", "type": "tick", "at": "2026-11-02T14:01:00+08:00"});
    let (status, ticked) = s.post("/v1/decide", &s.admin, &tick).await;
    assert_eq!(status, 200, "{ticked}");
    assert_eq!(status_of(&s, &ann).await, "issued");
    let (status, _) = s.post("/v1/commit", &s.redeem, &json!({"order_id": "o-1"})).await;
    assert_eq!(status, 409, "still refused after the release");

    // Redeemed again, and committed at once.
    let paid = json!({"codes": [ann], "order": order("o-2", "u-ann")});
    let (status, answer) = s.post(REDEEM, &s.redeem, &paid).await;
    assert_eq!(status, 200, "{answer}");
    fits(&doc, &outcome(), &answer, "answer");
    assert_eq!(answer["status"], "redeemed", "{answer}");
    assert!(answer.get("reserved_until").is_none(), "{answer}");
    assert_eq!(status_of(&s, &ann).await, "redeemed");
    let audit = s.state.ledger.audit().unwrap();
    assert!(audit.budget_mismatches.is_empty(), "{audit:?}");
}

#[tokio::test]
async fn one_refused_code_holds_nothing_and_is_an_answer() {
    let s = Service::seed_rules();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let bob = s.first_coupon(view("e-2", "u-bob")).await;
    let body = json!({"codes": [ann, bob, ann], "order": order("o-1", "u-ann"), "stage": "reserve"});
    let (status, answer) = s.post(REDEEM, &s.redeem, &body).await;
    assert_eq!(status, 200, "{answer}");
    fits(&document(), &outcome(), &answer, "answer");
    assert_eq!(answer["accepted"], false);
    let reasons: Vec<&str> = answer["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, ["not_held", "not_owner", "duplicate_code"], "{answer}");
    assert_eq!(status_of(&s, &ann).await, "issued");
}

#[tokio::test]
async fn schema_valid_requests_are_never_400s() {
    let s = Service::seed_rules();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let two_l1 = json!({"id": "o-1", "buyer_id": "u-ann",
        "lines": [{"id": "l1", "price": 1}, {"id": "l1", "price": 2}]});
    let early = "2026-11-01T10:00:00+08:00";
    for (body, code) in [
        (json!({"codes": [ann], "order": two_l1}), "bad_order"),
        (
            json!({"codes": [ann], "order": order("o-1", "u-ann"), "at": early}),
            "past_redemption",
        ),
    ] {
        let (status, answer) = s.post(REDEEM, &s.redeem, &body).await;
        assert_eq!((status.as_u16(), error_code(&answer)), (409, code), "{answer}");
    }
    // Outside the document: 400s naming the field.
    for (body, field) in [
        (json!({"codes": [], "order": order("o-1", "u-ann")}), "codes"),
        (json!({"codes": [""], "order": order("o-1", "u-ann")}), "codes[0]"),
        (
            json!({"codes": [ann], "order": order("o-1", "u-ann"), "stage": "later"}),
            "stage",
        ),
    ] {
        let (status, answer) = s.post(REDEEM, &s.redeem, &body).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    let body = json!({"codes": [ann], "order": order("o-1", "u-ann")});
    let (status, _) = s.post(REDEEM, &s.decide, &body).await;
    assert_eq!(status, 403, "the `redeem` scope");
    assert_eq!(status_of(&s, &ann).await, "issued");
}
