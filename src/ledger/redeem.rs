//! Redemption: a code checked against an order, in the order of the brief (check
//! character, unknown, status and validity, owner, exclusivity, category scope, seller
//! scope, minimum spend, `risk:self_dealing`), then reserved or committed with its
//! settlement split by funder and by seller; commits and rollbacks of an order's coupons.

use super::LedgerError;
use super::api::{
    CouponState, OrderCoupon, RedeemOutcome, RedeemRequest, RollbackOutcome, SellerCharge, Settlement, Stage,
};
use super::lapse::{free_if_lapsed, lapsed, release_own};
use super::store::{BudgetDelta, Changes, CouponRow, RedemptionRow, Terms, Tx};
use crate::money::{split, split_by};
use crate::runtime::codes::parse_code;
use crate::value::{Fen, Millis, Yuan, fen_from_yuan, time_string};

fn reject(req: &RedeemRequest, code: &str, reason: &str, detail: String) -> RedeemOutcome {
    RedeemOutcome {
        accepted: false,
        code: code.to_string(),
        order_id: req.order.id.clone(),
        status: None,
        settlement: None,
        reserved_until: None,
        reason: Some(reason.to_string()),
        detail: Some(detail),
        replayed: false,
    }
}

pub(super) fn terms(c: &CouponRow) -> Result<Terms, LedgerError> {
    serde_json::from_str(&c.terms).map_err(|e| LedgerError::corrupt_from(&format!("terms of coupon `{}`", c.code), e))
}

fn excludes(terms: &Terms, other: &CouponRow) -> bool {
    terms
        .exclusive_with
        .iter()
        .any(|r| r == "*" || *r == other.rule || *r == format!("{}/{}", other.campaign, other.rule))
}

/// What an accepted redemption gives and who pays it, in fen: the platform's part and the
/// sellers' part of the discount, and the sellers' part by seller (id order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charges {
    pub discount: Fen,
    pub platform: Fen,
    pub seller: Fen,
    pub sellers: Vec<(String, Fen)>,
    /// The discount by covered line (line index, fen), adding up to `discount` (for
    /// free shipping, the parts that say whose lines pay the sellers' share).
    pub parts: Vec<(usize, Fen)>,
    /// The covered lines (indices): what the minimum spend counts.
    pub basis: Vec<usize>,
}

type Refusal = (&'static str, String);

/// The order's lines the coupon covers (in its categories and of its seller), as
/// (line index, price × qty), or the reason it covers none.
fn covered_lines(terms: &Terms, order: &super::api::Order) -> Result<Vec<(usize, Fen)>, Refusal> {
    let in_category = |cat: &Option<String>| {
        terms.categories.is_empty() || cat.as_ref().is_some_and(|c| terms.categories.iter().any(|x| x == c))
    };
    let of_seller = |s: &Option<String>| terms.seller.as_ref().is_none_or(|want| s.as_ref() == Some(want));
    let mut lines = Vec::new();
    let mut any_category = false;
    for (i, item) in order.items.iter().enumerate() {
        let value = fen_from_yuan(item.price)
            .filter(|p| *p >= 0)
            .ok_or_else(|| {
                (
                    "bad_order",
                    format!("`order.items[{i}].price` must be a non-negative amount in yuan with at most 2 decimals"),
                )
            })?
            .checked_mul(Fen::from(item.qty))
            .ok_or_else(|| ("bad_order", format!("`order.items[{i}]`: price × qty is too large")))?;
        if in_category(&item.category) {
            any_category = true;
            if of_seller(&item.seller_id) {
                lines.push((i, value));
            }
        }
    }
    if !any_category {
        return Err((
            "category_scope",
            format!(
                "the coupon applies to {} and the order has none",
                terms.categories.join(", ")
            ),
        ));
    }
    if lines.is_empty() {
        let seller = terms.seller.as_deref().unwrap_or_default();
        let what = if terms.categories.is_empty() {
            String::new()
        } else {
            format!(" in {}", terms.categories.join(", "))
        };
        return Err((
            "seller_scope",
            format!("the coupon applies to items of seller `{seller}`{what} and the order has none"),
        ));
    }
    Ok(lines)
}

/// The discount a coupon gives on an order and who pays it, or the reason it does not
/// apply. The discount is spread over the covered lines in proportion to their value;
/// the sellers' share is charged to the sellers of those lines in proportion to their
/// lines' parts (`money::split` both times, so every part adds up to the fen).
pub fn settle(terms: &Terms, req: &RedeemRequest) -> Result<Charges, Refusal> {
    let order = &req.order;
    let lines = covered_lines(terms, order)?;
    let subtotal = lines
        .iter()
        .try_fold(0 as Fen, |sum, (_, v)| sum.checked_add(*v))
        .ok_or_else(|| ("bad_order", "the order's total is too large".to_string()))?;
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
    let item = |i: usize| order.items.get(i);
    if terms.platform_share > 0
        && lines
            .iter()
            .any(|(i, _)| item(*i).is_some_and(|it| it.seller_id.as_deref() == Some(order.buyer_id.as_str())))
    {
        return Err((
            "risk:self_dealing",
            format!(
                "a platform-funded coupon cannot pay for an item the buyer `{}` sells",
                order.buyer_id
            ),
        ));
    }
    // A seller's share is never moved to the platform: a co-funded coupon needs to know
    // the seller of every line it covers.
    if terms.seller_share > 0
        && let Some((i, _)) = lines
            .iter()
            .find(|(i, _)| item(*i).is_none_or(|it| it.seller_id.is_none()))
    {
        return Err((
            "bad_order",
            format!("`order.items[{i}].seller_id` is required: sellers pay part of this coupon's discount"),
        ));
    }
    let discount = match terms.kind.as_str() {
        "amount_off" | "threshold" => terms.amount.unwrap_or(0).min(subtotal),
        "percent_off" => {
            // Rounded down to the fen: the buyer never gets more than the percentage.
            let d = i128::from(subtotal) * i128::from(terms.percent.unwrap_or(0)) / 10_000;
            let d = Fen::try_from(d).unwrap_or(Fen::MAX).min(subtotal);
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
    // Platform first: half a fen goes to the platform, as it always has.
    let funders = split(discount, &[terms.platform_share, terms.seller_share]);
    let (platform, seller) = match funders.as_slice() {
        [p, s] => (*p, *s),
        _ => (discount, 0),
    };
    let parts: Vec<(usize, Fen)> = lines
        .iter()
        .map(|(i, _)| *i)
        .zip(split(discount, &lines.iter().map(|(_, v)| *v).collect::<Vec<_>>()))
        .collect();
    let mut by_seller: std::collections::BTreeMap<&str, Fen> = std::collections::BTreeMap::new();
    for (i, part) in &parts {
        if let Some(id) = item(*i).and_then(|it| it.seller_id.as_deref()) {
            *by_seller.entry(id).or_default() += part;
        }
    }
    let sellers = if seller == 0 {
        Vec::new()
    } else {
        split_by(seller, &by_seller)
            .into_iter()
            .map(|(id, a)| (id.to_string(), a))
            .collect()
    };
    Ok(Charges {
        discount,
        platform,
        seller,
        sellers,
        basis: lines.iter().map(|(i, _)| *i).collect(),
        parts,
    })
}

/// Validates and reserves (or commits) a code for an order, inside a transaction; a
/// reservation lapses at `until`. Reservations lapse by the ledger's clock `now`, not by
/// the request's `at` (which a client may set a little ahead).
pub fn redeem(
    tx: &mut dyn Tx,
    req: &RedeemRequest,
    at: Millis,
    (now, until): (Millis, Millis),
) -> Result<RedeemOutcome, LedgerError> {
    let code = match parse_code(&req.code) {
        Ok(c) => c,
        Err(e) => return Ok(reject(req, &req.code, "invalid_code", e.to_string())),
    };
    let rows = tx.order_redemptions(&req.order.id)?;
    let held = release_own(tx, rows, now)?;
    if let Some(r) = held.iter().find(|r| r.code == code && r.holds()) {
        // The order is paid: what it holds in reserve is committed, as `commit` does.
        let (r, replayed) = match tx.coupon(&code, true)? {
            Some(c) if req.stage == Stage::Commit && r.status == "reserved" && c.status == CouponState::Reserved => {
                (commit_row(tx, r.clone(), &c)?, false)
            }
            _ => (r.clone(), true),
        };
        let mut answer: RedeemOutcome = serde_json::from_str(&r.response)
            .map_err(|e| LedgerError::corrupt_from(&format!("stored redemption of `{code}`"), e))?;
        answer.replayed = replayed;
        return Ok(answer);
    }
    if let Some(detail) = super::returns::returned(tx, &req.order.id)? {
        return Ok(reject(
            req,
            &code,
            "order_returned",
            format!("{detail}: use a new order id"),
        ));
    }
    let Some(coupon) = tx.coupon(&code, true)? else {
        return Ok(reject(
            req,
            &code,
            "unknown_code",
            format!("no coupon has the code `{code}`"),
        ));
    };
    let coupon = free_if_lapsed(tx, coupon, now)?;
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
    let t = terms(&coupon)?;
    if let Some(on) = t.valid_on.as_ref().filter(|on| !on.allows(at)) {
        return Ok(reject(req, &code, "not_valid_now", on.refusal(at)));
    }
    if coupon.user_id != req.order.buyer_id {
        return Ok(reject(
            req,
            &code,
            "not_owner",
            format!("the coupon belongs to another user than `{}`", req.order.buyer_id),
        ));
    }
    for other in held.iter().filter(|r| r.holds() && r.code != code) {
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
    let charges = match settle(&t, req) {
        Ok(c) => c,
        Err((reason, detail)) => return Ok(reject(req, &code, reason, detail)),
    };
    let to = match req.stage {
        Stage::Reserve => CouponState::Reserved,
        Stage::Commit => CouponState::Redeemed,
    };
    if !tx.set_coupon_status(&code, CouponState::Issued, to, Some(&req.order.id))? {
        return Err(LedgerError::conflict(format!("coupon `{code}` changed meanwhile")));
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
            discount: Yuan(charges.discount),
            platform: Yuan(charges.platform),
            seller: Yuan(charges.seller),
            sellers: charges
                .sellers
                .iter()
                .map(|(id, amount)| SellerCharge {
                    seller_id: id.clone(),
                    amount: Yuan(*amount),
                })
                .collect(),
            gift: t.gift.clone(),
            perk: t.perk.clone(),
        }),
        reserved_until: (to == CouponState::Reserved).then(|| time_string(until, chrono_tz::UTC)),
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
        discount: charges.discount,
        platform: charges.platform,
        seller: charges.seller,
        response: serde_json::to_string(&Stored {
            outcome: &outcome,
            kept: super::kept::of_items(&req.order, &t, &charges, &outcome.code)?,
        })
        .map_err(|e| LedgerError::internal_from("cannot encode a redemption", e))?,
        reserved_until: (to == CouponState::Reserved).then_some(until),
    })?;
    Ok(outcome)
}

/// What a redemption row keeps: the answer, and what returns need.
#[derive(serde::Serialize)]
struct Stored<'a> {
    #[serde(flatten)]
    outcome: &'a RedeemOutcome,
    #[serde(flatten)]
    kept: super::kept::Kept,
}

/// The stored answer with its status changed, everything else kept as it was (but the
/// reservation time, which only a reservation has).
pub(super) fn with_status(response: &str, status: CouponState) -> Result<String, LedgerError> {
    let mut answer: serde_json::Value =
        serde_json::from_str(response).map_err(|e| LedgerError::corrupt_from("a stored redemption", e))?;
    if let Some(o) = answer.as_object_mut() {
        o.insert("status".into(), serde_json::Value::String(status.as_str().into()));
        if status != CouponState::Reserved {
            o.remove("reserved_until");
        }
    }
    serde_json::to_string(&answer).map_err(|e| LedgerError::internal_from("cannot encode a redemption", e))
}

pub(super) fn spend(tx: &mut dyn Tx, coupon: &CouponRow, spent: Fen) -> Result<(), LedgerError> {
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

/// Commits every coupon the order holds in reserve at `now`; refused
/// `reservation_expired` (nothing committed) if a reservation of the order lapsed.
pub fn commit(tx: &mut dyn Tx, order_id: &str, now: Millis) -> Result<RollbackOutcome, LedgerError> {
    let rows = tx.order_redemptions(order_id)?;
    // A reservation past its time, even if the tick has not released it yet; or only
    // released ones (an order that redeemed again after a lapse commits what it holds).
    let refused = rows.iter().find(|r| lapsed(r, now)).or_else(|| {
        let live = rows.iter().any(|r| r.holds());
        rows.iter().find(|r| !live && r.status == "expired")
    });
    if let Some(r) = refused {
        return Err(LedgerError::Refused {
            reason: "reservation_expired",
            message: format!(
                "the reservation of `{}` for order `{order_id}` expired: redeem the codes again",
                r.code
            ),
        });
    }
    let mut out = Vec::new();
    for r in rows {
        let Some(c) = tx.coupon(&r.code, true)? else { continue };
        if r.status == "reserved" && c.status == CouponState::Reserved {
            let r = commit_row(tx, r, &c)?;
            out.push(OrderCoupon {
                code: r.code.clone(),
                status: CouponState::Redeemed,
            });
        } else if r.holds() {
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

/// Commits one reservation whose coupon (`c`, locked) is still reserved: the coupon
/// redeemed and its budget spent, the stored answer now `redeemed`.
fn commit_row(tx: &mut dyn Tx, mut r: RedemptionRow, c: &CouponRow) -> Result<RedemptionRow, LedgerError> {
    if !tx.set_coupon_status(&r.code, CouponState::Reserved, CouponState::Redeemed, None)? {
        return Err(LedgerError::conflict(format!("coupon `{}` changed meanwhile", r.code)));
    }
    spend(tx, c, c.face_value)?;
    r.status = "committed".into();
    r.response = with_status(&r.response, CouponState::Redeemed)?;
    tx.put_redemption(&r)?;
    Ok(r)
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
    if let Some(detail) = super::returns::returned(tx, order_id)? {
        return Err(LedgerError::Refused {
            reason: "order_returned",
            message: format!("{detail}: a rollback cannot undo them; return the order's lines instead"),
        });
    }
    let mut out = Vec::new();
    for mut r in tx.order_redemptions(order_id)? {
        if code.as_ref().is_some_and(|c| *c != r.code) || !r.holds() {
            continue;
        }
        let Some(c) = tx.coupon(&r.code, true)? else { continue };
        if !matches!(c.status, CouponState::Reserved | CouponState::Redeemed) {
            continue;
        }
        let back = super::lapse::give_back(tx, &c, now)?;
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

#[cfg(test)]
mod tests {
    use super::super::api::RedeemOutcome;
    use super::Terms;

    #[test]
    fn terms_and_answers_stored_before_seller_scopes_still_read() {
        let terms = r#"{"kind":"amount_off","amount":1000,"percent":null,"cap":null,"min_spend":0,"categories":[],"gift":null,"perk":null,"platform_share":10000,"seller_share":0,"exclusive_with":[]}"#;
        let t: Terms = serde_json::from_str(terms).unwrap();
        assert_eq!(t.seller, None, "any seller");
        let answer = r#"{"accepted":true,"code":"MNT-X","order_id":"o-1","status":"redeemed","settlement":{"discount":10.0,"platform":10.0,"seller":0.0},"replayed":false}"#;
        let a: RedeemOutcome = serde_json::from_str(answer).unwrap();
        assert!(a.settlement.is_some_and(|s| s.sellers.is_empty()));
    }
}
