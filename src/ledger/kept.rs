//! What a redemption keeps for returns, next to the answer it gave: the order as it was
//! paid and how the coupon's discount lies on it, line by line and by funder
//! ([`crate::checkout::returns::allocate`]). Both ways of redeeming keep it: `redeem`
//! (one code against an `items` order) and `redeem_order` (the checkout engine's split).

use super::LedgerError;
use super::api::Order as ItemsOrder;
use super::redeem::Charges;
use super::store::Terms;
use crate::checkout::Order;
use crate::checkout::answer::Chosen;
use crate::checkout::returns::{Allocation, Given, Paid, PaidLine, allocate, of_chosen};
use crate::value::fen_from_yuan;
use serde::{Deserialize, Serialize};

/// Stored in the redemption's `response` beside the answer; redemptions made before
/// returns existed have neither.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Kept {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid: Option<Paid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation: Option<Allocation>,
}

fn kept(paid: Paid, given: &Given<'_>, code: &str) -> Result<Kept, LedgerError> {
    let allocation = allocate(given)
        .map_err(|e| LedgerError::internal(format!("the allocation of `{code}` does not add up: {e}")))?;
    Ok(Kept {
        paid: Some(paid),
        allocation: Some(allocation),
    })
}

/// What `redeem` keeps: `charges` on the order's items.
pub fn of_items(order: &ItemsOrder, terms: &Terms, charges: &Charges, code: &str) -> Result<Kept, LedgerError> {
    let paid = Paid {
        lines: order
            .items
            .iter()
            .map(|i| PaidLine {
                id: i.id.clone(),
                price: fen_from_yuan(i.price).unwrap_or(0),
                qty: i.qty,
            })
            .collect(),
        shipping: order.shipping.and_then(fen_from_yuan).unwrap_or(0),
    };
    let shipping = terms.kind == "free_shipping";
    let lines: Vec<(String, Option<String>, i64)> = if shipping {
        Vec::new()
    } else {
        charges
            .parts
            .iter()
            .filter(|(_, a)| *a != 0)
            .filter_map(|(i, a)| order.items.get(*i).map(|it| (it.id.clone(), it.seller_id.clone(), *a)))
            .collect()
    };
    let given = Given {
        lines: &lines,
        shipping: shipping.then_some(charges.discount),
        platform: charges.platform,
        sellers: &charges.sellers,
        min_spend: terms.min_spend,
        basis: charges
            .basis
            .iter()
            .filter_map(|i| order.items.get(*i).map(|it| it.id.clone()))
            .collect(),
        extra: terms.kind == "gift" || terms.kind == "perk",
    };
    kept(paid, &given, code)
}

/// What `redeem_order` keeps: the checkout engine's `chosen` entry on `order`.
pub fn of_checkout(order: &Order, chosen: &Chosen, terms: &Terms) -> Result<Kept, LedgerError> {
    let (paid, allocation) = of_chosen(order, chosen, terms.min_spend)
        .map_err(|e| LedgerError::internal(format!("the allocation of `{}` does not add up: {e}", chosen.code)))?;
    Ok(Kept {
        paid: Some(paid),
        allocation: Some(allocation),
    })
}
