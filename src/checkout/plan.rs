//! The order of application, so that every set of coupons has one value: a [`Plan`] is
//! the order and wallet checked once (line values, what each coupon covers, why a coupon
//! cannot apply at all, which coupons refuse each other), and [`Plan::evaluate`] applies
//! a set of coupons in the one order the rules fix. The search calls the same steps
//! ([`Plan::apply`]) on its own state, so the value it optimises is the value answered.

use super::CheckoutError;
use super::input::{Coupon, Kind, QuoteRequest};
use crate::money::split;
use crate::value::{Fen, Millis, yuan_string};
use std::collections::BTreeMap;

/// Why a coupon cannot be used at all on this order, before any combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub detail: String,
}

fn refuse(reason: &'static str, detail: String) -> Refusal {
    Refusal { reason, detail }
}

/// Where a coupon applies: item-scoped coupons first, then order-wide ones, then shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Class {
    /// Scoped to categories or to a seller.
    Items,
    Order,
    Shipping,
}

/// A coupon the order could use: the lines it covers and its place in the order.
#[derive(Debug, Clone)]
pub struct Usable {
    /// Indices into the order's lines.
    pub lines: Vec<usize>,
    pub class: Class,
    /// Index into [`Plan::caps`].
    pub campaign: usize,
}

/// What the application of a set leaves and has given so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// What each line has left to pay.
    pub left: Vec<Fen>,
    /// The shipping fee left.
    pub shipping: Fen,
    /// What each campaign may still give in this order.
    pub caps: Vec<Fen>,
    /// Per wallet coupon: what the lines it takes from have left (kept as lines change,
    /// so that what a coupon would give costs no sum over its lines).
    pub covered: Vec<Fen>,
}

/// One coupon applied: its discount, what it would have given without its campaign's cap,
/// and its parts by line (for shipping coupons, the parts say whose lines it is
/// attributed to when sellers share its cost; they take nothing off the lines).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub discount: Fen,
    pub uncapped: Fen,
    pub parts: Vec<(usize, Fen)>,
}

/// A set of coupons applied: the steps in the order of application (wallet indices).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub steps: Vec<(usize, Step)>,
    pub total: Fen,
    pub end: State,
}

/// The order and wallet, checked.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub request: &'a QuoteRequest,
    /// Price × quantity of each line.
    pub values: Vec<Fen>,
    pub shipping: Fen,
    /// Per wallet coupon: usable, or why not.
    pub standing: Vec<Result<Usable, Refusal>>,
    /// The campaigns' caps per order (`Fen::MAX`: none), by campaign index.
    pub caps: Vec<Fen>,
    /// Per line: the usable coupons (wallet indices) that take from it.
    pub covering: Vec<Vec<usize>>,
    /// Usable coupons that discount, in the order of application (wallet indices).
    pub discounts: Vec<usize>,
    /// Usable gifts and perks, earliest `valid_until` first, then by code (wallet indices).
    pub extras: Vec<usize>,
    /// Per wallet coupon: its place in the order of application (`usize::MAX`: none).
    pub rank: Vec<usize>,
}

impl<'a> Plan<'a> {
    pub fn new(request: &'a QuoteRequest) -> Result<Plan<'a>, CheckoutError> {
        let order = &request.order;
        let mut values = Vec::with_capacity(order.lines.len());
        let mut ids = std::collections::BTreeSet::new();
        for (i, line) in order.lines.iter().enumerate() {
            if !ids.insert(line.id.as_str()) {
                return Err(CheckoutError::bad_order(format!("two lines have the id `{}`", line.id)));
            }
            if line.price.0 < 0 {
                return Err(CheckoutError::bad_order(format!("`lines[{i}].price` is negative")));
            }
            let v = line
                .price
                .0
                .checked_mul(Fen::from(line.qty))
                .ok_or_else(|| CheckoutError::bad_order(format!("`lines[{i}]`: price × qty is too large")))?;
            values.push(v);
        }
        let total = values.iter().try_fold(order.shipping.0, |s, v| s.checked_add(*v));
        if order.shipping.0 < 0 || total.is_none() {
            return Err(CheckoutError::bad_order(
                "the shipping fee must be non-negative and the order's total at most ¥92,233,720,368,547,758".into(),
            ));
        }
        let mut campaigns: BTreeMap<&str, usize> = BTreeMap::new();
        let mut caps = Vec::new();
        let mut codes = std::collections::BTreeSet::new();
        for c in &request.wallet {
            if !codes.insert(c.code.as_str()) {
                return Err(CheckoutError::bad_wallet(format!(
                    "the wallet holds `{}` twice",
                    c.code
                )));
            }
            check_terms(c)?;
            let at = *campaigns.entry(c.campaign.as_str()).or_insert_with(|| {
                caps.push(Fen::MAX);
                caps.len() - 1
            });
            if let (Some(cap), Some(slot)) = (c.campaign_cap, caps.get_mut(at)) {
                *slot = (*slot).min(cap.0);
            }
        }
        let standing: Vec<_> = request
            .wallet
            .iter()
            .map(|c| {
                let campaign = campaigns.get(c.campaign.as_str()).copied().unwrap_or_default();
                usable(c, request, &values, campaign)
            })
            .collect();
        let mut by_key: Vec<usize> = (0..request.wallet.len()).collect();
        by_key.sort_by_key(|i| extras_key(&request.wallet[*i]));
        let ok = |i: &usize| standing.get(*i).is_some_and(Result::is_ok);
        let mut discounts: Vec<usize> = (0..request.wallet.len())
            .filter(|i| ok(i) && request.wallet[*i].kind.discounts())
            .collect();
        discounts.sort_by_key(|i| application_key(&request.wallet[*i], &standing[*i]));
        let mut rank = vec![usize::MAX; request.wallet.len()];
        for (r, i) in discounts.iter().enumerate() {
            rank[*i] = r;
        }
        let extras = by_key
            .iter()
            .copied()
            .filter(|i| ok(i) && !request.wallet[*i].kind.discounts())
            .collect();
        let mut covering = vec![Vec::new(); values.len()];
        for (i, s) in standing.iter().enumerate() {
            if let Ok(u) = s
                && u.class != Class::Shipping
            {
                for l in &u.lines {
                    if let Some(c) = covering.get_mut(*l) {
                        c.push(i);
                    }
                }
            }
        }
        Ok(Plan {
            request,
            covering,
            shipping: order.shipping.0,
            values,
            standing,
            caps,
            discounts,
            extras,
            rank,
        })
    }

    pub fn coupon(&self, i: usize) -> &'a Coupon {
        &self.request.wallet[i]
    }

    /// Whether two wallet coupons may be used in one order: different rules combine; one
    /// rule's coupons only when it is `stackable`; never when either refuses the other
    /// (`exclusive`, `exclusive with`).
    pub fn combine(&self, a: usize, b: usize) -> bool {
        let (x, y) = (self.coupon(a), self.coupon(b));
        let same_rule = x.campaign == y.campaign && x.rule == y.rule;
        if same_rule && !(x.stackable && y.stackable) {
            return false;
        }
        !(x.names_rule_of(y) || y.names_rule_of(x))
    }

    /// Whether a set of wallet coupons obeys the combination rules.
    pub fn allowed(&self, set: &[usize]) -> bool {
        set.iter()
            .enumerate()
            .all(|(k, a)| set.iter().skip(k + 1).all(|b| a != b && self.combine(*a, *b)))
    }

    /// The state before any coupon.
    pub fn start(&self) -> State {
        let covered = (0..self.request.wallet.len())
            .map(|i| match self.usable(i) {
                Some(u) if u.class != Class::Shipping => u.lines.iter().filter_map(|l| self.values.get(*l)).sum(),
                _ => 0,
            })
            .collect();
        State {
            left: self.values.clone(),
            shipping: self.shipping,
            caps: self.caps.clone(),
            covered,
        }
    }

    /// Whether wallet coupon `i` discounts the shipping fee.
    pub fn is_shipping(&self, i: usize) -> bool {
        self.usable(i).is_some_and(|u| u.class == Class::Shipping)
    }

    fn usable(&self, i: usize) -> Option<&Usable> {
        self.standing.get(i).and_then(|s| s.as_ref().ok())
    }

    /// What wallet coupon `i` would give if it applied on `state` now, before its
    /// campaign's cap. It can only give less later: lines, fee and caps only go down.
    pub fn offer(&self, i: usize, state: &State) -> Fen {
        let Some(u) = self.usable(i) else { return 0 };
        let c = self.coupon(i);
        if u.class == Class::Shipping {
            return c.amount.map_or(state.shipping, |cap| state.shipping.min(cap.0));
        }
        let left = state.covered.get(i).copied().unwrap_or(0);
        match c.kind {
            Kind::PercentOff => {
                // Rounded down to the fen, as `redeem` does: never more than the percentage.
                // (In i64 when it fits: the search asks this at every node.)
                let d = match left.checked_mul(c.percent_bp()) {
                    Some(x) => x / 10_000,
                    None => Fen::try_from(i128::from(left) * i128::from(c.percent_bp()) / 10_000).unwrap_or(Fen::MAX),
                };
                let d = d.min(left);
                c.cap.map_or(d, |cap| d.min(cap.0))
            }
            Kind::AmountOff | Kind::Threshold => c.amount_fen().min(left),
            Kind::FreeShipping | Kind::Gift | Kind::Perk => 0,
        }
    }

    /// The discount of wallet coupon `i` on `state` now, its campaign's cap included.
    pub fn discount(&self, i: usize, state: &State) -> Fen {
        self.capped(i, self.offer(i, state), state)
    }

    fn capped(&self, i: usize, offer: Fen, state: &State) -> Fen {
        let cap = self
            .usable(i)
            .and_then(|u| state.caps.get(u.campaign))
            .copied()
            .unwrap_or(0);
        offer.min(cap).max(0)
    }

    /// Applies wallet coupon `i` to `state`: its discount comes off the lines it covers
    /// in proportion to what each has left (largest remainder, so the parts add up to the
    /// fen and no line goes below zero), or off the shipping fee.
    pub fn apply(&self, i: usize, state: &mut State) -> Step {
        let uncapped = self.offer(i, state);
        let discount = self.capped(i, uncapped, state);
        let Some(u) = self.usable(i) else {
            return Step {
                discount: 0,
                uncapped: 0,
                parts: Vec::new(),
            };
        };
        let weights: Vec<Fen> = u
            .lines
            .iter()
            .map(|l| state.left.get(*l).copied().unwrap_or(0))
            .collect();
        let parts: Vec<(usize, Fen)> = u.lines.iter().copied().zip(split(discount, &weights)).collect();
        if u.class == Class::Shipping {
            state.shipping -= discount;
        } else {
            for (l, p) in parts.iter().filter(|(_, p)| *p != 0) {
                if let Some(x) = state.left.get_mut(*l) {
                    *x -= p;
                }
                for j in self.covering.get(*l).into_iter().flatten() {
                    if let Some(x) = state.covered.get_mut(*j) {
                        *x -= p;
                    }
                }
            }
        }
        if let Some(cap) = state.caps.get_mut(u.campaign) {
            *cap = cap.saturating_sub(discount);
        }
        Step {
            discount,
            uncapped,
            parts,
        }
    }

    /// Applies a set of wallet coupons, given in any order, in the order of application;
    /// gifts and perks in it give nothing and take no step.
    pub fn evaluate(&self, set: &[usize]) -> Applied {
        let mut state = self.start();
        let mut steps = Vec::new();
        let mut total: Fen = 0;
        for i in self.discounts.iter().copied().filter(|i| set.contains(i)) {
            let step = self.apply(i, &mut state);
            total += step.discount;
            steps.push((i, step));
        }
        Applied {
            steps,
            total,
            end: state,
        }
    }

    /// The states before each step of `evaluate(set)`, and after the last.
    pub fn states(&self, set: &[usize]) -> Vec<State> {
        let mut state = self.start();
        let mut out = vec![state.clone()];
        for i in self.discounts.iter().copied().filter(|i| set.contains(i)) {
            self.apply(i, &mut state);
            out.push(state.clone());
        }
        out
    }

    /// `evaluate` of `base`'s set with wallet coupon `i` added: the total and `i`'s step.
    /// The steps before `i`'s place are `base`'s, so it starts from the state there
    /// (`states`, from [`Plan::states`] of the same set).
    pub fn with_one(&self, base: &Applied, states: &[State], i: usize) -> (Fen, Step) {
        let at = self.rank.get(i).copied().unwrap_or(usize::MAX);
        let p = base
            .steps
            .iter()
            .take_while(|(x, _)| self.rank.get(*x).is_some_and(|r| *r < at))
            .count();
        let mut state = states.get(p).cloned().unwrap_or_else(|| self.start());
        let mut total: Fen = base.steps.iter().take(p).map(|(_, s)| s.discount).sum();
        let step = self.apply(i, &mut state);
        total += step.discount;
        for (x, _) in base.steps.iter().skip(p) {
            total += self.apply(*x, &mut state).discount;
        }
        (total, step)
    }

    /// The tie-break between sets of equal discount and size: their coupons' places in
    /// the order of application, sorted, compared as words; the smaller wins. So of two
    /// sets, the one using the first coupon (in the order of application) where they
    /// differ wins, which is the one a depth-first search trying each coupon before
    /// leaving it out meets first.
    pub fn tie_key(&self, set: &[usize]) -> Vec<usize> {
        let mut k: Vec<usize> = set.iter().filter_map(|i| self.rank.get(*i).copied()).collect();
        k.sort_unstable();
        k
    }
}

fn check_terms(c: &Coupon) -> Result<(), CheckoutError> {
    let bad = |what: &str| Err(CheckoutError::bad_wallet(format!("coupon `{}`: {what}", c.code)));
    if [c.amount, c.cap, c.campaign_cap, Some(c.min_spend)]
        .iter()
        .flatten()
        .any(|a| a.0 < 0)
    {
        return bad("amounts must be non-negative");
    }
    if !(0..=10_000).contains(&c.percent_bp()) {
        return bad("a percentage must be between 0 and 100");
    }
    let (p, s) = (c.funding.platform.0, c.funding.seller.0);
    if p < 0 || s < 0 || p + s != 10_000 {
        return bad("the funding shares must be non-negative and add up to 100");
    }
    Ok(())
}

/// The order of application: class, percentages before fixed amounts, then code.
fn application_key(c: &Coupon, standing: &Result<Usable, Refusal>) -> (Class, bool, String) {
    let class = standing.as_ref().map_or(Class::Order, |u| u.class);
    (class, c.kind != Kind::PercentOff, c.code.clone())
}

fn extras_key(c: &Coupon) -> (Millis, String) {
    (c.valid_until.map_or(Millis::MAX, |t| t.0), c.code.clone())
}

/// Whether a coupon can be used on the order at all, checked in this order: validity,
/// category scope, seller scope, `not on sale items`, minimum spend, the platform paying
/// for the buyer's own items, and sellers paying for lines of no known seller.
fn usable(c: &Coupon, request: &QuoteRequest, values: &[Fen], campaign: usize) -> Result<Usable, Refusal> {
    let at = request.at.0;
    if c.valid_until.is_some_and(|t| at >= t.0) {
        return Err(refuse("expired", "the coupon's validity has ended".into()));
    }
    if c.valid_from.is_some_and(|t| at < t.0) {
        return Err(refuse("not_yet_valid", "the coupon is not valid yet".into()));
    }
    if let Some(on) = c.valid_on.as_ref().filter(|on| !on.allows(at)) {
        return Err(refuse("not_valid_now", on.refusal(at)));
    }
    let lines = &request.order.lines;
    let in_category = |l: &&super::input::Line| {
        c.categories.is_empty() || l.category.as_ref().is_some_and(|x| c.categories.contains(x))
    };
    let in_scope: Vec<usize> = (0..lines.len())
        .filter(|i| lines.get(*i).is_some_and(|l| in_category(&l)))
        .collect();
    if in_scope.is_empty() {
        return Err(refuse(
            "category_scope",
            format!(
                "the coupon applies to {} and the order has none",
                c.categories.join(", ")
            ),
        ));
    }
    let line = |i: usize| lines.get(i);
    let of_seller: Vec<usize> = in_scope
        .into_iter()
        .filter(|i| {
            c.seller
                .as_ref()
                .is_none_or(|s| line(*i).and_then(|l| l.seller_id.as_ref()) == Some(s))
        })
        .collect();
    if of_seller.is_empty() {
        return Err(refuse(
            "seller_scope",
            format!(
                "the coupon applies to items of seller `{}` and the order has none",
                c.seller.as_deref().unwrap_or_default()
            ),
        ));
    }
    let covered: Vec<usize> = if c.not_on_sale {
        of_seller
            .into_iter()
            .filter(|i| line(*i).is_some_and(|l| !l.on_sale))
            .collect()
    } else {
        of_seller
    };
    if covered.is_empty() {
        return Err(refuse(
            "on_sale",
            "the coupon is not for items on sale, and every item it could cover is on sale".into(),
        ));
    }
    let spend: Fen = covered.iter().filter_map(|i| values.get(*i)).sum();
    if spend < c.min_spend.0 {
        return Err(refuse(
            "min_spend",
            format!(
                "the coupon needs a spend of ¥{} on the items it covers; the order has ¥{}",
                yuan_string(c.min_spend.0),
                yuan_string(spend)
            ),
        ));
    }
    let buyer = request.order.buyer_id.as_str();
    if c.funding.platform.0 > 0
        && covered
            .iter()
            .any(|i| line(*i).is_some_and(|l| l.seller_id.as_deref() == Some(buyer)))
    {
        return Err(refuse(
            "risk:self_dealing",
            format!("a platform-funded coupon cannot pay for an item the buyer `{buyer}` sells"),
        ));
    }
    if c.funding.seller.0 > 0
        && let Some(i) = covered.iter().find(|i| line(**i).is_none_or(|l| l.seller_id.is_none()))
    {
        let id = line(*i).map(|l| l.id.as_str()).unwrap_or_default();
        return Err(refuse(
            "bad_order",
            format!("line `{id}` has no `seller_id`: sellers pay part of this coupon's discount"),
        ));
    }
    let class = if c.kind == Kind::FreeShipping {
        Class::Shipping
    } else if !c.categories.is_empty() || c.seller.is_some() {
        Class::Items
    } else {
        Class::Order
    };
    Ok(Usable {
        lines: covered,
        class,
        campaign,
    })
}
