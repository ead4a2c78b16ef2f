//! The simulated users: each a user row as `mintage run --users` reads it (registered_at,
//! paid_orders, last_order_at, total_spend, avg_order_value, ltv_tier, device_id, scores)
//! and the latent truth behind it (visit rate, per-visit conversion, sensitivity to
//! coupons, typical basket, favourite category). Fraud-ring accounts share a device.

use super::world::WorldConfig;
use crate::rng::SplitMix64;
use crate::value::{Fen, Millis, time_string};
use serde_json::{Value, json};
use std::sync::Arc;

const DAY: Millis = 86_400_000;

/// New, active or dormant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserKind {
    New,
    Active,
    Dormant,
}

impl UserKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UserKind::New => "new",
            UserKind::Active => "active",
            UserKind::Dormant => "dormant",
        }
    }
}

/// One simulated user: the row the platform knows and the truth it does not.
#[derive(Debug, Clone, PartialEq)]
pub struct SimUser {
    pub id: Arc<str>,
    pub kind: UserKind,
    /// The fraud ring the account belongs to.
    pub ring: Option<u32>,
    pub registered_at: Millis,
    pub paid_orders: u32,
    pub last_order_at: Option<Millis>,
    pub total_spend: Fen,
    pub device_id: Arc<str>,
    /// Truth: the probability of a visit on a day.
    pub visit_rate: f64,
    /// Truth: the probability that a visit ends in an order, without a coupon.
    pub conversion: f64,
    /// Truth: how much a coupon lifts `conversion` (see [`super::truth`]).
    pub sensitivity: f64,
    /// Truth: the typical basket, fen.
    pub basket: Fen,
    /// Index into the world's categories.
    pub category: usize,
    /// The minute of the day the user's visits start.
    pub minute: u32,
    /// Noisy estimates of the truth, as a platform's models would give: the order
    /// probability over 7 days without a coupon (`scores.p_convert`), and the response
    /// to depth (`scores.elasticity`: `exp(e · d)` matches the truth's lift at a depth of
    /// 10 %; `scores.price_sensitivity`: `s / (s + 2)`, 0 to 1).
    pub score_p_convert: f64,
    pub score_elasticity: f64,
    pub score_price_sensitivity: f64,
}

/// A normal draw (Box–Muller).
pub(crate) fn normal(rng: &mut SplitMix64) -> f64 {
    let u = rng.unit().max(1e-12);
    let v = rng.unit();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A category index drawn by share.
pub(crate) fn pick_category(rng: &mut SplitMix64, shares: &[f64]) -> usize {
    let total: f64 = shares.iter().sum();
    let mut x = rng.unit() * total;
    for (i, s) in shares.iter().enumerate() {
        if x < *s {
            return i;
        }
        x -= s;
    }
    shares.len().saturating_sub(1)
}

fn fen(yuan: f64) -> Fen {
    (yuan * 100.0).round() as Fen
}

impl SimUser {
    /// The user's typical order value (what a row's `avg_order_value` says), fen.
    pub fn avg_order_value(&self) -> Option<Fen> {
        (self.paid_orders > 0).then(|| self.total_spend / Fen::from(self.paid_orders))
    }

    /// `low`, `mid`, `high` by total spend; `new` before the first order.
    pub fn ltv_tier(&self) -> &'static str {
        match self.total_spend {
            0 => "new",
            s if s < 200_000 => "low",
            s if s < 1_000_000 => "mid",
            _ => "high",
        }
    }

    /// The user row as JSON (the format of `mintage run --users` and of events' `user`).
    pub fn row_json(&self, tz: chrono_tz::Tz) -> Value {
        let mut row = json!({
            "id": &*self.id,
            "registered_at": time_string(self.registered_at, tz),
            "paid_orders": self.paid_orders,
            "last_order_at": self.last_order_at.map(|t| time_string(t, tz)),
            "total_spend": self.total_spend as f64 / 100.0,
            "avg_order_value": self.avg_order_value().map(|f| f as f64 / 100.0),
            "ltv_tier": self.ltv_tier(),
            "device_id": &*self.device_id,
        });
        if let Some(o) = row.as_object_mut() {
            o.insert(
                "scores".into(),
                json!({
                    "p_convert": round4(self.score_p_convert),
                    "elasticity": round4(self.score_elasticity),
                    "price_sensitivity": round4(self.score_price_sensitivity),
                }),
            );
        }
        row
    }

    /// The user row as the engine reads it.
    pub fn row(&self, tz: chrono_tz::Tz) -> crate::event::User {
        serde_json::from_value(self.row_json(tz)).unwrap_or_default()
    }

    /// The user after a paid order of `total` at `at`.
    pub fn paid(&mut self, total: Fen, at: Millis) {
        self.paid_orders += 1;
        self.total_spend += total;
        self.last_order_at = Some(at);
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The population of a world, drawn from `seed`.
pub fn generate(world: &WorldConfig, start: Millis, seed: u64) -> Vec<SimUser> {
    let mut rng = SplitMix64::new(seed ^ 0x5eed_0001);
    let u = &world.users;
    let shares: Vec<f64> = world.catalog.categories.iter().map(|c| c.share).collect();
    let mut users = Vec::with_capacity(u.count as usize);
    for i in 0..u.count {
        let x = rng.unit();
        let kind = if x < u.new_share {
            UserKind::New
        } else if x < u.new_share + u.dormant_share {
            UserKind::Dormant
        } else {
            UserKind::Active
        };
        users.push(regular(world, &mut rng, &shares, i, kind, start));
    }
    let f = &world.fraud;
    for ring in 0..f.rings {
        let category = pick_category(&mut rng, &shares);
        let minute = 60 + rng.below(1_200) as u32;
        for k in 0..f.accounts_per_ring {
            let mut user = regular(world, &mut rng, &shares, 0, UserKind::New, start);
            user.id = Arc::from(format!("r{ring}-{k}").as_str());
            user.ring = Some(ring);
            user.device_id = Arc::from(format!("dev-ring-{ring}").as_str());
            user.visit_rate = f.visit_rate;
            user.conversion = f.conversion;
            user.sensitivity = f.sensitivity;
            user.category = category;
            user.minute = minute;
            users.push(user);
        }
    }
    users
}

fn regular(
    world: &WorldConfig,
    rng: &mut SplitMix64,
    shares: &[f64],
    i: u32,
    kind: UserKind,
    start: Millis,
) -> SimUser {
    let u = &world.users;
    let r = &world.response;
    let category = pick_category(rng, shares);
    let price = world
        .catalog
        .categories
        .get(category)
        .map_or(u.basket_median, |c| c.price_median);
    // The basket leans on the favourite category's prices.
    let median = (u.basket_median * price).sqrt();
    let basket = fen((median * (u.basket_spread * normal(rng)).exp()).clamp(1.0, 1e7));
    let (visit, conversion) = match kind {
        UserKind::New => (u.visit_rate_new, u.conversion_new),
        UserKind::Active => (u.visit_rate_active, u.conversion_active),
        UserKind::Dormant => (u.visit_rate_dormant, u.conversion_dormant),
    };
    // Users differ: a lognormal factor around the kind's rates.
    let visit_rate = (visit * (0.5 * normal(rng)).exp()).min(1.0);
    let conversion = (conversion * (0.6 * normal(rng)).exp()).min(0.9);
    let y = rng.unit();
    let sensitivity = if y < r.deal_hunter_share {
        r.deal_hunter_sensitivity
    } else if y < r.deal_hunter_share + r.indifferent_share {
        r.indifferent_sensitivity
    } else {
        r.regular_sensitivity
    } * (0.3 * normal(rng)).exp();
    let (registered_days, paid_orders, last_days) = match kind {
        UserKind::New => (rng.below(30) + 1, 0, None),
        UserKind::Active => (60 + rng.below(900), 1 + rng.below(20) as u32, Some(1 + rng.below(30))),
        UserKind::Dormant => (200 + rng.below(900), 1 + rng.below(6) as u32, Some(90 + rng.below(300))),
    };
    let spend_noise = (0.3 * normal(rng)).exp();
    let total_spend = (basket as f64 * f64::from(paid_orders) * spend_noise).round() as Fen;
    let noise = u.score_noise;
    SimUser {
        id: Arc::from(format!("u{i}").as_str()),
        kind,
        ring: None,
        registered_at: start - registered_days as Millis * DAY - rng.below(86_400) as Millis * 1000,
        paid_orders,
        last_order_at: last_days.map(|d| start - d as Millis * DAY - rng.below(86_400) as Millis * 1000),
        total_spend,
        device_id: Arc::from(format!("dev-{i}").as_str()),
        visit_rate,
        conversion,
        sensitivity,
        basket,
        category,
        minute: 480 + rng.below(900) as u32,
        score_p_convert: (1.0 - (1.0 - visit_rate * conversion).powi(7)) * (noise * normal(rng)).exp(),
        score_elasticity: 10.0 * (1.0 + sensitivity / 2.0).ln() * (noise * normal(rng)).exp(),
        score_price_sensitivity: (sensitivity / (sensitivity + 2.0) * (noise * normal(rng)).exp()).min(1.0),
    }
}
