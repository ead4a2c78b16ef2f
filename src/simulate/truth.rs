//! The known response: how likely a simulated user is to order, with and without a
//! coupon, in closed form. The day loop draws orders from the same numbers, so the truth
//! is exact, and it can be asked about any user and any offer (the oracle of an
//! allocation, the true lift of an experiment).
//!
//! A user visits on a day with probability `v`; a visit ends in an order with
//! probability `c · m`, where `m = 1 + s · d / (d + h)` is the coupon's lift: `s` the
//! user's sensitivity, `d` the coupon's depth (discount ÷ spend, at the user's typical
//! basket `b` or the coupon's minimum spend if that is more), `h` the half depth. A
//! minimum spend above `b` reaches the user only with `reach = exp(−k · (min_spend/b − 1))`
//! (`k` the stretch penalty): `m = 1 + reach · s · d / (d + h)`. `c · m` is at most 0.95.
//! Over `W` days holding the coupon: `p = 1 − (1 − v · c · m)^W`.

use super::population::SimUser;
use crate::event::fields::OfferView;
use crate::value::Fen;

/// Per-visit order probability is kept below this.
pub const MAX_VISIT_CONVERSION: f64 = 0.95;

/// The response function's world-wide knobs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Truth {
    pub half_depth: f64,
    pub stretch_penalty: f64,
    /// Shipping of an order, fen (a `free_shipping` coupon takes it off).
    pub shipping_fee: Fen,
}

/// What an order with an offer looks like for a user: what is bought, what the coupon
/// takes off, and the shipping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Basket {
    /// Items' price, fen.
    pub gross: Fen,
    pub discount: Fen,
    pub shipping: Fen,
}

impl Basket {
    /// What the buyer pays (the order's `total`, GMV).
    pub fn paid(&self) -> Fen {
        (self.gross - self.discount).max(0) + self.shipping
    }
}

/// What an offer does for a user over a window, against no offer: the probabilities of
/// an order, what the first order pays (GMV, fen) and what the coupon costs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    pub p_without: f64,
    pub p_with: f64,
    pub value_without: Fen,
    pub value_with: Fen,
    /// The expected discount: `p_with ×` the discount of the order.
    pub expected_cost: f64,
    /// `p_with · value_with − p_without · value_without`, fen.
    pub incremental_gmv: f64,
}

impl Truth {
    /// What `offer`, held for the first `offer_days` of `window_days`, does for `user`.
    pub fn effect(&self, user: &SimUser, offer: &OfferView, offer_days: u32, window_days: u32) -> Effect {
        let p_with = self.p_convert(user, Some(offer), offer_days, window_days, false);
        let p_without = self.p_convert(user, None, offer_days, window_days, false);
        let with = self.basket(user, Some(offer));
        let value_with = with.paid();
        let value_without = self.expected_order_value(user, None);
        Effect {
            p_without,
            p_with,
            value_without,
            value_with,
            expected_cost: p_with * (with.discount + self.shipping_fee - with.shipping) as f64,
            incremental_gmv: p_with * value_with as f64 - p_without * value_without as f64,
        }
    }

    /// The order the user makes with `offer` (the user spends up to its minimum).
    pub fn basket(&self, user: &SimUser, offer: Option<&OfferView>) -> Basket {
        let base = Basket {
            gross: user.basket,
            discount: 0,
            shipping: self.shipping_fee,
        };
        let Some(o) = offer else { return base };
        let gross = user.basket.max(o.min_spend.unwrap_or(0));
        let (discount, shipping) = match o.kind {
            "amount_off" | "threshold" => (o.amount.unwrap_or(0).min(gross), self.shipping_fee),
            "percent_off" => {
                let off = gross.saturating_mul(o.percent.unwrap_or(0)) / 10_000;
                (o.cap.map_or(off, |cap| off.min(cap)), self.shipping_fee)
            }
            "free_shipping" => (0, 0),
            _ => (0, self.shipping_fee),
        };
        Basket {
            gross,
            discount,
            shipping,
        }
    }

    /// The offer's depth for the user: what it is worth ÷ the items' price. A gift or a
    /// perk counts half its face value.
    pub fn depth(&self, user: &SimUser, offer: &OfferView) -> f64 {
        let b = self.basket(user, Some(offer));
        let worth = match offer.kind {
            "free_shipping" => self.shipping_fee as f64,
            "gift" | "perk" => 0.5 * offer.face_value.unwrap_or(0) as f64,
            _ => b.discount as f64,
        };
        if b.gross <= 0 { 0.0 } else { worth / b.gross as f64 }
    }

    /// The coupon's lift `m` of the user's per-visit order probability (1 without one).
    pub fn multiplier(&self, user: &SimUser, offer: Option<&OfferView>) -> f64 {
        let Some(o) = offer else { return 1.0 };
        let d = self.depth(user, o);
        let min_spend = o.min_spend.unwrap_or(0);
        let reach = if min_spend > user.basket && user.basket > 0 {
            (-self.stretch_penalty * (min_spend as f64 / user.basket as f64 - 1.0)).exp()
        } else {
            1.0
        };
        1.0 + reach * user.sensitivity * d / (d + self.half_depth)
    }

    /// The probability that a visit ends in an order, holding `offer`.
    pub fn p_visit(&self, user: &SimUser, offer: Option<&OfferView>) -> f64 {
        (user.conversion * self.multiplier(user, offer)).min(MAX_VISIT_CONVERSION)
    }

    /// The probability of an order on a day, holding `offer`.
    pub fn p_day(&self, user: &SimUser, offer: Option<&OfferView>) -> f64 {
        user.visit_rate * self.p_visit(user, offer)
    }

    /// The probability of at least one order within `window_days`, holding `offer` the
    /// whole time: `1 − (1 − p_day)^W`.
    pub fn p_order(&self, user: &SimUser, offer: Option<&OfferView>, window_days: u32) -> f64 {
        self.p_convert(user, offer, window_days, window_days, false)
    }

    /// The probability of at least one order within `window_days`, holding `offer` for
    /// its first `offer_days` days (then nothing); `visited_today`: the first day is a
    /// visit for sure (the day an event exposed the user).
    pub fn p_convert(
        &self,
        user: &SimUser,
        offer: Option<&OfferView>,
        offer_days: u32,
        window_days: u32,
        visited_today: bool,
    ) -> f64 {
        let mut none = 1.0;
        for day in 0..window_days {
            let held = if day < offer_days { offer } else { None };
            let p = if day == 0 && visited_today {
                self.p_visit(user, held)
            } else {
                self.p_day(user, held)
            };
            none *= 1.0 - p;
        }
        1.0 - none
    }

    /// The expected GMV (fen) of all the user's orders within `window_days`, holding
    /// `offer` for its first `offer_days` days until the first order uses it (later
    /// orders pay full price): `Σ_k H_k · p_k(offer) · value(offer) + (1 − H_k) · p_k(none)
    /// · value(none)`, with `H_k` the chance of still holding it on day `k` (0 from
    /// `offer_days` on). `visited_today`: as in [`Truth::p_convert`].
    pub fn expected_gmv(
        &self,
        user: &SimUser,
        offer: Option<&OfferView>,
        offer_days: u32,
        window_days: u32,
        visited_today: bool,
    ) -> f64 {
        let with = self.expected_order_value(user, offer) as f64;
        let without = self.expected_order_value(user, None) as f64;
        let mut holding = if offer.is_some() { 1.0 } else { 0.0 };
        let mut gmv = 0.0;
        for day in 0..window_days {
            if day >= offer_days {
                holding = 0.0;
            }
            let p = |o| {
                if day == 0 && visited_today {
                    self.p_visit(user, o)
                } else {
                    self.p_day(user, o)
                }
            };
            let (p_with, p_without) = (p(offer), p(None));
            gmv += holding * p_with * with + (1.0 - holding) * p_without * without;
            holding *= 1.0 - p_with;
        }
        gmv
    }

    /// What an order of the user pays (GMV), fen, holding `offer`.
    pub fn expected_order_value(&self, user: &SimUser, offer: Option<&OfferView>) -> Fen {
        self.basket(user, offer).paid()
    }
}
