//! The world file (`examples/worlds/*.toml`): what the synthetic marketplace looks like.
//! Every knob has a default, so a world names only what it changes; unknown keys are
//! refused, and a knob out of its range is an error that names the key, the value and
//! the range. `docs/simulator.md` says what each knob means.

use serde::Deserialize;

/// A whole world.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorldConfig {
    /// The first simulated day starts here (RFC 3339; its offset is the platform's day).
    pub start: String,
    /// How many days `mintage simulate` runs without `--days`.
    pub days: u32,
    /// The seed without `--seed`.
    pub seed: u64,
    pub users: Users,
    pub response: Response,
    pub catalog: Catalog,
    pub heat: Heat,
    pub fraud: Fraud,
    /// Batch campaigns of the rules and the day (0 = the first) each runs on.
    pub batch: Vec<BatchDay>,
}

/// The population.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Users {
    pub count: u32,
    pub new_share: f64,
    pub dormant_share: f64,
    pub visit_rate_new: f64,
    pub visit_rate_active: f64,
    pub visit_rate_dormant: f64,
    pub conversion_new: f64,
    pub conversion_active: f64,
    pub conversion_dormant: f64,
    /// Median typical basket, yuan.
    pub basket_median: f64,
    /// Spread of baskets (σ of the log).
    pub basket_spread: f64,
    /// Noise (σ, relative) of the `scores` a user row carries about the user's truth.
    pub score_noise: f64,
}

/// How users respond to coupons.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Response {
    pub deal_hunter_share: f64,
    pub deal_hunter_sensitivity: f64,
    pub indifferent_share: f64,
    pub indifferent_sensitivity: f64,
    pub regular_sensitivity: f64,
    /// The depth (discount ÷ spend) at which half the most a coupon can add is reached.
    pub half_depth: f64,
    /// How fast a minimum spend above the user's basket loses the user.
    pub stretch_penalty: f64,
}

/// Sellers and items.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Catalog {
    pub sellers: u32,
    pub items: u32,
    pub max_stock_age_days: u32,
    /// Shipping of an order, yuan (a `free_shipping` coupon takes it off).
    pub shipping_fee: f64,
    pub categories: Vec<Category>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
    /// Share of users whose favourite category it is (shares are normalised).
    pub share: f64,
    /// Median item price, yuan.
    pub price_median: f64,
}

/// Live heat signals (`signal("category_heat", category)`), one per category and day.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Heat {
    pub volatility: f64,
}

/// Fraud rings: many new accounts on one device that visit in bursts and buy only with
/// a coupon.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Fraud {
    pub rings: u32,
    pub accounts_per_ring: u32,
    pub visit_rate: f64,
    pub sensitivity: f64,
    pub conversion: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchDay {
    pub campaign: String,
    pub day: u32,
}

impl Default for WorldConfig {
    fn default() -> Self {
        WorldConfig {
            start: "2026-11-01T00:00:00+08:00".into(),
            days: 14,
            seed: 1,
            users: Users::default(),
            response: Response::default(),
            catalog: Catalog::default(),
            heat: Heat::default(),
            fraud: Fraud::default(),
            batch: Vec::new(),
        }
    }
}

impl Default for Users {
    fn default() -> Self {
        Users {
            count: 20_000,
            new_share: 0.15,
            dormant_share: 0.35,
            visit_rate_new: 0.25,
            visit_rate_active: 0.3,
            visit_rate_dormant: 0.04,
            conversion_new: 0.03,
            conversion_active: 0.06,
            conversion_dormant: 0.03,
            basket_median: 600.0,
            basket_spread: 0.7,
            score_noise: 0.3,
        }
    }
}

impl Default for Response {
    fn default() -> Self {
        Response {
            deal_hunter_share: 0.2,
            deal_hunter_sensitivity: 6.0,
            indifferent_share: 0.5,
            indifferent_sensitivity: 0.2,
            regular_sensitivity: 2.0,
            half_depth: 0.1,
            stretch_penalty: 2.0,
        }
    }
}

impl Default for Catalog {
    fn default() -> Self {
        let c = |name: &str, share, price_median| Category {
            name: name.into(),
            share,
            price_median,
        };
        Catalog {
            sellers: 300,
            items: 5_000,
            max_stock_age_days: 180,
            shipping_fee: 12.0,
            categories: vec![
                c("bags", 0.3, 1800.0),
                c("sneakers", 0.25, 900.0),
                c("watches", 0.1, 6000.0),
                c("apparel", 0.35, 300.0),
            ],
        }
    }
}

impl Default for Heat {
    fn default() -> Self {
        Heat { volatility: 0.1 }
    }
}

impl Default for Fraud {
    fn default() -> Self {
        Fraud {
            rings: 3,
            accounts_per_ring: 12,
            visit_rate: 0.3,
            sensitivity: 40.0,
            conversion: 0.005,
        }
    }
}

/// A knob out of range, or a file that is not a world.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct WorldError(pub String);

fn share(key: &str, v: f64) -> Result<(), WorldError> {
    range(key, v, 0.0, 1.0)
}

fn range(key: &str, v: f64, lo: f64, hi: f64) -> Result<(), WorldError> {
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(WorldError(format!("`{key}` is {v}; it must be between {lo} and {hi}")))
    }
}

fn count(key: &str, v: u32, lo: u32, hi: u32) -> Result<(), WorldError> {
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        Err(WorldError(format!("`{key}` is {v}; it must be between {lo} and {hi}")))
    }
}

impl WorldConfig {
    /// Reads a world from TOML text and checks every knob.
    pub fn from_toml(text: &str) -> Result<WorldConfig, WorldError> {
        let world: WorldConfig = toml::from_str(text).map_err(|e| WorldError(e.to_string()))?;
        world.validate()?;
        Ok(world)
    }

    /// Every knob in its range.
    pub fn validate(&self) -> Result<(), WorldError> {
        crate::value::parse_time(&self.start).map_err(|e| WorldError(format!("`start` is `{}`: {e}", self.start)))?;
        count("days", self.days, 1, 366)?;
        let u = &self.users;
        count("users.count", u.count, 1, 10_000_000)?;
        share("users.new_share", u.new_share)?;
        share("users.dormant_share", u.dormant_share)?;
        if u.new_share + u.dormant_share > 1.0 {
            return Err(WorldError(format!(
                "`users.new_share` + `users.dormant_share` is {}; together they must be at most 1",
                u.new_share + u.dormant_share
            )));
        }
        for (k, v) in [
            ("users.visit_rate_new", u.visit_rate_new),
            ("users.visit_rate_active", u.visit_rate_active),
            ("users.visit_rate_dormant", u.visit_rate_dormant),
            ("users.conversion_new", u.conversion_new),
            ("users.conversion_active", u.conversion_active),
            ("users.conversion_dormant", u.conversion_dormant),
        ] {
            share(k, v)?;
        }
        range("users.basket_median", u.basket_median, 1.0, 1_000_000.0)?;
        range("users.basket_spread", u.basket_spread, 0.0, 3.0)?;
        range("users.score_noise", u.score_noise, 0.0, 5.0)?;
        let r = &self.response;
        share("response.deal_hunter_share", r.deal_hunter_share)?;
        share("response.indifferent_share", r.indifferent_share)?;
        if r.deal_hunter_share + r.indifferent_share > 1.0 {
            return Err(WorldError(format!(
                "`response.deal_hunter_share` + `response.indifferent_share` is {}; together they must be at most 1",
                r.deal_hunter_share + r.indifferent_share
            )));
        }
        for (k, v) in [
            ("response.deal_hunter_sensitivity", r.deal_hunter_sensitivity),
            ("response.indifferent_sensitivity", r.indifferent_sensitivity),
            ("response.regular_sensitivity", r.regular_sensitivity),
        ] {
            range(k, v, 0.0, 100.0)?;
        }
        range("response.half_depth", r.half_depth, 0.001, 10.0)?;
        range("response.stretch_penalty", r.stretch_penalty, 0.0, 100.0)?;
        let c = &self.catalog;
        count("catalog.sellers", c.sellers, 1, 1_000_000)?;
        count("catalog.items", c.items, 1, 10_000_000)?;
        count("catalog.max_stock_age_days", c.max_stock_age_days, 0, 10_000)?;
        range("catalog.shipping_fee", c.shipping_fee, 0.0, 10_000.0)?;
        if c.categories.is_empty() {
            return Err(WorldError(
                "`catalog.categories` is empty; a world needs at least one category".into(),
            ));
        }
        for (i, cat) in c.categories.iter().enumerate() {
            if cat.name.trim().is_empty() {
                return Err(WorldError(format!("`catalog.categories[{i}].name` is empty")));
            }
            range(&format!("catalog.categories[{i}].share"), cat.share, 0.0, 1_000.0)?;
            range(
                &format!("catalog.categories[{i}].price_median"),
                cat.price_median,
                1.0,
                10_000_000.0,
            )?;
        }
        if c.categories.iter().map(|c| c.share).sum::<f64>() <= 0.0 {
            return Err(WorldError(
                "`catalog.categories` shares are all 0; at least one must be more".into(),
            ));
        }
        range("heat.volatility", self.heat.volatility, 0.0, 1.0)?;
        let f = &self.fraud;
        count("fraud.rings", f.rings, 0, 10_000)?;
        count("fraud.accounts_per_ring", f.accounts_per_ring, 1, 10_000)?;
        share("fraud.visit_rate", f.visit_rate)?;
        range("fraud.sensitivity", f.sensitivity, 0.0, 1_000.0)?;
        share("fraud.conversion", f.conversion)?;
        for (i, b) in self.batch.iter().enumerate() {
            if b.campaign.trim().is_empty() {
                return Err(WorldError(format!("`batch[{i}].campaign` is empty")));
            }
        }
        Ok(())
    }
}
