//! Hostile input to the service, in process: clients that try to move the clock, times
//! that could not be written back, and bodies more lenient than the OpenAPI document.
//! Each case was accepted before the service was made as strict as its document.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use service::{Service, error_code, root};

/// A `view_item` of u-ann at `at` that the seed rules answer with a welcome coupon.
fn view(id: &str, at: &str) -> Value {
    json!({"id": id, "type": "view_item", "at": at,
        "user": {"id": "u-ann", "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": "d-ann"},
        "item": {"id": "i-9", "category": "shoes", "price": 600, "seller_id": "s-1"}})
}

fn status_and_code(answer: &(StatusCode, Value)) -> (u16, &str) {
    (answer.0.as_u16(), error_code(&answer.1))
}

// ---- the clock

#[tokio::test]
async fn a_client_tick_needs_admin_and_does_not_expire_coupons() {
    let s = Service::seed_rules();
    let (_, first) = s
        .post("/v1/decide", &s.decide, &view("e-1", "2026-11-02T10:00:00+08:00"))
        .await;
    let code = first["decision"]["coupons"][0]["code"].as_str().unwrap().to_string();

    // A deciding key's tick from 2030 would have expired every coupon valid until then.
    let tick = json!({"id": "t-1", "type": "tick", "at": "2026-11-02T13:30:00+08:00"});
    let answer = s.post("/v1/decide", &s.decide, &tick).await;
    assert_eq!(status_and_code(&answer), (403, "forbidden"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "type");
    let both = s.state.ledger.add_key(
        &[mintage::ledger::Scope::Decide, mintage::ledger::Scope::Redeem],
        "both",
    );
    let answer = s.post("/v1/decide", &both.unwrap(), &tick).await;
    assert_eq!(answer.0, 403, "decide and redeem together are not admin");

    let batch = json!([tick, view("e-2", "2026-11-02T11:00:00+08:00")]);
    let (status, answers) = s.post("/v1/events", &s.decide, &batch).await;
    assert_eq!(status, 200, "{answers}");
    assert_eq!(answers[0]["error"]["code"], "forbidden", "{answers}");
    assert!(
        answers[1]["outcome"].is_object(),
        "the other elements are decided: {answers}"
    );

    let (_, view) = s
        .call("GET", &format!("/v1/coupons/{code}"), Some(&s.redeem), Body::empty())
        .await;
    assert_eq!(view["status"], "issued", "{view}");

    // An admin may tick (up to the clock).
    let (status, answer) = s.post("/v1/decide", &s.admin, &tick).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn events_from_the_future_are_refused() {
    let s = Service::seed_rules(); // the clock is 2026-11-02T13:30:00+08:00
    let soon = view("e-soon", "2026-11-02T13:34:59+08:00");
    let (status, answer) = s.post("/v1/decide", &s.decide, &soon).await;
    assert_eq!(status, 200, "within the skew: {answer}");

    let later = view("e-later", "2026-11-02T13:35:01+08:00");
    let answer = s.post("/v1/decide", &s.decide, &later).await;
    assert_eq!(status_and_code(&answer), (400, "future_event"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "at");
    let message = answer.1["error"]["message"].as_str().unwrap();
    assert!(message.contains("more than 5m after the server's clock"), "{message}");

    // An admin's tick is no exception: it would expire coupons early.
    let tick = json!({"id": "t-2030", "type": "tick", "at": "2030-01-01T00:00:00Z"});
    let answer = s.post("/v1/decide", &s.admin, &tick).await;
    assert_eq!(status_and_code(&answer), (400, "future_event"), "{}", answer.1);

    let lines = [
        later.to_string(),
        view("e-past", "2026-11-01T09:00:00+08:00").to_string(),
    ];
    let (_, answers) = s.lines(&s.decide, &lines).await;
    assert_eq!(answers[0]["error"]["code"], "future_event", "{answers}");
    assert_eq!(answers[0]["line"], 1);
    assert!(answers[1]["outcome"].is_object(), "{answers}");

    // So is a redemption dated in the future.
    let order = json!({"code": "MNT-X", "at": "2026-11-03T00:00:00+08:00",
        "order": {"id": "o-1", "buyer_id": "u-ann", "items": [{"id": "i-9", "price": 600}]}});
    let answer = s.post("/v1/redeem", &s.redeem, &order).await;
    assert_eq!(status_and_code(&answer), (400, "future_event"), "{}", answer.1);
}

#[tokio::test]
async fn a_redemption_cannot_be_dated_back() {
    // A backdated `at` would let a coupon that expired pay; only `admin` may settle an
    // earlier checkout.
    let s = Service::seed_rules(); // the clock is 2026-11-02T13:30:00+08:00
    let order = |at: &str| {
        json!({"code": "MNT-X", "at": at,
            "order": {"id": "o-1", "buyer_id": "u-ann", "items": [{"id": "i-9", "price": 600}]}})
    };
    let answer = s
        .post("/v1/redeem", &s.redeem, &order("2026-11-01T00:00:00+08:00"))
        .await;
    assert_eq!(status_and_code(&answer), (400, "past_redemption"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "at");
    let (status, answer) = s
        .post("/v1/redeem", &s.redeem, &order("2026-11-02T13:26:00+08:00"))
        .await;
    assert_eq!(status, 200, "within the skew: {answer}");
    let (status, answer) = s
        .post("/v1/redeem", &s.admin, &order("2026-11-01T00:00:00+08:00"))
        .await;
    assert_eq!(status, 200, "an admin may: {answer}");
}

#[tokio::test]
async fn the_skew_is_a_setting() {
    let s = Service::with_max_skew(&[root().join("rules")], 0);
    let answer = s
        .post("/v1/decide", &s.decide, &view("e-1", "2026-11-02T13:30:00.001+08:00"))
        .await;
    assert_eq!(status_and_code(&answer), (400, "future_event"), "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than 0s after")
    );
    let (status, _) = s
        .post("/v1/decide", &s.decide, &view("e-2", "2026-11-02T13:30:00+08:00"))
        .await;
    assert_eq!(status, 200);
}

#[test]
fn the_binary_reads_the_skew_from_its_flag_or_its_variable() {
    let serve = |args: &[&str], env: Option<&str>| {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mintage"));
        command.args(["serve", "rules", "--db", "sqlite::memory:", "--listen", "127.0.0.1:0"]);
        command.args(args).current_dir(root()).env_remove("MINTAGE_MAX_SKEW");
        if let Some(v) = env {
            command.env("MINTAGE_MAX_SKEW", v);
        }
        command.output().unwrap()
    };
    for (args, env) in [(&["--max-skew", "25h"][..], None), (&[][..], Some("25h"))] {
        let out = serve(args, env);
        assert_eq!(out.status.code(), Some(2), "{args:?} {env:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("too long: at most `24h`"), "{stderr}");
    }
    let help = std::process::Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--max-skew") && help.contains("MINTAGE_MAX_SKEW"),
        "{help}"
    );
}

// ---- times that could not be written back

#[tokio::test]
async fn times_out_of_range_are_invalid_fields_everywhere() {
    let s = Service::seed_rules();
    for (at, field) in [("9999-12-31T23:59:59Z", "at"), ("0001-01-01T00:00:00Z", "at")] {
        let answer = s.post("/v1/decide", &s.decide, &view("e-1", at)).await;
        assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{at}: {}", answer.1);
        assert_eq!(answer.1["error"]["field"], field);
        let message = answer.1["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("out of range: times run from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z (UTC)"),
            "{message}"
        );
    }
    let mut old_user = view("e-2", "2026-11-02T10:00:00+08:00");
    old_user["user"]["registered_at"] = json!("1969-12-31T23:59:59Z");
    let answer = s.post("/v1/decide", &s.decide, &old_user).await;
    assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "user.registered_at");

    // A bad time is the same mistake on every route.
    let order = |at: &str| {
        json!({"code": "MNT-X", "at": at,
            "order": {"id": "o-1", "buyer_id": "u-ann", "items": [{"id": "i-9", "price": 600}]}})
    };
    for at in ["today", "9999-12-31T23:59:59Z"] {
        let answer = s.post("/v1/redeem", &s.redeem, &order(at)).await;
        assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{at}: {}", answer.1);
        let answer = s.post("/v1/decide", &s.decide, &view("e-3", at)).await;
        assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{at}: {}", answer.1);
    }
}

// ---- bodies as strict as the document

#[tokio::test]
async fn an_array_is_not_an_object() {
    let s = Service::seed_rules();
    let cases = [
        ("/v1/commit", &s.redeem, json!(["o-x"]), None),
        ("/v1/rollback", &s.redeem, json!(["o-x"]), None),
        (
            "/v1/decide",
            &s.decide,
            json!(["e-1", "tick", "2026-11-02T10:00:00+08:00"]),
            None,
        ),
        (
            "/v1/redeem",
            &s.redeem,
            json!({"code": "MNT-X", "order": ["o-1", "u-ann", [{"id": "i-9", "price": 600}]]}),
            Some("order"),
        ),
        (
            "/v1/redeem",
            &s.redeem,
            json!({"code": "MNT-X", "order": {"id": "o-1", "buyer_id": "u-ann", "items": [["i-9", null, 600]]}}),
            Some("order.items[0]"),
        ),
        (
            "/v1/decide",
            &s.decide,
            json!({"id": "e-1", "type": "add_to_cart", "at": "2026-11-02T10:00:00+08:00", "user": {"id": "u-ann"}, "cart": [[], 600]}),
            Some("cart"),
        ),
    ];
    for (path, key, body, field) in cases {
        let answer = s.post(path, key, &body).await;
        assert_eq!(
            status_and_code(&answer),
            (400, "invalid_field"),
            "{path} {body}: {}",
            answer.1
        );
        assert_eq!(
            answer.1["error"]["field"].as_str(),
            field,
            "{path} {body}: {}",
            answer.1
        );
        let message = answer.1["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("wrong type: array, expected an object"),
            "{message}"
        );
    }
    let (_, answer) = s
        .call(
            "GET",
            "/v1/campaigns/new_user_ladder/stats",
            Some(&s.decide),
            Body::empty(),
        )
        .await;
    assert_eq!(answer["redeemed"], 0, "nothing was committed: {answer}");
}

#[tokio::test]
async fn null_is_refused_where_the_document_does_not_allow_it() {
    let s = Service::seed_rules();
    let event = view("e-1", "2026-11-02T10:00:00+08:00");
    for field in [
        "user", "item", "cart", "scores", "name", "key", "value", "code", "order_id", "id", "at",
    ] {
        let mut body = event.clone();
        body[field] = Value::Null;
        let answer = s.post("/v1/decide", &s.decide, &body).await;
        assert_eq!(
            status_and_code(&answer),
            (400, "invalid_field"),
            "{field}: {}",
            answer.1
        );
        assert_eq!(answer.1["error"]["field"], field, "{}", answer.1);
    }
    // The fields of `user` and `item` may be null, as the contract's own example has it.
    let mut body = view("e-2", "2026-11-02T10:00:00+08:00");
    body["user"]["last_order_at"] = Value::Null;
    body["item"]["stock_age_days"] = Value::Null;
    let (status, answer) = s.post("/v1/decide", &s.decide, &body).await;
    assert_eq!(status, 200, "{answer}");

    let order = json!({"code": "MNT-X", "stage": null,
        "order": {"id": "o-1", "buyer_id": "u-ann", "items": [{"id": "i-9", "price": 600}]}});
    let answer = s.post("/v1/redeem", &s.redeem, &order).await;
    assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "stage");
    let mut order = order;
    order["stage"] = json!("commit");
    order["order"]["items"][0]["qty"] = Value::Null;
    let answer = s.post("/v1/redeem", &s.redeem, &order).await;
    assert_eq!(answer.1["error"]["field"], "order.items[0].qty", "{}", answer.1);
}

#[tokio::test]
async fn a_missing_user_id_is_named_once() {
    let s = Service::seed_rules();
    let mut body = view("e-1", "2026-11-02T10:00:00+08:00");
    body["user"] = json!({"paid_orders": 0});
    let answer = s.post("/v1/decide", &s.decide, &body).await;
    assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "user.id", "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("missing required field `id`")
    );
}

#[tokio::test]
async fn ids_are_not_empty() {
    let s = Service::seed_rules();
    let event = view("e-1", "2026-11-02T10:00:00+08:00");
    for (pointer, field) in [("/id", "id"), ("/type", "type"), ("/user/id", "user.id")] {
        let mut body = event.clone();
        *body.pointer_mut(pointer).unwrap() = json!("");
        let answer = s.post("/v1/decide", &s.decide, &body).await;
        assert_eq!(
            status_and_code(&answer),
            (400, "invalid_field"),
            "{field}: {}",
            answer.1
        );
        assert_eq!(answer.1["error"]["field"], field);
    }
    let order = json!({"code": "", "order": {"id": "o-1", "buyer_id": "u-ann", "items": [{"id": "", "price": 600}]}});
    let answer = s.post("/v1/redeem", &s.redeem, &order).await;
    assert_eq!(answer.1["error"]["field"], "code", "{}", answer.1);
    let mut order = order;
    order["code"] = json!("MNT-X");
    let answer = s.post("/v1/redeem", &s.redeem, &order).await;
    assert_eq!(answer.1["error"]["field"], "order.items[0].id", "{}", answer.1);
    for (path, body, field) in [
        ("/v1/commit", json!({"order_id": ""}), "order_id"),
        ("/v1/rollback", json!({"order_id": "o-1", "code": ""}), "code"),
    ] {
        let answer = s.post(path, &s.redeem, &body).await;
        assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{path}: {}", answer.1);
        assert_eq!(answer.1["error"]["field"], field);
    }
}

#[tokio::test]
async fn orders_stay_within_their_bounds() {
    let s = Service::seed_rules();
    let order = |item: Value| json!({"code": "MNT-X", "order": {"id": "o-1", "buyer_id": "u-ann", "items": [item]}});
    for (item, field) in [
        (json!({"id": "i-9", "price": 600, "qty": 100_001}), "order.items[0].qty"),
        (json!({"id": "i-9", "price": 100_000_000.01}), "order.items[0].price"),
        (
            json!({"id": "i-9", "price": 600, "qty": 4_294_967_295u32}),
            "order.items[0].qty",
        ),
    ] {
        let answer = s.post("/v1/redeem", &s.redeem, &order(item.clone())).await;
        assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{item}: {}", answer.1);
        assert_eq!(answer.1["error"]["field"], field);
    }
    let many: Vec<Value> = (0..1001).map(|i| json!({"id": format!("i-{i}"), "price": 1})).collect();
    let body = json!({"code": "MNT-X", "order": {"id": "o-1", "buyer_id": "u-ann", "items": many}});
    let answer = s.post("/v1/redeem", &s.redeem, &body).await;
    assert_eq!(answer.1["error"]["field"], "order.items", "{}", answer.1);
    let typo = json!({"code": "MNT-X", "stgae": "reserve",
        "order": {"id": "o-1", "buyer_id": "u-ann", "items": [{"id": "i-9", "price": 600}]}});
    let answer = s.post("/v1/redeem", &s.redeem, &typo).await;
    assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "stgae", "an unknown field is not ignored");
}

#[tokio::test]
async fn bodies_must_say_they_are_json() {
    let s = Service::seed_rules();
    let event = view("e-1", "2026-11-02T10:00:00+08:00").to_string();
    for media in [
        None,
        Some("text/plain"),
        Some("application/json; charset=latin1"),
        Some("application/x-ndjson"),
    ] {
        let answer = s.call_as("/v1/decide", &s.decide, media, event.clone()).await;
        assert_eq!(
            status_and_code(&answer),
            (415, "unsupported_media_type"),
            "{media:?}: {}",
            answer.1
        );
    }
    for media in ["application/json", "Application/JSON; charset=UTF-8"] {
        let (status, answer) = s.call_as("/v1/decide", &s.decide, Some(media), event.clone()).await;
        assert_eq!(status, 200, "{media}: {answer}");
    }
    let answer = s
        .call_as("/v1/commit", &s.redeem, Some("text/plain"), r#"{"order_id": "o-1"}"#)
        .await;
    assert_eq!(answer.0, 415);
    // A JSON array must be sent as JSON, JSON lines as JSON lines.
    let (status, answers) = s
        .call_as("/v1/events", &s.decide, Some("application/x-ndjson"), event.clone())
        .await;
    assert_eq!(status, 200, "{answers}");
    let answer = s
        .call_as("/v1/events", &s.decide, Some("application/json"), event.clone())
        .await;
    assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expected a sequence"),
        "{}",
        answer.1
    );
}

#[tokio::test]
async fn an_empty_batch_body_is_an_error() {
    let s = Service::seed_rules();
    for media in ["application/json", "application/x-ndjson"] {
        for body in ["", "\n  \n"] {
            let answer = s.call_as("/v1/events", &s.decide, Some(media), body).await;
            assert_eq!(
                status_and_code(&answer),
                (400, "malformed_json"),
                "{media} {body:?}: {}",
                answer.1
            );
            assert!(
                answer.1["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with("the body is empty")
            );
        }
    }
    let answer = s.call_as("/v1/decide", &s.decide, Some("application/json"), "").await;
    assert_eq!(status_and_code(&answer), (400, "malformed_json"), "{}", answer.1);
    let (status, answers) = s.post("/v1/events", &s.decide, &json!([])).await;
    assert_eq!(
        (status.as_u16(), answers),
        (200, json!([])),
        "an empty array is an empty batch"
    );
}

#[tokio::test]
async fn text_holds_no_nul_character() {
    let s = Service::seed_rules();
    let body = view("e-1", "2026-11-02T10:00:00+08:00")
        .to_string()
        .replace("\"u-ann\"", "\"u-\\u0000ann\"");
    let answer = s.call("POST", "/v1/decide", Some(&s.decide), body).await;
    assert_eq!(status_and_code(&answer), (400, "invalid_field"), "{}", answer.1);
    assert_eq!(answer.1["error"]["field"], "user.id", "{}", answer.1);
    // An escaped backslash before `u0000` is no NUL.
    let body = view("e-2", "2026-11-02T10:00:00+08:00")
        .to_string()
        .replace("\"i-9\"", "\"i-\\\\u0000\"");
    let (status, answer) = s.call("POST", "/v1/decide", Some(&s.decide), body).await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn paths_and_methods_are_answered_as_documented() {
    let s = Service::seed_rules();
    let answer = s.call("GET", "/v1/coupons/%FF", Some(&s.redeem), Body::empty()).await;
    assert_eq!(status_and_code(&answer), (400, "bad_path"), "{}", answer.1);
    let (status, headers, text) = s
        .exchange("PATCH", "/v1/decide", Some(&s.admin), None, Body::empty())
        .await;
    assert_eq!(status, 405, "{text}");
    assert_eq!(headers.get(header::ALLOW).and_then(|v| v.to_str().ok()), Some("POST"));
}

// ---- the document as precise as the server

fn document() -> Value {
    serde_json::from_str(mintage::service::openapi::DOCUMENT).unwrap()
}

/// The schema a `$ref` names.
fn schema<'a>(doc: &'a Value, name: &str) -> &'a Value {
    let s = &doc["components"]["schemas"][name];
    assert!(s.is_object(), "no schema {name}");
    s
}

/// A JSON value's keys fit an object schema: it names each of them, and each it requires
/// is there; it allows no others.
fn fits(doc: &Value, name: &str, value: &Value) {
    let s = schema(doc, name);
    assert_eq!(s["additionalProperties"], false, "{name} is not typed");
    let properties = s["properties"].as_object().unwrap();
    let object = value.as_object().unwrap_or_else(|| panic!("{name}: {value}"));
    for key in object.keys() {
        assert!(properties.contains_key(key), "{name} does not name `{key}`: {value}");
    }
    for key in s["required"].as_array().into_iter().flatten() {
        assert!(
            object.contains_key(key.as_str().unwrap()),
            "{name} requires {key}: {value}"
        );
    }
}

#[tokio::test]
async fn decisions_and_coupons_have_typed_schemas() {
    let doc = document();
    let s = Service::seed_rules();
    let lines = scenarios::events("ladder_welcome_then_nudge");
    let (_, answers) = s.lines(&s.admin, &lines).await;
    let fired = &answers[3]["outcome"];
    fits(&doc, "DecideOutcome", fired);
    fits(&doc, "Decided", &fired["fired"][0]);
    let decision = &fired["fired"][0]["decision"];
    fits(&doc, "Decision", decision);
    fits(&doc, "Coupon", &decision["coupons"][0]);
    fits(&doc, "Funding", &decision["coupons"][0]["funding"]);
    fits(&doc, "Revocation", &decision["revoked"][0]);
    let code = decision["coupons"][0]["code"].as_str().unwrap();
    let (_, view) = s
        .call("GET", &format!("/v1/coupons/{code}"), Some(&s.redeem), Body::empty())
        .await;
    fits(&doc, "CouponView", &view);
    fits(&doc, "Coupon", &view["coupon"]);
    let answer = s.post("/v1/decide", &s.decide, &json!({"id": ""})).await;
    fits(&doc, "Error", &answer.1);
    fits(&doc, "ErrorBody", &answer.1["error"]);
    let codes = schema(&doc, "ErrorBody")["properties"]["code"]["enum"]
        .as_array()
        .unwrap();
    assert!(codes.contains(&json!(error_code(&answer.1))));
}

#[test]
fn the_document_takes_the_media_types_and_answers_the_statuses_of_the_routes() {
    let doc = document();
    for route in mintage::service::routes() {
        let method = route.method.as_str().to_lowercase();
        let operation = &doc["paths"][route.path][&method];
        let name = format!("{} {}", route.method, route.path);
        let mut documented: Vec<&str> = operation["requestBody"]["content"]
            .as_object()
            .map(|c| c.keys().map(String::as_str).collect())
            .unwrap_or_default();
        documented.sort_unstable();
        let mut served: Vec<&str> = route.media.iter().map(|m| m.mime()).collect();
        served.sort_unstable();
        assert_eq!(documented, served, "{name}: media types");
        let statuses = operation["responses"].as_object().unwrap();
        let mut wanted = vec!["200", "405"];
        if !route.media.is_empty() {
            wanted.extend(["400", "413", "415"]);
        }
        if route.path.contains('{') {
            wanted.push("400");
        }
        if route.access != mintage::service::auth::Access::Open {
            wanted.extend(["401", "403", "500", "503"]);
        }
        for status in wanted {
            assert!(statuses.contains_key(status), "{name} does not document {status}");
        }
        for parameter in operation["parameters"].as_array().into_iter().flatten() {
            if parameter["in"] == "path" {
                assert_eq!(parameter["schema"]["minLength"], 1, "{name}: {parameter}");
            }
        }
    }
    for (name, fields) in [
        ("Event", &["id", "type"][..]),
        ("User", &["id"][..]),
        ("Order", &["id", "buyer_id"][..]),
        ("OrderItem", &["id"][..]),
        ("RedeemRequest", &["code"][..]),
        ("CommitRequest", &["order_id"][..]),
        ("RollbackRequest", &["order_id", "code"][..]),
    ] {
        for field in fields {
            assert_eq!(
                schema(&doc, name)["properties"][field]["minLength"],
                1,
                "{name}.{field}"
            );
        }
    }
}

#[test]
fn the_page_and_the_document_list_the_same_error_codes() {
    let doc = document();
    let mut documented: Vec<String> = schema(&doc, "ErrorBody")["properties"]["code"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    documented.sort();
    let page = std::fs::read_to_string(root().join("docs/service.md")).unwrap();
    let table = &page[page.find("| status | `code` | when |").unwrap()..];
    let table = &table[..table.find("\n\n").unwrap()];
    let mut listed: Vec<String> = table
        .lines()
        .skip(2)
        .flat_map(|row| {
            row.split('|')
                .nth(2)
                .unwrap_or_default()
                .split(',')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .map(|c| c.trim().trim_matches('`').to_string())
        .collect();
    listed.sort();
    assert_eq!(
        listed, documented,
        "docs/service.md's table and openapi.json's ErrorBody.code"
    );
}
