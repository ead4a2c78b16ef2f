//! A fitted response model (`mintage fit` writes it, `response from` and `--response`
//! read it): how likely a user is to order within the campaign's window, with a given
//! coupon or none, and what the order is worth. Pure: a JSON file in, numbers out.
//!
//! P(order) is a logistic model over the user's columns ([`features`]), whether a coupon
//! was given (and its kind), its depth on a bent scale ([`features::depth_curve`]), that
//! squared, that × each user column, and the stretch of its minimum spend; the order value
//! is log-linear over the user's columns, fitted to the price before the coupon, and the
//! coupon's discount comes off it exactly. Predictions are sane by construction: the depth
//! part of the logit is replaced by its running maximum from depth 0 and the coupon's
//! effect is at least 0 (see [`ResponseModel::p_order`] and `docs/learning.md`).

pub mod features;

use crate::event::User;
use crate::event::fields::OfferView;
use crate::value::{Fen, Millis};
use features::{Column, expected_discount, fill_user};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format this build reads and writes.
pub const FORMAT: &str = "mintage-response/2";

#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    #[error("cannot read the response model `{path}`: {error}; write it with `mintage fit … --out FILE`")]
    Read { path: PathBuf, error: String },
    #[error("the response model is not valid JSON ({0}); write it again with `mintage fit`")]
    Json(String),
    #[error(
        "the response model has format `{found}`, and this build reads `{FORMAT}`; fit it again with this build's `mintage fit`"
    )]
    Format { found: String },
    #[error("the response model is inconsistent: {0}; fit it again with `mintage fit`")]
    Inconsistent(String),
}

/// What the model was fitted on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedOn {
    pub decisions_file: String,
    pub users_file: String,
    pub orders_file: String,
    /// Lines of the decisions file that were decisions.
    pub decisions: u64,
    /// Decisions of the campaign with a randomly drawn coupon.
    pub random: u64,
    /// Decisions of the campaign held out (no coupon).
    pub holdout: u64,
    /// Decisions of the campaign that were neither (not randomized: not trained on).
    pub skipped: u64,
    /// Randomized decisions trained on, and held out to measure the fit.
    pub train: u64,
    pub test: u64,
    /// Orders read, and randomized decisions followed by an order within the window.
    pub orders: u64,
    pub ordered: u64,
    /// The window an order must fall in after the decision, in milliseconds.
    pub window_ms: Millis,
    /// The ridge penalty (on standardised columns).
    pub l2: f64,
}

/// One bin of the reliability table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    pub count: u64,
    pub mean_predicted: f64,
    pub observed: f64,
}

/// How well the model does on the held-out users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Metrics {
    pub log_loss: f64,
    /// Of the constant model that predicts the training base rate.
    pub base_log_loss: f64,
    pub base_rate: f64,
    pub reliability: Vec<Bin>,
    /// Radcliffe's Qini coefficient and the area under the Qini curve (see docs/learning.md).
    pub qini: f64,
    pub auuc: f64,
    pub treated: u64,
    pub control: u64,
    /// Share of users for whom the fitted logit (before the projection) rises with depth
    /// over `[0, max_depth]`.
    pub monotone_share: f64,
    pub max_depth: f64,
    /// Newton iterations, and whether they converged.
    pub iterations: u32,
    pub converged: bool,
}

/// A coefficient with the column it multiplies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coefficient {
    pub name: String,
    pub value: f64,
}

/// An option seen in the randomized decisions (the menu explored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord, Hash)]
pub struct OptionTerms {
    pub kind: String,
    pub amount: Option<Fen>,
    pub percent: Option<i64>,
    pub cap: Option<Fen>,
    pub min_spend: Option<Fen>,
    pub face_value: Option<Fen>,
}

impl OptionTerms {
    pub fn view(&self) -> OfferView {
        OfferView {
            kind: static_kind(&self.kind),
            amount: self.amount,
            percent: self.percent,
            cap: self.cap,
            min_spend: self.min_spend,
            face_value: self.face_value,
        }
    }
}

/// The offer kinds of the language, as `OfferView` names them.
pub fn static_kind(kind: &str) -> &'static str {
    const KINDS: [&str; 6] = [
        "amount_off",
        "percent_off",
        "threshold",
        "free_shipping",
        "gift",
        "perk",
    ];
    KINDS.iter().find(|k| **k == kind).copied().unwrap_or("other")
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseModel {
    pub format: String,
    pub version: String,
    pub campaign: String,
    pub fitted_at: String,
    pub fitted_on: FittedOn,
    /// The user columns, in order.
    pub columns: Vec<Column>,
    /// Kinds seen; each after the first has an indicator of its own.
    pub kinds: Vec<String>,
    pub options: Vec<OptionTerms>,
    /// The logit of P(order): `[1, users…, treated, kinds[1..]…, d, d², d×users…, stretch]`,
    /// `d` the [`features::depth_curve`] of the offer's depth.
    pub order: Vec<Coefficient>,
    /// ln(the order's value before any coupon, in yuan): `[1, users…]`.
    pub value: Vec<Coefficient>,
    /// Duan's smearing factor: the mean of exp(residual), so exp(prediction) × it is the mean.
    pub smearing: f64,
    pub metrics: Metrics,
}

/// What an offer is worth to the campaign, in fen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Valuation {
    pub cost: Fen,
    pub gain: Fen,
    pub p_order: f64,
    pub p_none: f64,
    pub order_value: Fen,
}

/// The number of coefficients of each part (order, value), given `k` user columns and
/// `kinds` kinds.
pub fn layout(k: usize, kinds: usize) -> (usize, usize) {
    (depth_at(k, kinds) + 3 + k, 1 + k)
}

/// Where the depth part starts in the order model: after `[1, users…, treated, kinds[1..]…]`.
pub fn depth_at(k: usize, kinds: usize) -> usize {
    1 + k + kinds.max(1)
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl ResponseModel {
    pub fn load(path: &Path) -> Result<Self, ResponseError> {
        let text = std::fs::read_to_string(path).map_err(|e| ResponseError::Read {
            path: path.to_path_buf(),
            error: e.to_string(),
        })?;
        Self::from_json(&text)
    }

    pub fn from_json(text: &str) -> Result<Self, ResponseError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| ResponseError::Json(e.to_string()))?;
        let found = value.get("format").and_then(|f| f.as_str()).unwrap_or("none");
        if found != FORMAT {
            return Err(ResponseError::Format {
                found: found.to_string(),
            });
        }
        let model: ResponseModel = serde_json::from_value(value).map_err(|e| ResponseError::Json(e.to_string()))?;
        model.validate()?;
        Ok(model)
    }

    fn validate(&self) -> Result<(), ResponseError> {
        let (order, value) = layout(self.columns.len(), self.kinds.len());
        if self.order.len() != order || self.value.len() != value {
            return Err(ResponseError::Inconsistent(format!(
                "{} user columns and {} kinds need {order} order and {value} value coefficients, not {} and {}",
                self.columns.len(),
                self.kinds.len(),
                self.order.len(),
                self.value.len()
            )));
        }
        let bad = |c: &Coefficient| !c.value.is_finite();
        if let Some(c) = self.order.iter().chain(&self.value).find(|c| bad(c)) {
            return Err(ResponseError::Inconsistent(format!(
                "coefficient `{}` is not a number",
                c.name
            )));
        }
        if self
            .columns
            .iter()
            .any(|c| matches!(c, Column::Numeric { sd, .. } if !(sd.is_finite() && *sd > 0.0)))
        {
            return Err(ResponseError::Inconsistent(
                "a column has a spread that is not positive".into(),
            ));
        }
        Ok(())
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn campaign(&self) -> &str {
        &self.campaign
    }

    /// The user's columns at `now`.
    pub fn user_row(&self, user: &User, now: Millis) -> Vec<f64> {
        let mut row = vec![0.0; self.columns.len()];
        fill_user(&self.columns, user, now, &mut row);
        row
    }

    /// The index of the offer's kind indicator among `kinds[1..]`, if it has one.
    fn kind_slot(&self, kind: &str) -> Option<usize> {
        self.kinds.iter().skip(1).position(|k| k == kind)
    }

    /// ln(the order's value before any coupon, in yuan) before smearing, from the user's
    /// columns.
    pub fn log_value(&self, u: &[f64]) -> f64 {
        let c = |i: usize| self.value.get(i).map_or(0.0, |c| c.value);
        c(0) + u.iter().enumerate().map(|(j, x)| c(1 + j) * x).sum::<f64>()
    }

    /// What the user's order is worth before any coupon (fen): the reference of depth.
    pub fn gross_of_row(&self, u: &[f64]) -> Fen {
        let yuan = self.log_value(u).clamp(-50.0, 30.0).exp() * self.smearing;
        (yuan * 100.0).round() as Fen
    }

    /// What the buyer is expected to pay for the order (fen): without an offer its gross
    /// value; with one, what they spend (at least its minimum spend) less its discount.
    pub fn value_of_row(&self, u: &[f64], offer: Option<&OfferView>) -> Fen {
        let gross = self.gross_of_row(u);
        offer.map_or(gross, |o| paid(o, gross).0)
    }

    /// The logit of P(order) from the user's columns and the offer with its depth and
    /// stretch ([`features::shape`]), before (`raw`) or after the monotone projection.
    pub fn logit_of_row(&self, u: &[f64], offer: Option<(&OfferView, (f64, f64))>, raw: bool) -> f64 {
        let k = u.len();
        let v = depth_at(k, self.kinds.len());
        let c = |i: usize| self.order.get(i).map_or(0.0, |c| c.value);
        let z = c(0) + u.iter().enumerate().map(|(j, x)| c(1 + j) * x).sum::<f64>();
        let Some((o, (depth, stretch))) = offer else { return z };
        let d = features::depth_curve(depth);
        // The coupon's effect: its own, its kind's and the reach of its minimum spend.
        let mut effect = c(1 + k) + c(v + 2 + k) * stretch;
        if let Some(s) = self.kind_slot(o.kind) {
            effect += c(2 + k + s);
        }
        // The depth part: slope·d + curve·d², its slope varying with the user.
        let slope = c(v) + u.iter().enumerate().map(|(j, x)| c(v + 2 + j) * x).sum::<f64>();
        let curve = c(v + 1);
        if raw {
            return z + effect + slope * d + curve * d * d;
        }
        // Sane: more depth never lowers the chance of an order, nor does a coupon.
        z + (effect + running_max(slope, curve, d)).max(0.0)
    }

    /// Whether the raw depth part rises over `[0, max_depth]` for this user.
    pub fn monotone_for(&self, u: &[f64], max_depth: f64) -> bool {
        let v = depth_at(u.len(), self.kinds.len());
        let c = |i: usize| self.order.get(i).map_or(0.0, |c| c.value);
        let slope = c(v) + u.iter().enumerate().map(|(j, x)| c(v + 2 + j) * x).sum::<f64>();
        let curve = c(v + 1);
        let max_depth = features::depth_curve(max_depth);
        // The derivative slope + 2·curve·d is linear in d: non-negative at both ends.
        slope >= 0.0 && slope + 2.0 * curve * max_depth >= 0.0
    }

    /// P(order) from the user's columns.
    pub fn p_of_row(&self, u: &[f64], offer: Option<&OfferView>) -> f64 {
        let with_depth = offer.map(|o| (o, features::shape(o, self.gross_of_row(u))));
        sigmoid(self.logit_of_row(u, with_depth, false))
    }

    /// P(order within the window | user at `now`, offer; None = no coupon).
    pub fn p_order(&self, user: &User, now: Millis, offer: Option<&OfferView>) -> f64 {
        self.p_of_row(&self.user_row(user, now), offer)
    }

    /// Expected order value given an order (fen).
    pub fn order_value(&self, user: &User, now: Millis, offer: Option<&OfferView>) -> Fen {
        self.value_of_row(&self.user_row(user, now), offer)
    }

    /// Expected cost (P(order|offer) × the expected discount on the expected order) and
    /// gain (the incremental GMV: P(order|offer) × the order value with the offer −
    /// P(order|none) × the order value without), in fen. The order values are what the
    /// buyer pays, so a coupon to a user who would buy anyway gains less than nothing.
    pub fn value(&self, user: &User, now: Millis, offer: &OfferView) -> Valuation {
        let u = self.user_row(user, now);
        let gross = self.gross_of_row(&u);
        let shape = features::shape(offer, gross);
        let p = sigmoid(self.logit_of_row(&u, Some((offer, shape)), false));
        let p_none = sigmoid(self.logit_of_row(&u, None, false));
        let (order_value, discount) = paid(offer, gross);
        Valuation {
            cost: (p * discount as f64).round() as Fen,
            gain: (p * order_value as f64 - p_none * gross as f64).round() as Fen,
            p_order: p,
            p_none,
            order_value,
        }
    }
}

/// What a buyer whose order is worth `gross` fen pays with `offer` (they spend at least
/// its minimum, less its discount there, never below 0), and that discount.
fn paid(offer: &OfferView, gross: Fen) -> (Fen, Fen) {
    let spend = features::spend(offer, gross);
    let discount = expected_discount(offer, spend);
    (spend - discount.min(spend), discount)
}

/// `max over t in [0, d] of slope·t + curve·t²`: the depth part made non-decreasing (the
/// least non-decreasing function above it that agrees with it where it rises).
pub fn running_max(slope: f64, curve: f64, d: f64) -> f64 {
    let d = d.max(0.0);
    let f = |t: f64| slope * t + curve * t * t;
    let mut best = f(0.0).max(f(d));
    if curve < 0.0 {
        let vertex = -slope / (2.0 * curve);
        if vertex > 0.0 && vertex < d {
            best = best.max(f(vertex));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_running_max_never_falls() {
        for (slope, curve) in [(1.0, -3.0), (-1.0, 2.0), (0.5, 0.5), (-1.0, -1.0)] {
            let mut last = f64::NEG_INFINITY;
            for i in 0..=100 {
                let v = running_max(slope, curve, f64::from(i) / 100.0);
                assert!(v >= last - 1e-15, "{slope} {curve} at {i}");
                assert!(v >= slope * 0.0);
                last = v;
            }
        }
        assert!(
            (running_max(1.0, -3.0, 1.0) - 1.0 / 12.0).abs() < 1e-12,
            "the vertex at 1/6"
        );
    }

    #[test]
    fn an_unknown_format_is_refused() {
        let e = ResponseModel::from_json(r#"{"format": "mintage-response/9"}"#);
        assert!(matches!(e, Err(ResponseError::Format { .. })));
        assert!(matches!(ResponseModel::from_json("{"), Err(ResponseError::Json(_))));
    }
}
