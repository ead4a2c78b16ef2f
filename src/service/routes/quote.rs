//! `POST /v1/checkout/quote`: the best combination of the buyer's wallet (or of the
//! codes the buyer typed) for an order, spread over its lines and funders. A code that
//! is not a usable coupon of the buyer is an answered reason, not an error; an order
//! that does not hold together is a 400 naming the field. Nothing is reserved.

use crate::ledger::quote::{QuoteAnswer, QuoteAsk};
use crate::service::errors::ApiError;
use crate::service::{AppState, body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;

pub async fn quote(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<QuoteAnswer>, ApiError> {
    let text = body::text(payload)?;
    let ask: QuoteAsk = body::parse(&text)?;
    ask.validate()
        .map_err(|bad| ApiError::bad_request("invalid_field", bad.to_string()).field(Some(bad.field)))?;
    let now = state.now();
    let answer = state.ledger_call(move |ledger| ledger.quote(&ask, now)).await?;
    Ok(Json(answer))
}
