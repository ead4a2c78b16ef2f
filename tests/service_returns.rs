//! `POST /v1/orders/{id}/return` through the service: a partial return and the rest,
//! answers that fit their schema, the coupon valid again after the whole order; 409 for
//! what the ledger will not take (not paid, too many units, a line named twice, an id
//! reused), 404 for an order it never redeemed, 400 for bodies the document refuses, and
//! the key's scope.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/schema.rs"]
mod schema;
#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use schema::{document, fits};
use serde_json::{Value, json};
use service::{Service, error_code, view};

fn order(id: &str, buyer: &str) -> Value {
    json!({"id": id, "buyer_id": buyer, "shipping": 8,
           "lines": [{"id": "l1", "category": "shoes", "price": 150, "qty": 2, "seller_id": "s-1"},
                     {"id": "l2", "category": "bags", "price": 99.5, "seller_id": "s-2"}]})
}

fn outcome() -> Value {
    json!({"$ref": "#/components/schemas/ReturnOutcome"})
}

#[tokio::test]
async fn lines_come_back_with_their_part_of_the_discount() {
    let s = Service::seed_rules();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let doc = document();
    let redeem = json!({"codes": [ann], "order": order("o-1", "u-ann"), "stage": "reserve"});
    let (status, held) = s.post("/v1/checkout/redeem", &s.redeem, &redeem).await;
    assert_eq!(status, 200, "{held}");
    let url = "/v1/orders/o-1/return";
    let one = json!({"return_id": "r-1", "lines": [{"line_id": "l1", "qty": 1}]});
    let (status, refused) = s.post(url, &s.redeem, &one).await;
    assert_eq!((status.as_u16(), error_code(&refused)), (409, "not_paid"), "{refused}");
    let (status, _) = s.post("/v1/commit", &s.redeem, &json!({"order_id": "o-1"})).await;
    assert_eq!(status, 200);

    // One of two units of l1: half of its ¥7.51, rounded down (`1.0` is a count too).
    let one = json!({"return_id": "r-1", "lines": [{"line_id": "l1", "qty": 1.0}]});
    let (status, answer) = s.post(url, &s.redeem, &one).await;
    assert_eq!(status, 200, "{answer}");
    fits(&doc, &outcome(), &answer, "answer");
    assert_eq!(
        answer["lines"],
        json!([{"line_id": "l1", "qty": 1, "value": 150, "clawback": 3.75}])
    );
    assert_eq!(
        (answer["refund"].clone(), answer["owed"].clone()),
        (json!(146.25), json!(0))
    );
    assert_eq!(answer["coupons"][0]["status"], "redeemed");
    let (_, again) = s.post(url, &s.redeem, &one).await;
    assert_eq!(again["replayed"], true, "{again}");

    for (body, code) in [
        (
            json!({"return_id": "r-2", "lines": [{"line_id": "l1", "qty": 2}]}),
            "over_return",
        ),
        (
            json!({"return_id": "r-2", "lines": [{"line_id": "l9"}]}),
            "unknown_line",
        ),
        (
            json!({"return_id": "r-2", "lines": [{"line_id": "l2"}, {"line_id": "l2"}]}),
            "bad_return",
        ),
        (
            json!({"return_id": "r-1", "lines": [{"line_id": "l2"}]}),
            "return_id_reused",
        ),
    ] {
        let (status, e) = s.post(url, &s.redeem, &body).await;
        assert_eq!((status.as_u16(), error_code(&e)), (409, code), "{body}: {e}");
        fits(&doc, &json!({"$ref": "#/components/schemas/Error"}), &e, "error");
    }
    for (body, field) in [
        (json!({"return_id": ""}), "return_id"),
        (json!({"return_id": "r-2", "lines": []}), "lines"),
        (
            json!({"return_id": "r-2", "lines": [{"line_id": "l1", "qty": 0}]}),
            "lines[0].qty",
        ),
        (json!({"return_id": "r-2", "refund": 1}), "refund"),
    ] {
        let (status, e) = s.post(url, &s.redeem, &body).await;
        assert_eq!(status, 400, "{body}: {e}");
        assert!(
            e["error"]["field"].as_str().unwrap_or_default().starts_with(field),
            "{body}: {e}"
        );
    }

    // The rest: the coupon gave everything back and is the buyer's again.
    let (status, rest) = s.post(url, &s.redeem, &json!({"return_id": "r-3"})).await;
    assert_eq!(status, 200, "{rest}");
    fits(&doc, &outcome(), &rest, "answer");
    assert_eq!(rest["fully_returned"], true);
    let first = answer["clawback"].as_f64().unwrap() + rest["clawback"].as_f64().unwrap();
    assert!(
        (first - held["discount"].as_f64().unwrap()).abs() < 1e-9,
        "{answer} {rest}"
    );
    assert_eq!(rest["coupons"][0]["status"], "issued");
    let (_, view) = s
        .call("GET", &format!("/v1/coupons/{ann}"), Some(&s.redeem), Body::empty())
        .await;
    assert_eq!(view["status"], "issued");
    let (status, e) = s.post("/v1/rollback", &s.redeem, &json!({"order_id": "o-1"})).await;
    assert_eq!((status.as_u16(), error_code(&e)), (409, "order_returned"), "{e}");
}

#[tokio::test]
async fn unknown_orders_and_other_scopes_are_refused() {
    let s = Service::seed_rules();
    let (status, e) = s
        .post("/v1/orders/o-9/return", &s.redeem, &json!({"return_id": "r-1"}))
        .await;
    assert_eq!((status.as_u16(), error_code(&e)), (404, "unknown_order"), "{e}");
    let (status, e) = s
        .post("/v1/orders/o-9/return", &s.decide, &json!({"return_id": "r-1"}))
        .await;
    assert_eq!((status.as_u16(), error_code(&e)), (403, "forbidden"), "{e}");
}
