//! `POST /v1/decide` (one event) and `POST /v1/events` (a batch, in order; a bad element
//! is answered with its error and the others are still decided).
//!
//! On the service the wall clock is the clock: the ticker fires timers and expires
//! coupons by it. A client may not move it: a `tick` needs a key with `admin` (it would
//! expire every user's coupons valid until before it), and an event dated more than the
//! allowed skew after the server's clock is refused (`future_event`).

use crate::ledger::DecideOutcome;
use crate::runtime::event::{Event, EventKind};
use crate::service::auth::Caller;
use crate::service::body::{self, Media};
use crate::service::errors::ApiError;
use crate::service::reload::rfc3339;
use crate::service::{AppState, Shared};
use crate::value::duration_string;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Value, json};
use std::time::Instant;

pub async fn decide(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<DecideOutcome>, ApiError> {
    let text = body::text(payload)?;
    let event = body::event(&text)?;
    admit(&state, &caller, &event, state.now())?;
    let outcome = state
        .blocking(move |shared| decide_one(shared, &event, &text))
        .await??;
    Ok(Json(outcome))
}

pub async fn events(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Extension(media): Extension<Media>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let text = body::text(payload)?;
    let elements = body::batch(&text, media)?;
    let now = state.now();
    let answers = state
        .blocking(move |shared| {
            let answers = elements.into_iter().enumerate().map(|(index, element)| {
                let outcome = element.text.and_then(|text| {
                    let event = body::event(&text)?;
                    admit(shared, &caller, &event, now)?;
                    decide_one(shared, &event, &text)
                });
                match outcome {
                    Ok(outcome) => json!({ "index": index, "outcome": outcome }),
                    Err(e) => {
                        let mut answer = serde_json::Map::new();
                        answer.insert("index".into(), index.into());
                        if let Some(line) = element.line {
                            answer.insert("line".into(), line.into());
                        }
                        answer.insert("error".into(), e.to_json());
                        Value::Object(answer)
                    }
                }
            });
            answers.collect::<Vec<Value>>()
        })
        .await?;
    Ok(Json(answers))
}

/// The service's clock rules for one event: `tick` only from `admin` keys, and no event
/// from further ahead than the allowed skew.
fn admit(shared: &Shared, caller: &Caller, event: &Event, now: i64) -> Result<(), ApiError> {
    if event.kind == EventKind::Tick && !caller.is_admin() {
        let message = "a `tick` moves the clock of every user and needs a key with scope `admin`; \
                       the service's own ticker fires due timers by the wall clock";
        return Err(ApiError::new(StatusCode::FORBIDDEN, "forbidden", message).field(Some("type".into())));
    }
    not_ahead(shared, event.at, now)
}

/// A time a client sent (an event's, a redemption's) may be at most the allowed skew
/// after the server's clock.
pub fn not_ahead(shared: &Shared, at: i64, now: i64) -> Result<(), ApiError> {
    if at.saturating_sub(now) > shared.max_skew {
        let message = format!(
            "`at` is {}, more than {} after the server's clock ({}); send events as they happen, \
             with a clock kept in time",
            rfc3339(at),
            duration_string(shared.max_skew),
            rfc3339(now)
        );
        return Err(ApiError::bad_request("future_event", message).field(Some("at".into())));
    }
    Ok(())
}

/// Decides one event on the blocking pool, with its latency and counts recorded.
fn decide_one(shared: &Shared, event: &Event, raw: &str) -> Result<DecideOutcome, ApiError> {
    let started = Instant::now();
    let outcome = shared.ledger.decide(event, raw);
    shared.metrics.decision_latency(started.elapsed());
    let outcome = outcome.map_err(|e| ApiError::ledger(&e))?;
    shared.metrics.decided(&outcome);
    Ok(outcome)
}
