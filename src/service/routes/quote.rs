//! `POST /v1/checkout/quote`: the best combination of the buyer's wallet (or of the
//! codes the buyer typed) for an order, spread over its lines and funders. A code that
//! is not a usable coupon of the buyer is an answered reason, not an error; a field
//! outside what `docs/openapi.json` admits is a 400 naming it, and an order the document
//! admits that still does not hold together (two lines with one id) a 409 `bad_order`
//! naming the line (Schemathesis, rightly, takes a 4xx other than 404 and 409 for a
//! schema-valid request as the document and the server disagreeing). Nothing is reserved.

use crate::ledger::quote::{BadField, QuoteAnswer, QuoteAsk};
use crate::service::errors::ApiError;
use crate::service::{AppState, body};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;

/// A checkout body that reads but does not hold together: 409 `bad_order` for an order
/// that contradicts itself (Schemathesis takes a 400 for a schema-valid body as ST202),
/// else 400 naming the field. Shared by the quote and the checkout redeem.
pub(crate) fn bad_checkout(bad: BadField) -> ApiError {
    let status = if bad.code == "bad_order" {
        StatusCode::CONFLICT
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError::new(status, bad.code, bad.to_string()).field(Some(bad.field))
}

pub async fn quote(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<QuoteAnswer>, ApiError> {
    let text = body::text(payload)?;
    let ask: QuoteAsk = body::parse(&text)?;
    ask.validate().map_err(bad_checkout)?;
    let now = state.now();
    let answer = state.ledger_call(move |ledger| ledger.quote(&ask, now)).await?;
    Ok(Json(answer))
}
