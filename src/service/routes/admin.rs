//! Operating the service: health, metrics, the rules being served, and reloading them.

use crate::service::AppState;
use crate::service::errors::ApiError;
use crate::service::reload::{ReloadReport, RulesStatus, reload_now};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Open (no key): for load balancers. It does not touch the database.
pub async fn health(State(state): State<AppState>) -> Json<Value> {
    Json(json!({ "status": "ok", "rules_version": state.reloader.version() }))
}

pub async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
}

pub async fn rules(State(state): State<AppState>) -> Json<RulesStatus> {
    Json(state.reloader.status())
}

/// Checks the rule files and swaps them in; 422 with the diagnostics if they have errors
/// (the service keeps the rules it has).
pub async fn reload(State(state): State<AppState>) -> Result<Json<ReloadReport>, ApiError> {
    let report = reload_now(&state, "api").await?;
    if report.failed() {
        let message = report
            .message
            .clone()
            .unwrap_or_else(|| "the rules were not reloaded".into());
        let details = serde_json::to_value(&report).unwrap_or(Value::Null);
        let error = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rules_invalid", message);
        return Err(error.with("reload", details));
    }
    Ok(Json(report))
}
