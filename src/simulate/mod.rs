//! `mintage simulate`: a synthetic consignment marketplace run through the real runtime,
//! day by day, closed loop (issue #11). A [`World`] is a world file's knobs
//! ([`world`]), the users it draws ([`population`]), the catalogue and heat
//! ([`catalog`]) and the known response ([`truth`]); [`market`] runs the days and
//! [`output`] writes the files. The truth is public so that a harness can ask it about any
//! user and any offer. `docs/simulator.md` explains the knobs, the formula and the files.

pub mod catalog;
pub mod coverage;
pub mod market;
pub mod output;
pub mod population;
pub mod score;
pub mod truth;
pub mod world;

pub use market::{SimError, SimOptions, SimOutput};
pub use population::{SimUser, UserKind};
pub use truth::{Effect, Truth};
pub use world::{WorldConfig, WorldError};

use crate::event::fields::OfferView;
use crate::runtime::engine::{Rules, Runtime};
use crate::value::{Fen, Millis};
use std::sync::Arc;

/// A world drawn from its knobs and a seed: users, catalogue, truth.
#[derive(Debug, Clone)]
pub struct World {
    pub config: WorldConfig,
    /// The first day's start (UTC ms).
    pub start: Millis,
    /// The zone events and rows are written in.
    pub tz: chrono_tz::Tz,
    pub users: Vec<SimUser>,
    pub catalog: catalog::Catalog,
    pub truth: Truth,
    /// User id → index into `users`.
    index: std::collections::HashMap<Arc<str>, usize>,
}

impl World {
    /// Reads and checks a world file's text.
    pub fn parse(text: &str) -> Result<WorldConfig, WorldError> {
        WorldConfig::from_toml(text)
    }

    /// Draws the world's users and catalogue from `seed`.
    pub fn new(config: WorldConfig, seed: u64) -> Result<World, WorldError> {
        config.validate()?;
        let start = crate::value::parse_time(&config.start)
            .map_err(|e| WorldError(format!("`start` is `{}`: {e}", config.start)))?;
        let users = population::generate(&config, start, seed);
        let catalog = catalog::Catalog::generate(&config, seed);
        let index = users.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
        let truth = Truth {
            half_depth: config.response.half_depth,
            stretch_penalty: config.response.stretch_penalty,
            shipping_fee: (config.catalog.shipping_fee * 100.0).round() as Fen,
        };
        Ok(World {
            config,
            start,
            tz: crate::value::DEFAULT_ZONE,
            users,
            catalog,
            truth,
            index,
        })
    }

    /// The users (their rows as of now: a run updates orders and spend, not the truth).
    pub fn users(&self) -> &[SimUser] {
        &self.users
    }

    /// The user with this id.
    pub fn user(&self, id: &str) -> Option<&SimUser> {
        self.index.get(id).and_then(|&i| self.users.get(i))
    }

    /// Writes times in `tz` (events, rows); the default is `Asia/Shanghai`.
    pub fn in_zone(mut self, tz: chrono_tz::Tz) -> World {
        self.tz = tz;
        self
    }

    pub fn truth(&self) -> &Truth {
        &self.truth
    }

    /// The probability that `user` orders within `window_days`, holding `offer` (see
    /// [`Truth::p_order`]).
    pub fn p_order(&self, user: &SimUser, offer: Option<&OfferView>, window_days: u32) -> f64 {
        self.truth.p_order(user, offer, window_days)
    }

    /// What an order of `user` pays, holding `offer` (fen).
    pub fn expected_order_value(&self, user: &SimUser, offer: Option<&OfferView>) -> Fen {
        self.truth.expected_order_value(user, offer)
    }

    /// The user row, as the engine reads it.
    pub fn row(&self, user: &SimUser) -> crate::event::User {
        user.row(self.tz)
    }
}

/// Runs `world` through `rules`: the output, and the runtime at the end.
pub fn simulate(world: &mut World, rules: Arc<Rules>, options: &SimOptions) -> Result<(SimOutput, Runtime), SimError> {
    market::run(world, rules, options)
}

/// The same, with the events written to `sink` as they are fed (see [`market::run_into`]).
pub fn simulate_into(
    world: &mut World,
    rules: Arc<Rules>,
    options: &SimOptions,
    sink: &mut market::EventSink<'_>,
) -> Result<(SimOutput, Runtime), SimError> {
    market::run_into(world, rules, options, Some(sink))
}
