//! `POST /v1/checkout/quote` through the service: the buyer's wallet or the codes typed,
//! an answer that fits its schema in `docs/openapi.json` at every level, bad fields as
//! 400 naming them, an order that does not hold together as 409, keys and scopes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/schema.rs"]
mod schema;
#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use schema::{document, fits};
use serde_json::{Value, json};
use service::{Service, error_code};

fn view(id: &str, user: &str) -> String {
    json!({"id": id, "type": "view_item", "at": "2026-11-02T10:00:00+08:00",
           "user": {"id": user, "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": format!("d-{user}")},
           "item": {"id": "i-9", "category": "shoes", "price": 600, "seller_id": "s-1"},
           "scores": {"fraud_risk": 0.01}})
    .to_string()
}

/// The code of the one coupon the event gave its user.
async fn coupon(s: &Service, event: String) -> String {
    let (status, answer) = s.call("POST", "/v1/decide", Some(&s.decide), event).await;
    assert_eq!(status, 200, "{answer}");
    let coupons = answer["decision"]["coupons"].as_array().unwrap();
    assert_eq!(coupons.len(), 1, "{answer}");
    coupons[0]["code"].as_str().unwrap().to_string()
}

fn order(buyer: &str) -> Value {
    json!({"id": "o-1", "buyer_id": buyer, "shipping": 8,
           "lines": [{"id": "l1", "category": "shoes", "price": 150, "qty": 2, "seller_id": "s-1"},
                     {"id": "l2", "category": "bags", "price": 99.5, "seller_id": "s-2", "on_sale": true}]})
}

const QUOTE: &str = "/v1/checkout/quote";

#[tokio::test]
async fn the_wallet_is_quoted_and_the_answer_fits_its_schema() {
    let s = Service::seed_rules();
    let ann = coupon(&s, view("e-1", "u-ann")).await;
    let doc = document();
    let (status, answer) = s.post(QUOTE, &s.redeem, &json!({"order": order("u-ann")})).await;
    assert_eq!(status, 200, "{answer}");
    fits(&doc, &json!({"$ref": "#/components/schemas/Quote"}), &answer, "answer");
    assert_eq!(answer["order_id"], "o-1");
    assert_eq!(answer["subtotal"], 399.5);
    assert_eq!(answer["discount"], 10);
    assert_eq!(answer["total"], 397.5);
    assert_eq!(answer["at"], "2026-11-02T05:30:00Z", "the service's clock");
    let chosen = &answer["coupons"][0];
    assert_eq!(chosen["code"], ann.as_str());
    assert_eq!(chosen["rule"], "welcome");
    // ¥10 over ¥300 and ¥99.50 in proportion, to the fen.
    assert_eq!(
        chosen["lines"],
        json!([{"line_id": "l1", "amount": 7.51}, {"line_id": "l2", "amount": 2.49}])
    );
    assert_eq!(chosen["funding"], json!({"platform": 10, "seller": 0, "sellers": []}));
    assert_eq!(answer["not_chosen"], json!([]));
    // Nothing is held: the coupon is still issued.
    let (_, view) = s
        .call("GET", &format!("/v1/coupons/{ann}"), Some(&s.redeem), Body::empty())
        .await;
    assert_eq!(view["status"], "issued");
}

#[tokio::test]
async fn codes_the_buyer_cannot_use_are_answered_with_a_reason() {
    let s = Service::seed_rules();
    let ann = coupon(&s, view("e-1", "u-ann")).await;
    let bob = coupon(&s, view("e-2", "u-bob")).await;
    let mut typo = ann.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'A' { 'B' } else { 'A' });
    let body = json!({"order": order("u-ann"), "codes": [ann.to_lowercase(), bob, typo, "   "]});
    let (status, answer) = s.post(QUOTE, &s.redeem, &body).await;
    assert_eq!(status, 200, "{answer}");
    fits(
        &document(),
        &json!({"$ref": "#/components/schemas/Quote"}),
        &answer,
        "answer",
    );
    assert_eq!(answer["coupons"][0]["code"], ann.as_str());
    let mut reasons: Vec<(String, String)> = answer["not_chosen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["code"].as_str().unwrap().into(), n["reason"].as_str().unwrap().into()))
        .collect();
    reasons.sort();
    let mut want = vec![
        ("   ".to_string(), "invalid_code".to_string()),
        (bob, "not_owner".into()),
        (typo, "invalid_code".into()),
    ];
    want.sort();
    assert_eq!(reasons, want);

    // After Ann's coupon ended, typing it is answered `expired`.
    let late = json!({"order": order("u-ann"), "codes": [ann], "at": "2026-11-06T10:00:00+08:00"});
    let (status, answer) = s.post(QUOTE, &s.redeem, &late).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["coupons"], json!([]));
    assert_eq!(answer["not_chosen"][0]["reason"], "expired", "{answer}");
}

/// (status, code, field) of an error answer.
async fn refused(s: &Service, body: Value) -> (u16, String, Value) {
    let (status, answer) = s.post(QUOTE, &s.redeem, &body).await;
    (
        status.as_u16(),
        error_code(&answer).to_string(),
        answer["error"]["field"].clone(),
    )
}

#[tokio::test]
async fn fields_that_do_not_fit_are_400s_naming_them() {
    let s = Service::seed_rules();
    let with_line = |line: Value| json!({"order": {"id": "o-1", "buyer_id": "u-ann", "lines": [line]}});
    for (body, field) in [
        (with_line(json!({"id": "l1", "price": 1.005})), "order.lines[0].price"),
        (with_line(json!({"id": "l1", "price": -1})), "order.lines[0].price"),
        (
            with_line(json!({"id": "l1", "price": 10, "qty": 0})),
            "order.lines[0].qty",
        ),
        (with_line(json!({"id": "", "price": 10})), "order.lines[0].id"),
        (
            with_line(json!({"id": "l1", "price": 10, "onsale": true})),
            "order.lines[0].onsale",
        ),
        (
            json!({"order": {"id": "o-1", "buyer_id": "u-ann", "lines": []}}),
            "order.lines",
        ),
        (
            json!({"order": {"id": "o-1", "buyer_id": "", "lines": [{"id": "l", "price": 1}]}}),
            "order.buyer_id",
        ),
        (json!({"order": order("u-ann"), "codes": [""]}), "codes[0]"),
        (json!({"order": order("u-ann"), "at": "tomorrow"}), "at"),
    ] {
        let (status, code, got) = refused(&s, body.clone()).await;
        assert_eq!((status, code.as_str()), (400, "invalid_field"), "{body}");
        assert_eq!(got, field, "{body}");
    }
}

#[tokio::test]
async fn two_lines_with_one_id_are_a_409_naming_the_second() {
    let s = Service::seed_rules();
    let body = json!({"order": {"id": "o-1", "buyer_id": "u-ann",
        "lines": [{"id": "l1", "price": 10}, {"id": "l1", "price": 20}]}});
    let (status, code, field) = refused(&s, body).await;
    assert_eq!((status, code.as_str()), (409, "bad_order"));
    assert_eq!(field, "order.lines[1].id");
}

#[tokio::test]
async fn a_quote_needs_a_key_with_redeem_or_admin() {
    let s = Service::seed_rules();
    let body = json!({"order": order("u-ann")}).to_string();
    let (status, answer) = s.call("POST", QUOTE, None, body.clone()).await;
    assert_eq!((status.as_u16(), error_code(&answer)), (401, "unauthorized"));
    let (status, answer) = s.call("POST", QUOTE, Some("not-a-key"), body.clone()).await;
    assert_eq!((status.as_u16(), error_code(&answer)), (401, "unauthorized"));
    let (status, answer) = s.call("POST", QUOTE, Some(&s.decide), body.clone()).await;
    assert_eq!((status.as_u16(), error_code(&answer)), (403, "forbidden"));
    for key in [&s.redeem, &s.admin] {
        let (status, answer) = s.call("POST", QUOTE, Some(key), body.clone()).await;
        assert_eq!(status, 200, "{answer}");
    }
    let (status, _, text) = s.exchange("POST", QUOTE, Some(&s.redeem), None, body).await;
    assert_eq!(status, 415, "{text}");
}

#[tokio::test]
async fn a_quantity_is_any_json_integer_as_the_document_reads_it() {
    let s = Service::seed_rules();
    let body = json!({"order": {"id": "o-1", "buyer_id": "u-ann", "lines": [{"id": "l1", "price": 10, "qty": 3.0}]}});
    let (status, answer) = s.post(QUOTE, &s.redeem, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["subtotal"], 30);
    let half = json!({"order": {"id": "o-1", "buyer_id": "u-ann", "lines": [{"id": "l1", "price": 10, "qty": 1.5}]}});
    let (status, code, field) = refused(&s, half).await;
    assert_eq!((status, code.as_str()), (400, "invalid_field"));
    assert_eq!(field, "order.lines[0].qty");
}
