//! Checkout: a buyer's wallet applied to an order. Which coupons combine (different rules
//! do; one coupon per rule unless `stackable`; never against `exclusive` or `exclusive
//! with`), the one order in which a set applies ([`plan`]), the set of largest discount
//! found exactly by branch and bound ([`search`]), and the answer ([`answer`]): each
//! coupon's discount spread over the lines it covers and split between platform and
//! sellers to the fen, and a reason for every coupon not chosen. `docs/checkout.md` states
//! the rules with worked examples.
//!
//! This module is pure: it reads no ledger and keeps no state. It depends only on
//! [`crate::money`] and [`crate::value`].

pub mod answer;
pub mod input;
pub mod plan;
pub mod returns;
pub mod search;

pub use answer::Quote;
pub use input::{Coupon, Funding, Kind, Line, Order, QuoteRequest, Time};

/// Why a quote could not be made: the order or the wallet does not hold together.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckoutError {
    #[error("bad order: {detail}")]
    BadOrder { detail: String },
    #[error("bad wallet: {detail}")]
    BadWallet { detail: String },
}

impl CheckoutError {
    pub(crate) fn bad_order(detail: String) -> CheckoutError {
        CheckoutError::BadOrder { detail }
    }

    pub(crate) fn bad_wallet(detail: String) -> CheckoutError {
        CheckoutError::BadWallet { detail }
    }

    /// The error's code in answers (`bad_order`, `bad_wallet`).
    pub fn code(&self) -> &'static str {
        match self {
            CheckoutError::BadOrder { .. } => "bad_order",
            CheckoutError::BadWallet { .. } => "bad_wallet",
        }
    }

    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            CheckoutError::BadOrder { .. } => {
                "give each line a distinct id, a non-negative price and a total that fits in fen"
            }
            CheckoutError::BadWallet { .. } => {
                "give each coupon a distinct code, non-negative amounts, a percentage from 0 to 100 and funding shares adding up to 100"
            }
        }
    }
}

/// The best combination of the wallet for the order, and how it is spread.
///
/// ```
/// use mintage::checkout::{quote, Coupon, Kind, Line, Order, QuoteRequest, Time};
/// use mintage::value::{Percent, Yuan};
///
/// let line = |id: &str, price| Line { id: id.into(), category: Some("bags".into()), price: Yuan::whole(price),
///     qty: 1, seller_id: Some("s-1".into()), on_sale: false };
/// let order = Order { id: "o-1".into(), buyer_id: "u-1".into(), lines: vec![line("a", 300), line("b", 100)],
///     shipping: Yuan::whole(10) };
/// let mut ten = Coupon::new("MNT-A", "double11", "base", Kind::PercentOff);
/// ten.percent = Some(Percent(1_000));
/// let mut fifty = Coupon::new("MNT-B", "double11", "base", Kind::AmountOff);
/// fifty.amount = Some(Yuan::whole(50));
/// let q = quote(&QuoteRequest { order, wallet: vec![ten, fifty], at: Time(0) }).unwrap();
/// // One coupon per rule: ¥50 off beats 10% of ¥400.
/// assert_eq!(q.discount, Yuan::whole(50));
/// assert_eq!(q.not_chosen[0].reason, "rule_once");
/// ```
pub fn quote(request: &QuoteRequest) -> Result<Quote, CheckoutError> {
    let plan = plan::Plan::new(request)?;
    let best = search::best(&plan);
    let chosen = answer::with_extras(&plan, best.coupons);
    Ok(answer::build(&plan, &chosen))
}
