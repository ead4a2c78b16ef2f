//! What the console (`/console`) calls besides the rest of the API: who the key is, every
//! campaign with its numbers, a campaign's hours, a user's latest decisions, a dry run of
//! an event on the live rules (`/v1/explain`), pausing and resuming a campaign (`admin`),
//! and the playground: checking rule text (`/v1/check`) and trying events on it
//! (`/v1/playground`), neither of which touches the live rules or the ledger.

use crate::check::CheckOptions;
use crate::compile::draw::{Format, draw};
use crate::ledger::Decided;
use crate::ledger::console::{Campaigns, Series};
use crate::runtime::codes::CodeMinter;
use crate::runtime::engine::Runtime;
use crate::runtime::event::Event;
use crate::service::auth::Caller;
use crate::service::errors::ApiError;
use crate::service::{AppState, body, reload::rfc3339};
use crate::syntax::Sources;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Value, json};

/// `GET /v1/session`: the key's scopes, the rules version and the server's clock.
pub async fn session(State(state): State<AppState>, Extension(caller): Extension<Caller>) -> Json<Value> {
    let scopes: Vec<&str> = caller.scopes.iter().map(|s| s.as_str()).collect();
    Json(json!({
        "scopes": scopes,
        "rules_version": state.reloader.version(),
        "now": rfc3339(state.now()),
    }))
}

pub async fn campaigns(State(state): State<AppState>) -> Result<Json<Campaigns>, ApiError> {
    let now = state.now();
    Ok(Json(state.ledger_call(move |l| l.campaigns(now)).await?))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesQuery {
    hours: Option<u32>,
}

/// The most hours a series reads back (62 days).
const MAX_HOURS: u32 = 24 * 62;

pub async fn series(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<SeriesQuery>, QueryRejection>,
) -> Result<Json<Series>, ApiError> {
    let Path(campaign) = path?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let hours = q.hours.unwrap_or(48);
    if !(1..=MAX_HOURS).contains(&hours) {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("`hours` is {hours}; ask for 1 to {MAX_HOURS} hours"),
        ));
    }
    let since = state.now() - i64::from(hours) * 3_600_000;
    let lookup = campaign.clone();
    match state.ledger_call(move |l| l.series(&lookup, since)).await? {
        Some(s) => Ok(Json(s)),
        None => Err(unknown_campaign(&campaign)),
    }
}

fn unknown_campaign(campaign: &str) -> ApiError {
    ApiError::not_found("unknown_campaign", format!("no campaign `{campaign}` in the rules"))
}

pub async fn pause(state: State<AppState>, path: Result<Path<String>, PathRejection>) -> Result<Json<Value>, ApiError> {
    set_paused(state, path, true).await
}

pub async fn resume(
    state: State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    set_paused(state, path, false).await
}

async fn set_paused(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    paused: bool,
) -> Result<Json<Value>, ApiError> {
    let Path(campaign) = path?;
    let now = state.now();
    let lookup = campaign.clone();
    if !state.ledger_call(move |l| l.set_paused(&lookup, paused, now)).await? {
        return Err(unknown_campaign(&campaign));
    }
    tracing::info!(target: "mintage::console", campaign = %campaign, paused, "campaign paused or resumed");
    Ok(Json(json!({ "campaign": campaign, "paused": paused })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionsQuery {
    limit: Option<usize>,
}

pub async fn user_decisions(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<DecisionsQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Path(user_id) = path?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let limit = q.limit.unwrap_or(20);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("`limit` is {limit}; ask for 1 to 200 decisions"),
        ));
    }
    let lookup = user_id.clone();
    let decisions: Vec<Decided> = state.ledger_call(move |l| l.user_decisions(&lookup, limit)).await?;
    Ok(Json(json!({ "user_id": user_id, "decisions": decisions })))
}

/// `POST /v1/explain`: the decision an event would get now, with its trace; nothing is
/// written.
pub async fn explain(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let text = body::text(payload)?;
    let event = body::event(&text)?;
    if !event.kind.needs_user() {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("a `{}` event names no user to try; send an event of a user", event.kind),
        )
        .field(Some("type".into())));
    }
    let decision = state.ledger_call(move |l| l.dry_run(&event)).await?;
    Ok(Json(json!({ "decision": decision, "dry_run": true })))
}

/// A rule file of the playground.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleText {
    name: String,
    text: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckAsk {
    files: Vec<RuleText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaygroundAsk {
    files: Vec<RuleText>,
    #[serde(default)]
    events: Vec<Value>,
}

fn sources(files: Vec<RuleText>) -> Result<Sources, ApiError> {
    if files.is_empty() {
        return Err(
            ApiError::bad_request("invalid_field", "`files` is empty; send at least one rule file")
                .field(Some("files".into())),
        );
    }
    let mut s = Sources::default();
    for f in files {
        if f.name.trim().is_empty() {
            return Err(ApiError::bad_request("invalid_field", "a file's `name` is empty").field(Some("files".into())));
        }
        s.add(f.name, f.text);
    }
    Ok(s)
}

/// `POST /v1/check`: the diagnostics of rule text, as `mintage check --format json`.
pub async fn check(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let text = body::text(payload)?;
    let ask: CheckAsk = body::parse(&text)?;
    let sources = sources(ask.files)?;
    let zone = state.ledger.rules().rules.program().zone;
    let report = tokio::task::spawn_blocking(move || {
        crate::check::check(sources, &CheckOptions { now: None, zone }).report_json()
    })
    .await
    .map_err(|e| ApiError::internal(format!("the check did not finish: {e}")))?;
    Ok(Json(report))
}

/// Events the playground runs at most in one request.
const MAX_EVENTS: usize = 200;

/// `POST /v1/playground`: checks rule text and, if it has no errors, runs the events on
/// a fresh in-memory runtime with traces; answers the diagnostics, the decisions, the
/// evaluation graph (Mermaid) and the events that did not read.
pub async fn playground(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let text = body::text(payload)?;
    let ask: PlaygroundAsk = body::parse(&text)?;
    if ask.events.len() > MAX_EVENTS {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!(
                "{} events; the playground runs at most {MAX_EVENTS} at once",
                ask.events.len()
            ),
        )
        .field(Some("events".into())));
    }
    if let Some(i) = ask.events.iter().position(|e| !e.is_object()) {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("event {i} is not a JSON object; send each event as `POST /v1/decide` takes it"),
        )
        .field(Some(format!("events[{i}]"))));
    }
    let sources = sources(ask.files)?;
    let zone = state.ledger.rules().rules.program().zone;
    let events = ask.events;
    let answer = tokio::task::spawn_blocking(move || run_playground(sources, zone, &events))
        .await
        .map_err(|e| ApiError::internal(format!("the playground did not finish: {e}")))?;
    Ok(Json(answer))
}

fn run_playground(sources: Sources, zone: chrono_tz::Tz, events: &[Value]) -> Value {
    let checked = crate::check::check(sources, &CheckOptions { now: None, zone });
    let report = checked.report_json();
    let mut errors = Vec::new();
    let Some(program) = checked.program else {
        return json!({ "check": report, "decisions": [], "graph": null, "errors": errors });
    };
    let rules = match crate::compile::Rules::new(program) {
        Ok(r) => std::sync::Arc::new(r),
        Err(e) => {
            errors.push(json!({ "index": null, "message": e.to_string() }));
            return json!({ "check": report, "decisions": [], "graph": null, "errors": errors });
        }
    };
    let graph = draw(&rules.compiled, Format::Mermaid);
    let mut runtime = Runtime::new(rules, CodeMinter::seeded(1)).explain(true);
    let mut decisions = Vec::new();
    for (index, e) in events.iter().enumerate() {
        match Event::from_json(&e.to_string()) {
            Ok(event) => {
                decisions.extend(runtime.process(&event).iter().map(|d| d.to_json()));
            }
            Err(err) => errors.push(json!({ "index": index, "message": err.to_string() })),
        }
    }
    json!({ "check": report, "decisions": decisions, "graph": graph, "errors": errors })
}
