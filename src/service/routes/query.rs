//! Reading the ledger: one coupon, a user's wallet, a campaign's stats.

use crate::ledger::{CampaignStats, CouponView};
use crate::runtime::codes::parse_code;
use crate::service::errors::ApiError;
use crate::service::{AppState, reload::rfc3339};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Serialize;

pub async fn coupon(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<CouponView>, ApiError> {
    let Path(code) = path?;
    // As a person may type it (any case, dashes or not); a code that fails its check
    // character is looked up as given, and is not found.
    let lookup = parse_code(&code).unwrap_or_else(|_| code.clone());
    match state.ledger_call(move |ledger| ledger.coupon(&lookup)).await? {
        Some(view) => Ok(Json(view)),
        None => Err(ApiError::not_found("unknown_coupon", format!("no coupon `{code}`"))),
    }
}

/// A user's coupons usable now.
#[derive(Serialize)]
pub struct Wallet {
    user_id: String,
    /// The time the wallet was read at (RFC 3339, UTC).
    at: String,
    coupons: Vec<CouponView>,
}

pub async fn wallet(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<Wallet>, ApiError> {
    let Path(user_id) = path?;
    let now = state.now();
    let lookup = user_id.clone();
    let coupons = state.ledger_call(move |ledger| ledger.wallet(&lookup, now)).await?;
    Ok(Json(Wallet {
        user_id,
        at: rfc3339(now),
        coupons,
    }))
}

pub async fn stats(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> Result<Json<CampaignStats>, ApiError> {
    let Path(campaign) = path?;
    let lookup = campaign.clone();
    match state.ledger_call(move |ledger| ledger.stats(&lookup)).await? {
        Some(stats) => Ok(Json(stats)),
        None => Err(ApiError::not_found(
            "unknown_campaign",
            format!("no campaign `{campaign}` in the rules or the ledger"),
        )),
    }
}
