//! `POST /v1/redeem` with `codes`: an order's codes held together or none, answered as
//! `POST /v1/checkout/redeem` answers (the same request through both routes, the same
//! answer), a replay, a commit of the codes held in reserve; `code` or `codes`, never both
//! nor neither; one code's reservation answering its time and lapsing; and two orders
//! racing for one code, on SQLite and PostgreSQL, won once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;
#[path = "support/schema.rs"]
mod schema;
#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use schema::{document, fits};
use serde_json::{Value, json};
use service::{Service, error_code, ms, view};
use std::sync::atomic::Ordering;

const REDEEM: &str = "/v1/redeem";

/// An order as `/v1/redeem` takes it (`items`), and the same as a checkout order (`lines`).
fn order(id: &str, buyer: &str) -> Value {
    json!({"id": id, "buyer_id": buyer, "shipping": 8,
           "items": [{"id": "l1", "category": "shoes", "price": 150, "qty": 2, "seller_id": "s-1"},
                     {"id": "l2", "category": "bags", "price": 99.5, "seller_id": "s-2", "on_sale": false}]})
}

fn as_checkout(order: &Value) -> Value {
    let mut o = order.clone();
    let items = o.as_object_mut().unwrap().remove("items").unwrap();
    o["lines"] = items;
    o
}

async fn status_of(s: &Service, code: &str) -> Value {
    let (_, view) = s
        .call("GET", &format!("/v1/coupons/{code}"), Some(&s.redeem), Body::empty())
        .await;
    view["status"].clone()
}

fn reasons(answer: &Value) -> Vec<&str> {
    answer["codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["reason"].as_str().unwrap_or_default())
        .collect()
}

fn order_outcome() -> Value {
    json!({"$ref": "#/components/schemas/OrderRedeemOutcome"})
}

#[tokio::test]
async fn codes_are_held_together_or_none_and_answered_as_the_checkout_redeem() {
    let s = Service::seed_rules();
    let doc = document();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let bob = s.first_coupon(view("e-2", "u-bob")).await;

    // One code refused: nothing held, every code says why, as /v1/checkout/redeem says.
    let body = json!({"codes": [ann, bob], "order": order("o-1", "u-ann"), "stage": "reserve"});
    let (status, refused) = s.post(REDEEM, &s.redeem, &body).await;
    assert_eq!(status, 200, "{refused}");
    fits(&doc, &order_outcome(), &refused, "answer");
    assert_eq!(refused["accepted"], false);
    assert_eq!(reasons(&refused), ["not_held", "not_owner"], "{refused}");
    assert_eq!(status_of(&s, &ann).await, "issued", "nothing held");
    let checkout = json!({"codes": [ann, bob], "order": as_checkout(&order("o-1", "u-ann")), "stage": "reserve"});
    let (_, same) = s.post("/v1/checkout/redeem", &s.redeem, &checkout).await;
    assert_eq!(refused, same, "the same answer as the checkout redeem");

    // Held: the checkout engine's split, by line; the same codes again are a replay.
    let body = json!({"codes": [ann.to_lowercase()], "order": order("o-1", "u-ann"), "stage": "reserve"});
    let (status, held) = s.post(REDEEM, &s.redeem, &body).await;
    assert_eq!(status, 200, "{held}");
    fits(&doc, &order_outcome(), &held, "answer");
    assert_eq!((&held["accepted"], &held["status"]), (&json!(true), &json!("reserved")));
    assert_eq!(
        held["reserved_until"], "2026-11-02T06:00:00Z",
        "the clock and 30 minutes"
    );
    assert_eq!(held["discount"], 10);
    assert_eq!(
        held["codes"][0]["lines"],
        json!([{"line_id": "l1", "amount": 7.51}, {"line_id": "l2", "amount": 2.49}])
    );
    assert_eq!(status_of(&s, &ann).await, "reserved");
    let (_, again) = s.post(REDEEM, &s.redeem, &body).await;
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["codes"], held["codes"]);

    // The order is paid: `stage: commit` for the codes it holds commits them.
    let pay = json!({"codes": [ann], "order": order("o-1", "u-ann"), "stage": "commit"});
    let (status, paid) = s.post(REDEEM, &s.redeem, &pay).await;
    assert_eq!(status, 200, "{paid}");
    fits(&doc, &order_outcome(), &paid, "answer");
    assert_eq!(
        (&paid["status"], &paid["replayed"]),
        (&json!("redeemed"), &json!(false)),
        "{paid}"
    );
    assert!(paid.get("reserved_until").is_none(), "{paid}");
    assert_eq!(paid["codes"], held["codes"], "the split of the reservation");
    assert_eq!(status_of(&s, &ann).await, "redeemed");
    let (_, again) = s.post(REDEEM, &s.redeem, &pay).await;
    assert_eq!(
        (&again["status"], &again["replayed"]),
        (&json!("redeemed"), &json!(true)),
        "{again}"
    );
    let audit = s.state.ledger.audit().unwrap();
    assert!(audit.budget_mismatches.is_empty(), "{audit:?}");
}

#[tokio::test]
async fn a_body_gives_code_or_codes_and_its_items_are_named() {
    let s = Service::seed_rules();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let both = json!({"code": ann, "codes": [ann], "order": order("o-1", "u-ann")});
    let neither = json!({"order": order("o-1", "u-ann")});
    let mut blank_item = order("o-1", "u-ann");
    blank_item["items"][0]["id"] = json!("");
    let mut unknown = order("o-1", "u-ann");
    unknown["items"][1]["colour"] = json!("red");
    for (body, field) in [
        (both, "codes"),
        (neither, "code"),
        (json!({"codes": [], "order": order("o-1", "u-ann")}), "codes"),
        (json!({"codes": [ann], "order": blank_item}), "order.items[0].id"),
        (json!({"codes": [ann], "order": unknown}), "order.items[1].colour"),
    ] {
        let (status, answer) = s.post(REDEEM, &s.redeem, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(error_code(&answer), "invalid_field", "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
        assert!(
            !answer["error"]["message"].as_str().unwrap().contains("lines"),
            "{answer}"
        );
    }
    let (_, answer) = s
        .post(REDEEM, &s.redeem, &json!({"order": order("o-1", "u-ann")}))
        .await;
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(message.contains("`code`") && message.contains("`codes`"), "{message}");
    // An order the document admits that does not hold together: 409, as at checkout.
    let mut twice = order("o-1", "u-ann");
    twice["items"][1]["id"] = json!("l1");
    let (status, answer) = s
        .post(REDEEM, &s.redeem, &json!({"codes": [ann], "order": twice}))
        .await;
    assert_eq!((status.as_u16(), error_code(&answer)), (409, "bad_order"), "{answer}");
    assert_eq!(answer["error"]["field"], "order.items[1].id", "{answer}");
    assert_eq!(status_of(&s, &ann).await, "issued");
}

#[tokio::test]
async fn one_code_reserved_answers_its_time_and_lapses() {
    let s = Service::seed_rules();
    let doc = document();
    let ann = s.first_coupon(view("e-1", "u-ann")).await;
    let one = |id: &str, stage: &str| {
        json!({"code": ann, "stage": stage,
               "order": {"id": id, "buyer_id": "u-ann", "items": [{"id": "i-9", "category": "shoes", "price": 600}]}})
    };
    let (status, held) = s.post(REDEEM, &s.redeem, &one("o-1", "reserve")).await;
    assert_eq!(status, 200, "{held}");
    fits(
        &doc,
        &json!({"$ref": "#/components/schemas/RedeemOutcome"}),
        &held,
        "answer",
    );
    assert_eq!(held["reserved_until"], "2026-11-02T06:00:00Z", "{held}");

    // 31 minutes later, unpaid: the tick gives it back, and the commit is refused.
    s.clock.store(ms("2026-11-02T14:01:00+08:00"), Ordering::SeqCst);
    let tick = json!({"id": "t-1", "type": "tick", "at": "2026-11-02T14:01:00+08:00"});
    let (status, ticked) = s.post("/v1/decide", &s.admin, &tick).await;
    assert_eq!(status, 200, "{ticked}");
    assert_eq!(status_of(&s, &ann).await, "issued");
    let (status, refused) = s.post("/v1/commit", &s.redeem, &json!({"order_id": "o-1"})).await;
    assert_eq!((status.as_u16(), error_code(&refused)), (409, "reservation_expired"));

    // Reserved again, lapsed, and no tick yet: another order takes it all the same.
    let (_, held) = s.post(REDEEM, &s.redeem, &one("o-2", "reserve")).await;
    assert_eq!(held["reserved_until"], "2026-11-02T06:31:00Z", "{held}");
    s.clock.store(ms("2026-11-02T14:32:00+08:00"), Ordering::SeqCst);
    let (_, paid) = s.post(REDEEM, &s.redeem, &one("o-3", "commit")).await;
    assert_eq!(
        (&paid["accepted"], &paid["status"]),
        (&json!(true), &json!("redeemed")),
        "{paid}"
    );
    assert!(paid.get("reserved_until").is_none(), "{paid}");
    let (status, refused) = s.post("/v1/commit", &s.redeem, &json!({"order_id": "o-2"})).await;
    assert_eq!((status.as_u16(), error_code(&refused)), (409, "reservation_expired"));
    let audit = s.state.ledger.audit().unwrap();
    assert!(audit.budget_mismatches.is_empty(), "{audit:?}");
}

/// Two clients at once, each redeeming the same one code for its own order: one wins,
/// the other is refused `already_redeemed` and holds nothing. (Through HTTP only: the
/// PostgreSQL ledger blocks, and is called on the blocking pool as the service does.)
async fn race(s: &Service, rounds: usize) {
    for round in 0..rounds {
        let user = format!("u-race-{round}");
        let code = s.first_coupon(view(&format!("e-race-{round}"), &user)).await;
        let ask = |side: &str| json!({"codes": [code], "order": order(&format!("o-{round}-{side}"), &user), "stage": "reserve"});
        let (a, b) = (ask("a"), ask("b"));
        let ((sa, a), (sb, b)) = tokio::join!(s.post(REDEEM, &s.redeem, &a), s.post(REDEEM, &s.redeem, &b));
        assert_eq!((sa.as_u16(), sb.as_u16()), (200, 200), "{a}\n{b}");
        let won: Vec<&Value> = [&a, &b].into_iter().filter(|o| o["accepted"] == true).collect();
        assert_eq!(won.len(), 1, "round {round}: {a}\n{b}");
        let lost = if a["accepted"] == true { &b } else { &a };
        assert_eq!(reasons(lost), ["already_redeemed"], "round {round}: {lost}");
        let (_, view) = s
            .call("GET", &format!("/v1/coupons/{code}"), Some(&s.redeem), Body::empty())
            .await;
        assert_eq!(
            (&view["status"], &view["order_id"]),
            (&json!("reserved"), &won[0]["order_id"])
        );
    }
}

/// The race on a service over `url`, its clients on a runtime of two threads.
fn race_on(url: &str) {
    let s = Service::seed_rules_on(url);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(race(&s, 8));
    let audit = s.state.ledger.audit().unwrap();
    assert!(audit.budget_mismatches.is_empty(), "{audit:?}");
}

#[test]
fn one_code_for_two_orders_is_won_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    race_on(&format!("sqlite:{}", dir.path().join("race.db").display()));
}

#[test]
fn one_code_for_two_orders_is_won_once_on_postgres() {
    let db = pg::TestDb::new();
    race_on(&db.url("pool=4"));
}
