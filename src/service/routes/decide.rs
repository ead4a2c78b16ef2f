//! `POST /v1/decide` (one event) and `POST /v1/events` (a batch, in order; a bad element
//! is answered with its error and the others are still decided).

use crate::ledger::DecideOutcome;
use crate::runtime::event::Event;
use crate::service::errors::ApiError;
use crate::service::{AppState, Shared, body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde_json::{Value, json};
use std::time::Instant;

pub async fn decide(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<DecideOutcome>, ApiError> {
    let text = body::text(payload)?;
    let event = body::event(&text)?;
    let outcome = state
        .blocking(move |shared| decide_one(shared, &event, &text))
        .await??;
    Ok(Json(outcome))
}

pub async fn events(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let text = body::text(payload)?;
    let elements = body::batch(&text)?;
    let answers = state
        .blocking(move |shared| {
            let answers = elements.into_iter().enumerate().map(|(index, element)| {
                let outcome = element
                    .text
                    .and_then(|text| body::event(&text).and_then(|event| decide_one(shared, &event, &text)));
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

/// Decides one event on the blocking pool, with its latency and counts recorded.
fn decide_one(shared: &Shared, event: &Event, raw: &str) -> Result<DecideOutcome, ApiError> {
    let started = Instant::now();
    let outcome = shared.ledger.decide(event, raw);
    shared.metrics.decision_latency(started.elapsed());
    let outcome = outcome.map_err(|e| ApiError::ledger(&e))?;
    shared.metrics.decided(&outcome);
    Ok(outcome)
}
