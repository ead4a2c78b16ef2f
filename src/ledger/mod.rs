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
//!
//! Here: [`Ledger`] and its operations. `api` is what callers see, `error` why a call
//! failed, `version` the rules and their version, `keys` API keys, `working` a user's
//! working set and what changed in it, `redeem` redemption, `checkout_redeem` an order's codes redeemed together, `lapse` reservations that lapse, `quote` quotes of a buyer's wallet, `store` the rows and the
//! `Tx`/`Backend` traits, `migrate` the migration driver; `sqlite/` and `postgres/` the
//! backends, each as `mod.rs` (opening, migrating, transactions), `tx.rs` (the
//! statements of one transaction) and `sql.rs` (their text), with SQLite's group commit
//! in `group.rs` and PostgreSQL's connections in `pool.rs`.

pub mod api;
pub mod checkout_redeem;
pub mod console;
mod error;
pub mod fit_lines;
mod kept;
pub mod keys;
mod lapse;
mod migrate;
pub mod outcomes;
mod postgres;
pub mod quote;
pub mod redeem;
pub mod returns;
mod sqlite;
pub mod store;
mod tallies;
mod version;
pub mod working;

pub use api::*;
pub use checkout_redeem::{CodeOutcome, LineShare, OrderRedeemOutcome, OrderRedeemRequest};
pub use error::{BoxError, LedgerError};
pub use keys::KeyDigest;
pub use returns::{ReturnOutcome, ReturnRequest};
pub use version::{VersionedRules, model_files, rules_version, rules_version_of, rules_version_with_models};

use crate::runtime::codes::CodeMinter;
use crate::runtime::decision::Decision;
use crate::runtime::engine::{Rules, Runtime};
use crate::runtime::event::{Event, EventKind};
use crate::runtime::state::MemoryState;
use crate::value::{Fen, Millis, Yuan};
use std::sync::{Arc, Mutex, RwLock};
use store::{Backend, Changes, CouponRow, read, transact};
use working::{Made, Names};

/// Options for opening a ledger.
#[derive(Debug, Clone)]
pub struct LedgerOptions {
    /// Reproducible coupon codes (tests); the OS's CSPRNG otherwise.
    pub seed: Option<u64>,
    /// Add the `--explain` trace to decisions.
    pub explain: bool,
    /// How long a reservation ([`Ledger::redeem`], [`Ledger::redeem_order`]) holds its
    /// coupons before the tick gives them back (milliseconds).
    pub reservation_ttl: Millis,
}

/// An order's coupons are held in reserve for 30 minutes unless told otherwise.
pub const DEFAULT_RESERVATION_TTL: Millis = 30 * 60 * 1000;

impl Default for LedgerOptions {
    fn default() -> LedgerOptions {
        LedgerOptions {
            seed: None,
            explain: false,
            reservation_ttl: DEFAULT_RESERVATION_TTL,
        }
    }
}

/// The ledger over one database. Shareable across threads (`Arc<Ledger>`); every method
/// blocks on the database, so async code calls it from `spawn_blocking`.
pub struct Ledger {
    backend: Box<dyn Backend>,
    current: RwLock<Arc<Current>>,
    /// Runtimes ready to decide (each owns an evaluator and a code minter).
    runtimes: Mutex<Vec<Runtime<MemoryState>>>,
    options: LedgerOptions,
    /// Runtimes made so far: a seeded ledger seeds the n-th with `seed + n`.
    made: std::sync::atomic::AtomicU64,
}

struct Current {
    rules: VersionedRules,
    names: Names,
}

/// Coupons expired per transaction by `tick` (small: each batch holds the writer).
const EXPIRY_BATCH: usize = 200;

/// How many times a decision is taken again when another instance changed what it read.
const RETRIES: u32 = 64;

/// The wall clock in UTC milliseconds (negative before 1970); an error for a clock so
/// far off that a millisecond count cannot hold it.
pub fn clock_ms() -> Result<Millis, LedgerError> {
    let ms = match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()),
        Err(before) => i64::try_from(before.duration().as_millis()).map(|ms| -ms),
    };
    ms.map_err(|e| LedgerError::internal_from("the system clock is out of range", e))
}

fn view(c: CouponRow) -> Result<CouponView, LedgerError> {
    let coupon = serde_json::from_str(&c.coupon)
        .map_err(|e| LedgerError::corrupt_from(&format!("stored form of coupon `{}`", c.code), e))?;
    Ok(CouponView {
        coupon,
        code: c.code,
        user_id: c.user_id,
        status: c.status,
        decision_id: c.decision_id,
        order_id: c.order_id,
    })
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `url` (`sqlite:PATH`, `sqlite::memory:`,
    /// `postgres://…`) and applies pending migrations.
    pub fn open(url: &str, rules: VersionedRules, options: LedgerOptions) -> Result<Ledger, LedgerError> {
        let backend: Box<dyn Backend> = if let Some(spec) = url.strip_prefix("sqlite:") {
            Box::new(sqlite::Sqlite::open(spec)?)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Box::new(postgres::Postgres::open(url)?)
        } else {
            return Err(LedgerError::BadUrl(url.to_string()));
        };
        let names = Names::new(&rules.rules);
        Ok(Ledger {
            backend,
            current: RwLock::new(Arc::new(Current { rules, names })),
            runtimes: Mutex::new(Vec::new()),
            options,
            made: std::sync::atomic::AtomicU64::new(0),
        })
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn current(&self) -> Arc<Current> {
        match self.current.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The rules decisions are taken with now.
    pub fn rules(&self) -> VersionedRules {
        self.current().rules.clone()
    }

    /// Swaps in new rules (hot reload): decisions started after this use them.
    pub fn set_rules(&self, rules: VersionedRules) {
        let names = Names::new(&rules.rules);
        let next = Arc::new(Current { rules, names });
        match self.current.write() {
            Ok(mut c) => *c = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    fn take_runtime(&self, rules: &Arc<Rules>) -> Result<Runtime<MemoryState>, LedgerError> {
        if let Ok(mut pool) = self.runtimes.lock() {
            while let Some(rt) = pool.pop() {
                if Arc::ptr_eq(rt.rules(), rules) {
                    return Ok(rt);
                }
            }
        }
        let n = self.made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let minter = match self.options.seed {
            Some(seed) => CodeMinter::seeded(seed.wrapping_add(n)),
            None => CodeMinter::from_entropy().map_err(|e| LedgerError::entropy("the coupon code generator", e))?,
        };
        Ok(Runtime::with_store(rules.clone(), minter, MemoryState::default())
            .explain(self.options.explain)
            .record_outcomes(true))
    }

    fn put_runtime(&self, mut rt: Runtime<MemoryState>) {
        rt.state = MemoryState::default();
        if let Ok(mut pool) = self.runtimes.lock()
            && pool.len() < 64
        {
            pool.push(rt);
        }
    }

    /// Runs `f` in a transaction, again on a conflict, with a short random pause after the
    /// first few attempts.
    fn retrying<T>(
        &self,
        lock: Option<&str>,
        mut f: impl FnMut(&mut dyn store::Tx) -> Result<T, LedgerError>,
    ) -> Result<T, LedgerError> {
        let mut attempt = 0;
        loop {
            match transact(&*self.backend, lock, &mut f) {
                Err(conflict @ LedgerError::Conflict { .. }) => {
                    attempt += 1;
                    if attempt >= RETRIES {
                        return Err(conflict);
                    }
                    if attempt > 2 {
                        let mut b = [0u8; 1];
                        let _ = getrandom::fill(&mut b);
                        std::thread::sleep(std::time::Duration::from_micros(100 + u64::from(b[0]) * 8));
                    }
                }
                other => return other,
            }
        }
    }

    /// Decides one event: its user's timers due by the event fire first, then the event.
    /// An event id decided before returns the first decision (`replayed`), minting nothing.
    /// `raw` is the event's JSON text (kept with timers it starts).
    pub fn decide(&self, event: &Event, raw: &str) -> Result<DecideOutcome, LedgerError> {
        let current = self.current();
        let version = current.rules.version.clone();
        let zone = current.rules.rules.compiled.program.zone;
        match event.kind {
            EventKind::Tick => {
                let fired = self.tick(event.at, usize::MAX)?;
                let d = Decision::new(
                    event.at,
                    crate::runtime::decision::Trigger::Event,
                    event.id.clone(),
                    None,
                )
                .in_zone(zone);
                return Ok(DecideOutcome {
                    decided: Decided {
                        decision_id: working::decision_id(),
                        rules_version: version,
                        decision: d.to_json(),
                        replayed: false,
                    },
                    fired,
                    others: Vec::new(),
                });
            }
            EventKind::Signal => {
                return self.retrying(None, |tx| {
                    if let Some(found) = replay(tx, &event.id)? {
                        return Ok(found);
                    }
                    let d = Decision::new(
                        event.at,
                        crate::runtime::decision::Trigger::Event,
                        event.id.clone(),
                        None,
                    )
                    .in_zone(zone);
                    let made = Made::new(&d);
                    let mut ch = Changes {
                        decisions: vec![working::decision_row(&made, &version)?],
                        ..Changes::default()
                    };
                    if let Some((name, key, value)) = &event.signal {
                        ch.signals.push((name.clone(), key.clone(), *value, event.at));
                    }
                    tx.apply(&ch)?;
                    Ok(DecideOutcome {
                        decided: made.into_decided(&version),
                        fired: Vec::new(),
                        others: Vec::new(),
                    })
                });
            }
            _ => {}
        }
        if event.referral.as_ref().is_some_and(|r| r.side.is_none()) {
            return self.decide_referral(event, raw);
        }
        self.decide_user(event, raw, &event.id)
    }

    /// A referral as the platform sent it: the invitee's side, then the inviter's, each
    /// in its own transaction on its own user (as two events would be). The inviter's
    /// decision is kept under the event id and `/inviter`, so a retry of the event
    /// replays both, or decides the side that an error left undecided: neither side is
    /// decided twice.
    fn decide_referral(&self, event: &Event, raw: &str) -> Result<DecideOutcome, LedgerError> {
        let mut sides = event.sides().into_iter();
        let (Some(invitee), Some(inviter)) = (sides.next(), sides.next()) else {
            return Err(LedgerError::internal("a referral without two sides"));
        };
        let side_raw =
            |side| crate::event::referral::side_json(raw, side).map_err(|e| LedgerError::BadInput(e.to_string()));
        let first = self.decide_user(&invitee, &side_raw(crate::check::program::Side::Invitee)?, &event.id)?;
        let key = format!("{}/inviter", event.id);
        let second = self.decide_user(&inviter, &side_raw(crate::check::program::Side::Inviter)?, &key)?;
        let mut fired = first.fired;
        fired.extend(second.fired);
        let mut others = vec![second.decided];
        others.extend(second.others);
        Ok(DecideOutcome {
            decided: first.decided,
            fired,
            others,
        })
    }

    /// Decides an event of one user, kept under `key` (the event id, or a referral
    /// side's).
    fn decide_user(&self, event: &Event, raw: &str, key: &str) -> Result<DecideOutcome, LedgerError> {
        let current = self.current();
        let version = current.rules.version.clone();
        let Some(user) = event.user.as_ref() else {
            return Err(LedgerError::BadInput(format!(
                "field `user` is required for `{}` events (event `{}`)",
                event.kind, event.id
            )));
        };
        let user_id = user.id.to_string();
        let device = user.device_id.as_ref().map(|d| d.to_string());
        let rules = current.rules.rules.clone();
        let mut rt = self.take_runtime(&rules)?;
        let result = self.retrying(Some(&user_id), |tx| {
            if let Some(found) = replay(tx, key)? {
                return Ok(found);
            }
            let mut w = working::load(&rules, &current.names, tx, &user_id, device.as_deref(), event.at)?;
            if rt.may_expose(event.kind.as_str()) {
                working::load_exposed(&current.names, tx, &mut w, &user_id)?;
            }
            rt.state = std::mem::take(&mut w.state);
            let d = rt.decide(event);
            let fired = rt.take_fired();
            let after = std::mem::take(&mut rt.state);
            let mut made: Vec<Made<'_>> = fired.iter().map(Made::new).collect();
            made.push(Made::new(&d).keyed(key));
            let ch = working::diff(&rules, &current.names, &version, &w, &after, &made, Some(raw))?;
            tx.apply(&ch)?;
            let mut decided: Vec<Decided> = made.into_iter().map(|m| m.into_decided(&version)).collect();
            let own = decided
                .pop()
                .ok_or_else(|| LedgerError::internal("a decision made no decision"))?;
            Ok(DecideOutcome {
                decided: own,
                fired: decided,
                others: Vec::new(),
            })
        });
        self.put_runtime(rt);
        result
    }

    /// The earliest time a [`Ledger::tick`] has work: a timer due, or an issued coupon
    /// whose validity ends, a reservation that lapses (`None`: nothing pending). A replay whose clock is its events'
    /// times ticks when an event reaches it, as the in-memory runtime does.
    pub fn next_due(&self) -> Result<Option<Millis>, LedgerError> {
        read(&*self.backend, |tx| tx.next_due())
    }

    /// Fires timers due at or before `now` (at most `max` users' worth) and expires
    /// coupons whose validity ended, releasing their budget. Returns the timer decisions.
    pub fn tick(&self, now: Millis, max: usize) -> Result<Vec<Decided>, LedgerError> {
        let current = self.current();
        let version = current.rules.version.clone();
        let rules = current.rules.rules.clone();
        let horizon = rules.compiled.horizon_ms;
        // Timers first: each fires on its user's working set, whose coupons expire as of
        // the timer's due time (a late timer still finds what was valid then).
        let mut out = Vec::new();
        let users = read(&*self.backend, |tx| tx.due_users(now, max))?;
        let mut rt = self.take_runtime(&rules)?;
        for user_id in users {
            let result = self.retrying(Some(&user_id), |tx| {
                let mut w = working::load(&rules, &current.names, tx, &user_id, None, now)?;
                rt.state = std::mem::take(&mut w.state);
                let fired = rt.tick(now);
                let after = std::mem::take(&mut rt.state);
                let made: Vec<Made<'_>> = fired.iter().map(Made::new).collect();
                let ch = working::diff(&rules, &current.names, &version, &w, &after, &made, None)?;
                tx.apply(&ch)?;
                Ok(made.into_iter().map(|m| m.into_decided(&version)).collect::<Vec<_>>())
            });
            match result {
                Ok(d) => out.extend(d),
                Err(e) => {
                    self.put_runtime(rt);
                    return Err(e);
                }
            }
        }
        self.put_runtime(rt);
        // Coupons that ran out release their budget, a batch at a time.
        loop {
            let n = self.retrying(None, |tx| {
                let gone = tx.expire_coupons(now, EXPIRY_BATCH)?;
                let mut by: std::collections::BTreeMap<String, Fen> = std::collections::BTreeMap::new();
                for c in &gone {
                    *by.entry(c.campaign.clone()).or_default() += c.face_value;
                }
                let ch = Changes {
                    budgets: by
                        .into_iter()
                        .map(|(campaign, face)| store::BudgetDelta {
                            campaign,
                            reserved: -face,
                            spent: 0,
                            limit: None,
                        })
                        .collect(),
                    ..Changes::default()
                };
                tx.apply(&ch)?;
                tx.prune_devices(now - horizon)?;
                Ok(gone.len())
            })?;
            if n < EXPIRY_BATCH {
                break;
            }
        }
        // Reservations that lapsed give their coupons back, a batch at a time.
        while self.retrying(None, |tx| lapse::release_lapsed(tx, now, EXPIRY_BATCH))? == EXPIRY_BATCH {}
        Ok(out)
    }

    /// Validates a code against an order and reserves (and, unless `stage` is `reserve`,
    /// commits) it; a reservation holds until `now` plus `reservation_ttl`. A retry with
    /// the same order id and code answers the same, except that `stage: commit` commits a
    /// code the order holds in reserve.
    pub fn redeem(&self, request: &RedeemRequest, now: Millis) -> Result<RedeemOutcome, LedgerError> {
        let at = match &request.at {
            Some(t) => crate::value::parse_time(t).map_err(|e| LedgerError::BadInput(format!("`at`: {e}")))?,
            None => now,
        };
        let until = now.saturating_add(self.options.reservation_ttl);
        let lock = format!("order:{}", request.order.id);
        self.retrying(Some(&lock), |tx| redeem::redeem(tx, request, at, (now, until)))
    }

    /// Commits the order's reserved coupons (the order is paid), at the wall clock.
    pub fn commit(&self, order_id: &str) -> Result<RollbackOutcome, LedgerError> {
        self.commit_at(order_id, clock_ms()?)
    }

    /// Commits the order's reserved coupons at `now`: `Refused` with the reason
    /// `reservation_expired`, committing nothing, if one of its reservations has lapsed.
    pub fn commit_at(&self, order_id: &str, now: Millis) -> Result<RollbackOutcome, LedgerError> {
        let lock = format!("order:{order_id}");
        self.retrying(Some(&lock), |tx| redeem::commit(tx, order_id, now))
    }

    /// Redeems every code of an order together, or none (see [`checkout_redeem`]); a
    /// reservation holds until `now` plus `reservation_ttl`. The request should be
    /// [`OrderRedeemRequest::validate`]d first.
    pub fn redeem_order(&self, request: &OrderRedeemRequest, now: Millis) -> Result<OrderRedeemOutcome, LedgerError> {
        let at = match &request.at {
            Some(t) => crate::value::parse_time(t).map_err(|e| LedgerError::BadInput(format!("`at`: {e}")))?,
            None => now,
        };
        let until = now.saturating_add(self.options.reservation_ttl);
        let lock = format!("order:{}", request.order.id);
        self.retrying(Some(&lock), |tx| {
            checkout_redeem::redeem_order(tx, request, at, (now, until))
        })
    }

    /// Takes back lines of a paid order: each coupon gives back its part of them by
    /// funder, all of its discount when the order falls below its minimum spend or comes
    /// back whole (see [`returns`]). The request should be [`ReturnRequest::validate`]d.
    pub fn return_order(
        &self,
        order_id: &str,
        request: &ReturnRequest,
        now: Millis,
    ) -> Result<ReturnOutcome, LedgerError> {
        let at = match &request.at {
            Some(t) => crate::value::parse_time(t).map_err(|e| LedgerError::BadInput(format!("`at`: {e}")))?,
            None => now,
        };
        request.validate()?;
        let lock = format!("order:{order_id}");
        self.retrying(Some(&lock), |tx| returns::return_order(tx, order_id, request, at))
    }

    /// The order was cancelled: its coupons become usable again if still valid (expired
    /// otherwise, releasing their budget). `code` limits it to one coupon.
    pub fn rollback(&self, order_id: &str, code: Option<&str>, now: Millis) -> Result<RollbackOutcome, LedgerError> {
        let lock = format!("order:{order_id}");
        self.retrying(Some(&lock), |tx| redeem::rollback(tx, order_id, code, now))
    }

    pub fn coupon(&self, code: &str) -> Result<Option<CouponView>, LedgerError> {
        let code = crate::runtime::codes::parse_code(code).unwrap_or_else(|_| code.to_string());
        read(&*self.backend, |tx| tx.coupon(&code, false))?
            .map(view)
            .transpose()
    }

    /// The user's coupons usable at `now` (issued, valid).
    pub fn wallet(&self, user_id: &str, now: Millis) -> Result<Vec<CouponView>, LedgerError> {
        read(&*self.backend, |tx| tx.wallet(user_id, now))?
            .into_iter()
            .map(view)
            .collect()
    }

    /// `None` when the campaign is neither in the rules nor in the ledger.
    pub fn stats(&self, campaign: &str) -> Result<Option<CampaignStats>, LedgerError> {
        let current = self.current();
        let in_rules = current
            .names
            .campaign(campaign)
            .and_then(|ci| current.rules.rules.compiled.program.campaigns.get(ci as usize));
        let counts = read(&*self.backend, |tx| tx.campaign_counts(campaign))?;
        if in_rules.is_none() && counts.by_status_arm.is_empty() && counts.budget.is_none() {
            return Ok(None);
        }
        let mut s = CampaignStats {
            campaign: campaign.to_string(),
            budget: in_rules.and_then(|c| c.budget).map(|b| Yuan(b.amount)),
            budget_reserved: Yuan(counts.budget.as_ref().map_or(0, |b| b.reserved)),
            budget_spent: Yuan(counts.budget.as_ref().map_or(0, |b| b.spent)),
            discount_given: Yuan(counts.discount_given),
            ..CampaignStats::default()
        };
        let mut arms: std::collections::BTreeMap<String, ArmStats> = std::collections::BTreeMap::new();
        for store::StatusCount { status, arm, count: n } in counts.by_status_arm {
            match status {
                CouponState::Issued => s.issued += n,
                CouponState::Reserved => s.reserved += n,
                CouponState::Redeemed => s.redeemed += n,
                CouponState::Expired => s.expired += n,
                CouponState::Revoked => s.revoked += n,
            }
            if let Some(arm) = arm {
                let a = arms.entry(arm.clone()).or_insert_with(|| ArmStats {
                    arm,
                    ..ArmStats::default()
                });
                a.issued += n;
                if status == CouponState::Redeemed {
                    a.redeemed += n;
                }
            }
        }
        // `issued` counts every coupon minted, whatever became of it since.
        s.issued += s.reserved + s.redeemed + s.expired + s.revoked;
        s.by_arm = arms.into_values().collect();
        Ok(Some(s))
    }

    /// Creates an API key with these scopes; returns the key, which is stored only as a
    /// digest and cannot be shown again.
    pub fn add_key(&self, scopes: &[Scope], label: &str) -> Result<String, LedgerError> {
        let new = keys::mint()?;
        let row = store::NewKeyRow {
            id: &new.id,
            digest: &new.digest,
            scopes,
            label,
            created_at: clock_ms()?,
        };
        transact(&*self.backend, None, |tx| tx.insert_key(&row))?;
        Ok(new.key)
    }

    /// The scopes of the key with this digest ([`KeyDigest::of`] the key), or `None` if
    /// it is unknown or revoked.
    pub fn key_scopes(&self, digest: &KeyDigest) -> Result<Option<Vec<Scope>>, LedgerError> {
        read(&*self.backend, |tx| tx.key_scopes(digest))
    }

    /// How many keys exist (a service started with none creates an admin key).
    pub fn key_count(&self) -> Result<u64, LedgerError> {
        read(&*self.backend, |tx| tx.key_count())
    }

    /// Sums that must agree after any load or crash (`mintage audit`).
    pub fn audit(&self) -> Result<Audit, LedgerError> {
        let current = self.current();
        let program = &current.rules.rules.compiled.program;
        let (totals, budgets, repeated, tallies, issued) = read(&*self.backend, |tx| {
            Ok((
                tx.totals()?,
                tx.budget_audit()?,
                tx.repeated_coupons()?,
                tx.all_tallies()?,
                tx.issued_by_rule()?,
            ))
        })?;
        let mut a = Audit {
            coupons: totals.coupons,
            decisions: totals.decisions,
            duplicate_decisions: totals.duplicate_events,
            unbalanced_redemptions: totals.unbalanced_redemptions,
            ..Audit::default()
        };
        for store::BudgetAudit {
            campaign,
            reserved,
            spent,
            held,
            redeemed,
        } in budgets
        {
            if reserved != held || spent != redeemed {
                a.budget_mismatches.push(format!(
                    "{campaign}: reserved {reserved} fen against coupons {held}; spent {spent} against {redeemed}"
                ));
            }
            let limit = program
                .campaigns
                .iter()
                .find(|c| *c.id == *campaign)
                .and_then(|c| c.budget)
                .map(|b| b.amount);
            if let Some(limit) = limit
                && reserved > limit
            {
                a.overspent.push((campaign, Yuan(reserved - limit)));
            }
        }
        for store::RepeatedCoupons {
            user_id: user,
            campaign,
            rule,
            coupons: n,
        } in repeated
        {
            let limit = program
                .campaigns
                .iter()
                .find(|c| *c.id == *campaign)
                .and_then(|c| c.rules.iter().find(|r| *r.name == *rule))
                .and_then(|r| r.limit.as_ref())
                .filter(|l| {
                    l.keys
                        .iter()
                        .all(|k| matches!(k, crate::check::program::LimitKey::User))
                });
            if let Some(l) = limit
                && n > u64::from(l.times)
            {
                a.limit_violations
                    .push(format!("{user} {campaign}/{rule}: {n} coupons, limit {}", l.times));
            }
        }
        tallies::audit(program, &tallies, &issued, &mut a);
        Ok(a)
    }
}

/// The stored answer for an event id decided before.
fn replay(tx: &mut dyn store::Tx, event_id: &str) -> Result<Option<DecideOutcome>, LedgerError> {
    let Some(store::StoredDecision {
        decision_id,
        rules_version,
        body,
    }) = tx.decision_by_event(event_id)?
    else {
        return Ok(None);
    };
    let decision =
        serde_json::from_str(&body).map_err(|e| LedgerError::corrupt_from(&format!("decision `{decision_id}`"), e))?;
    Ok(Some(DecideOutcome {
        decided: Decided {
            decision_id,
            rules_version,
            decision,
            replayed: true,
        },
        fired: Vec::new(),
        others: Vec::new(),
    }))
}
