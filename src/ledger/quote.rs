//! Quotes from the ledger: a buyer's wallet read as [`checkout::Coupon`]s (their stored
//! terms, validity and funding), and [`Ledger::quote`], which answers an order with the
//! best combination of the wallet, or of the codes the buyer typed. It reads and
//! reserves nothing: `redeem` holds the codes the buyer then uses.
//!
//! A code typed that is not a usable coupon of the buyer (a bad check character, no such
//! coupon, another user's, already held by an order, revoked, expired) is not an error:
//! the answer lists it in `not_chosen` with the reason `redeem` would give.

use super::api::CouponState;
use super::store::{CouponRow, Terms, Tx, read};
use super::{Ledger, LedgerError};
use crate::checkout::answer::NotChosen;
use crate::checkout::{self, CheckoutError, Coupon, Funding, Kind, Order, Quote, QuoteRequest, Time};
use crate::runtime::codes::parse_code;
use crate::value::{Millis, Percent, Yuan, parse_time, time_string};
use serde::{Deserialize, Serialize};

/// The most lines an order may have, the largest quantity of a line, the largest unit
/// price and shipping fee (yuan), and the most codes one quote may name: an order's
/// total stays far inside integer fen. `docs/openapi.json` says the same.
pub const MAX_LINES: usize = 1_000;
pub const MAX_QTY: u32 = 100_000;
pub const MAX_PRICE_FEN: i64 = 10_000_000_000;
pub const MAX_CODES: usize = 100;

/// What a quote is asked: the order, and the codes the buyer chose (none: the whole
/// wallet of `order.buyer_id`), at a time (none: now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuoteAsk {
    pub order: Order,
    #[serde(default)]
    pub codes: Option<Vec<String>>,
    /// RFC 3339; validity is checked at this time.
    #[serde(default)]
    pub at: Option<String>,
}

/// The answer: the time it was quoted at and the engine's quote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuoteAnswer {
    /// RFC 3339, UTC.
    pub at: String,
    #[serde(flatten)]
    pub quote: Quote,
}

/// A field of the request that does not hold together: where (`order.lines[0].price`)
/// and what is wrong with it, with how to fix it in the message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}`: {message}")]
pub struct BadField {
    pub field: String,
    pub message: String,
    /// `invalid_field`: a value outside what `docs/openapi.json` admits; `bad_order`: an
    /// order the document admits (it cannot say "distinct line ids") that still does not
    /// hold together, which the service answers 409, not 400.
    pub code: &'static str,
}

fn bad(field: impl Into<String>, message: impl Into<String>) -> Result<(), BadField> {
    Err(BadField {
        field: field.into(),
        message: message.into(),
        code: "invalid_field",
    })
}

fn money(field: String, amount: Yuan) -> Result<(), BadField> {
    if !(0..=MAX_PRICE_FEN).contains(&amount.0) {
        return bad(
            field,
            "give an amount in yuan from 0 to 100000000 with at most 2 decimals",
        );
    }
    Ok(())
}

impl QuoteAsk {
    /// Checks what JSON cannot: ids not empty and distinct, amounts and quantities in
    /// bounds, at least one line, a time that parses, codes not empty.
    pub fn validate(&self) -> Result<(), BadField> {
        let order = &self.order;
        if order.id.is_empty() {
            return bad("order.id", "the order id is empty");
        }
        if order.buyer_id.is_empty() {
            return bad("order.buyer_id", "the buyer id is empty: the wallet is the buyer's");
        }
        if order.lines.is_empty() || order.lines.len() > MAX_LINES {
            let n = order.lines.len();
            return bad(
                "order.lines",
                format!("an order has from 1 to {MAX_LINES} lines, this one {n}"),
            );
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, line) in order.lines.iter().enumerate() {
            if line.id.is_empty() {
                return bad(format!("order.lines[{i}].id"), "the line id is empty");
            }
            if !ids.insert(line.id.as_str()) {
                return Err(BadField {
                    field: format!("order.lines[{i}].id"),
                    message: format!("another line has the id `{}`: give each line its own", line.id),
                    code: "bad_order",
                });
            }
            money(format!("order.lines[{i}].price"), line.price)?;
            if line.qty == 0 || line.qty > MAX_QTY {
                let message = format!("a quantity is from 1 to {MAX_QTY}, not {}", line.qty);
                return bad(format!("order.lines[{i}].qty"), message);
            }
        }
        money("order.shipping".into(), order.shipping)?;
        if let Some(codes) = &self.codes {
            if codes.len() > MAX_CODES {
                return bad(
                    "codes",
                    format!("a quote names at most {MAX_CODES} codes, not {}", codes.len()),
                );
            }
            // Only the empty code is refused: one of blanks, like any typo, is answered
            // `invalid_code` in `not_chosen`.
            if let Some(i) = codes.iter().position(String::is_empty) {
                return bad(format!("codes[{i}]"), "the code is empty");
            }
        }
        if let Some(at) = &self.at
            && let Err(message) = parse_time(at)
        {
            return bad("at", message);
        }
        Ok(())
    }
}

/// A stored coupon as the checkout engine reads it.
pub fn checkout_coupon(row: &CouponRow) -> Result<Coupon, LedgerError> {
    let terms: Terms = serde_json::from_str(&row.terms)
        .map_err(|e| LedgerError::corrupt_from(&format!("terms of coupon `{}`", row.code), e))?;
    let kind = match terms.kind.as_str() {
        "amount_off" => Kind::AmountOff,
        "percent_off" => Kind::PercentOff,
        "threshold" => Kind::Threshold,
        "free_shipping" => Kind::FreeShipping,
        "gift" => Kind::Gift,
        "perk" => Kind::Perk,
        other => {
            return Err(LedgerError::corrupt(format!(
                "coupon `{}` has an unknown kind `{other}`",
                row.code
            )));
        }
    };
    Ok(Coupon {
        code: row.code.clone(),
        campaign: row.campaign.clone(),
        rule: row.rule.clone(),
        kind,
        amount: terms.amount.map(Yuan),
        percent: terms.percent.map(Percent),
        cap: terms.cap.map(Yuan),
        min_spend: Yuan(terms.min_spend),
        categories: terms.categories,
        seller: terms.seller,
        gift: terms.gift,
        perk: terms.perk,
        valid_from: Some(Time(row.valid_from)),
        valid_until: Some(Time(row.valid_until)),
        valid_on: terms.valid_on,
        funding: Funding {
            platform: Percent(terms.platform_share),
            seller: Percent(terms.seller_share),
        },
        stackable: terms.stackable,
        // `exclusive` is stored as `exclusive_with: ["*"]`, which the engine reads.
        exclusive: false,
        exclusive_with: terms.exclusive_with,
        not_on_sale: terms.not_on_sale,
        campaign_cap: terms.order_cap.map(Yuan),
    })
}

/// Why a typed code is not in the wallet, as `redeem` would say it; `None`: it is.
fn refusal(row: &CouponRow, buyer: &str) -> Option<(&'static str, String)> {
    match row.status {
        CouponState::Revoked => Some(("revoked", "the coupon was revoked".into())),
        CouponState::Expired => Some(("expired", "the coupon has expired".into())),
        CouponState::Reserved | CouponState::Redeemed => {
            let by = row.order_id.clone().unwrap_or_default();
            Some(("already_redeemed", format!("the coupon is held by order `{by}`")))
        }
        CouponState::Issued if row.user_id != buyer => Some((
            "not_owner",
            format!("the coupon belongs to another user than `{buyer}`"),
        )),
        CouponState::Issued => None,
    }
}

/// The coupons to quote with, and the codes refused before the engine.
fn gather(tx: &mut dyn Tx, ask: &QuoteAsk, at: Millis) -> Result<(Vec<Coupon>, Vec<NotChosen>), LedgerError> {
    let buyer = ask.order.buyer_id.as_str();
    let Some(codes) = &ask.codes else {
        let wallet = tx.wallet(buyer, at)?;
        return Ok((
            wallet.iter().map(checkout_coupon).collect::<Result<_, _>>()?,
            Vec::new(),
        ));
    };
    let mut coupons: Vec<Coupon> = Vec::new();
    let mut refused: Vec<NotChosen> = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for typed in codes {
        let code = match parse_code(typed) {
            Ok(c) => c,
            Err(e) => {
                if seen.insert(typed.clone()) {
                    refused.push(not_chosen(typed, "invalid_code", e.to_string()));
                }
                continue;
            }
        };
        if !seen.insert(code.clone()) {
            continue;
        }
        match tx.coupon(&code, false)? {
            None => refused.push(not_chosen(
                &code,
                "unknown_code",
                format!("no coupon has the code `{code}`"),
            )),
            Some(row) => match refusal(&row, buyer) {
                Some((reason, detail)) => refused.push(not_chosen(&code, reason, detail)),
                None => coupons.push(checkout_coupon(&row)?),
            },
        }
    }
    Ok((coupons, refused))
}

fn not_chosen(code: &str, reason: &str, detail: String) -> NotChosen {
    NotChosen {
        code: code.to_string(),
        reason: reason.to_string(),
        detail,
    }
}

/// The engine's refusal: of the order, the caller's input; of the wallet, which the
/// ledger wrote, data this build cannot use.
fn engine_error(e: CheckoutError) -> LedgerError {
    match e {
        CheckoutError::BadOrder { .. } => LedgerError::BadInput(format!("{e}: {}", e.help())),
        CheckoutError::BadWallet { .. } => LedgerError::corrupt(format!("the wallet's coupons: {e}")),
    }
}

impl Ledger {
    /// The buyer's coupons usable at `at` (issued, valid then), as the checkout engine
    /// reads them, earliest `valid_until` first.
    pub fn checkout_wallet(&self, user_id: &str, at: Millis) -> Result<Vec<Coupon>, LedgerError> {
        read(&*self.backend, |tx| tx.wallet(user_id, at))?
            .iter()
            .map(checkout_coupon)
            .collect()
    }

    /// The best combination of the buyer's wallet (or of `ask.codes`) for the order, at
    /// `ask.at` or else `now`. The request should be [`QuoteAsk::validate`]d first; an
    /// order the engine refuses is `BadInput`.
    pub fn quote(&self, ask: &QuoteAsk, now: Millis) -> Result<QuoteAnswer, LedgerError> {
        let at = match &ask.at {
            Some(t) => parse_time(t).map_err(|e| LedgerError::BadInput(format!("`at`: {e}")))?,
            None => now,
        };
        let (wallet, refused) = read(&*self.backend, |tx| gather(tx, ask, at))?;
        let request = QuoteRequest {
            order: ask.order.clone(),
            wallet,
            at: Time(at),
        };
        let mut quote = checkout::quote(&request).map_err(engine_error)?;
        quote.not_chosen.extend(refused);
        quote.not_chosen.sort_by(|a, b| a.code.cmp(&b.code));
        Ok(QuoteAnswer {
            at: time_string(at, chrono_tz::UTC),
            quote,
        })
    }
}
