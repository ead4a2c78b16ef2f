//! Order-level redemption: every code a buyer typed at checkout, redeemed together in one
//! transaction. The coupons are locked in code order (two orders sharing codes never wait
//! on each other in a circle on PostgreSQL), checked as `redeem` checks one, and handed
//! to the checkout engine, whose answer is the combination and the split: either it
//! takes every code, and each is reserved (or committed) with its part of the discount,
//! or nothing is held and every code says why.
//!
//! A reservation lapses after `LedgerOptions::reservation_ttl`: the tick gives the coupon
//! back (see `lapse`), and a commit after that is refused `reservation_expired`. A lapsed
//! reservation the tick has not reached yet is given back when an order locks its coupon.

use super::api::{CouponState, RedeemOutcome, SellerCharge, Settlement, Stage};
use super::lapse::{free_if_lapsed, release_own};
use super::quote::{BadField, MAX_CODES, QuoteAsk, checkout_coupon};
use super::store::{CouponRow, RedemptionRow, Tx};
use super::{LedgerError, redeem::spend};
use crate::checkout::answer::Chosen;
use crate::checkout::{self, Order, QuoteRequest, Time};
use crate::runtime::codes::parse_code;
use crate::value::{Fen, Millis, Yuan, time_string};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The codes of one order, redeemed together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderRedeemRequest {
    pub codes: Vec<String>,
    pub order: Order,
    /// When the redemption happens (RFC 3339); the ledger's clock when absent.
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default, deserialize_with = "crate::runtime::json::string_enum")]
    pub stage: Stage,
}

impl OrderRedeemRequest {
    /// Checks what JSON cannot, as a quote of the same codes does
    /// ([`QuoteAsk::validate`]), and that there is from one to `MAX_CODES` codes.
    pub fn validate(&self) -> Result<(), BadField> {
        if self.codes.is_empty() || self.codes.len() > MAX_CODES {
            return Err(BadField {
                field: "codes".into(),
                message: format!("give from 1 to {MAX_CODES} codes, not {}", self.codes.len()),
                code: "invalid_field",
            });
        }
        QuoteAsk {
            order: self.order.clone(),
            codes: Some(self.codes.clone()),
            at: self.at.clone(),
        }
        .validate()
    }
}

/// A line's part of a coupon's discount (yuan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LineShare {
    pub line_id: String,
    pub amount: Yuan,
}

/// One code of the order: accepted with its part of the discount (by line and by who
/// pays it), or refused with a reason: the reasons `redeem` gives, `duplicate_code`
/// (typed twice), `order_held` (the order holds other coupons), a reason of the checkout
/// engine (`not_stackable`, `exclusive`, `rule_once`…) when it would not combine it, or
/// `not_held` for a code that was fine but is not held because another one was refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeOutcome {
    pub code: String,
    pub accepted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lines: Vec<LineShare>,
    /// The part of the shipping fee it takes off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Yuan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The answer: all codes held (`accepted`, with `status` and, for a reservation,
/// `reserved_until`), or none; the codes in the order typed; the discount in total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderRedeemOutcome {
    pub accepted: bool,
    pub order_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CouponState>,
    /// RFC 3339, UTC: when the reservation lapses unless committed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_until: Option<String>,
    pub discount: Yuan,
    pub codes: Vec<CodeOutcome>,
    /// True when this answers a retry of the same codes for the same order.
    pub replayed: bool,
}

/// What a redemption row keeps as its answer: `redeem`'s (so that a retry of one code
/// answers as `redeem` would) with the lines added.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(flatten)]
    outcome: RedeemOutcome,
    #[serde(default)]
    lines: Vec<LineShare>,
    #[serde(default)]
    shipping: Option<Yuan>,
    #[serde(flatten)]
    kept: super::kept::Kept,
}

fn refused(code: &str, reason: &str, detail: String) -> CodeOutcome {
    CodeOutcome {
        code: code.to_string(),
        accepted: false,
        settlement: None,
        lines: Vec::new(),
        shipping: None,
        reason: Some(reason.to_string()),
        detail: Some(detail),
    }
}

/// A refusal for the code typed at that place (bad or repeated), or else for the first
/// place that code was typed.
type Why = (Option<usize>, CodeOutcome);

/// Nothing held: the codes refused say why, every other one is `not_held`.
fn refuse_all(order_id: &str, typed: &[String], why: Vec<Why>) -> OrderRedeemOutcome {
    let first = why.first().map(|(_, c)| c.code.clone()).unwrap_or_default();
    let norm: Vec<String> = typed
        .iter()
        .map(|t| parse_code(t).unwrap_or_else(|_| t.clone()))
        .collect();
    let mut slots: Vec<Option<CodeOutcome>> = vec![None; typed.len()];
    for (at, c) in why {
        let place = at.or_else(|| (0..typed.len()).find(|i| slots[*i].is_none() && norm[*i] == c.code));
        if let Some(slot) = place.and_then(|i| slots.get_mut(i)) {
            *slot = Some(c);
        }
    }
    let codes = slots
        .into_iter()
        .zip(norm)
        .map(|(slot, code)| {
            slot.unwrap_or_else(|| {
                refused(
                    &code,
                    "not_held",
                    format!("nothing was held: `{first}` was refused, and the codes of an order go together"),
                )
            })
        })
        .collect();
    OrderRedeemOutcome {
        accepted: false,
        order_id: order_id.to_string(),
        status: None,
        reserved_until: None,
        discount: Yuan(0),
        codes,
        replayed: false,
    }
}

/// Why a locked coupon cannot be used by this order at `at`, as `redeem` says it.
fn unusable(c: &CouponRow, buyer: &str, at: Millis) -> Option<(&'static str, String)> {
    match c.status {
        CouponState::Revoked => return Some(("revoked", "the coupon was revoked".into())),
        CouponState::Expired => return Some(("expired", "the coupon has expired".into())),
        CouponState::Reserved | CouponState::Redeemed => {
            let by = c.order_id.clone().unwrap_or_default();
            return Some(("already_redeemed", format!("the coupon is held by order `{by}`")));
        }
        CouponState::Issued => {}
    }
    if at >= c.valid_until {
        return Some(("expired", "the coupon's validity has ended".into()));
    }
    if at < c.valid_from {
        return Some(("not_yet_valid", "the coupon is not valid yet".into()));
    }
    // Terms that do not read are refused as corrupt when the order is quoted, below.
    if let Some(on) = super::redeem::terms(c).ok().and_then(|t| t.valid_on)
        && !on.allows(at)
    {
        return Some(("not_valid_now", on.refusal(at)));
    }
    if c.user_id != buyer {
        return Some((
            "not_owner",
            format!("the coupon belongs to another user than `{buyer}`"),
        ));
    }
    None
}

/// The codes typed, normalised and each once, and the refusals of bad and repeated ones.
fn normalise(typed: &[String]) -> (Vec<String>, Vec<Why>) {
    let mut seen = BTreeSet::new();
    let mut codes = Vec::new();
    let mut bad = Vec::new();
    for (i, t) in typed.iter().enumerate() {
        match parse_code(t) {
            Err(e) => bad.push((Some(i), refused(t, "invalid_code", e.to_string()))),
            Ok(c) if !seen.insert(c.clone()) => bad.push((
                Some(i),
                refused(&c, "duplicate_code", format!("`{c}` is given more than once")),
            )),
            Ok(c) => codes.push(c),
        }
    }
    (codes, bad)
}

/// The answer again, from the rows of an order that holds exactly these codes.
fn replay(
    req: &OrderRedeemRequest,
    codes: &[String],
    held: &[RedemptionRow],
) -> Result<OrderRedeemOutcome, LedgerError> {
    let mut out = Vec::new();
    let mut discount: Fen = 0;
    let mut status = None;
    let mut until = None;
    for code in codes {
        let Some(r) = held.iter().find(|r| r.code == *code) else {
            return Err(LedgerError::internal(format!("no redemption of `{code}` to replay")));
        };
        let s: Stored = serde_json::from_str(&r.response)
            .map_err(|e| LedgerError::corrupt_from(&format!("stored redemption of `{code}`"), e))?;
        discount += r.discount;
        status = Some(if r.status == "committed" {
            CouponState::Redeemed
        } else {
            CouponState::Reserved
        });
        until = r.reserved_until.filter(|_| r.status == "reserved");
        out.push(CodeOutcome {
            code: code.clone(),
            accepted: true,
            settlement: s.outcome.settlement,
            lines: s.lines,
            shipping: s.shipping,
            reason: None,
            detail: None,
        });
    }
    Ok(OrderRedeemOutcome {
        accepted: true,
        order_id: req.order.id.clone(),
        status,
        reserved_until: until.map(|t| time_string(t, chrono_tz::UTC)),
        discount: Yuan(discount),
        codes: out,
        replayed: true,
    })
}

/// The order holds exactly these codes, some in reserve, and is now paid: they are
/// committed as `commit` does, and the answer is the first one, redeemed.
fn commit_held(
    tx: &mut dyn Tx,
    req: &OrderRedeemRequest,
    codes: &[String],
    at: Millis,
) -> Result<OrderRedeemOutcome, LedgerError> {
    super::redeem::commit(tx, &req.order.id, at)?;
    let held: Vec<RedemptionRow> = tx
        .order_redemptions(&req.order.id)?
        .into_iter()
        .filter(RedemptionRow::holds)
        .collect();
    let mut answer = replay(req, codes, &held)?;
    answer.replayed = false;
    Ok(answer)
}

fn settlement(c: &Chosen) -> Settlement {
    Settlement {
        discount: c.discount,
        platform: c.funding.platform,
        seller: c.funding.seller,
        sellers: c
            .funding
            .sellers
            .iter()
            .map(|s| SellerCharge {
                seller_id: s.seller_id.clone(),
                amount: s.amount,
            })
            .collect(),
        gift: c.gift.clone(),
        perk: c.perk.clone(),
    }
}

/// Redeems every code of the order at `at`, or none; a reservation lapses at `until`.
/// Reservations lapse by the ledger's clock `now`, not by the request's `at`.
pub fn redeem_order(
    tx: &mut dyn Tx,
    req: &OrderRedeemRequest,
    at: Millis,
    (now, until): (Millis, Millis),
) -> Result<OrderRedeemOutcome, LedgerError> {
    let order_id = req.order.id.as_str();
    let (mut codes, mut why) = normalise(&req.codes);
    if req.codes.is_empty() {
        return Err(LedgerError::BadInput("`codes`: give at least one code".into()));
    }
    let rows = tx.order_redemptions(order_id)?;
    let held: Vec<RedemptionRow> = release_own(tx, rows, now)?
        .into_iter()
        .filter(RedemptionRow::holds)
        .collect();
    if !held.is_empty() {
        let holds: BTreeSet<&str> = held.iter().map(|r| r.code.as_str()).collect();
        if why.is_empty() && holds == codes.iter().map(String::as_str).collect() {
            if req.stage == Stage::Commit && held.iter().any(|r| r.status == "reserved") {
                return commit_held(tx, req, &codes, at);
            }
            return replay(req, &codes, &held);
        }
        let list = holds.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ");
        let detail = format!(
            "order `{order_id}` already holds {list}: redeem the same codes again, or roll the order back first"
        );
        why.extend(codes.iter().map(|c| (None, refused(c, "order_held", detail.clone()))));
        return Ok(refuse_all(order_id, &req.codes, why));
    }
    if let Some(detail) = super::returns::returned(tx, order_id)? {
        let detail = format!("{detail}: use a new order id");
        why.extend(
            codes
                .iter()
                .map(|c| (None, refused(c, "order_returned", detail.clone()))),
        );
        return Ok(refuse_all(order_id, &req.codes, why));
    }
    // INVARIANT: coupons are locked in code order, here and in `lapse::release_lapsed`
    // (after the order's own lapsed reservations, released above: PostgreSQL's rare
    // deadlock with another order there is a conflict, and retried).
    let typed_order = codes.clone();
    codes.sort();
    let mut rows = Vec::new();
    for code in &codes {
        match tx.coupon(code, true)? {
            None => {
                let detail = format!("no coupon has the code `{code}`");
                why.push((None, refused(code, "unknown_code", detail)));
            }
            Some(row) => {
                let row = free_if_lapsed(tx, row, now)?;
                match unusable(&row, &req.order.buyer_id, at) {
                    Some((reason, detail)) => why.push((None, refused(code, reason, detail))),
                    None => rows.push(row),
                }
            }
        }
    }
    if !why.is_empty() {
        return Ok(refuse_all(order_id, &req.codes, why));
    }
    let wallet = rows.iter().map(checkout_coupon).collect::<Result<Vec<_>, _>>()?;
    let quote = checkout::quote(&QuoteRequest {
        order: req.order.clone(),
        wallet,
        at: Time(at),
    })
    .map_err(|e| LedgerError::Refused {
        reason: "bad_order",
        message: format!("{e}: {}", e.help()),
    })?;
    if !quote.not_chosen.is_empty() {
        let why = quote
            .not_chosen
            .iter()
            .map(|n| (None, refused(&n.code, &n.reason, n.detail.clone())))
            .collect();
        return Ok(refuse_all(order_id, &req.codes, why));
    }
    let to = match req.stage {
        Stage::Reserve => CouponState::Reserved,
        Stage::Commit => CouponState::Redeemed,
    };
    let mut out = Vec::new();
    for row in &rows {
        let Some(chosen) = quote.coupons.iter().find(|c| c.code == row.code) else {
            return Err(LedgerError::internal(format!(
                "the checkout engine neither chose nor refused `{}`",
                row.code
            )));
        };
        if !tx.set_coupon_status(&row.code, CouponState::Issued, to, Some(order_id))? {
            return Err(LedgerError::conflict(format!(
                "coupon `{}` changed meanwhile",
                row.code
            )));
        }
        if to == CouponState::Redeemed {
            spend(tx, row, row.face_value)?;
        }
        let settlement = settlement(chosen);
        let lines: Vec<LineShare> = chosen
            .lines
            .iter()
            .map(|l| LineShare {
                line_id: l.line_id.clone(),
                amount: l.amount,
            })
            .collect();
        let shipping = (chosen.shipping.0 != 0).then_some(chosen.shipping);
        let reserved_until = (to == CouponState::Reserved).then(|| time_string(until, chrono_tz::UTC));
        let stored = Stored {
            outcome: RedeemOutcome {
                accepted: true,
                code: row.code.clone(),
                order_id: order_id.to_string(),
                status: Some(to),
                settlement: Some(settlement.clone()),
                reserved_until,
                reason: None,
                detail: None,
                replayed: false,
            },
            lines: lines.clone(),
            shipping,
            kept: super::kept::of_checkout(&req.order, chosen, &super::redeem::terms(row)?)?,
        };
        tx.put_redemption(&RedemptionRow {
            order_id: order_id.to_string(),
            code: row.code.clone(),
            buyer_id: req.order.buyer_id.clone(),
            status: if to == CouponState::Redeemed {
                "committed"
            } else {
                "reserved"
            }
            .to_string(),
            discount: settlement.discount.0,
            platform: settlement.platform.0,
            seller: settlement.seller.0,
            response: serde_json::to_string(&stored)
                .map_err(|e| LedgerError::internal_from("cannot encode a redemption", e))?,
            reserved_until: (to == CouponState::Reserved).then_some(until),
        })?;
        out.push(CodeOutcome {
            code: row.code.clone(),
            accepted: true,
            settlement: Some(settlement),
            lines,
            shipping,
            reason: None,
            detail: None,
        });
    }
    out.sort_by_key(|c| typed_order.iter().position(|t| *t == c.code));
    Ok(OrderRedeemOutcome {
        accepted: true,
        order_id: order_id.to_string(),
        status: Some(to),
        reserved_until: (to == CouponState::Reserved).then(|| time_string(until, chrono_tz::UTC)),
        discount: quote.discount,
        codes: out,
        replayed: false,
    })
}
