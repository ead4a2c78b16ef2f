//! The terms of an offer, evaluated for one user at one moment, and the coupon made of
//! them. Event rules and batch segments both go through [`evaluate`] and [`coupon`], so a
//! term the rule wrote (scope, seller, minimum spend, cap, worth, validity, funding…)
//! reaches the coupon the same way whichever kind of campaign issues it.

use super::decision::Coupon;
use super::eval::{Ctx, Evaluator, OfferView};
use super::explain::MissingField;
use crate::check::program::{Campaign, Funding, OfferSpec, Validity};
use crate::compile::{Graph, NodeId, OfferNodes};
use crate::syntax::ast::OfferKind;
use crate::value::{BasisPoints, DAY_MS, Fen, Millis, Value};
use std::sync::Arc;

/// An offer's evaluated terms: what varies with the user and the event.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OfferTerms {
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Option<Fen>,
    pub worth: Option<Fen>,
    /// `for …`: the categories the coupon covers (empty: the whole order).
    pub categories: Vec<Arc<str>>,
    /// `for seller …`: the one seller whose items the coupon covers.
    pub seller: Option<Arc<str>>,
}

impl OfferTerms {
    /// What the coupon reserves of the campaign's budget.
    pub fn face_value(&self, kind: OfferKind) -> Option<Fen> {
        match kind {
            OfferKind::AmountOff | OfferKind::Threshold => self.amount,
            OfferKind::PercentOff => self.cap,
            OfferKind::Gift | OfferKind::Perk | OfferKind::FreeShipping => self.worth,
        }
    }

    /// The offer as a batch model reads it (`offer.kind`, `offer.amount`, …).
    pub fn view(&self, kind: OfferKind) -> OfferView {
        OfferView {
            kind: kind.as_str(),
            amount: self.amount,
            percent: self.percent,
            cap: self.cap,
            min_spend: self.min_spend,
            face_value: self.face_value(kind),
        }
    }
}

/// Evaluates an offer's terms; `value` is the discount's node (a menu's choice, or the
/// offer's one value). An offer that reads a field the event lacks is not made: the error
/// says which field, for the trace.
pub fn evaluate(
    eval: &mut Evaluator,
    graph: &Graph,
    ctx: &Ctx<'_>,
    spec: &OfferSpec,
    nodes: &OfferNodes,
    value: Option<NodeId>,
) -> Result<OfferTerms, MissingField> {
    let mut get = |node: Option<NodeId>| -> Result<Option<Value>, MissingField> {
        let Some(n) = node else { return Ok(None) };
        match eval.eval(graph, n, ctx) {
            Value::Missing => Err(MissingField(eval.missing.clone())),
            v => Ok(Some(v)),
        }
    };
    let value = get(value)?;
    let min_spend = money(get(nodes.min_spend)?);
    let cap = money(get(nodes.cap)?);
    let worth = money(get(nodes.worth)?);
    let categories = match get(nodes.scope)? {
        Some(Value::Str(s)) => vec![s],
        Some(Value::List(items)) => items.iter().filter_map(|v| v.as_str().map(Arc::from)).collect(),
        _ => Vec::new(),
    };
    let seller = match get(nodes.seller)? {
        Some(Value::Str(s)) => Some(s),
        _ => None,
    };
    let (amount, percent) = match (spec.kind, value) {
        (OfferKind::PercentOff, Some(Value::Percent(p))) => (None, Some(p)),
        (_, Some(Value::Money(m))) => (Some(m), None),
        _ => (None, None),
    };
    Ok(OfferTerms {
        amount,
        percent,
        cap,
        min_spend,
        worth,
        categories,
        seller,
    })
}

fn money(v: Option<Value>) -> Option<Fen> {
    match v {
        Some(Value::Money(m)) => Some(m),
        _ => None,
    }
}

/// Who pays for a coupon: the offer's own `funded`, else the campaign's funding (for
/// category coupons, its `for category coupons` line), else the seller alone for a coupon
/// scoped to one seller (a seller's own promotion), else the platform alone.
pub fn funding_of(spec: &OfferSpec, campaign: &Campaign, terms: &OfferTerms) -> Funding {
    if let Some(f) = spec.funded {
        return f;
    }
    if let Some(f) = campaign.category_funding
        && !terms.categories.is_empty()
    {
        return f;
    }
    match (campaign.funding, &terms.seller) {
        (Some(f), _) => f,
        (None, Some(_)) => Funding {
            platform: 0,
            seller: 10_000,
        },
        (None, None) => Funding::default(),
    }
}

/// Who issues a coupon and when: the parts of a coupon that are not the offer's terms.
pub struct Issuer<'a> {
    pub campaign: &'a Campaign,
    /// The rule's name, or a batch segment's.
    pub rule: &'a Arc<str>,
    pub exclusive_with: Option<&'a Vec<Arc<str>>>,
    /// The rule says `stackable`.
    pub stackable: bool,
    /// The rule says `not on sale items`.
    pub not_on_sale: bool,
    pub at: Millis,
    pub arm: Option<usize>,
}

/// The coupon for an offer's terms (its code is minted later).
pub fn coupon(spec: &OfferSpec, issuer: &Issuer<'_>, terms: OfferTerms) -> Coupon {
    let campaign = issuer.campaign;
    let at = issuer.at;
    let face_value = terms.face_value(spec.kind).unwrap_or(0);
    let valid_until = match spec.validity {
        Validity::For(ms) => at + ms,
        Validity::UntilWindowEnd => campaign.window.map_or(at + 30 * DAY_MS, |(_, end)| end),
    };
    let funding = funding_of(spec, campaign, &terms);
    let item = |kind: OfferKind| if spec.kind == kind { spec.item.clone() } else { None };
    Coupon {
        code: String::new(),
        campaign: campaign.id.clone(),
        tz: campaign.tz,
        rule: issuer.rule.clone(),
        kind: spec.kind.as_str(),
        amount: terms.amount,
        percent: terms.percent,
        cap: terms.cap,
        min_spend: terms.min_spend.unwrap_or(0),
        categories: terms.categories,
        seller: terms.seller,
        gift: item(OfferKind::Gift),
        perk: item(OfferKind::Perk),
        valid_from: at,
        valid_until,
        valid_on: spec.calendar.clone(),
        platform_share: funding.platform,
        seller_share: funding.seller,
        arm: issuer.arm.and_then(|a| {
            campaign
                .experiment
                .as_ref()
                .and_then(|e| e.arms.get(a))
                .map(|x| x.name.clone())
        }),
        expected_cost: None,
        expected_gain: None,
        option: None,
        random: false,
        model: None,
        face_value,
        exclusive_with: issuer
            .exclusive_with
            .map(|v| if v.is_empty() { vec![Arc::from("*")] } else { v.clone() })
            .unwrap_or_default(),
        segment: None,
        stackable: issuer.stackable,
        not_on_sale: issuer.not_on_sale,
        order_cap: campaign.order_cap,
    }
}
