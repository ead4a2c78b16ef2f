//! The HTTP service (`mintage serve`): an axum router over the [`Ledger`]. Handlers parse
//! and check the request, call the ledger on the blocking pool (every ledger method waits
//! on the database), and answer JSON; errors have one shape ([`errors::ApiError`]).
//!
//! [`routes`] is the one list of endpoints: the router is built from it, and a test holds
//! `docs/openapi.json` to it.

mod assets;
pub mod auth;
pub mod body;
pub mod errors;
pub mod metrics;
pub mod openapi;
pub mod reload;
mod routes;
pub mod server;

use crate::ledger::{Ledger, Scope};
use crate::value::Millis;
use auth::{Access, KeyCache};
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get, post};
use body::Media;
use errors::ApiError;
use metrics::Metrics;
use reload::Reloader;
use std::sync::Arc;
use std::time::Instant;

/// Body limits: one event or request, and a batch.
pub const SINGLE_LIMIT: usize = 1 << 20;
pub const BATCH_LIMIT: usize = 16 << 20;

/// The time the service takes as "now" (tests fix it).
pub type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

/// How far after the service's clock an event may be dated by default (5 minutes):
/// clients' clocks drift, but an event from the future would move the ledger's.
pub const DEFAULT_MAX_SKEW: Millis = 5 * 60_000;

/// The wall clock, in UTC milliseconds.
pub fn system_clock() -> Clock {
    Arc::new(|| chrono::Utc::now().timestamp_millis())
}

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

pub struct Shared {
    pub ledger: Arc<Ledger>,
    pub metrics: Metrics,
    pub keys: KeyCache,
    pub reloader: Reloader,
    clock: Clock,
    /// How far after `clock` an event or a redemption may be dated.
    pub max_skew: Millis,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

impl AppState {
    pub fn new(ledger: Arc<Ledger>, reloader: Reloader, clock: Clock) -> AppState {
        AppState::with_max_skew(ledger, reloader, clock, DEFAULT_MAX_SKEW)
    }

    pub fn with_max_skew(ledger: Arc<Ledger>, reloader: Reloader, clock: Clock, max_skew: Millis) -> AppState {
        AppState(Arc::new(Shared {
            ledger,
            metrics: Metrics::default(),
            keys: KeyCache::default(),
            reloader,
            clock,
            max_skew,
        }))
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    /// Runs `f` with the ledger on the blocking pool; ledger errors become 500/503.
    pub async fn ledger_call<T, E, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        E: Into<ApiErrorSource> + Send + 'static,
        F: FnOnce(&Ledger) -> Result<T, E> + Send + 'static,
    {
        let ledger = self.ledger.clone();
        match tokio::task::spawn_blocking(move || f(&ledger)).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(e.into().0),
            Err(e) => Err(ApiError::internal(format!("the ledger call did not finish: {e}"))),
        }
    }

    /// Runs blocking work that cannot fail on the blocking pool.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&Shared) -> T + Send + 'static,
    {
        let state = self.clone();
        tokio::task::spawn_blocking(move || f(&state))
            .await
            .map_err(|e| ApiError::internal(format!("the task did not finish: {e}")))
    }
}

/// An error a ledger call may end in (lets [`AppState::ledger_call`] take closures that
/// return `LedgerError` or an `ApiError` of their own).
pub struct ApiErrorSource(ApiError);

impl From<crate::ledger::LedgerError> for ApiErrorSource {
    fn from(e: crate::ledger::LedgerError) -> Self {
        ApiErrorSource(ApiError::ledger(&e))
    }
}

impl From<ApiError> for ApiErrorSource {
    fn from(e: ApiError) -> Self {
        ApiErrorSource(e)
    }
}

/// One endpoint: method, path (OpenAPI template syntax, which axum 0.8 shares), who may
/// call it, the media types its body may have (none: it takes no body), its body
/// limit, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
    pub media: &'static [Media],
    pub limit: usize,
    handler: MethodRouter<AppState>,
}

impl Route {
    fn get<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, handler: H) -> Route {
        Route {
            method: Method::GET,
            path,
            access,
            media: &[],
            limit: SINGLE_LIMIT,
            handler: get(handler),
        }
    }

    fn post<H: Handler<T, AppState>, T: 'static>(path: &'static str, access: Access, handler: H) -> Route {
        Route {
            method: Method::POST,
            path,
            access,
            media: &[],
            limit: SINGLE_LIMIT,
            handler: post(handler),
        }
    }

    fn limit(mut self, bytes: usize) -> Route {
        self.limit = bytes;
        self
    }

    fn takes(mut self, media: &'static [Media]) -> Route {
        self.media = media;
        self
    }
}

const JSON: &[Media] = &[Media::Json];
const JSON_OR_LINES: &[Media] = &[Media::Json, Media::JsonLines];

const DECIDE: Access = Access::AnyOf(&[Scope::Decide]);
const REDEEM: Access = Access::AnyOf(&[Scope::Redeem]);
const ANY_KEY: Access = Access::AnyOf(&[Scope::Decide, Scope::Redeem]);
const ADMIN: Access = Access::AnyOf(&[Scope::Admin]);
const REPORT: Access = Access::AnyOf(&[Scope::Decide, Scope::Redeem, Scope::Report, Scope::Read]);
/// The console's dashboards: a `read` key reads these and the reports, nothing else.
const DASHBOARD: Access = Access::AnyOf(&[Scope::Decide, Scope::Redeem, Scope::Read]);
/// Who the key is: any key, so that the console can say what it may show.
const ANY_SCOPE: Access = Access::AnyOf(&[Scope::Decide, Scope::Redeem, Scope::Report, Scope::Read]);

/// Every endpoint of the service.
pub fn routes() -> Vec<Route> {
    use routes::{admin, checkout_redeem, console, decide, query, quote, redeem, report, returns};
    vec![
        Route::post("/v1/decide", DECIDE, decide::decide).takes(JSON),
        Route::post("/v1/events", DECIDE, decide::events)
            .takes(JSON_OR_LINES)
            .limit(BATCH_LIMIT),
        Route::post("/v1/redeem", REDEEM, redeem::redeem).takes(JSON),
        Route::post("/v1/commit", REDEEM, redeem::commit).takes(JSON),
        Route::post("/v1/rollback", REDEEM, redeem::rollback).takes(JSON),
        Route::post("/v1/checkout/quote", REDEEM, quote::quote).takes(JSON),
        Route::post("/v1/checkout/redeem", REDEEM, checkout_redeem::redeem).takes(JSON),
        Route::post("/v1/orders/{id}/return", REDEEM, returns::return_lines).takes(JSON),
        Route::get("/v1/coupons/{code}", ANY_KEY, query::coupon),
        Route::get("/v1/users/{id}/wallet", ANY_KEY, query::wallet),
        Route::get("/v1/campaigns/{id}/stats", DASHBOARD, query::stats),
        Route::get("/v1/campaigns/{id}/report", REPORT, report::report),
        Route::get("/v1/campaigns", DASHBOARD, console::campaigns),
        Route::get("/v1/campaigns/{id}/series", DASHBOARD, console::series),
        Route::post("/v1/campaigns/{id}/pause", ADMIN, console::pause),
        Route::post("/v1/campaigns/{id}/resume", ADMIN, console::resume),
        Route::get("/v1/users/{id}/decisions", ANY_KEY, console::user_decisions),
        Route::post("/v1/explain", ANY_KEY, console::explain).takes(JSON),
        Route::post("/v1/check", ANY_KEY, console::check).takes(JSON),
        Route::post("/v1/playground", ANY_KEY, console::playground).takes(JSON),
        Route::get("/v1/session", ANY_SCOPE, console::session),
        Route::get("/console", Access::Open, assets::index_redirect),
        Route::get("/console/", Access::Open, assets::index),
        Route::get("/console/{file}", Access::Open, assets::asset),
        Route::get("/v1/rules", DASHBOARD, admin::rules),
        Route::post("/v1/admin/reload", ADMIN, admin::reload),
        Route::get("/health", Access::Open, admin::health),
        Route::get("/metrics", DECIDE, admin::metrics),
        Route::get("/openapi.json", Access::Open, openapi::document),
    ]
}

/// The service's router: the routes with their keys, media types and body limits, a
/// log line and metrics per request, and JSON answers for unknown routes and methods.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in routes() {
        let guard = middleware::from_fn_with_state((state.clone(), route.access), auth::require);
        let mut handler = route.handler.layer(DefaultBodyLimit::max(route.limit));
        if !route.media.is_empty() {
            handler = handler.route_layer(middleware::from_fn_with_state(route.media, media_type));
        }
        router = router.route(route.path, handler.route_layer(guard));
    }
    router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

/// One log line and one count per request, by route template (not the raw path, so that
/// codes and user ids do not become metric labels).
async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    let response = next.run(request).await;
    let status = response.status();
    state
        .metrics
        .inc("mintage_http_requests_total", &[&route, status.as_str()]);
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: "mintage::http", %method, %route, status = status.as_u16(), latency_ms, "request");
    response
}

/// 415 for a body of a media type the route does not take; the handler finds the type
/// it got in the request's extensions.
async fn media_type(State(accepted): State<&'static [Media]>, mut request: Request, next: Next) -> Response {
    match body::media(request.headers(), accepted) {
        Ok(media) => {
            request.extensions_mut().insert(media);
            next.run(request).await
        }
        Err(e) => e.into_response(),
    }
}

async fn not_found(method: Method, uri: axum::http::Uri) -> Response {
    ApiError::not_found("no_route", format!("no endpoint `{method} {}`", uri.path())).into_response()
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    let message = format!("`{}` does not take `{method}`", uri.path());
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", message).into_response()
}
