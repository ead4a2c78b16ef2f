//! Returns of a paid order's lines (`POST /v1/orders/{id}/return`, `mintage return`).
//!
//! Each coupon of the order gives back what [`crate::checkout::returns::clawed`] says
//! of everything returned so far, minus what it gave back before, by funder and to the
//! fen; the redemption's discount, platform and seller sums are kept net of it. A
//! coupon that gave everything back (the whole order returned, its minimum spend no
//! longer met, or every line it discounted returned) is given back to its owner if
//! still valid, or expires and gives its face value back to the budget, as a rollback
//! does; its redemption becomes `returned`. A return is kept by its id: the same id
//! again answers the same, another request under a used id is refused.

use super::LedgerError;
use super::api::{CouponState, SellerCharge};
use super::checkout_redeem::LineShare;
use super::kept::Kept;
use super::store::{RedemptionRow, ReturnRow, Tx};
use crate::checkout::returns::{Allocation, Claw, Paid, Why, clawed};
use crate::value::{Fen, Millis, Yuan};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Return ids and line ids are at most this long.
pub const MAX_ID: usize = 128;
/// A return names at most this many lines.
pub const MAX_LINES: usize = 1_000;

/// Lines of a paid order coming back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// The caller's id for this return: a retry with the same id answers the same.
    pub return_id: String,
    /// The lines returned, each with the units returned (all that are left when
    /// absent); every line of the order when absent.
    #[serde(default)]
    pub lines: Option<Vec<ReturnLine>>,
    /// When the return happens (RFC 3339); the ledger's clock when absent.
    #[serde(default)]
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnLine {
    pub line_id: String,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::value::optional_count"
    )]
    pub qty: Option<u32>,
}

impl ReturnRequest {
    /// What JSON cannot check: ids present and short, lines named once, quantities from 1.
    pub fn validate(&self) -> Result<(), LedgerError> {
        let bad = |m: String| Err(LedgerError::BadInput(m));
        if self.return_id.is_empty() || self.return_id.chars().count() > MAX_ID {
            return bad(format!("`return_id`: give an id of 1 to {MAX_ID} characters"));
        }
        let Some(lines) = &self.lines else { return Ok(()) };
        if lines.is_empty() || lines.len() > MAX_LINES {
            return bad(format!(
                "`lines`: give from 1 to {MAX_LINES} lines, or leave `lines` out to return the whole order"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for (i, l) in lines.iter().enumerate() {
            if l.line_id.is_empty() || l.line_id.chars().count() > MAX_ID {
                return bad(format!("`lines[{i}].line_id`: give the id of a line of the order"));
            }
            if !seen.insert(l.line_id.as_str()) {
                // The document cannot say it, so it is the ledger's refusal (409), not a 400.
                return Err(refused(
                    "bad_return",
                    format!("`lines[{i}]`: line `{}` is named twice: name each line once", l.line_id),
                ));
            }
            if l.qty == Some(0) {
                return bad(format!(
                    "`lines[{i}].qty`: return at least 1 unit, or leave `qty` out for all that are left"
                ));
            }
        }
        Ok(())
    }

    /// The request as it is compared with a retry: lines in id order.
    fn key(&self) -> Option<Vec<ReturnLine>> {
        self.lines.clone().map(|mut l| {
            l.sort();
            l
        })
    }
}

/// A line in a return: the units returned, their price, and the discount clawed back
/// on it (on a kept line, when a coupon's minimum spend is no longer met).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnedLine {
    pub line_id: String,
    pub qty: u32,
    /// Price × the units returned.
    pub value: Yuan,
    pub clawback: Yuan,
}

/// What one coupon gives back, why, from whom, and its state after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CouponClawback {
    pub code: String,
    /// `returned_lines`, `min_spend` or `order_returned`.
    pub reason: Why,
    pub clawback: Yuan,
    pub platform: Yuan,
    pub seller: Yuan,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sellers: Vec<SellerCharge>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineShare>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Yuan>,
    /// `redeemed` (still used by the order), `issued` (given back) or `expired`.
    pub status: CouponState,
}

/// The answer to a return: `refund` is what the buyer gets back (the returned units'
/// price less what the coupons give back), or `owed` what the buyer owes when the
/// coupons give back more than that; `refund − owed = value − clawback` always.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnOutcome {
    pub order_id: String,
    pub return_id: String,
    pub lines: Vec<ReturnedLine>,
    pub coupons: Vec<CouponClawback>,
    pub value: Yuan,
    pub clawback: Yuan,
    /// What the platform gets back of what it paid.
    pub platform: Yuan,
    /// What the sellers get back, and by seller.
    pub seller: Yuan,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sellers: Vec<SellerCharge>,
    pub refund: Yuan,
    pub owed: Yuan,
    /// Every unit of the order is back.
    pub fully_returned: bool,
    /// True when this answers a retry of the same return.
    pub replayed: bool,
}

/// Why the order takes no more coupons (it has returns), or `None`.
pub(super) fn returned(tx: &mut dyn Tx, order_id: &str) -> Result<Option<String>, LedgerError> {
    Ok((!tx.order_returns(order_id)?.is_empty())
        .then(|| format!("order `{order_id}` has returns, which settled its coupons")))
}

fn refused(reason: &'static str, message: String) -> LedgerError {
    LedgerError::Refused { reason, message }
}

/// A redemption that takes part in returns, with what it kept.
struct Held {
    row: RedemptionRow,
    paid: Paid,
    allocation: Allocation,
}

fn held(order_id: &str, rows: Vec<RedemptionRow>) -> Result<Vec<Held>, LedgerError> {
    if rows.is_empty() {
        return Err(refused(
            "unknown_order",
            format!("order `{order_id}` redeemed no coupon in this ledger"),
        ));
    }
    if let Some(r) = rows.iter().find(|r| r.status == "reserved") {
        return Err(refused(
            "not_paid",
            format!(
                "order `{order_id}` holds `{}` in reserve: commit the order (it is paid) before returning lines, or roll it back",
                r.code
            ),
        ));
    }
    let mut out = Vec::new();
    for row in rows
        .into_iter()
        .filter(|r| r.status == "committed" || r.status == "returned")
    {
        let kept: Kept = serde_json::from_str(&row.response)
            .map_err(|e| LedgerError::corrupt_from(&format!("stored redemption of `{}`", row.code), e))?;
        let (Some(paid), Some(allocation)) = (kept.paid, kept.allocation) else {
            return Err(refused(
                "not_returnable",
                format!(
                    "`{}` was redeemed for order `{order_id}` by a version of mintage that kept no allocation: \
                     settle this return by hand",
                    row.code
                ),
            ));
        };
        out.push(Held { row, paid, allocation });
    }
    if out.is_empty() {
        return Err(refused(
            "not_paid",
            format!(
                "order `{order_id}` holds no redeemed coupon (rolled back or lapsed): there is nothing to claw back"
            ),
        ));
    }
    Ok(out)
}

/// The units of each line returned so far, from the answers of earlier returns.
fn so_far(earlier: &[ReturnRow]) -> Result<BTreeMap<String, u32>, LedgerError> {
    let mut out: BTreeMap<String, u32> = BTreeMap::new();
    for r in earlier {
        let a: ReturnOutcome = serde_json::from_str(&r.answer)
            .map_err(|e| LedgerError::corrupt_from(&format!("return `{}`", r.return_id), e))?;
        for l in a.lines {
            *out.entry(l.line_id).or_default() += l.qty;
        }
    }
    Ok(out)
}

/// The units this return takes back, by line id (none zero).
fn asked(
    req: &ReturnRequest,
    paid: &Paid,
    before: &BTreeMap<String, u32>,
) -> Result<BTreeMap<String, u32>, LedgerError> {
    let left = |id: &str, qty: u32| qty.saturating_sub(before.get(id).copied().unwrap_or(0));
    let mut out = BTreeMap::new();
    match &req.lines {
        None => {
            for l in &paid.lines {
                let n = left(&l.id, l.qty);
                if n > 0 {
                    out.insert(l.id.clone(), n);
                }
            }
        }
        Some(lines) => {
            for r in lines {
                let Some(l) = paid.line(&r.line_id) else {
                    let ids: Vec<String> = paid.lines.iter().map(|l| format!("`{}`", l.id)).collect();
                    return Err(refused(
                        "unknown_line",
                        format!(
                            "the order has no line `{}`; its lines are {}",
                            r.line_id,
                            ids.join(", ")
                        ),
                    ));
                };
                let n = left(&l.id, l.qty);
                let want = r.qty.unwrap_or(n);
                if want > n || n == 0 {
                    return Err(refused(
                        "over_return",
                        format!("line `{}` has {n} of {} units left to return, not {want}", l.id, l.qty),
                    ));
                }
                out.insert(l.id.clone(), want);
            }
        }
    }
    if out.is_empty() {
        return Err(refused(
            "nothing_to_return",
            "every unit of the order was returned already".to_string(),
        ));
    }
    Ok(out)
}

/// The coupon gives itself back: to its owner if still valid at `at`, else expired with
/// its face value back to the budget (as a rollback does).
fn give_back(tx: &mut dyn Tx, order_id: &str, code: &str, at: Millis) -> Result<CouponState, LedgerError> {
    let Some(c) = tx.coupon(code, true)? else {
        return Err(LedgerError::corrupt(format!(
            "order `{order_id}` redeemed `{code}`, which is not in the ledger"
        )));
    };
    if c.status != CouponState::Redeemed || c.order_id.as_deref() != Some(order_id) {
        return Ok(c.status);
    }
    super::lapse::give_back(tx, &c, at)
}

fn charges(by_seller: &BTreeMap<String, Fen>) -> Vec<SellerCharge> {
    by_seller
        .iter()
        .filter(|(_, a)| **a != 0)
        .map(|(id, a)| SellerCharge {
            seller_id: id.clone(),
            amount: Yuan(*a),
        })
        .collect()
}

/// One coupon's part of the answer.
fn coupon_answer(code: &str, d: &Claw, status: CouponState) -> CouponClawback {
    let sellers = d.sellers();
    CouponClawback {
        code: code.to_string(),
        reason: d.why,
        clawback: Yuan(d.total()),
        platform: Yuan(d.platform()),
        seller: Yuan(sellers.values().sum()),
        sellers: charges(&sellers),
        lines: d
            .lines
            .iter()
            .filter(|p| p.amount() != 0)
            .map(|p| LineShare {
                line_id: p.line_id.clone(),
                amount: Yuan(p.amount()),
            })
            .collect(),
        shipping: (d.shipping.amount() != 0).then(|| Yuan(d.shipping.amount())),
        status,
    }
}

/// Takes back the lines of `req` from order `order_id` at `at`.
pub fn return_order(
    tx: &mut dyn Tx,
    order_id: &str,
    req: &ReturnRequest,
    at: Millis,
) -> Result<ReturnOutcome, LedgerError> {
    let earlier = tx.order_returns(order_id)?;
    let key = serde_json::to_string(&req.key()).map_err(|e| LedgerError::internal_from("cannot encode a return", e))?;
    if let Some(r) = earlier.iter().find(|r| r.return_id == req.return_id) {
        if r.lines != key {
            return Err(refused(
                "return_id_reused",
                format!(
                    "return `{}` of order `{order_id}` was made with other lines: give this return an id of its own",
                    req.return_id
                ),
            ));
        }
        let mut answer: ReturnOutcome = serde_json::from_str(&r.answer)
            .map_err(|e| LedgerError::corrupt_from(&format!("return `{}`", r.return_id), e))?;
        answer.replayed = true;
        return Ok(answer);
    }
    let mut held = held(order_id, tx.order_redemptions(order_id)?)?;
    // The order as last redeemed is the one whose lines come back.
    let Some(paid) = held.last().map(|h| h.paid.clone()) else {
        return Err(LedgerError::internal("no redemption to return"));
    };
    let mut ids = std::collections::BTreeSet::new();
    if let Some(l) = paid.lines.iter().find(|l| !ids.insert(l.id.as_str())) {
        return Err(refused(
            "ambiguous_lines",
            format!(
                "order `{order_id}` was redeemed with two lines `{}`: lines cannot be told apart, settle this return by hand",
                l.id
            ),
        ));
    }
    held.sort_by(|a, b| a.row.code.cmp(&b.row.code));
    let before = so_far(&earlier)?;
    let now = asked(req, &paid, &before)?;
    let mut after = before.clone();
    for (id, n) in &now {
        *after.entry(id.clone()).or_default() += n;
    }
    let all_back = |r: &BTreeMap<String, u32>| paid.lines.iter().all(|l| r.get(&l.id).copied().unwrap_or(0) >= l.qty);
    let (was_whole, whole) = (all_back(&before), all_back(&after));
    let mut coupons = Vec::new();
    let mut by_line: BTreeMap<String, Fen> = BTreeMap::new();
    let mut by_seller: BTreeMap<String, Fen> = BTreeMap::new();
    let (mut clawback, mut platform) = (0 as Fen, 0 as Fen);
    // INVARIANT: coupons are locked in code order, as everywhere in the ledger.
    for h in &mut held {
        let was = clawed(&h.allocation, &h.paid, &before, was_whole);
        let is = clawed(&h.allocation, &h.paid, &after, whole);
        let d = is.minus(&was);
        let all_back =
            whole || (!h.allocation.extra && h.allocation.discount() > 0 && is.total() == h.allocation.discount());
        let release = h.row.status == "committed" && all_back;
        if d.total() == 0 && !release {
            continue;
        }
        let status = if release {
            give_back(tx, order_id, &h.row.code, at)?
        } else {
            CouponState::Redeemed
        };
        let sellers = d.sellers();
        h.row.discount -= d.total();
        h.row.platform -= d.platform();
        h.row.seller -= sellers.values().sum::<Fen>();
        if release {
            h.row.status = "returned".into();
        }
        tx.put_redemption(&h.row)?;
        for p in &d.lines {
            *by_line.entry(p.line_id.clone()).or_default() += p.amount();
        }
        for (id, a) in &sellers {
            *by_seller.entry(id.clone()).or_default() += a;
        }
        clawback += d.total();
        platform += d.platform();
        coupons.push(coupon_answer(&h.row.code, &d, status));
    }
    let lines: Vec<ReturnedLine> = paid
        .lines
        .iter()
        .filter_map(|l| {
            let qty = now.get(&l.id).copied().unwrap_or(0);
            let claw = by_line.get(&l.id).copied().unwrap_or(0);
            (qty > 0 || claw != 0).then(|| ReturnedLine {
                line_id: l.id.clone(),
                qty,
                value: Yuan(l.price.saturating_mul(Fen::from(qty))),
                clawback: Yuan(claw),
            })
        })
        .collect();
    let value: Fen = lines.iter().map(|l| l.value.0).sum();
    let answer = ReturnOutcome {
        order_id: order_id.to_string(),
        return_id: req.return_id.clone(),
        lines,
        coupons,
        value: Yuan(value),
        clawback: Yuan(clawback),
        platform: Yuan(platform),
        seller: Yuan(by_seller.values().sum()),
        sellers: charges(&by_seller),
        refund: Yuan((value - clawback).max(0)),
        owed: Yuan((clawback - value).max(0)),
        fully_returned: whole,
        replayed: false,
    };
    tx.insert_return(&ReturnRow {
        order_id: order_id.to_string(),
        return_id: req.return_id.clone(),
        lines: key,
        answer: serde_json::to_string(&answer).map_err(|e| LedgerError::internal_from("cannot encode a return", e))?,
        created_at: at,
    })?;
    Ok(answer)
}
