//! The service in process, for the service tests: the real router over a real ledger
//! (SQLite in memory) with the seed rules, called through `tower::ServiceExt::oneshot`,
//! with one key per scope and a clock the test moves.
#![allow(dead_code)] // each test file uses a part
#![allow(clippy::unwrap_used, clippy::panic)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use mintage::ledger::{Ledger, LedgerOptions, Scope};
use mintage::service::AppState;
use mintage::service::reload::Reloader;
use mintage::service::router;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use tower::ServiceExt;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn ms(time: &str) -> i64 {
    mintage::value::parse_time(time).unwrap()
}

/// A service with its keys and a clock the test moves.
pub struct Service {
    pub app: Router,
    pub state: AppState,
    pub clock: Arc<AtomicI64>,
    pub admin: String,
    pub decide: String,
    pub redeem: String,
}

impl Service {
    pub fn new(rules: &[PathBuf]) -> Service {
        Service::with_max_skew(rules, mintage::service::DEFAULT_MAX_SKEW)
    }

    pub fn with_max_skew(rules: &[PathBuf], max_skew: i64) -> Service {
        Service::on("sqlite::memory:", rules, max_skew)
    }

    /// The seed rules over the ledger at `url` (a SQLite file or PostgreSQL, for tests of
    /// concurrent clients).
    pub fn seed_rules_on(url: &str) -> Service {
        Service::on(url, &[root().join("rules")], mintage::service::DEFAULT_MAX_SKEW)
    }

    pub fn on(url: &str, rules: &[PathBuf], max_skew: i64) -> Service {
        let clock = Arc::new(AtomicI64::new(ms("2026-11-02T13:30:00+08:00")));
        let (reloader, versioned) = Reloader::start(rules.to_vec(), clock.load(Ordering::SeqCst)).unwrap();
        let options = LedgerOptions {
            seed: Some(1),
            explain: false,
            ..LedgerOptions::default()
        };
        let ledger = Ledger::open(url, versioned, options).unwrap();
        let now = clock.clone();
        let clock_fn = Arc::new(move || now.load(Ordering::SeqCst));
        let state = AppState::with_max_skew(Arc::new(ledger), reloader, clock_fn, max_skew);
        let admin = state.ledger.add_key(&[Scope::Admin], "test admin").unwrap();
        let decide = state.ledger.add_key(&[Scope::Decide], "test decide").unwrap();
        let redeem = state.ledger.add_key(&[Scope::Redeem], "test redeem").unwrap();
        Service {
            app: router(state.clone()),
            state,
            clock,
            admin,
            decide,
            redeem,
        }
    }

    pub fn seed_rules() -> Service {
        Service::new(&[root().join("rules")])
    }

    /// A request as a client sends it: a POST's body is `application/json`.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, String) {
        let media = (method == "POST").then_some("application/json");
        let (status, _, text) = self.exchange(method, path, key, media, body).await;
        (status, text)
    }

    /// A request with the given `Content-Type` (or none); the status, headers and body.
    pub async fn exchange(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        media: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, String) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(k) = key {
            request = request.header(header::AUTHORIZATION, format!("Bearer {k}"));
        }
        if let Some(m) = media {
            request = request.header(header::CONTENT_TYPE, m);
        }
        let request = request.body(body.into()).unwrap();
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap();
        (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// A call whose answer is JSON.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        key: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let (status, text) = self.send(method, path, key, body).await;
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
        (status, value)
    }

    /// A call with the given `Content-Type` whose answer is JSON.
    pub async fn call_as(
        &self,
        path: &str,
        key: &str,
        media: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let (status, _, text) = self.exchange("POST", path, Some(key), media, body).await;
        let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("POST {path}: {e}: {text}"));
        (status, value)
    }

    /// A batch as JSON lines.
    pub async fn lines(&self, key: &str, lines: &[String]) -> (StatusCode, Value) {
        self.call_as("/v1/events", key, Some("application/x-ndjson"), lines.join("\n"))
            .await
    }

    pub async fn post(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        self.call("POST", path, Some(key), body.to_string()).await
    }

    pub async fn metrics(&self) -> String {
        let (status, text) = self.send("GET", "/metrics", Some(&self.decide), Body::empty()).await;
        assert_eq!(status, 200);
        text
    }
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error: {body}"))
}

/// A new user's view of a pair of shoes (¥600) on 2 November 2026: with the seed rules,
/// the event that gives the ladder's welcome coupon.
pub fn view(id: &str, user: &str) -> String {
    serde_json::json!({"id": id, "type": "view_item", "at": "2026-11-02T10:00:00+08:00",
           "user": {"id": user, "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": format!("d-{user}")},
           "item": {"id": "i-9", "category": "shoes", "price": 600, "seller_id": "s-1"},
           "scores": {"fraud_risk": 0.01}})
    .to_string()
}

impl Service {
    /// Decides `event` and answers the code of the first coupon it issued.
    pub async fn first_coupon(&self, event: String) -> String {
        let (status, answer) = self.call("POST", "/v1/decide", Some(&self.decide), event).await;
        assert_eq!(status, 200, "{answer}");
        answer["decision"]["coupons"][0]["code"].as_str().unwrap().to_string()
    }
}
