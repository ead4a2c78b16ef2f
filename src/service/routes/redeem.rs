//! `POST /v1/redeem`, `POST /v1/commit` and `POST /v1/rollback`: a code against an order,
//! then the order paid or cancelled. A refused redemption is an answer (200 with
//! `accepted: false` and a reason code), not an error; malformed orders are 400s.

use crate::ledger::{CouponState, RedeemOutcome, RedeemRequest, RollbackOutcome};
use crate::service::errors::ApiError;
use crate::service::{AppState, body};
use crate::value::{fen_from_yuan, parse_time};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use serde::{Deserialize, Serialize};

pub async fn redeem(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<RedeemOutcome>, ApiError> {
    let text = body::text(payload)?;
    let request: RedeemRequest = body::parse(&text)?;
    validate(&request)?;
    let now = state.now();
    let outcome = state.ledger_call(move |ledger| ledger.redeem(&request, now)).await?;
    state.metrics.redeemed(&outcome);
    Ok(Json(outcome))
}

/// Bad input is refused before the ledger: times, money with at most two decimals,
/// quantities of at least one, ids that are not empty.
fn validate(request: &RedeemRequest) -> Result<(), ApiError> {
    let invalid =
        |field: String, message: String| Err(ApiError::bad_request("invalid_field", message).field(Some(field)));
    if let Some(at) = &request.at
        && let Err(message) = parse_time(at)
    {
        return invalid("at".into(), message);
    }
    let order = &request.order;
    for (field, value) in [("order.id", &order.id), ("order.buyer_id", &order.buyer_id)] {
        if value.trim().is_empty() {
            return invalid(field.into(), format!("`{field}` is empty"));
        }
    }
    if order.items.is_empty() {
        return invalid("order.items".into(), "an order needs at least one item".into());
    }
    for (i, item) in order.items.iter().enumerate() {
        if !money(item.price) {
            let message = format!("`{}` is not an amount in yuan with at most 2 decimals", item.price);
            return invalid(format!("order.items[{i}].price"), message);
        }
        if item.qty == 0 {
            return invalid(format!("order.items[{i}].qty"), "a quantity is at least 1".into());
        }
    }
    if let Some(shipping) = order.shipping
        && !money(shipping)
    {
        let message = format!("`{shipping}` is not an amount in yuan with at most 2 decimals");
        return invalid("order.shipping".into(), message);
    }
    Ok(())
}

fn money(yuan: f64) -> bool {
    yuan >= 0.0 && fen_from_yuan(yuan).is_some()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommitRequest {
    order_id: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    order_id: String,
    #[serde(default)]
    code: Option<String>,
}

/// An order's coupons after a commit or rollback.
#[derive(Serialize)]
pub struct OrderCoupons {
    order_id: String,
    coupons: Vec<CouponStatus>,
}

#[derive(Serialize)]
struct CouponStatus {
    code: String,
    status: CouponState,
}

impl From<RollbackOutcome> for OrderCoupons {
    fn from(o: RollbackOutcome) -> Self {
        OrderCoupons {
            order_id: o.order_id,
            coupons: o
                .coupons
                .into_iter()
                .map(|c| CouponStatus {
                    code: c.code,
                    status: c.status,
                })
                .collect(),
        }
    }
}

pub async fn commit(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderCoupons>, ApiError> {
    let text = body::text(payload)?;
    let request: CommitRequest = body::parse(&text)?;
    let order_id = non_empty(request.order_id)?;
    let outcome = state.ledger_call(move |ledger| ledger.commit(&order_id)).await?;
    Ok(Json(outcome.into()))
}

pub async fn rollback(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderCoupons>, ApiError> {
    let text = body::text(payload)?;
    let request: RollbackRequest = body::parse(&text)?;
    let order_id = non_empty(request.order_id)?;
    let now = state.now();
    let code = request.code;
    let outcome = state
        .ledger_call(move |ledger| ledger.rollback(&order_id, code.as_deref(), now))
        .await?;
    Ok(Json(outcome.into()))
}

fn non_empty(order_id: String) -> Result<String, ApiError> {
    if order_id.trim().is_empty() {
        let e = ApiError::bad_request("invalid_field", "`order_id` is empty");
        return Err(e.field(Some("order_id".into())));
    }
    Ok(order_id)
}
