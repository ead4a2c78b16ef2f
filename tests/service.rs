//! The service end to end, in process: the real router over a real ledger (SQLite in
//! memory) with the seed rules, called through `tower::ServiceExt::oneshot`. The examples
//! of `docs/service.md` (then `docs/service-errors.md`) run here too, in order, against one service.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/scenarios.rs"]
mod scenarios;
#[path = "support/service.rs"]
mod service;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mintage::ledger::{Ledger, LedgerOptions};
use mintage::service::reload::Reloader;
use mintage::service::{AppState, openapi, routes};
use serde_json::{Value, json};
use service::{Service, error_code, ms, root};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tower::ServiceExt;

#[tokio::test]
async fn health_is_open_and_keys_guard_the_rest() {
    let s = Service::seed_rules();
    let (status, body) = s.call("GET", "/health", None, Body::empty()).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");

    let event = scenarios::events("ladder_welcome_then_nudge").remove(0);
    let (status, text) = s.send("POST", "/v1/decide", None, event.clone()).await;
    assert_eq!(status, 401, "{text}");
    let (status, body) = s.call("POST", "/v1/decide", Some("mk_not_a_key"), event.clone()).await;
    assert_eq!((status, error_code(&body)), (StatusCode::UNAUTHORIZED, "unauthorized"));
    let (status, body) = s.call("POST", "/v1/decide", Some(&s.redeem), event.clone()).await;
    assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, body) = s.call("POST", "/v1/admin/reload", Some(&s.decide), Body::empty()).await;
    assert_eq!((status, error_code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    let (status, _) = s.send("GET", "/metrics", Some(&s.redeem), Body::empty()).await;
    assert_eq!(status, 403);

    // `admin` may call everything.
    let (status, _) = s.call("POST", "/v1/decide", Some(&s.admin), event).await;
    assert_eq!(status, 200);
    let metrics = s.metrics().await;
    assert!(
        metrics.contains("mintage_http_requests_total{route=\"/v1/decide\",status=\"401\"} 2"),
        "{metrics}"
    );
}

#[tokio::test]
async fn the_bearer_challenge_is_sent() {
    let s = Service::seed_rules();
    let request = Request::builder()
        .method("GET")
        .uri("/v1/rules")
        .body(Body::empty())
        .unwrap();
    let response = s.app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 401);
    assert_eq!(response.headers()[header::WWW_AUTHENTICATE], "Bearer");
}

#[tokio::test]
async fn bad_bodies_name_the_field() {
    let s = Service::seed_rules();
    let key = s.decide.clone();
    let cases = [
        (
            r#"{"id": "e-1", "type": "view_item", "at": "2026-11-02T10:00:00+08:00", "user": {"id": "u-1", "paid_orders": "many"}}"#,
            "invalid_field",
            "user.paid_orders",
        ),
        (r#"{"id": "e-1", "type": "view_item"}"#, "invalid_field", "at"),
        (
            r#"{"id": "e-1", "type": "view_item", "at": "soon", "user": {"id": "u-1"}}"#,
            "invalid_field",
            "at",
        ),
        (
            r#"{"id": "e-1", "type": "view_item", "at": "2026-11-02T10:00:00+08:00"}"#,
            "invalid_field",
            "user",
        ),
        ("{\n  \"id\": \"e-1\",\n  \"type\": \n}", "malformed_json", "type"),
    ];
    for (body, code, field) in cases {
        let (status, answer) = s.call("POST", "/v1/decide", Some(&key), body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(error_code(&answer), code, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    let (_, answer) = s
        .call(
            "POST",
            "/v1/decide",
            Some(&key),
            "{\n  \"id\": \"e-1\",\n  \"type\": \n}",
        )
        .await;
    assert_eq!(
        (answer["error"]["line"].as_u64(), answer["error"]["column"].as_u64()),
        (Some(4), Some(1))
    );

    let (status, answer) = s.call("POST", "/v1/decide", Some(&key), vec![b'{', 0xff, b'}']).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );

    let order = json!({"code": "MNT-1", "order": {"id": "o-1", "buyer_id": "u-1",
        "items": [{"id": "i-1", "price": 10, "colour": "red"}]}});
    let (status, answer) = s.post("/v1/redeem", &s.redeem, &order).await;
    assert_eq!(status, 400, "{answer}");
    assert_eq!(answer["error"]["field"], "order.items[0].colour");
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let s = Service::seed_rules();
    let event = scenarios::events("ladder_welcome_then_nudge").remove(0);
    let padded = format!("{event}{}", " ".repeat(mintage::service::SINGLE_LIMIT));
    let (status, answer) = s.call("POST", "/v1/decide", Some(&s.decide), padded).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );

    // A batch may be larger.
    let batch = format!("[{event}{}]", " ".repeat(2 * mintage::service::SINGLE_LIMIT));
    let (status, answer) = s.call("POST", "/v1/events", Some(&s.decide), batch).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer.as_array().map(Vec::len), Some(1));
    let over = " ".repeat(mintage::service::BATCH_LIMIT + 1);
    let (status, _) = s
        .call_as("/v1/events", &s.decide, Some("application/x-ndjson"), over)
        .await;
    assert_eq!(status, 413);
}

#[tokio::test]
async fn decide_issues_and_a_retry_returns_the_first_answer() {
    let s = Service::seed_rules();
    let event = scenarios::events("ladder_welcome_then_nudge").remove(0);
    let (status, first) = s.call("POST", "/v1/decide", Some(&s.decide), event.clone()).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["replayed"], false);
    assert_eq!(first["rules_version"], s.state.reloader.version());
    assert!(first["decision_id"].as_str().unwrap().starts_with("d-"));
    let coupon = &first["decision"]["coupons"][0];
    assert_eq!(
        (coupon["campaign"].as_str(), coupon["rule"].as_str()),
        (Some("new_user_ladder"), Some("welcome"))
    );
    assert_eq!(coupon["amount"], 10);
    let code = coupon["code"].as_str().unwrap().to_string();

    let (status, again) = s.call("POST", "/v1/decide", Some(&s.decide), event).await;
    assert_eq!(status, 200);
    assert_eq!(again["replayed"], true);
    assert_eq!(again["decision_id"], first["decision_id"]);
    assert_eq!(again["decision"]["coupons"][0]["code"], code.as_str());

    let metrics = s.metrics().await;
    assert!(
        metrics.contains("mintage_coupons_issued_total{campaign=\"new_user_ladder\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mintage_decisions_total{trigger=\"event\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("mintage_decision_latency_seconds_count 2\n"),
        "{metrics}"
    );

    let (status, view) = s
        .call("GET", &format!("/v1/coupons/{code}"), Some(&s.redeem), Body::empty())
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(
        (view["user_id"].as_str(), view["status"].as_str()),
        (Some("u-ann"), Some("issued"))
    );
    assert_eq!(view["decision_id"], first["decision_id"]);
    let typed = code.to_lowercase().replace('-', "");
    let (status, _) = s
        .call("GET", &format!("/v1/coupons/{typed}"), Some(&s.redeem), Body::empty())
        .await;
    assert_eq!(status, 200, "codes are found as a person may type them");
    let (_, wallet) = s
        .call("GET", "/v1/users/u-ann/wallet", Some(&s.decide), Body::empty())
        .await;
    assert_eq!(wallet["coupons"][0]["code"], code.as_str(), "{wallet}");
    let (status, stats) = s
        .call(
            "GET",
            "/v1/campaigns/new_user_ladder/stats",
            Some(&s.decide),
            Body::empty(),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(stats["issued"], 1, "{stats}");
}

#[tokio::test]
async fn unknown_things_are_json_404s() {
    let s = Service::seed_rules();
    let (status, body) = s
        .call("GET", "/v1/campaigns/nope/stats", Some(&s.decide), Body::empty())
        .await;
    assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "unknown_campaign"));
    let (status, body) = s
        .call("GET", "/v1/coupons/MNT-NOPE", Some(&s.redeem), Body::empty())
        .await;
    assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "unknown_coupon"));
    let (status, body) = s.call("GET", "/v2/anything", Some(&s.admin), Body::empty()).await;
    assert_eq!((status, error_code(&body)), (StatusCode::NOT_FOUND, "no_route"));
    let (status, body) = s.call("GET", "/v1/decide", Some(&s.admin), Body::empty()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

#[tokio::test]
async fn a_batch_answers_every_element_in_order() {
    let s = Service::seed_rules();
    let mut lines = scenarios::events("ladder_welcome_then_nudge");
    lines.insert(1, "{\"id\": \"broken\", ".to_string());
    // The scenario ends with a `tick`, which needs `admin`.
    let (status, answers) = s.lines(&s.admin, &lines).await;
    assert_eq!(status, 200, "{answers}");
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 5);
    for (i, a) in answers.iter().enumerate() {
        assert_eq!(a["index"], i);
    }
    assert_eq!(error_code(&json!({"error": answers[1]["error"]})), "malformed_json");
    assert_eq!(answers[1]["line"], 2);
    assert_eq!(answers[0]["outcome"]["decision"]["coupons"][0]["rule"], "welcome");
    // The tick fires the cart nudge, which revokes the welcome coupon.
    let fired = &answers[4]["outcome"]["fired"][0]["decision"];
    assert_eq!(fired["trigger"], "timer", "{}", answers[4]);
    assert_eq!(fired["coupons"][0]["rule"], "cart_nudge");
    assert_eq!(fired["revoked"][0]["reason"], "upgraded");

    // A JSON array works the same; an element without a user is refused alone.
    let array = json!([
        {"id": "t-1", "type": "tick", "at": "2026-11-02T13:00:00+08:00"},
        {"id": "v-1", "type": "view_item", "at": "2026-11-02T13:00:00+08:00"}
    ]);
    let (_, answers) = s.post("/v1/events", &s.admin, &array).await;
    assert!(answers[0]["outcome"].is_object(), "{answers}");
    assert_eq!(answers[1]["error"]["field"], "user");
}

/// The scenario's coupons: the welcome (revoked by then) and the cart nudge.
async fn welcome_and_nudge(s: &Service) -> (String, String) {
    let lines = scenarios::events("ladder_welcome_then_nudge");
    let (_, answers) = s.lines(&s.admin, &lines).await;
    let welcome = answers[0]["outcome"]["decision"]["coupons"][0]["code"]
        .as_str()
        .unwrap();
    let nudge = answers[3]["outcome"]["fired"][0]["decision"]["coupons"][0]["code"].as_str();
    (
        welcome.to_string(),
        nudge.unwrap_or_else(|| panic!("{answers}")).to_string(),
    )
}

fn order(code: &str, id: &str, buyer: &str, price: f64) -> Value {
    json!({"code": code, "order": {"id": id, "buyer_id": buyer,
        "items": [{"id": "i-shoes-5", "category": "shoes", "price": price, "seller_id": "s-1"}]}})
}

#[tokio::test]
async fn redemptions_answer_with_a_settlement_or_a_reason() {
    let s = Service::seed_rules();
    let (welcome, nudge) = welcome_and_nudge(&s).await;
    let unknown = mintage::runtime::codes::CodeMinter::seeded(987_654).mint();
    let refusals = [
        (order(&welcome, "o-1", "u-ann", 600.0), "revoked"),
        (order(&nudge, "o-2", "u-bob", 600.0), "not_owner"),
        (order(&nudge, "o-3", "u-ann", 100.0), "min_spend"),
        (order("MNT-AAAA-AAAA-AAAA-A", "o-4", "u-ann", 600.0), "invalid_code"),
        (order(&unknown, "o-5", "u-ann", 600.0), "unknown_code"),
    ];
    for (request, reason) in &refusals {
        let (status, answer) = s.post("/v1/redeem", &s.redeem, request).await;
        assert_eq!(status, 200, "{answer}");
        assert_eq!(
            (answer["accepted"].as_bool(), answer["reason"].as_str()),
            (Some(false), Some(*reason)),
            "{answer}"
        );
    }

    let paid = order(&nudge, "o-6", "u-ann", 600.0);
    let (_, answer) = s.post("/v1/redeem", &s.redeem, &paid).await;
    assert_eq!(answer["accepted"], true, "{answer}");
    assert_eq!(
        answer["settlement"],
        json!({"discount": 30, "platform": 30, "seller": 0, "sellers": []})
    );
    let (_, again) = s.post("/v1/redeem", &s.redeem, &paid).await;
    assert_eq!(
        (again["accepted"].as_bool(), again["replayed"].as_bool()),
        (Some(true), Some(true)),
        "{again}"
    );
    let (_, other) = s
        .post("/v1/redeem", &s.redeem, &order(&nudge, "o-7", "u-ann", 600.0))
        .await;
    assert_eq!(other["reason"], "already_redeemed", "{other}");

    let metrics = s.metrics().await;
    assert!(metrics.contains("mintage_redemptions_total{outcome=\"rejected\",reason=\"min_spend\"} 1\n"));
    assert!(
        metrics.contains("mintage_redemptions_total{outcome=\"accepted\",reason=\"\"} 2\n"),
        "{metrics}"
    );
}

#[tokio::test]
async fn bad_orders_are_400_before_the_ledger() {
    let s = Service::seed_rules();
    let cases = [
        (order("MNT-X", "o-1", "u-ann", 1.005), "order.items[0].price"),
        (order("MNT-X", "o-1", "u-ann", -1.0), "order.items[0].price"),
        (order("MNT-X", "", "u-ann", 1.0), "order.id"),
        (
            json!({"code": "MNT-X", "at": "today", "order": {"id": "o", "buyer_id": "u", "items": [{"id": "i", "price": 1}]}}),
            "at",
        ),
    ];
    for (request, field) in cases {
        let (status, answer) = s.post("/v1/redeem", &s.redeem, &request).await;
        assert_eq!(status, 400, "{answer}");
        assert_eq!(answer["error"]["field"], field, "{answer}");
    }
    let (status, answer) = s.post("/v1/commit", &s.redeem, &json!({"order": "o-1"})).await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("order"))
    );
}

#[tokio::test]
async fn reserve_then_rollback_or_commit() {
    let s = Service::seed_rules();
    let (_, nudge) = welcome_and_nudge(&s).await;
    let mut held = order(&nudge, "o-1", "u-ann", 600.0);
    held["stage"] = json!("reserve");
    let (_, answer) = s.post("/v1/redeem", &s.redeem, &held).await;
    assert_eq!(
        (answer["accepted"].as_bool(), answer["status"].as_str()),
        (Some(true), Some("reserved")),
        "{answer}"
    );

    let (status, answer) = s.post("/v1/rollback", &s.redeem, &json!({"order_id": "o-1"})).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        json!({"order_id": "o-1", "coupons": [{"code": nudge, "status": "issued"}]})
    );

    held["order"]["id"] = json!("o-2");
    s.post("/v1/redeem", &s.redeem, &held).await;
    let (_, answer) = s.post("/v1/commit", &s.redeem, &json!({"order_id": "o-2"})).await;
    assert_eq!(
        answer,
        json!({"order_id": "o-2", "coupons": [{"code": nudge, "status": "redeemed"}]})
    );
}

#[tokio::test]
async fn the_ticker_fires_due_timers() {
    let s = Service::seed_rules();
    let lines = scenarios::events("ladder_welcome_then_nudge");
    for line in &lines[..2] {
        let (status, _) = s.call("POST", "/v1/decide", Some(&s.decide), line.clone()).await;
        assert_eq!(status, 200);
    }
    s.clock.store(ms("2026-11-02T12:10:00+08:00"), Ordering::SeqCst);
    let fired = mintage::service::server::tick_once(&s.state).await.unwrap();
    assert_eq!(fired, 1);
    assert!(
        s.metrics()
            .await
            .contains("mintage_decisions_total{trigger=\"timer\"} 1\n")
    );
    assert_eq!(mintage::service::server::tick_once(&s.state).await.unwrap(), 0);
}

/// The seed rules copied to a folder of their own, which the test may break.
fn rules_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-service-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
    }
    dir
}

#[tokio::test]
async fn a_broken_reload_keeps_the_old_rules_and_reports_why() {
    let dir = rules_copy("reload");
    let s = Service::new(std::slice::from_ref(&dir));
    let before = s.state.reloader.version();
    assert!(!s.state.reloader.files_changed());

    std::fs::write(
        dir.join("broken.mint"),
        "campaign broken {\n  window 2026-11-01 .. nonsense\n}\n",
    )
    .unwrap();
    assert!(s.state.reloader.files_changed(), "the watcher sees the new file");
    let (status, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(
        (status, error_code(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, "rules_invalid"),
        "{answer}"
    );
    let diagnostics = answer["error"]["reload"]["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics
            .iter()
            .any(|d| d["severity"] == "error" && d["file"].as_str().unwrap().ends_with("broken.mint")),
        "{answer}"
    );

    let (_, rules) = s.call("GET", "/v1/rules", Some(&s.decide), Body::empty()).await;
    assert_eq!(rules["version"], before.as_str());
    assert_eq!(rules["last_reload"]["result"], "failed");
    assert!(!rules["last_reload"]["diagnostics"].as_array().unwrap().is_empty());
    let event = scenarios::events("ladder_welcome_then_nudge").remove(0);
    let (_, decided) = s.call("POST", "/v1/decide", Some(&s.decide), event).await;
    assert_eq!(decided["rules_version"], before.as_str(), "old rules still decide");

    std::fs::remove_file(dir.join("broken.mint")).unwrap();
    let ladder = dir.join("new_user_ladder.mint");
    let text = std::fs::read_to_string(&ladder).unwrap();
    std::fs::write(&ladder, format!("{text}\n# reviewed\n")).unwrap();
    let (status, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["result"], "reloaded");
    let after = s.state.reloader.version();
    assert_ne!(after, before);
    assert_eq!(answer["version"], after.as_str());
    let (_, answer) = s.call("POST", "/v1/admin/reload", Some(&s.admin), Body::empty()).await;
    assert_eq!(answer["result"], "unchanged");
    let event = scenarios::events("ladder_welcome_then_nudge")[0].replace("\"lad-1\"", "\"lad-1-after-reload\"");
    let (_, decided) = s.call("POST", "/v1/decide", Some(&s.decide), event).await;
    assert_eq!(decided["rules_version"], after.as_str());

    let metrics = s.metrics().await;
    for result in ["failed", "reloaded", "unchanged"] {
        assert!(
            metrics.contains(&format!("mintage_rules_reloads_total{{result=\"{result}\"}} 1\n")),
            "{metrics}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes() {
    let documented = openapi::operations(openapi::DOCUMENT).unwrap();
    let mut served = std::collections::BTreeMap::new();
    for route in routes() {
        let scopes: Vec<String> = match route.access {
            mintage::service::auth::Access::Open => Vec::new(),
            mintage::service::auth::Access::AnyOf(scopes) => {
                let mut s: Vec<String> = scopes.iter().map(|s| s.as_str().to_string()).collect();
                s.push("admin".into());
                s.sort();
                s.dedup();
                s
            }
        };
        served.insert((route.method.to_string(), route.path.to_string()), scopes);
    }
    assert_eq!(
        documented, served,
        "docs/openapi.json and the router differ (method, path → scopes)"
    );

    let s = Service::seed_rules();
    let (status, doc) = s.call("GET", "/openapi.json", None, Body::empty()).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    // Every `$ref` points at a schema that exists.
    let text = openapi::DOCUMENT;
    for piece in text.split("\"#/components/schemas/").skip(1) {
        let name = &piece[..piece.find('"').unwrap()];
        assert!(doc["components"]["schemas"][name].is_object(), "missing schema {name}");
    }
}

#[tokio::test]
async fn a_ledger_without_keys_gets_one_admin_key() {
    let (reloader, versioned) = Reloader::start(vec![root().join("rules")], 0).unwrap();
    let ledger = Ledger::open("sqlite::memory:", versioned, LedgerOptions::default()).unwrap();
    let state = AppState::new(Arc::new(ledger), reloader, mintage::service::system_clock());
    mintage::service::server::ensure_admin_key(&state).await.unwrap();
    mintage::service::server::ensure_admin_key(&state).await.unwrap();
    assert_eq!(state.ledger.key_count().unwrap(), 1);
}

#[test]
fn the_served_version_covers_the_default_zone() {
    let rules = || vec![root().join("rules")];
    let (here, versioned) = Reloader::start(rules(), 0).unwrap();
    let (utc, _) = Reloader::start_in_zone(rules(), chrono_tz::UTC, 0).unwrap();
    assert_eq!(versioned.version, here.version());
    assert_ne!(here.version(), utc.version(), "the same files in another zone");
    let (again, _) = Reloader::start_in_zone(rules(), mintage::value::DEFAULT_ZONE, 0).unwrap();
    assert_eq!(here.version(), again.version());
}

// ---- docs/service.md: every request in it runs, and its answer is what the page shows.

/// ```http blocks: a request (`METHOD /path`, headers, blank line, body) or an answer
/// (`HTTP/1.1 STATUS`, headers, blank line, body), with the line they start on.
fn http_blocks(text: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.trim_end()) {
            (None, "```http") => current = Some((String::new(), i + 1)),
            (Some(_), "```") => out.extend(current.take()),
            (Some((body, _)), l) => {
                body.push_str(l);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

/// `expected` with `"…"` matching any value, `"prefix…"` any string that starts so, and
/// a trailing `"…"` element of an array any further elements.
fn matches(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::String(e), _) if e == "…" => true,
        (Value::String(e), Value::String(a)) if e.ends_with('…') => a.starts_with(e.trim_end_matches('…')),
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len() && e.iter().all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av)))
        }
        (Value::Array(e), Value::Array(a)) => {
            let open = e.last().is_some_and(|v| v == "…");
            let fixed = if open { &e[..e.len() - 1] } else { &e[..] };
            (a.len() == fixed.len() || (open && a.len() >= fixed.len()))
                && fixed.iter().zip(a).all(|(ev, av)| matches(ev, av))
        }
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        _ => expected == actual,
    }
}

#[tokio::test]
async fn the_service_page_examples_are_what_the_service_answers() {
    // The errors page goes on where the service page ends, on the same service (its lines
    // are numbered on from the service page's).
    let read = |p: &str| std::fs::read_to_string(root().join(p)).unwrap();
    let text = read("docs/service.md") + read("docs/service-errors.md").as_str();
    assert!(
        !text.contains("```json"),
        "docs/service.md: put JSON in ```http request/answer blocks so that it is run"
    );
    let s = Service::seed_rules();
    let blocks = http_blocks(&text);
    let mut pending: Option<(StatusCode, Value, usize)> = None;
    let mut count = 0;
    for (block, line) in blocks {
        let (head, body) = block.split_once("\n\n").unwrap_or((&block, ""));
        let mut head_lines = head.lines();
        let first = head_lines.next().unwrap_or_default();
        if let Some(status) = first.strip_prefix("HTTP/1.1 ") {
            let (sent_status, answer, sent_at) = pending
                .take()
                .unwrap_or_else(|| panic!("service.md:{line}: an answer without a request"));
            let want: u16 = status.split(' ').next().unwrap().parse().unwrap();
            assert_eq!(sent_status.as_u16(), want, "service.md:{sent_at}: {answer}");
            let want_body: Value = if body.trim().is_empty() {
                Value::Null
            } else {
                serde_json::from_str(body).unwrap_or_else(|e| panic!("service.md:{line}: {e}"))
            };
            assert!(
                matches(&want_body, &answer),
                "service.md:{line}: the page shows\n{want_body:#}\nthe service answers\n{answer:#}"
            );
            count += 1;
            continue;
        }
        let (method, target) = first
            .split_once(' ')
            .unwrap_or_else(|| panic!("service.md:{line}: `{first}`"));
        let (mut key, mut media) = (None, None);
        for h in head_lines {
            if let Some(v) = h.strip_prefix("Authorization: Bearer ") {
                key = Some(match v.trim() {
                    "$ADMIN_KEY" => s.admin.clone(),
                    "$DECIDE_KEY" => s.decide.clone(),
                    "$REDEEM_KEY" => s.redeem.clone(),
                    other => other.to_string(),
                });
            }
            if let Some(v) = h.strip_prefix("Content-Type: ") {
                media = Some(v.trim().to_string());
            }
        }
        if !body.trim().is_empty() && !body.trim_start().starts_with('{') && !body.trim_start().starts_with('[') {
            panic!("service.md:{line}: a request body that is not JSON");
        }
        // The request as the page shows it: a body without its `Content-Type` is refused.
        let (status, _, answer) = s
            .exchange(
                method,
                target.trim_end_matches(" HTTP/1.1"),
                key.as_deref(),
                media.as_deref(),
                body.to_string(),
            )
            .await;
        let answer = serde_json::from_str(&answer).unwrap_or(Value::String(answer));
        pending = Some((status, answer, line));
    }
    assert!(pending.is_none(), "service.md: a request without its answer");
    assert!(count >= 10, "only {count} examples found");
}

#[tokio::test]
async fn the_service_page_names_every_metric() {
    let text = std::fs::read_to_string(root().join("docs/service.md")).unwrap();
    let metrics = Service::seed_rules().metrics().await;
    for line in metrics.lines().filter(|l| l.starts_with("# TYPE ")) {
        let name = line.split(' ').nth(2).unwrap();
        assert!(
            text.contains(&format!("`{name}`")),
            "docs/service.md does not name `{name}`"
        );
    }
}

#[test]
fn the_page_matcher_is_strict_where_the_page_is_literal() {
    let page = json!({"a": "d-…", "b": [1, "…"], "c": "…"});
    assert!(matches(&page, &json!({"a": "d-42", "b": [1, 2, 3], "c": {"x": 1}})));
    assert!(!matches(&page, &json!({"a": "e-42", "b": [1], "c": 1})));
    assert!(!matches(&page, &json!({"a": "d-1", "b": [2], "c": 1})));
    assert!(!matches(&page, &json!({"a": "d-1", "b": [1], "c": 1, "extra": 0})));
    assert!(matches(&json!(30), &json!(30.0)));
}

// ---- the binary: first start makes an admin key, SIGTERM stops it cleanly.

struct Running {
    child: std::process::Child,
    lines: std::sync::mpsc::Receiver<String>,
    address: String,
    /// Everything read from stderr up to "serving".
    startup: Vec<String>,
}

fn start(db: &str) -> Running {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["serve", "rules", "--db", db, "--listen", "127.0.0.1:0", "--no-watch"])
        .current_dir(root())
        .env("MINTAGE_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (send, lines) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let mut startup = Vec::new();
    loop {
        let Ok(line) = lines.recv_timeout(std::time::Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the service did not start: {startup:?}");
        };
        startup.push(line.clone());
        if let Some(rest) = line.split("address=").nth(1) {
            let address = rest.split_whitespace().next().unwrap().to_string();
            return Running {
                child,
                lines,
                address,
                startup,
            };
        }
    }
}

impl Running {
    fn get(&self, path: &str, key: &str) -> String {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.address).unwrap();
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer
    }

    /// SIGTERM, then the exit status within 30 s.
    fn stop(mut self) -> (std::process::ExitStatus, Vec<String>) {
        let pid = self.child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, self.lines.try_iter().collect());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        panic!("the service did not stop on SIGTERM");
    }
}

#[test]
fn the_binary_makes_its_first_key_once_and_stops_on_sigterm() {
    let dir = std::env::temp_dir().join(format!("mintage-service-binary-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("ledger.db").display());

    let running = start(&db);
    let shown = running.startup.iter().position(|l| l.contains("shown only this once"));
    let key = running.startup[shown.expect("an admin key is printed") + 2]
        .trim()
        .to_string();
    assert!(running.get("/v1/rules", &key).starts_with("HTTP/1.1 200"));
    assert!(running.get("/v1/rules", "nope").starts_with("HTTP/1.1 401"));
    let (status, after) = running.stop();
    assert!(status.success(), "{status}: {after:?}");
    assert!(after.iter().any(|l| l.contains("stopped")), "{after:?}");

    let made = std::process::Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args([
            "keys",
            "add",
            "--scope",
            "decide,redeem",
            "--label",
            "checkout",
            "--db",
            &db,
        ])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let decide_key = String::from_utf8(made.stdout).unwrap().trim().to_string();

    let running = start(&db);
    assert!(
        !running.startup.iter().any(|l| l.contains("shown only this once")),
        "one admin key only"
    );
    assert!(running.get("/v1/rules", &decide_key).starts_with("HTTP/1.1 200"));
    assert!(running.get("/metrics", &key).starts_with("HTTP/1.1 200"));
    assert!(running.stop().0.success());
    let _ = std::fs::remove_dir_all(&dir);
}
