//! Redemption: a code checked against an order, in the order of the brief (check
//! character, unknown, status and validity, owner, category scope, minimum spend,
//! exclusivity, `risk:self_dealing`), then reserved or committed with its settlement
//! split by funder; commits and rollbacks of an order's coupons.

use super::LedgerError;
use super::api::{CouponState, OrderCoupon, RedeemOutcome, RedeemRequest, RollbackOutcome, Settlement, Stage};
use super::store::{BudgetDelta, Changes, CouponRow, RedemptionRow, Terms, Tx};
use crate::runtime::codes::parse_code;
use crate::value::{Fen, Millis, Yuan, fen_from_yuan};

fn reject(req: &RedeemRequest, code: &str, reason: &str, detail: String) -> RedeemOutcome {
    RedeemOutcome {
        accepted: false,
        code: code.to_string(),
        order_id: req.order.id.clone(),
        status: None,
        settlement: None,
        reason: Some(reason.to_string()),
        detail: Some(detail),
        replayed: false,
    }
}

fn terms(c: &CouponRow) -> Result<Terms, LedgerError> {
    serde_json::from_str(&c.terms).map_err(|e| LedgerError::Corrupt(format!("terms of coupon `{}`: {e}", c.code)))
}

fn excludes(terms: &Terms, other: &CouponRow) -> bool {
    terms
        .exclusive_with
        .iter()
        .any(|r| r == "*" || *r == other.rule || *r == format!("{}/{}", other.campaign, other.rule))
}

/// The discount a coupon gives on an order, or the reason it does not apply.
pub fn settle(terms: &Terms, req: &RedeemRequest) -> Result<(Fen, Fen, Fen), (&'static str, String)> {
    let order = &req.order;
    let in_scope = |cat: &Option<String>| {
        terms.categories.is_empty() || cat.as_ref().is_some_and(|c| terms.categories.iter().any(|x| x == c))
    };
    let mut subtotal: Fen = 0;
    let mut any = false;
    for (i, item) in order.items.iter().enumerate() {
        let Some(price) = fen_from_yuan(item.price).filter(|p| *p >= 0) else {
            return Err((
                "bad_order",
                format!("`order.items[{i}].price` must be a non-negative amount in yuan with at most 2 decimals"),
            ));
        };
        if in_scope(&item.category) {
            any = true;
            subtotal += price * Fen::from(item.qty);
        }
    }
    if !any {
        return Err((
            "category_scope",
            format!(
                "the coupon applies to {} and the order has none",
                terms.categories.join(", ")
            ),
        ));
    }
    if subtotal < terms.min_spend {
        return Err((
            "min_spend",
            format!(
                "the coupon needs a spend of ¥{} on the items it covers; the order has ¥{}",
                crate::value::yuan_string(terms.min_spend),
                crate::value::yuan_string(subtotal)
            ),
        ));
    }
    if terms.platform_share > 0
        && order
            .items
            .iter()
            .any(|it| in_scope(&it.category) && it.seller_id.as_deref() == Some(order.buyer_id.as_str()))
    {
        return Err((
            "risk:self_dealing",
            format!(
                "a platform-funded coupon cannot pay for an item the buyer `{}` sells",
                order.buyer_id
            ),
        ));
    }
    let discount = match terms.kind.as_str() {
        "amount_off" | "threshold" => terms.amount.unwrap_or(0).min(subtotal),
        "percent_off" => {
            let d = subtotal * terms.percent.unwrap_or(0) / 10_000;
            terms.cap.map_or(d, |cap| d.min(cap))
        }
        "free_shipping" => match order.shipping.map(fen_from_yuan) {
            Some(Some(f)) if f >= 0 => terms.amount.map_or(f, |cap| f.min(cap)),
            Some(_) => {
                return Err((
                    "bad_order",
                    "`order.shipping` must be a non-negative amount in yuan".to_string(),
                ));
            }
            None => 0,
        },
        _ => 0,
    };
    // The platform's share rounds half up; the seller pays the rest, so the parts add up.
    let platform = (discount * terms.platform_share + 5_000) / 10_000;
    Ok((discount, platform, discount - platform))
}

/// Validates and reserves (or commits) a code for an order, inside a transaction.
pub fn redeem(tx: &mut dyn Tx, req: &RedeemRequest, at: Millis) -> Result<RedeemOutcome, LedgerError> {
    let code = match parse_code(&req.code) {
        Ok(c) => c,
        Err(e) => return Ok(reject(req, &req.code, "invalid_code", e.to_string())),
    };
    let held = tx.order_redemptions(&req.order.id)?;
    if let Some(r) = held.iter().find(|r| r.code == code && r.status != "rolled_back") {
        let mut answer: RedeemOutcome = serde_json::from_str(&r.response)
            .map_err(|e| LedgerError::Corrupt(format!("stored redemption of `{code}`: {e}")))?;
        answer.replayed = true;
        return Ok(answer);
    }
    let Some(coupon) = tx.coupon(&code, true)? else {
        return Ok(reject(
            req,
            &code,
            "unknown_code",
            format!("no coupon has the code `{code}`"),
        ));
    };
    match coupon.status {
        CouponState::Revoked => return Ok(reject(req, &code, "revoked", "the coupon was revoked".into())),
        CouponState::Expired => return Ok(reject(req, &code, "expired", "the coupon has expired".into())),
        CouponState::Reserved | CouponState::Redeemed => {
            let by = coupon.order_id.clone().unwrap_or_default();
            return Ok(reject(
                req,
                &code,
                "already_redeemed",
                format!("the coupon is held by order `{by}`"),
            ));
        }
        CouponState::Issued => {}
    }
    if at >= coupon.valid_until {
        return Ok(reject(req, &code, "expired", "the coupon's validity has ended".into()));
    }
    if at < coupon.valid_from {
        return Ok(reject(
            req,
            &code,
            "not_yet_valid",
            "the coupon is not valid yet".into(),
        ));
    }
    if coupon.user_id != req.order.buyer_id {
        return Ok(reject(
            req,
            &code,
            "not_owner",
            format!("the coupon belongs to another user than `{}`", req.order.buyer_id),
        ));
    }
    let t = terms(&coupon)?;
    for other in held.iter().filter(|r| r.status != "rolled_back" && r.code != code) {
        if let Some(o) = tx.coupon(&other.code, false)? {
            let ot = terms(&o)?;
            if excludes(&t, &o) || excludes(&ot, &coupon) {
                return Ok(reject(
                    req,
                    &code,
                    "exclusive",
                    format!(
                        "the order already uses `{}`, which may not be combined with this coupon",
                        o.code
                    ),
                ));
            }
        }
    }
    let (discount, platform, seller) = match settle(&t, req) {
        Ok(s) => s,
        Err((reason, detail)) => return Ok(reject(req, &code, reason, detail)),
    };
    let to = match req.stage {
        Stage::Reserve => CouponState::Reserved,
        Stage::Commit => CouponState::Redeemed,
    };
    if !tx.set_coupon_status(&code, CouponState::Issued, to, Some(&req.order.id))? {
        return Err(LedgerError::Conflict(format!("coupon `{code}` changed meanwhile")));
    }
    if to == CouponState::Redeemed {
        spend(tx, &coupon, coupon.face_value)?;
    }
    let outcome = RedeemOutcome {
        accepted: true,
        code: code.clone(),
        order_id: req.order.id.clone(),
        status: Some(to),
        settlement: Some(Settlement {
            discount: Yuan(discount),
            platform: Yuan(platform),
            seller: Yuan(seller),
            gift: t.gift.clone(),
            perk: t.perk.clone(),
        }),
        reason: None,
        detail: None,
        replayed: false,
    };
    tx.put_redemption(&RedemptionRow {
        order_id: req.order.id.clone(),
        code,
        buyer_id: req.order.buyer_id.clone(),
        status: if to == CouponState::Redeemed {
            "committed"
        } else {
            "reserved"
        }
        .to_string(),
        discount,
        platform,
        seller,
        response: serde_json::to_string(&outcome).map_err(|e| LedgerError::Database(e.to_string()))?,
    })?;
    Ok(outcome)
}

fn spend(tx: &mut dyn Tx, coupon: &CouponRow, spent: Fen) -> Result<(), LedgerError> {
    tx.apply(&Changes {
        budgets: vec![BudgetDelta {
            campaign: coupon.campaign.clone(),
            reserved: 0,
            spent,
            limit: None,
        }],
        ..Changes::default()
    })
}

/// Commits every coupon the order holds in reserve.
pub fn commit(tx: &mut dyn Tx, order_id: &str) -> Result<RollbackOutcome, LedgerError> {
    let mut out = Vec::new();
    for mut r in tx.order_redemptions(order_id)? {
        let Some(c) = tx.coupon(&r.code, true)? else { continue };
        if r.status == "reserved" && c.status == CouponState::Reserved {
            if !tx.set_coupon_status(&r.code, CouponState::Reserved, CouponState::Redeemed, None)? {
                return Err(LedgerError::Conflict(format!("coupon `{}` changed meanwhile", r.code)));
            }
            spend(tx, &c, c.face_value)?;
            r.status = "committed".into();
            if let Ok(mut answer) = serde_json::from_str::<RedeemOutcome>(&r.response) {
                answer.status = Some(CouponState::Redeemed);
                r.response = serde_json::to_string(&answer).map_err(|e| LedgerError::Database(e.to_string()))?;
            }
            tx.put_redemption(&r)?;
            out.push(OrderCoupon {
                code: r.code.clone(),
                status: CouponState::Redeemed,
            });
        } else if r.status != "rolled_back" {
            out.push(OrderCoupon {
                code: r.code.clone(),
                status: c.status,
            });
        }
    }
    Ok(RollbackOutcome {
        order_id: order_id.to_string(),
        coupons: out,
    })
}

/// The order was cancelled: its coupons go back to their owner if still valid, expire
/// (releasing their budget) otherwise.
pub fn rollback(
    tx: &mut dyn Tx,
    order_id: &str,
    code: Option<&str>,
    now: Millis,
) -> Result<RollbackOutcome, LedgerError> {
    let code = match code.map(parse_code) {
        Some(Ok(c)) => Some(c),
        Some(Err(_)) | None => code.map(str::to_string),
    };
    let mut out = Vec::new();
    for mut r in tx.order_redemptions(order_id)? {
        if code.as_ref().is_some_and(|c| *c != r.code) || r.status == "rolled_back" {
            continue;
        }
        let Some(c) = tx.coupon(&r.code, true)? else { continue };
        if !matches!(c.status, CouponState::Reserved | CouponState::Redeemed) {
            continue;
        }
        let back = if now < c.valid_until {
            CouponState::Issued
        } else {
            CouponState::Expired
        };
        if !tx.set_coupon_status(&r.code, c.status, back, None)? {
            return Err(LedgerError::Conflict(format!("coupon `{}` changed meanwhile", r.code)));
        }
        let spent = if c.status == CouponState::Redeemed {
            -c.face_value
        } else {
            0
        };
        let reserved = if back == CouponState::Expired { -c.face_value } else { 0 };
        if spent != 0 || reserved != 0 {
            tx.apply(&Changes {
                budgets: vec![BudgetDelta {
                    campaign: c.campaign.clone(),
                    reserved,
                    spent,
                    limit: None,
                }],
                ..Changes::default()
            })?;
        }
        r.status = "rolled_back".into();
        tx.put_redemption(&r)?;
        out.push(OrderCoupon {
            code: r.code.clone(),
            status: back,
        });
    }
    Ok(RollbackOutcome {
        order_id: order_id.to_string(),
        coupons: out,
    })
}
