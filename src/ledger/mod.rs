//! The durable ledger: coupons and their lifecycle, once-per counters, budgets, pending
//! timers, device sightings, signals, redemptions, API keys and the decision log, kept
//! in SQLite (the embedded default) or PostgreSQL (for several instances sharing one
//! ledger).
//!
//! A decision runs in one transaction: the user's working set (their coupons, counters,
//! timers, the device's sightings, the budgets and signals) is loaded into a
//! [`MemoryState`](crate::runtime::state::MemoryState), the ordinary runtime decides on
//! it, and what changed is written back with guarded statements (a budget grows only if
//! it still fits, a coupon changes status only from the status it was read in). A guard
//! that fails means another instance got there first: the transaction is rolled back and
//! the decision taken again on fresh state.

pub mod api;

pub use api::*;

use crate::runtime::engine::Rules;
use crate::runtime::event::Event;
use crate::value::Millis;
use std::sync::Arc;

/// Why the ledger could not do what was asked. Bad input from a client is not an error
/// here: it is an answer (`RedeemOutcome` with a reason) or rejected before the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The `--db` URL is not one the ledger knows.
    #[error("unknown database URL `{0}`: use `sqlite:PATH` or `postgres://…`")]
    BadUrl(String),
    #[error("database error: {0}")]
    Database(String),
    /// A guarded write found the row changed by another transaction; retried internally,
    /// reported only when retries run out.
    #[error("the ledger stayed busy: {0}")]
    Conflict(String),
    #[error("migration {version} failed: {message}")]
    Migration { version: u32, message: String },
    /// Data in the ledger that this version cannot read.
    #[error("corrupt ledger data: {0}")]
    Corrupt(String),
}

/// Rules as the ledger decides with them, and their version (a digest of the rule
/// files' text), which goes into every decision.
#[derive(Debug, Clone)]
pub struct VersionedRules {
    pub rules: Arc<Rules>,
    pub version: String,
}

/// Options for opening a ledger.
#[derive(Debug, Clone, Default)]
pub struct LedgerOptions {
    /// Reproducible coupon codes (tests); the OS's CSPRNG otherwise.
    pub seed: Option<u64>,
    /// Add the `--explain` trace to decisions.
    pub explain: bool,
}

/// The ledger over one database. Shareable across threads (`Arc<Ledger>`); every method
/// blocks on the database, so async code calls it from `spawn_blocking`.
pub struct Ledger {
    _private: (),
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `url` (`sqlite:PATH`, `sqlite::memory:`,
    /// `postgres://…`) and applies pending migrations.
    pub fn open(url: &str, rules: VersionedRules, options: LedgerOptions) -> Result<Ledger, LedgerError> {
        let _ = (url, rules, options);
        todo!()
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        todo!()
    }

    /// The rules decisions are taken with now.
    pub fn rules(&self) -> VersionedRules {
        todo!()
    }

    /// Swaps in new rules (hot reload): decisions started after this use them.
    pub fn set_rules(&self, rules: VersionedRules) {
        let _ = rules;
        todo!()
    }

    /// Decides one event: its user's timers due by the event fire first, then the event.
    /// An event id decided before returns the first decision (`replayed`), minting nothing.
    /// `raw` is the event's JSON text (kept with timers it starts).
    pub fn decide(&self, event: &Event, raw: &str) -> Result<DecideOutcome, LedgerError> {
        let _ = (event, raw);
        todo!()
    }

    /// Fires timers due at or before `now` (at most `max` users' worth) and expires
    /// coupons whose validity ended, releasing their budget. Returns the timer decisions.
    pub fn tick(&self, now: Millis, max: usize) -> Result<Vec<Decided>, LedgerError> {
        let _ = (now, max);
        todo!()
    }

    /// Validates a code against an order and reserves (and, unless `stage` is `reserve`,
    /// commits) it. A retry with the same order id and code answers the same.
    pub fn redeem(&self, request: &RedeemRequest, now: Millis) -> Result<RedeemOutcome, LedgerError> {
        let _ = (request, now);
        todo!()
    }

    /// Commits the order's reserved coupons (the order is paid).
    pub fn commit(&self, order_id: &str) -> Result<RollbackOutcome, LedgerError> {
        let _ = order_id;
        todo!()
    }

    /// The order was cancelled: its coupons become usable again if still valid (expired
    /// otherwise, releasing their budget). `code` limits it to one coupon.
    pub fn rollback(&self, order_id: &str, code: Option<&str>, now: Millis) -> Result<RollbackOutcome, LedgerError> {
        let _ = (order_id, code, now);
        todo!()
    }

    pub fn coupon(&self, code: &str) -> Result<Option<CouponView>, LedgerError> {
        let _ = code;
        todo!()
    }

    /// The user's coupons usable at `now` (issued, valid).
    pub fn wallet(&self, user_id: &str, now: Millis) -> Result<Vec<CouponView>, LedgerError> {
        let _ = (user_id, now);
        todo!()
    }

    /// `None` when the campaign is neither in the rules nor in the ledger.
    pub fn stats(&self, campaign: &str) -> Result<Option<CampaignStats>, LedgerError> {
        let _ = campaign;
        todo!()
    }

    /// Creates an API key with these scopes; returns the key, which is stored only as a
    /// digest and cannot be shown again.
    pub fn add_key(&self, scopes: &[Scope], label: &str) -> Result<String, LedgerError> {
        let _ = (scopes, label);
        todo!()
    }

    /// The scopes of a key, or `None` if it is unknown or revoked.
    pub fn key_scopes(&self, key: &str) -> Result<Option<Vec<Scope>>, LedgerError> {
        let _ = key;
        todo!()
    }

    /// How many keys exist (a service started with none creates an admin key).
    pub fn key_count(&self) -> Result<u64, LedgerError> {
        todo!()
    }

    /// Sums that must agree after any load or crash (`mintage audit`).
    pub fn audit(&self) -> Result<Audit, LedgerError> {
        todo!()
    }
}
