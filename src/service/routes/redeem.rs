//! `POST /v1/redeem`, `POST /v1/commit` and `POST /v1/rollback`: a code (`code`) or an
//! order's codes together (`codes`, as `POST /v1/checkout/redeem`) against an order, then
//! the order paid or cancelled. A refused redemption is an answer (200 with
//! `accepted: false` and a reason code), not an error; malformed orders are 400s.

use crate::checkout::{Line, Order as CheckoutOrder};
use crate::ledger::{
    CouponState, OrderRedeemOutcome, OrderRedeemRequest, RedeemOutcome, RedeemRequest, RollbackOutcome, Stage,
};
use crate::service::auth::Caller;
use crate::service::errors::ApiError;
use crate::service::reload::rfc3339;
use crate::service::routes::decide::not_ahead;
use crate::service::{AppState, body};
use crate::value::{Yuan, duration_string, fen_from_yuan, parse_time};
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};

/// The answer to one code, or to an order's codes.
#[derive(Serialize)]
#[serde(untagged)]
pub enum RedeemAnswer {
    Code(RedeemOutcome),
    Codes(OrderRedeemOutcome),
}

/// `codes`: the codes of one order, redeemed together; the order's `items` are the lines
/// of a checkout order.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodesRequest {
    codes: Vec<String>,
    #[serde(deserialize_with = "crate::runtime::json::object")]
    order: ItemsOrder,
    #[serde(default)]
    at: Option<String>,
    #[serde(default, deserialize_with = "crate::runtime::json::string_enum")]
    stage: Stage,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemsOrder {
    id: String,
    buyer_id: String,
    #[serde(deserialize_with = "crate::runtime::json::objects")]
    items: Vec<Line>,
    #[serde(default)]
    shipping: Yuan,
}

impl From<CodesRequest> for OrderRedeemRequest {
    fn from(r: CodesRequest) -> OrderRedeemRequest {
        OrderRedeemRequest {
            codes: r.codes,
            order: CheckoutOrder {
                id: r.order.id,
                buyer_id: r.order.buyer_id,
                lines: r.order.items,
                shipping: r.order.shipping,
            },
            at: r.at,
            stage: r.stage,
        }
    }
}

/// Which of `code` and `codes` the body gives: `Some(true)` for `codes`, `Some(false)`
/// for `code`, an error for both or neither; `None` for a body that is not an object
/// (its parse says what is wrong).
fn asks_codes(text: &str) -> Result<Option<bool>, ApiError> {
    let Ok(fields) = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text) else {
        return Ok(None);
    };
    match (fields.contains_key("code"), fields.contains_key("codes")) {
        (true, false) => Ok(Some(false)),
        (false, true) => Ok(Some(true)),
        (both, _) => {
            let (field, message) = if both {
                (
                    "codes",
                    "give either `code` (one code) or `codes` (an order's codes), not both",
                )
            } else {
                ("code", "give `code` (one code) or `codes` (a list of an order's codes)")
            };
            Err(ApiError::bad_request("invalid_field", message).field(Some(field.into())))
        }
    }
}

/// The checkout order's field names back to this route's: `order.lines[0]` is the
/// request's `order.items[0]`.
fn items_not_lines(mut e: ApiError) -> ApiError {
    e.field = e.field.map(|f| f.replace("order.lines", "order.items"));
    e.message = e.message.replace("order.lines", "order.items");
    e
}

pub async fn redeem(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<RedeemAnswer>, ApiError> {
    let text = body::text(payload)?;
    if asks_codes(&text)? == Some(true) {
        let request: CodesRequest = body::parse(&text)?;
        let outcome = super::checkout_redeem::redeem_order(&state, &caller, request.into())
            .await
            .map_err(items_not_lines)?;
        return Ok(Json(RedeemAnswer::Codes(outcome)));
    }
    let request: RedeemRequest = body::parse(&text)?;
    let now = state.now();
    validate(&request)?;
    if let Some(at) = request.at.as_deref().and_then(|t| parse_time(t).ok()) {
        not_ahead(&state, at, now)?;
        if !caller.is_admin() {
            not_behind(&state, at, now)?;
        }
    }
    let outcome = state.ledger_call(move |ledger| ledger.redeem(&request, now)).await?;
    state.metrics.redeemed(&outcome);
    Ok(Json(RedeemAnswer::Code(outcome)))
}

/// A redemption is judged at the server's clock: a client may not date it back past the
/// allowed skew, which would let an expired coupon pay (`admin` keys may, to settle a
/// checkout recorded earlier).
pub(crate) fn not_behind(shared: &crate::service::Shared, at: i64, now: i64) -> Result<(), ApiError> {
    if now.saturating_sub(at) > shared.max_skew {
        let message = format!(
            "`at` is {}, more than {} before the server's clock ({}); a redemption is judged \
             when it happens: leave `at` out, or use a key with scope `admin` to settle an earlier checkout",
            rfc3339(at),
            duration_string(shared.max_skew),
            rfc3339(now)
        );
        return Err(ApiError::bad_request("past_redemption", message).field(Some("at".into())));
    }
    Ok(())
}

/// The largest unit price and shipping fee an order may carry (yuan), the largest
/// quantity and the most lines: an order's total stays far inside the ledger's integer
/// fen, however its lines add up. `docs/openapi.json` says the same.
pub const MAX_PRICE_YUAN: f64 = 100_000_000.0;
pub const MAX_QTY: u32 = 100_000;
pub const MAX_ITEMS: usize = 1_000;

/// Bad input is refused before the ledger: times, money with at most two decimals and
/// within bounds, quantities of at least one, ids that are not empty.
fn validate(request: &RedeemRequest) -> Result<(), ApiError> {
    let invalid =
        |field: String, message: String| Err(ApiError::bad_request("invalid_field", message).field(Some(field)));
    if let Some(at) = &request.at
        && let Err(message) = parse_time(at)
    {
        return invalid("at".into(), message);
    }
    let order = &request.order;
    for (field, value) in [
        ("code", &request.code),
        ("order.id", &order.id),
        ("order.buyer_id", &order.buyer_id),
    ] {
        if value.is_empty() {
            return invalid(field.into(), format!("`{field}` is empty"));
        }
    }
    if order.items.is_empty() {
        return invalid("order.items".into(), "an order needs at least one item".into());
    }
    if order.items.len() > MAX_ITEMS {
        let message = format!("an order has at most {MAX_ITEMS} items, this one {}", order.items.len());
        return invalid("order.items".into(), message);
    }
    for (i, item) in order.items.iter().enumerate() {
        if item.id.is_empty() {
            return invalid(
                format!("order.items[{i}].id"),
                format!("`order.items[{i}].id` is empty"),
            );
        }
        if let Err(message) = money(item.price) {
            return invalid(format!("order.items[{i}].price"), message);
        }
        if item.qty == 0 || item.qty > MAX_QTY {
            let message = format!("a quantity is from 1 to {MAX_QTY}, not {}", item.qty);
            return invalid(format!("order.items[{i}].qty"), message);
        }
    }
    if let Some(shipping) = order.shipping
        && let Err(message) = money(shipping)
    {
        return invalid("order.shipping".into(), message);
    }
    Ok(())
}

fn money(yuan: f64) -> Result<(), String> {
    if !(0.0..=MAX_PRICE_YUAN).contains(&yuan) || fen_from_yuan(yuan).is_none() {
        return Err(format!(
            "`{yuan}` is not an amount in yuan from 0 to {MAX_PRICE_YUAN} with at most 2 decimals"
        ));
    }
    Ok(())
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
    let now = state.now();
    let outcome = state
        .ledger_call(move |ledger| ledger.commit_at(&order_id, now))
        .await?;
    Ok(Json(outcome.into()))
}

pub async fn rollback(
    State(state): State<AppState>,
    payload: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderCoupons>, ApiError> {
    let text = body::text(payload)?;
    let request: RollbackRequest = body::parse(&text)?;
    let order_id = non_empty(request.order_id)?;
    if request.code.as_deref() == Some("") {
        return Err(ApiError::bad_request("invalid_field", "`code` is empty").field(Some("code".into())));
    }
    let now = state.now();
    let code = request.code;
    let outcome = state
        .ledger_call(move |ledger| ledger.rollback(&order_id, code.as_deref(), now))
        .await?;
    Ok(Json(outcome.into()))
}

fn non_empty(order_id: String) -> Result<String, ApiError> {
    if order_id.is_empty() {
        let e = ApiError::bad_request("invalid_field", "`order_id` is empty");
        return Err(e.field(Some("order_id".into())));
    }
    Ok(order_id)
}
