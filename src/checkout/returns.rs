//! Returns: how much of a coupon's discount a return takes back, and from whom.
//!
//! When an order is paid, each coupon's discount is kept as it lies on the order: its
//! part on each line, each part split between the platform and the line's seller
//! ([`allocate`]), and its part of the shipping fee. A return names lines and
//! quantities. What a coupon gives up is a function of everything returned so far
//! ([`clawed`]), so a return's clawback is the difference between that function after
//! and before it, and a sequence of returns adds up to what one return of the same
//! units would take:
//!
//! - each returned unit gives back its line's part, by funder, rounded down to the fen
//!   so that the units of a line add up exactly to the part when the last one returns;
//! - a coupon whose minimum spend the kept lines no longer reach gives back all it gave
//!   (its discount recomputed on what is kept is nothing);
//! - a fully returned order gives back every coupon's whole discount, shipping included
//!   (the return refunds the goods, not the delivery).
//!
//! This module is pure, like the rest of [`crate::checkout`]; the ledger keeps the
//! allocations and the returns.

use super::answer::Chosen;
use super::{Kind, Order};
use crate::money::split;
use crate::value::Fen;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A line of the order as it was paid: unit price in fen and quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaidLine {
    pub id: String,
    pub price: Fen,
    pub qty: u32,
}

/// The order as it was paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Paid {
    pub lines: Vec<PaidLine>,
    pub shipping: Fen,
}

impl Paid {
    pub fn line(&self, id: &str) -> Option<&PaidLine> {
        self.lines.iter().find(|l| l.id == id)
    }
}

/// A coupon's part of one line, and who pays it (fen; the part is `platform + seller`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub line_id: String,
    pub platform: Fen,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_id: Option<String>,
    pub seller: Fen,
}

impl Part {
    pub fn amount(&self) -> Fen {
        self.platform + self.seller
    }
}

/// A coupon's part of the shipping fee, and who pays it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ShippingPart {
    pub platform: Fen,
    /// By seller id, in id order.
    #[serde(default)]
    pub sellers: Vec<(String, Fen)>,
}

impl ShippingPart {
    pub fn amount(&self) -> Fen {
        self.platform + self.sellers.iter().map(|(_, a)| a).sum::<Fen>()
    }
}

/// How one coupon's discount lies on a paid order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub min_spend: Fen,
    /// The lines its minimum spend counts (in scope, and not on sale if it says so).
    pub basis: Vec<String>,
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<ShippingPart>,
    /// A gift or a perk: it discounts nothing, and comes back only with the whole order.
    #[serde(default)]
    pub extra: bool,
}

impl Allocation {
    pub fn discount(&self) -> Fen {
        self.parts.iter().map(Part::amount).sum::<Fen>() + self.shipping.as_ref().map_or(0, ShippingPart::amount)
    }
}

/// What a coupon gave, as the checkout engine or `redeem` split it.
pub struct Given<'a> {
    /// Its part of each line it discounts: (line id, the line's seller, fen).
    pub lines: &'a [(String, Option<String>, Fen)],
    /// Its part of the shipping fee (fen), for a free-shipping coupon.
    pub shipping: Option<Fen>,
    pub platform: Fen,
    /// The sellers' part by seller id.
    pub sellers: &'a [(String, Fen)],
    pub min_spend: Fen,
    pub basis: Vec<String>,
    pub extra: bool,
}

/// The allocation of what a coupon gave: each seller's part spread over that seller's
/// lines in proportion to the coupon's parts on them (`money::split`), the platform
/// paying the rest of each line. Errs when the parts do not add up (never, for what the
/// engine answers).
pub fn allocate(g: &Given<'_>) -> Result<Allocation, String> {
    let seller_total: Fen = g.sellers.iter().map(|(_, a)| a).sum();
    let given: Fen = g.lines.iter().map(|(_, _, a)| a).sum::<Fen>() + g.shipping.unwrap_or(0);
    if given != g.platform + seller_total {
        return Err(format!(
            "the parts ({given} fen) are not the platform's {} plus the sellers' {seller_total}",
            g.platform
        ));
    }
    if let Some(amount) = g.shipping {
        if !g.lines.is_empty() {
            return Err("a coupon takes off the shipping fee or lines, not both".into());
        }
        return Ok(Allocation {
            min_spend: g.min_spend,
            basis: g.basis.clone(),
            parts: Vec::new(),
            shipping: (amount != 0).then(|| ShippingPart {
                platform: g.platform,
                sellers: g.sellers.iter().filter(|(_, a)| *a != 0).cloned().collect(),
            }),
            extra: g.extra,
        });
    }
    let mut seller_of = vec![0 as Fen; g.lines.len()];
    for (id, total) in g.sellers {
        let mine: Vec<usize> = (0..g.lines.len())
            .filter(|i| g.lines.get(*i).and_then(|l| l.1.as_deref()) == Some(id.as_str()))
            .collect();
        if mine.is_empty() && *total != 0 {
            return Err(format!("seller `{id}` pays {total} fen and has no line"));
        }
        let weights: Vec<Fen> = mine.iter().filter_map(|i| g.lines.get(*i).map(|l| l.2)).collect();
        for (i, part) in mine.iter().zip(split(*total, &weights)) {
            if let Some(s) = seller_of.get_mut(*i) {
                *s = part;
            }
        }
    }
    let mut parts = Vec::with_capacity(g.lines.len());
    for ((line_id, seller_id, amount), seller) in g.lines.iter().zip(seller_of) {
        if seller > *amount {
            return Err(format!(
                "line `{line_id}`: the seller's {seller} fen exceed the part {amount}"
            ));
        }
        parts.push(Part {
            line_id: line_id.clone(),
            platform: amount - seller,
            seller_id: seller_id.clone(),
            seller,
        });
    }
    Ok(Allocation {
        min_spend: g.min_spend,
        basis: g.basis.clone(),
        parts,
        shipping: None,
        extra: g.extra,
    })
}

/// The order as paid, and how the engine's `chosen` entry lies on it; `min_spend` is
/// the coupon's (fen).
pub fn of_chosen(order: &Order, chosen: &Chosen, min_spend: Fen) -> Result<(Paid, Allocation), String> {
    let paid = Paid {
        lines: order
            .lines
            .iter()
            .map(|l| PaidLine {
                id: l.id.clone(),
                price: l.price.0,
                qty: l.qty,
            })
            .collect(),
        shipping: order.shipping.0,
    };
    let seller_of = |id: &str| {
        order
            .lines
            .iter()
            .find(|l| l.id == id)
            .and_then(|l| l.seller_id.clone())
    };
    let lines: Vec<(String, Option<String>, Fen)> = chosen
        .lines
        .iter()
        .map(|p| (p.line_id.clone(), seller_of(&p.line_id), p.amount.0))
        .collect();
    let sellers: Vec<(String, Fen)> = chosen
        .funding
        .sellers
        .iter()
        .map(|s| (s.seller_id.clone(), s.amount.0))
        .collect();
    let allocation = allocate(&Given {
        lines: &lines,
        shipping: (chosen.kind == Kind::FreeShipping).then_some(chosen.shipping.0),
        platform: chosen.funding.platform.0,
        sellers: &sellers,
        min_spend,
        basis: chosen.basis.clone(),
        extra: matches!(chosen.kind, Kind::Gift | Kind::Perk),
    })?;
    Ok((paid, allocation))
}

/// Why a coupon gives something back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// Nothing returned touches it.
    Kept,
    /// Lines it discounts were returned: their parts come back.
    ReturnedLines,
    /// The kept lines no longer reach its minimum spend: all it gave comes back.
    MinSpend,
    /// The whole order was returned: all it gave comes back.
    OrderReturned,
}

/// What a coupon has given back (or gives back in one return), line by line and by
/// funder: `lines` follows the allocation's parts, `shipping` its shipping part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claw {
    pub lines: Vec<Part>,
    pub shipping: ShippingPart,
    pub why: Why,
}

impl Claw {
    pub fn total(&self) -> Fen {
        self.lines.iter().map(Part::amount).sum::<Fen>() + self.shipping.amount()
    }

    pub fn platform(&self) -> Fen {
        self.lines.iter().map(|p| p.platform).sum::<Fen>() + self.shipping.platform
    }

    /// The sellers' part by seller id.
    pub fn sellers(&self) -> BTreeMap<String, Fen> {
        let mut out: BTreeMap<String, Fen> = BTreeMap::new();
        for p in &self.lines {
            if let Some(id) = &p.seller_id {
                *out.entry(id.clone()).or_default() += p.seller;
            }
        }
        for (id, a) in &self.shipping.sellers {
            *out.entry(id.clone()).or_default() += a;
        }
        out.retain(|_, a| *a != 0);
        out
    }

    /// What this claw takes beyond `before` (an earlier claw of the same allocation).
    pub fn minus(&self, before: &Claw) -> Claw {
        let lines = self
            .lines
            .iter()
            .zip(&before.lines)
            .map(|(a, b)| Part {
                line_id: a.line_id.clone(),
                platform: a.platform - b.platform,
                seller_id: a.seller_id.clone(),
                seller: a.seller - b.seller,
            })
            .collect();
        let sellers = self
            .shipping
            .sellers
            .iter()
            .zip(&before.shipping.sellers)
            .map(|((id, a), (_, b))| (id.clone(), a - b))
            .collect();
        Claw {
            lines,
            shipping: ShippingPart {
                platform: self.shipping.platform - before.shipping.platform,
                sellers,
            },
            why: self.why,
        }
    }
}

/// `whole × k / n`, rounded down (`whole` when `k ≥ n`).
fn pro_rata(whole: Fen, k: u32, n: u32) -> Fen {
    if k >= n || n == 0 {
        return whole;
    }
    let d = i128::from(whole) * i128::from(k) / i128::from(n);
    Fen::try_from(d).unwrap_or(whole)
}

/// What the coupon allocated as `a` on the order `paid` has given back once the units
/// in `returned` (by line id) are back; `whole_order` when every unit is.
pub fn clawed(a: &Allocation, paid: &Paid, returned: &BTreeMap<String, u32>, whole_order: bool) -> Claw {
    let back = |id: &str| returned.get(id).copied().unwrap_or(0);
    let kept: i128 = a
        .basis
        .iter()
        .filter_map(|id| paid.line(id))
        .map(|l| i128::from(l.price) * i128::from(l.qty.saturating_sub(back(&l.id))))
        .sum();
    let why = if whole_order {
        Why::OrderReturned
    } else if !a.extra && a.min_spend > 0 && kept < i128::from(a.min_spend) {
        Why::MinSpend
    } else if a.parts.iter().any(|p| back(&p.line_id) > 0) {
        Why::ReturnedLines
    } else {
        Why::Kept
    };
    let all = matches!(why, Why::OrderReturned | Why::MinSpend);
    let lines = a
        .parts
        .iter()
        .map(|p| {
            let (k, n) = if all {
                (1, 1)
            } else {
                (back(&p.line_id), paid.line(&p.line_id).map_or(0, |l| l.qty))
            };
            Part {
                line_id: p.line_id.clone(),
                platform: if k == 0 { 0 } else { pro_rata(p.platform, k, n) },
                seller_id: p.seller_id.clone(),
                seller: if k == 0 { 0 } else { pro_rata(p.seller, k, n) },
            }
        })
        .collect();
    let ship = a.shipping.clone().unwrap_or_default();
    let shipping = if all {
        ship
    } else {
        ShippingPart {
            platform: 0,
            sellers: ship.sellers.iter().map(|(id, _)| (id.clone(), 0)).collect(),
        }
    };
    Claw { lines, shipping, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paid() -> Paid {
        Paid {
            lines: vec![
                PaidLine {
                    id: "a".into(),
                    price: 10_000,
                    qty: 3,
                },
                PaidLine {
                    id: "b".into(),
                    price: 5_000,
                    qty: 1,
                },
            ],
            shipping: 1_000,
        }
    }

    fn coupon(min_spend: Fen) -> Allocation {
        let lines = [
            ("a".to_string(), Some("s-1".to_string()), 4_001),
            ("b".to_string(), Some("s-2".to_string()), 999),
        ];
        allocate(&Given {
            lines: &lines,
            shipping: None,
            platform: 3_500,
            sellers: &[("s-1".into(), 1_200), ("s-2".into(), 300)],
            min_spend,
            basis: vec!["a".into(), "b".into()],
            extra: false,
        })
        .unwrap()
    }

    #[test]
    fn each_seller_pays_only_its_lines() {
        let a = coupon(0);
        assert_eq!(a.parts[0].seller, 1_200);
        assert_eq!(a.parts[0].platform, 2_801);
        assert_eq!(a.parts[1].seller, 300);
        assert_eq!(a.discount(), 5_000);
    }

    #[test]
    fn units_come_back_rounded_down_and_exact_at_the_last() {
        let a = coupon(0);
        let p = paid();
        let one = clawed(&a, &p, &BTreeMap::from([("a".to_string(), 1)]), false);
        assert_eq!((one.lines[0].platform, one.lines[0].seller), (933, 400));
        assert_eq!(one.why, Why::ReturnedLines);
        let three = clawed(&a, &p, &BTreeMap::from([("a".to_string(), 3)]), false);
        assert_eq!(three.lines[0].amount(), 4_001);
        assert_eq!(three.lines[1].amount(), 0);
    }

    #[test]
    fn below_the_minimum_spend_everything_comes_back() {
        let a = coupon(30_000);
        let c = clawed(&a, &paid(), &BTreeMap::from([("b".to_string(), 1)]), false);
        assert_eq!(c.why, Why::MinSpend);
        assert_eq!(c.total(), 5_000);
        assert_eq!(c.platform(), 3_500);
    }

    #[test]
    fn sellers_without_lines_do_not_add_up() {
        let lines = [("a".to_string(), Some("s-1".to_string()), 100)];
        let g = Given {
            lines: &lines,
            shipping: None,
            platform: 50,
            sellers: &[("s-9".into(), 50)],
            min_spend: 0,
            basis: Vec::new(),
            extra: false,
        };
        assert!(allocate(&g).is_err());
    }
}
