//! `POST /v1/checkout/redeem`: every code of an order reserved (or committed) together,
//! or none, with the checkout engine's split. A refusal is an answer (200 with
//! `accepted: false` and a reason per code). As for a quote, a field outside what
//! `docs/openapi.json` admits is a 400 naming it; a request the document admits but the
//! server will not take (an order that does not hold together, `at` past the allowed
//! skew) is a 409, never a 400 (Schemathesis takes those as the document and the server
//! disagreeing).

use crate::ledger::{OrderRedeemOutcome, OrderRedeemRequest};
use crate::service::auth::Caller;
use crate::service::errors::ApiError;
use crate::service::routes::decide::not_ahead;
use crate::service::routes::redeem::not_behind;
use crate::service::{AppState, body};
use crate::value::parse_time;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use axum::{Extension, Json};

pub async fn redeem(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderRedeemOutcome>, ApiError> {
    let text = body::text(payload)?;
    let request: OrderRedeemRequest = body::parse(&text)?;
    redeem_order(&state, &caller, request).await.map(Json)
}

/// An order's codes validated, their `at` checked against the clock, and redeemed; also
/// `POST /v1/redeem` with `codes`.
pub(crate) async fn redeem_order(
    state: &AppState,
    caller: &Caller,
    request: OrderRedeemRequest,
) -> Result<OrderRedeemOutcome, ApiError> {
    request.validate().map_err(super::quote::bad_checkout)?;
    let now = state.now();
    if let Some(at) = request.at.as_deref().and_then(|t| parse_time(t).ok()) {
        let in_time = not_ahead(state, at, now).and_then(|()| {
            if caller.is_admin() {
                Ok(())
            } else {
                not_behind(state, at, now)
            }
        });
        in_time.map_err(|mut e| {
            e.status = StatusCode::CONFLICT;
            e
        })?;
    }
    state
        .ledger_call(move |ledger| ledger.redeem_order(&request, now))
        .await
}
