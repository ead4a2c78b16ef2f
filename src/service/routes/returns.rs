//! `POST /v1/orders/{id}/return`: lines of a paid order come back, and each coupon gives
//! back its part of them by funder (see `ledger::returns`). As for a checkout redeem, a
//! body outside what `docs/openapi.json` admits is a 400 naming the field, and a body it
//! admits that the ledger will not take (a line the order does not have, more units than
//! are left, an order not paid, `at` past the allowed skew) is a 409; an order the ledger
//! never redeemed is a 404.

use crate::ledger::{LedgerError, ReturnOutcome, ReturnRequest};
use crate::service::auth::Caller;
use crate::service::errors::ApiError;
use crate::service::routes::decide::not_ahead;
use crate::service::routes::redeem::not_behind;
use crate::service::{AppState, body};
use crate::value::parse_time;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};

pub async fn return_lines(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: Result<Path<String>, PathRejection>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<ReturnOutcome>, ApiError> {
    let Path(order_id) = path?;
    let text = body::text(payload)?;
    let request: ReturnRequest = body::parse(&text)?;
    if let Err(e) = request.validate() {
        let field = match &e {
            LedgerError::BadInput(m) => m.split('`').nth(1).map(str::to_string),
            _ => None,
        };
        return Err(ApiError::ledger(&e).field(field));
    }
    let now = state.now();
    if let Some(at) = request.at.as_deref().and_then(|t| parse_time(t).ok()) {
        let in_time = not_ahead(&state, at, now).and_then(|()| {
            if caller.is_admin() {
                Ok(())
            } else {
                not_behind(&state, at, now)
            }
        });
        in_time.map_err(|mut e| {
            e.status = StatusCode::CONFLICT;
            e
        })?;
    }
    let answer = state
        .ledger_call(move |ledger| {
            ledger.return_order(&order_id, &request, now).map_err(|e| match e {
                LedgerError::Refused {
                    reason: "unknown_order",
                    message,
                } => ApiError::not_found("unknown_order", message),
                other => ApiError::ledger(&other),
            })
        })
        .await?;
    Ok(Json(answer))
}
