//! The answer of a quote: the coupons chosen with their discount spread over the lines
//! and split between funders, what each line pays, and why every other wallet coupon was
//! not chosen. Money in yuan, like every JSON answer.

use super::input::Kind;
use super::plan::{Applied, Plan, Refusal, State, Step};
use crate::money::{split, split_by};
use crate::value::{Fen, Yuan, yuan_string};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quote {
    pub order_id: String,
    /// The lines' prices × quantities, before any discount.
    pub subtotal: Yuan,
    pub shipping: Yuan,
    /// Everything the coupons take off, lines and shipping.
    pub discount: Yuan,
    pub shipping_discount: Yuan,
    /// What the buyer pays: subtotal + shipping − discount.
    pub total: Yuan,
    /// In the order of application; gifts and perks last.
    pub coupons: Vec<Chosen>,
    pub lines: Vec<LineQuote>,
    /// Every other wallet coupon, by code.
    pub not_chosen: Vec<NotChosen>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chosen {
    pub code: String,
    pub campaign: String,
    pub rule: String,
    pub kind: Kind,
    pub discount: Yuan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gift: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perk: Option<String>,
    /// The discount by line (none for shipping, gifts and perks).
    pub lines: Vec<LinePart>,
    pub shipping: Yuan,
    pub funding: Funders,
    /// The lines its minimum spend counts (ids): in its scope, and not on sale if it
    /// says so. Kept for returns; not part of the answer.
    #[serde(skip)]
    pub basis: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LinePart {
    pub line_id: String,
    pub amount: Yuan,
}

/// Who pays a coupon's discount: the platform and the sellers, and the sellers' part by
/// seller id, each exact to the fen.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Funders {
    pub platform: Yuan,
    pub seller: Yuan,
    pub sellers: Vec<SellerPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SellerPart {
    pub seller_id: String,
    pub amount: Yuan,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LineQuote {
    pub id: String,
    /// Price × quantity.
    pub amount: Yuan,
    pub discount: Yuan,
    pub pays: Yuan,
    pub coupons: Vec<CouponPart>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CouponPart {
    pub code: String,
    pub amount: Yuan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotChosen {
    pub code: String,
    pub reason: String,
    pub detail: String,
}

/// Gifts and perks join the chosen discount coupons whenever the combination rules
/// allow, earliest `valid_until` (then code) first.
pub fn with_extras(plan: &Plan<'_>, mut chosen: Vec<usize>) -> Vec<usize> {
    for e in &plan.extras {
        if chosen.iter().all(|c| plan.combine(*c, *e)) {
            chosen.push(*e);
        }
    }
    chosen
}

/// The answer for the chosen set (discount coupons and extras).
pub fn build(plan: &Plan<'_>, chosen: &[usize]) -> Quote {
    let applied = plan.evaluate(chosen);
    let states = plan.states(chosen);
    let order = &plan.request.order;
    let mut coupons: Vec<Chosen> = applied
        .steps
        .iter()
        .map(|(i, step)| chosen_entry(plan, *i, step))
        .collect();
    let no_step = Step {
        discount: 0,
        uncapped: 0,
        parts: Vec::new(),
    };
    coupons.extend(
        plan.extras
            .iter()
            .filter(|e| chosen.contains(e))
            .map(|e| chosen_entry(plan, *e, &no_step)),
    );
    let lines = order
        .lines
        .iter()
        .enumerate()
        .map(|(l, line)| {
            let value = plan.values.get(l).copied().unwrap_or(0);
            let parts: Vec<CouponPart> = applied
                .steps
                .iter()
                .filter(|(i, _)| !plan.is_shipping(*i))
                .filter_map(|(i, step)| {
                    let amount = step.parts.iter().find(|(x, _)| *x == l).map(|(_, a)| *a)?;
                    (amount != 0).then(|| CouponPart {
                        code: plan.coupon(*i).code.clone(),
                        amount: Yuan(amount),
                    })
                })
                .collect();
            let discount: Fen = parts.iter().map(|p| p.amount.0).sum();
            LineQuote {
                id: line.id.clone(),
                amount: Yuan(value),
                discount: Yuan(discount),
                pays: Yuan(value - discount),
                coupons: parts,
            }
        })
        .collect();
    let subtotal: Fen = plan.values.iter().sum();
    let shipping_discount = plan.shipping - applied.end.shipping;
    let mut not_chosen: Vec<NotChosen> = (0..plan.request.wallet.len())
        .filter(|i| !chosen.contains(i))
        .map(|i| {
            let Refusal { reason, detail } = why_not(plan, chosen, (&applied, &states), i);
            NotChosen {
                code: plan.coupon(i).code.clone(),
                reason: reason.to_string(),
                detail,
            }
        })
        .collect();
    not_chosen.sort_by(|a, b| a.code.cmp(&b.code));
    Quote {
        order_id: order.id.clone(),
        subtotal: Yuan(subtotal),
        shipping: Yuan(plan.shipping),
        discount: Yuan(applied.total),
        shipping_discount: Yuan(shipping_discount),
        total: Yuan(subtotal + plan.shipping - applied.total),
        coupons,
        lines,
        not_chosen,
    }
}

fn chosen_entry(plan: &Plan<'_>, i: usize, step: &Step) -> Chosen {
    let c = plan.coupon(i);
    let lines = &plan.request.order.lines;
    let shipping = plan.is_shipping(i);
    Chosen {
        code: c.code.clone(),
        campaign: c.campaign.clone(),
        rule: c.rule.clone(),
        kind: c.kind,
        discount: Yuan(step.discount),
        gift: c.gift.clone(),
        perk: c.perk.clone(),
        lines: if shipping {
            Vec::new()
        } else {
            step.parts
                .iter()
                .filter(|(_, a)| *a != 0)
                .filter_map(|(l, a)| {
                    lines.get(*l).map(|line| LinePart {
                        line_id: line.id.clone(),
                        amount: Yuan(*a),
                    })
                })
                .collect()
        },
        shipping: Yuan(if shipping { step.discount } else { 0 }),
        funding: funders(plan, i, step),
        basis: match plan.standing.get(i) {
            Some(Ok(u)) => u
                .lines
                .iter()
                .filter_map(|l| lines.get(*l))
                .map(|l| l.id.clone())
                .collect(),
            _ => Vec::new(),
        },
    }
}

/// The funding split `redeem` makes: platform first (half a fen goes to the platform),
/// then the sellers' part over the sellers of the covered lines in proportion to the
/// coupon's parts on their lines, in seller id order (`money::split` both times).
pub fn funders(plan: &Plan<'_>, i: usize, step: &Step) -> Funders {
    let c = plan.coupon(i);
    let shares = split(step.discount, &[c.funding.platform.0, c.funding.seller.0]);
    let (platform, seller) = match shares.as_slice() {
        [p, s] => (*p, *s),
        _ => (step.discount, 0),
    };
    let mut by_seller: BTreeMap<&str, Fen> = BTreeMap::new();
    for (l, part) in &step.parts {
        if let Some(id) = plan.request.order.lines.get(*l).and_then(|x| x.seller_id.as_deref()) {
            *by_seller.entry(id).or_default() += part;
        }
    }
    let sellers = if seller == 0 {
        Vec::new()
    } else {
        split_by(seller, &by_seller)
            .into_iter()
            .map(|(id, a)| SellerPart {
                seller_id: id.to_string(),
                amount: Yuan(a),
            })
            .collect()
    };
    Funders {
        platform: Yuan(platform),
        seller: Yuan(seller),
        sellers,
    }
}

/// Why wallet coupon `i` is not in `chosen`: it cannot apply at all; another coupon of
/// its rule is used; a used coupon refuses it or it refuses one; its campaign's cap is
/// used up; or it would add nothing to the best combination.
fn why_not(plan: &Plan<'_>, chosen: &[usize], (applied, states): (&Applied, &[State]), i: usize) -> Refusal {
    if let Some(Err(r)) = plan.standing.get(i) {
        return r.clone();
    }
    let c = plan.coupon(i);
    let refusing: Vec<&super::input::Coupon> = chosen
        .iter()
        .filter(|o| !plan.combine(**o, i))
        .map(|o| plan.coupon(*o))
        .collect();
    if let Some(other) = refusing
        .iter()
        .find(|o| o.campaign == c.campaign && o.rule == c.rule && !(o.stackable && c.stackable))
    {
        return Refusal {
            reason: "rule_once",
            detail: format!(
                "the order uses `{}` of the same rule `{}.{}`, which is not stackable",
                other.code, c.campaign, c.rule
            ),
        };
    }
    if let Some(other) = refusing.first() {
        return Refusal {
            reason: "exclusive",
            detail: format!(
                "the order uses `{}`, which may not be combined with this coupon",
                other.code
            ),
        };
    }
    let (total, s) = plan.with_one(applied, states, i);
    if s.uncapped > 0 && s.discount == 0 {
        return Refusal {
            reason: "campaign_cap",
            detail: format!("campaign `{}` already gives its most per order", c.campaign),
        };
    }
    let detail = if s.discount == 0 {
        "it gives nothing on what the order has left".to_string()
    } else {
        format!(
            "with it the order gets ¥{} off, without it ¥{}",
            yuan_string(total),
            yuan_string(applied.total)
        )
    };
    Refusal {
        reason: "not_better",
        detail,
    }
}
