//! Per-user and global runtime state kept in memory: coupons and their status, once-per
//! counters, pending timers, device sightings, issue times for velocity, live signals and
//! budget reservations. Entries older than the rules' longest look-back are pruned, so a
//! long stream does not grow memory without bound.

use super::eval::Facts;
use super::event::Event;
use super::exposure::Recorded;
use crate::value::{Fen, Millis};
use foldhash::HashMap;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CouponStatus {
    Issued,
    Redeemed,
    Revoked,
    Expired,
}

#[derive(Debug, Clone)]
pub struct IssuedCoupon {
    pub code: String,
    pub campaign: u32,
    /// Global rule id (`Compiled::rules`).
    pub rule: u32,
    pub issued_at: Millis,
    pub valid_until: Millis,
    pub status: CouponStatus,
    pub face_value: Fen,
}

#[derive(Debug, Default, Clone)]
pub struct UserState {
    pub coupons: Vec<IssuedCoupon>,
    /// (rule id, limit key) → coupons counted, and until when the count matters.
    pub counters: HashMap<(u32, Arc<str>), (u32, Millis)>,
    /// Issue times and campaigns, oldest first, for `coupons_issued(period)`.
    pub issued: VecDeque<(Millis, u32)>,
    /// Pending timers: (rule id, timer key in `MemoryState::timers`).
    pub pending: Vec<(u32, (Millis, u64))>,
    /// Per aggregate the rules use (by its key, `count(item_favourited, 7d)`): the times
    /// of the user's events it counts and the value it read on each, oldest first, none
    /// older than its window.
    pub aggregates: HashMap<Arc<str>, VecDeque<(Millis, crate::value::Value)>>,
}

/// What a campaign issued under one cap or period budget, and the most it may: the
/// limit is the rules' (`None` until a decision of these rules counted under it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub used: i64,
    pub limit: Option<i64>,
}

/// A scheduled follow-up of a `wait` rule.
#[derive(Debug, Clone)]
pub struct Timer {
    pub rule: u32,
    pub user: Arc<str>,
    /// The event that started it: the coupon is issued with its user, scores and device.
    pub event: Arc<Event>,
    pub holdout: bool,
    pub arm: Option<usize>,
    pub limit_key: (Arc<str>, Millis),
}

#[derive(Debug, Default)]
pub struct MemoryState {
    pub users: HashMap<Arc<str>, UserState>,
    /// Keyed by (due time, sequence): iteration order is firing order.
    pub timers: BTreeMap<(Millis, u64), Timer>,
    next_timer: u64,
    /// Device → (user, last seen).
    pub devices: HashMap<Arc<str>, Vec<(Arc<str>, Millis)>>,
    pub signals: HashMap<(String, String), f64>,
    /// Face value reserved per campaign index.
    pub reserved: HashMap<u32, Fen>,
    /// Face value of redeemed coupons per campaign index.
    pub spent: HashMap<u32, Fen>,
    /// Issue tallies per (campaign index, scope): coupons under a cap, face value under a
    /// period budget (`runtime::period::Tally`). They only grow.
    pub tallies: HashMap<(u32, Arc<str>), Tally>,
    /// `pace evenly`: the paced limit of each campaign's reserved face value at its last
    /// issue (a durable store guards its budget row with it).
    pub paced: HashMap<u32, Fen>,
    /// Code → user, for redemption and revocation.
    pub codes: HashMap<String, Arc<str>>,
    /// (valid_until, code) of coupons that hold budget, in expiry order.
    pub expiries: BTreeMap<(Millis, String), ()>,
    /// Sightings in time order, so that pruning walks only what has aged out.
    sightings: VecDeque<(Millis, Arc<str>, Arc<str>)>,
    last_prune: Millis,
    /// The longest look-back of any rule (`Compiled::horizon_ms`).
    pub horizon: Millis,
    /// Outcomes for analysis, when the runtime records them (never pruned).
    pub recorded: Option<Box<Recorded>>,
}

impl MemoryState {
    pub fn with_horizon(horizon: Millis) -> Self {
        MemoryState {
            horizon,
            ..MemoryState::default()
        }
    }

    /// Puts back a pending timer read from a durable store under its stored key; timers
    /// scheduled afterwards sort after it.
    pub fn load_timer(&mut self, key: (Millis, u64), timer: Timer) {
        self.next_timer = self.next_timer.max(key.1);
        let user = timer.user.clone();
        let rule = timer.rule;
        self.timers.insert(key, timer);
        self.user_mut(&user).pending.push((rule, key));
    }

    /// Puts back an issued coupon read from a durable store (its budget is already in
    /// `reserved`, its issue time in the user's `issued`).
    pub fn load_coupon(&mut self, user: &Arc<str>, coupon: IssuedCoupon) {
        self.codes.insert(coupon.code.clone(), user.clone());
        if coupon.status == CouponStatus::Issued {
            self.expiries.insert((coupon.valid_until, coupon.code.clone()), ());
        }
        self.user_mut(user).coupons.push(coupon);
    }

    /// Forgets issue times older than `cutoff` for one user (called as they are added).
    fn trim_issued(u: &mut UserState, cutoff: Millis) {
        while u.issued.front().is_some_and(|(at, _)| *at < cutoff) {
            u.issued.pop_front();
        }
    }
}

/// Where the runtime keeps its state. `MemoryState` keeps it in memory for `replay`,
/// tests and embedding; a durable store (a ledger) implements the same operations.
pub trait StateStore {
    fn user(&self, id: &str) -> Option<&UserState>;
    fn user_mut(&mut self, id: &Arc<str>) -> &mut UserState;
    /// Schedules a timer; returns its key.
    fn schedule(&mut self, due: Millis, timer: Timer) -> (Millis, u64);
    fn has_pending(&self, user: &str, rule: u32) -> bool;
    /// The earliest pending timer's due time.
    fn due_time(&self) -> Option<Millis>;
    /// Removes and returns the earliest timer due at or before `t`.
    fn pop_due(&mut self, t: Millis) -> Option<Timer>;
    /// Cancels the user's pending timers of the rules `cancels` names.
    fn cancel(&mut self, user: &str, cancels: &mut dyn FnMut(u32) -> bool);
    /// Records that `user` was seen on `device` at `at`.
    fn sight(&mut self, device: &Arc<str>, user: &Arc<str>, at: Millis);
    /// Distinct users other than `user` seen on `device` at or after `since`.
    fn other_users_on_device(&self, device: &str, user: &str, since: Millis) -> u32;
    fn signal(&self, name: &str, key: &str) -> Option<f64>;
    fn set_signal(&mut self, name: &str, key: &str, value: f64);
    /// Face value reserved by a campaign's unsettled coupons.
    fn reserved(&self, campaign: u32) -> Fen;
    /// What the campaign issued under a cap or period budget (its scope).
    fn tally(&self, campaign: u32, scope: &str) -> i64;
    /// Counts `n` more under a cap or period budget whose limit is `limit`.
    fn add_tally(&mut self, campaign: u32, scope: Arc<str>, n: i64, limit: i64);
    /// Notes the paced limit a campaign's last issue was checked against.
    fn pace(&mut self, campaign: u32, limit: Fen);
    /// Records an issued coupon: reserves its budget, indexes its code.
    fn record_issue(&mut self, user: &Arc<str>, coupon: IssuedCoupon);
    /// Moves a coupon out of `Issued`, releasing its budget unless it was redeemed.
    fn settle(&mut self, code: &str, status: CouponStatus) -> Option<IssuedCoupon>;
    /// Expires coupons whose validity ended at or before `t`.
    fn expire(&mut self, t: Millis);
    /// Drops what no rule can look back to any more.
    fn prune(&mut self, t: Millis, horizon: Millis);
    fn code_exists(&self, code: &str) -> bool;
    /// Where a recording runtime keeps outcomes (`Runtime::record_outcomes`).
    fn recorded(&mut self) -> &mut Recorded;
}

impl StateStore for MemoryState {
    fn recorded(&mut self) -> &mut Recorded {
        self.recorded.get_or_insert_with(Default::default)
    }

    fn user(&self, id: &str) -> Option<&UserState> {
        self.users.get(id)
    }

    fn signal(&self, name: &str, key: &str) -> Option<f64> {
        self.signals.get(&(name.to_string(), key.to_string())).copied()
    }

    fn set_signal(&mut self, name: &str, key: &str, value: f64) {
        self.signals.insert((name.to_string(), key.to_string()), value);
    }

    fn code_exists(&self, code: &str) -> bool {
        self.codes.contains_key(code)
    }

    fn other_users_on_device(&self, device: &str, user: &str, since: Millis) -> u32 {
        self.devices.get(device).map_or(0, |seen| {
            seen.iter().filter(|(u, at)| &**u != user && *at >= since).count() as u32
        })
    }

    fn user_mut(&mut self, id: &Arc<str>) -> &mut UserState {
        self.users.entry(id.clone()).or_default()
    }

    fn schedule(&mut self, due: Millis, timer: Timer) -> (Millis, u64) {
        self.next_timer += 1;
        let key = (due, self.next_timer);
        let user = timer.user.clone();
        let rule = timer.rule;
        self.timers.insert(key, timer);
        self.user_mut(&user).pending.push((rule, key));
        key
    }

    fn has_pending(&self, user: &str, rule: u32) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| u.pending.iter().any(|(r, _)| *r == rule))
    }

    /// Removes and returns the earliest timer due at or before `t`.
    fn pop_due(&mut self, t: Millis) -> Option<Timer> {
        let key = *self.timers.keys().next()?;
        if key.0 > t {
            return None;
        }
        let timer = self.timers.remove(&key)?;
        if let Some(u) = self.users.get_mut(&timer.user) {
            u.pending.retain(|(_, k)| *k != key);
        }
        Some(timer)
    }

    fn due_time(&self) -> Option<Millis> {
        self.timers.keys().next().map(|k| k.0)
    }

    /// Cancels the user's pending timers whose rule `cancels` says so.
    fn cancel(&mut self, user: &str, cancels: &mut dyn FnMut(u32) -> bool) {
        let Some(u) = self.users.get_mut(user) else {
            return;
        };
        let mut gone = Vec::new();
        u.pending.retain(|(rule, key)| {
            let cancel = cancels(*rule);
            if cancel {
                gone.push(*key);
            }
            !cancel
        });
        for key in gone {
            self.timers.remove(&key);
        }
    }

    fn sight(&mut self, device: &Arc<str>, user: &Arc<str>, at: Millis) {
        let refreshed = match self.devices.get_mut(&**device) {
            Some(seen) => match seen.iter_mut().find(|(u, _)| Arc::ptr_eq(u, user) || **u == **user) {
                Some(entry) => {
                    // Log a refresh at most hourly: pruning checks the last sighting anyway.
                    let logged_recently = at - entry.1 < crate::value::HOUR_MS;
                    entry.1 = entry.1.max(at);
                    logged_recently
                }
                None => {
                    seen.push((user.clone(), at));
                    false
                }
            },
            None => {
                self.devices.insert(device.clone(), vec![(user.clone(), at)]);
                false
            }
        };
        if !refreshed {
            self.sightings.push_back((at, device.clone(), user.clone()));
        }
    }

    fn record_issue(&mut self, user: &Arc<str>, coupon: IssuedCoupon) {
        let campaign = coupon.campaign;
        *self.reserved.entry(campaign).or_default() += coupon.face_value;
        self.codes.insert(coupon.code.clone(), user.clone());
        self.expiries.insert((coupon.valid_until, coupon.code.clone()), ());
        let horizon = self.horizon;
        let u = self.user_mut(user);
        Self::trim_issued(u, coupon.issued_at - horizon);
        u.issued.push_back((coupon.issued_at, campaign));
        u.coupons.push(coupon);
    }

    /// Moves a coupon out of `Issued`, releasing its budget unless it was redeemed.
    fn settle(&mut self, code: &str, status: CouponStatus) -> Option<IssuedCoupon> {
        let user = self.codes.get(code)?.clone();
        let u = self.users.get_mut(&user)?;
        let c = u.coupons.iter_mut().find(|c| c.code == code)?;
        if c.status != CouponStatus::Issued {
            return None;
        }
        c.status = status;
        let c = c.clone();
        self.expiries.remove(&(c.valid_until, c.code.clone()));
        let reserved = self.reserved.entry(c.campaign).or_default();
        *reserved -= c.face_value;
        if status == CouponStatus::Redeemed {
            *self.spent.entry(c.campaign).or_default() += c.face_value;
            *reserved += c.face_value;
        }
        Some(c)
    }

    /// Expires coupons whose validity ended at or before `t`.
    fn expire(&mut self, t: Millis) {
        while let Some(((until, code), ())) = self.expiries.first_key_value() {
            if *until > t {
                break;
            }
            let code = code.clone();
            let key = (*until, code.clone());
            if self.settle(&code, CouponStatus::Expired).is_none() {
                self.expiries.remove(&key);
            }
        }
    }

    /// Drops sightings older than `horizon` before `t`, walking only the entries that aged
    /// out since the last call (a time-ordered log), and issue times of the users seen.
    fn prune(&mut self, t: Millis, horizon: Millis) {
        if t - self.last_prune < crate::value::HOUR_MS {
            return;
        }
        self.last_prune = t;
        let cutoff = t - horizon;
        while let Some((at, _, _)) = self.sightings.front() {
            if *at >= cutoff {
                break;
            }
            let Some((at, device, user)) = self.sightings.pop_front() else {
                break;
            };
            let mut relog = None;
            if let Some(seen) = self.devices.get_mut(&device) {
                seen.retain(|(u, last)| {
                    if *u != user {
                        return true;
                    }
                    if *last < cutoff {
                        return false;
                    }
                    // Seen again since, without a log entry of its own: log it now.
                    if *last > at {
                        relog = Some(*last);
                    }
                    true
                });
                if seen.is_empty() {
                    self.devices.remove(&device);
                }
            }
            if let Some(last) = relog {
                self.sightings.push_back((last, device, user));
            }
        }
    }

    fn reserved(&self, campaign: u32) -> Fen {
        self.reserved.get(&campaign).copied().unwrap_or(0)
    }

    fn tally(&self, campaign: u32, scope: &str) -> i64 {
        self.tallies.get(&(campaign, Arc::from(scope))).map_or(0, |t| t.used)
    }

    fn pace(&mut self, campaign: u32, limit: Fen) {
        self.paced.insert(campaign, limit);
    }

    fn add_tally(&mut self, campaign: u32, scope: Arc<str>, n: i64, limit: i64) {
        let t = self.tallies.entry((campaign, scope)).or_default();
        t.used += n;
        t.limit = Some(limit);
    }
}

/// The state as the built-in functions see it; campaign names resolve to indexes.
pub struct StateFacts<'a, S: StateStore + ?Sized> {
    pub state: &'a S,
    pub campaigns: &'a [Arc<str>],
    pub aggregates: &'a [crate::check::aggregate::Aggregate],
}

impl<S: StateStore + ?Sized> Facts for StateFacts<'_, S> {
    fn signal(&self, name: &str, key: &str) -> Option<f64> {
        self.state.signal(name, key)
    }

    fn coupons_issued(&self, user: &str, since: Millis, campaign: Option<&str>) -> u32 {
        let Some(u) = self.state.user(user) else {
            return 0;
        };
        let wanted = campaign.map(|name| self.campaigns.iter().position(|c| &**c == name));
        let recent = u.issued.iter().rev().take_while(|(at, _)| *at > since);
        match wanted {
            None => recent.count() as u32,
            Some(None) => 0,
            Some(Some(idx)) => recent.filter(|(_, c)| *c as usize == idx).count() as u32,
        }
    }

    fn other_users_on_device(&self, device: &str, user: &str, since: Millis) -> u32 {
        self.state.other_users_on_device(device, user, since)
    }

    fn aggregate(&self, user: &str, index: usize, now: Millis) -> crate::value::Value {
        let Some(spec) = self.aggregates.get(index) else {
            return crate::value::Value::Missing;
        };
        let entries = self.state.user(user).and_then(|u| u.aggregates.get(&spec.key));
        super::aggregate::read(spec, entries.into_iter().flatten(), now)
    }
}
