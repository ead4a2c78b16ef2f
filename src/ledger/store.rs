//! What a ledger backend stores and how the decision logic talks to it: rows, the working
//! set of one user, the changes one transaction writes, and the `Tx`/`Backend` traits that
//! SQLite and PostgreSQL implement.

use super::LedgerError;
use super::api::{CouponState, Scope};
use super::keys::KeyDigest;
pub use super::outcomes::{ExposureRow, IssuedRow, OrderRow, OutcomeChanges, RedeemedRow};
use crate::value::{BasisPoints, Fen, Millis};
use serde::{Deserialize, Serialize};

/// A coupon row.
#[derive(Debug, Clone, PartialEq)]
pub struct CouponRow {
    pub code: String,
    pub user_id: String,
    pub campaign: String,
    pub rule: String,
    pub arm: Option<String>,
    pub decision_id: String,
    pub status: CouponState,
    pub issued_at: Millis,
    pub valid_from: Millis,
    pub valid_until: Millis,
    pub face_value: Fen,
    /// `Terms` as JSON: what redemption checks.
    pub terms: String,
    /// The coupon in the contract's JSON form.
    pub coupon: String,
    pub order_id: Option<String>,
}

/// A coupon's terms of use, in exact units, as redemption reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Terms {
    pub kind: String,
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Fen,
    pub categories: Vec<String>,
    /// The one seller whose items the coupon covers; terms stored before seller scopes
    /// existed read as `None` (any seller).
    #[serde(default)]
    pub seller: Option<String>,
    pub gift: Option<String>,
    pub perk: Option<String>,
    pub platform_share: BasisPoints,
    pub seller_share: BasisPoints,
    /// Rules whose coupons may not be used in the same order (`*`: any other coupon).
    pub exclusive_with: Vec<String>,
    /// The checkout terms of the coupon's rule and campaign (`checkout::Coupon` reads
    /// them): `stackable`, `not on sale items`, and `at most ¥N off per order` in fen.
    /// Terms stored before they existed read as not stackable, on sale items covered,
    /// no cap.
    #[serde(default)]
    pub stackable: bool,
    #[serde(default)]
    pub not_on_sale: bool,
    #[serde(default)]
    pub order_cap: Option<Fen>,
    /// `valid … on weekends between 20:00 and 23:00`: when the coupon may be used, in its
    /// campaign's zone. Terms stored before calendars existed read as `None` (any time);
    /// written only when present, so terms without one are stored as before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_on: Option<crate::value::calendar::Calendar>,
}

/// A user's counters and issue times (the runtime's `UserState` without coupons and
/// timers, which have tables of their own), kept as one JSON document.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UserDoc {
    /// (`campaign/rule`, limit key, count, end of the period).
    pub counters: Vec<(String, String, u32, Millis)>,
    /// (issue time, campaign id), oldest first.
    pub issued: Vec<(Millis, String)>,
    /// Per aggregate the rules use (its key): (event time, value read), oldest first.
    /// Documents written before aggregates existed have none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregates: Vec<(String, AggEntries)>,
}

/// One aggregate's kept events: (event time, value read), oldest first.
pub type AggEntries = Vec<(Millis, Option<AggValue>)>;

/// A value an aggregate read on a past event, as the user's document keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AggValue {
    #[serde(rename = "m")]
    Money(Fen),
    #[serde(rename = "n")]
    Number(f64),
    #[serde(rename = "s")]
    Str(String),
    #[serde(rename = "t")]
    Time(Millis),
    #[serde(rename = "b")]
    Bool(bool),
}

impl AggValue {
    pub fn of(v: &crate::value::Value) -> Option<AggValue> {
        use crate::value::Value as V;
        Some(match v {
            V::Money(f) => AggValue::Money(*f),
            V::Number(n) => AggValue::Number(*n),
            V::Str(s) => AggValue::Str(s.to_string()),
            V::Time(t) => AggValue::Time(*t),
            V::Bool(b) => AggValue::Bool(*b),
            _ => return None,
        })
    }

    pub fn value(v: Option<&AggValue>) -> crate::value::Value {
        use crate::value::Value as V;
        match v {
            None => V::Missing,
            Some(AggValue::Money(f)) => V::Money(*f),
            Some(AggValue::Number(n)) => V::Number(*n),
            Some(AggValue::Str(s)) => V::str(s),
            Some(AggValue::Time(t)) => V::Time(*t),
            Some(AggValue::Bool(b)) => V::Bool(*b),
        }
    }
}

/// A pending timer row.
#[derive(Debug, Clone, PartialEq)]
pub struct TimerRow {
    /// Database id; firing order among timers due at the same moment.
    pub id: i64,
    pub user_id: String,
    /// `campaign/rule`.
    pub rule: String,
    pub due: Millis,
    /// The JSON of the event that started it.
    pub event: String,
    pub holdout: bool,
    pub arm: Option<String>,
    pub limit_key: String,
    pub limit_until: Millis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRow {
    pub campaign: String,
    pub reserved: Fen,
    pub spent: Fen,
}

/// A change to a campaign's budget. `limit`: the reserved total may not pass it.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetDelta {
    pub campaign: String,
    pub reserved: Fen,
    pub spent: Fen,
    pub limit: Option<Fen>,
}

/// What a campaign issued under a cap or a period budget (`runtime::period`).
#[derive(Debug, Clone, PartialEq)]
pub struct TallyRow {
    pub campaign: String,
    pub scope: String,
    pub used: i64,
}

/// A growth of a tally: `used + delta` may not pass `limit`.
#[derive(Debug, Clone, PartialEq)]
pub struct TallyDelta {
    pub campaign: String,
    pub scope: String,
    pub delta: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecisionRow {
    pub decision_id: String,
    pub event_id: String,
    /// `event` or `timer`.
    pub trigger: String,
    pub user_id: Option<String>,
    pub at: Millis,
    pub rules_version: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RedemptionRow {
    pub order_id: String,
    pub code: String,
    pub buyer_id: String,
    /// `reserved`, `committed`, `rolled_back`, `expired` (a reservation released by
    /// the tick when `reserved_until` passed) or `returned` (given back by a return).
    pub status: String,
    pub discount: Fen,
    pub platform: Fen,
    pub seller: Fen,
    /// The `RedeemOutcome` answered, as JSON.
    pub response: String,
    /// When a reservation lapses (UTC ms); `None`: it does not.
    pub reserved_until: Option<Millis>,
}

impl RedemptionRow {
    /// Whether the order holds the coupon by this row: reserved or committed (a row
    /// rolled back or whose reservation expired holds nothing).
    pub fn holds(&self) -> bool {
        self.status == "reserved" || self.status == "committed"
    }
}

/// One return of an order's lines.
#[derive(Debug, Clone, PartialEq)]
pub struct ReturnRow {
    pub order_id: String,
    pub return_id: String,
    /// The lines returned, as JSON (`[[line_id, qty], …]`).
    pub lines: String,
    /// The `ReturnOutcome` answered, as JSON.
    pub answer: String,
    pub created_at: Millis,
}

/// What one user's decision reads.
#[derive(Debug, Clone, Default)]
pub struct UserRows {
    pub doc: Option<UserDoc>,
    /// The user's coupons that are still `issued`.
    pub coupons: Vec<CouponRow>,
    pub timers: Vec<TimerRow>,
}

/// Everything one transaction writes.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub decisions: Vec<DecisionRow>,
    pub new_coupons: Vec<CouponRow>,
    /// (code, status it was read in, new status).
    pub coupon_status: Vec<(String, CouponState, CouponState)>,
    pub budgets: Vec<BudgetDelta>,
    /// Caps and period budgets, sorted by campaign and scope (the order rows are locked).
    pub tallies: Vec<TallyDelta>,
    pub user: Option<(String, UserDoc)>,
    pub timers_done: Vec<i64>,
    /// New timers (their `id` is ignored: the database assigns one, in this order).
    pub timers_new: Vec<TimerRow>,
    /// (device, user, last seen).
    pub sightings: Vec<(String, String, Millis)>,
    /// (name, key, value, at).
    pub signals: Vec<(String, String, f64, Millis)>,
    /// Exposures, orders and redemption discounts, for analysis (written only if new).
    pub outcomes: OutcomeChanges,
}

/// What a campaign did since a time, for the console's hourly series: the times its
/// coupons were issued, its redemptions (time, discount in fen), and the decisions that
/// withheld a coupon of any campaign (time, JSON body), to be filtered by campaign.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Activity {
    pub issued: Vec<Millis>,
    pub redeemed: Vec<(Millis, Fen)>,
    pub withheld: Vec<(Millis, String)>,
}

/// The stored answer for an event id decided before.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDecision {
    pub decision_id: String,
    pub rules_version: String,
    /// The decision's JSON, as it was answered.
    pub body: String,
}

/// A user seen on a device, and when last.
#[derive(Debug, Clone, PartialEq)]
pub struct Sighting {
    pub user_id: String,
    pub last_seen: Millis,
}

/// A signal's current value (`signal name[key]` in the rules).
#[derive(Debug, Clone, PartialEq)]
pub struct SignalRow {
    pub name: String,
    pub key: String,
    pub value: f64,
}

/// A coupon that just expired, and the face value it held of its campaign's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct ExpiredCoupon {
    pub campaign: String,
    pub face_value: Fen,
}

/// A campaign's budget row beside the sums of its coupons, for `audit`.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetAudit {
    pub campaign: String,
    pub reserved: Fen,
    pub spent: Fen,
    /// Face value of its issued, reserved and redeemed coupons (what `reserved` should be).
    pub held: Fen,
    /// Face value of its redeemed coupons (what `spent` should be).
    pub redeemed: Fen,
}

/// A user holding more than one coupon of one rule, for `audit`.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedCoupons {
    pub user_id: String,
    pub campaign: String,
    pub rule: String,
    pub coupons: u64,
}

/// What the ledger holds in all, for `audit`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    pub coupons: u64,
    pub decisions: u64,
    /// Event ids decided more than once (none, if the ledger works).
    pub duplicate_events: u64,
    /// Redemptions whose platform and seller parts, net of returns, do not add up to
    /// their discount or fall below zero (none, if the ledger works).
    pub unbalanced_redemptions: u64,
}

/// How many of a campaign's coupons are in a status, by experiment arm.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCount {
    pub status: CouponState,
    pub arm: Option<String>,
    pub count: u64,
}

/// Counts of a campaign's coupons.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignCounts {
    pub by_status_arm: Vec<StatusCount>,
    pub budget: Option<BudgetRow>,
    pub discount_given: Fen,
}

/// A count read back from the database as a number of rows.
pub fn count(n: i64) -> Result<u64, LedgerError> {
    u64::try_from(n).map_err(|_| LedgerError::corrupt(format!("a count came back negative ({n})")))
}

/// `n` as an SQL `LIMIT` (`usize::MAX` asks for no limit).
pub fn sql_limit(n: usize) -> i64 {
    // INVARIANT: no table holds more than `i64::MAX` rows, so a larger limit selects the
    // same rows as `i64::MAX` does: capping it changes no answer.
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The statements a transaction can run. Every method runs inside the transaction that
/// `Backend::transact` opened.
pub trait Tx {
    fn decision_by_event(&mut self, event_id: &str) -> Result<Option<StoredDecision>, LedgerError>;
    /// A campaign's activity at or after `since` ([`Activity`]).
    fn activity(&mut self, campaign: &str, since: Millis) -> Result<Activity, LedgerError>;
    /// A user's latest decisions, newest first.
    fn user_decisions(&mut self, user_id: &str, limit: usize) -> Result<Vec<StoredDecision>, LedgerError>;
    fn load_user(&mut self, user_id: &str) -> Result<UserRows, LedgerError>;
    /// The device's sightings at or after `since`.
    fn load_device(&mut self, device: &str, since: Millis) -> Result<Vec<Sighting>, LedgerError>;
    fn load_signals(&mut self) -> Result<Vec<SignalRow>, LedgerError>;
    fn load_budgets(&mut self) -> Result<Vec<BudgetRow>, LedgerError>;
    /// The tallies of these (campaign, scope) pairs that exist.
    fn load_tallies(&mut self, keys: &[(String, String)]) -> Result<Vec<TallyRow>, LedgerError>;
    /// Every tally, for `audit`.
    fn all_tallies(&mut self) -> Result<Vec<TallyRow>, LedgerError>;
    /// The coupons each rule issued, counted from the coupons themselves, as tallies of
    /// scope `rule/NAME` (for `audit`).
    fn issued_by_rule(&mut self) -> Result<Vec<TallyRow>, LedgerError>;
    /// Writes the changes; `LedgerError::Conflict` when a guard fails (a budget that no
    /// longer fits, a coupon whose status changed, a code already taken). A guard may
    /// also fail when the transaction commits (PostgreSQL applies budget changes with the
    /// `COMMIT`): `Backend::transact` then returns `Conflict`.
    fn apply(&mut self, changes: &Changes) -> Result<(), LedgerError>;
    /// Users with a timer due at or before `now`, at most `limit`.
    fn due_users(&mut self, now: Millis, limit: usize) -> Result<Vec<String>, LedgerError>;
    /// The earliest time something is due: a timer, an `issued` coupon's end of validity,
    /// or a reservation's `reserved_until`.
    fn next_due(&mut self) -> Result<Option<Millis>, LedgerError>;
    /// Marks at most `limit` `issued` coupons whose validity ended at or before `now` as
    /// expired.
    fn expire_coupons(&mut self, now: Millis, limit: usize) -> Result<Vec<ExpiredCoupon>, LedgerError>;
    /// Forgets device sightings older than `before`.
    fn prune_devices(&mut self, before: Millis) -> Result<u64, LedgerError>;
    /// A coupon by code; `lock`: hold it until the transaction ends.
    fn coupon(&mut self, code: &str, lock: bool) -> Result<Option<CouponRow>, LedgerError>;
    /// Moves a coupon from `from` to `to` and records the order holding it; false if it
    /// was not in `from`.
    fn set_coupon_status(
        &mut self,
        code: &str,
        from: CouponState,
        to: CouponState,
        order_id: Option<&str>,
    ) -> Result<bool, LedgerError>;
    fn order_redemptions(&mut self, order_id: &str) -> Result<Vec<RedemptionRow>, LedgerError>;
    fn put_redemption(&mut self, row: &RedemptionRow) -> Result<(), LedgerError>;
    /// The order's returns, oldest first.
    fn order_returns(&mut self, order_id: &str) -> Result<Vec<ReturnRow>, LedgerError>;
    fn insert_return(&mut self, row: &ReturnRow) -> Result<(), LedgerError>;
    /// At most `limit` redemptions still `reserved` whose `reserved_until` is at or before
    /// `now`, earliest first.
    fn lapsed_reservations(&mut self, now: Millis, limit: usize) -> Result<Vec<RedemptionRow>, LedgerError>;
    /// The user's coupons in `issued` whose validity covers `now`.
    fn wallet(&mut self, user_id: &str, now: Millis) -> Result<Vec<CouponRow>, LedgerError>;
    fn campaign_counts(&mut self, campaign: &str) -> Result<CampaignCounts, LedgerError>;
    fn insert_key(&mut self, key: &NewKeyRow<'_>) -> Result<(), LedgerError>;
    fn key_scopes(&mut self, digest: &KeyDigest) -> Result<Option<Vec<Scope>>, LedgerError>;
    fn key_count(&mut self) -> Result<u64, LedgerError>;
    /// Every budget row beside the sums of its campaign's coupons.
    fn budget_audit(&mut self) -> Result<Vec<BudgetAudit>, LedgerError>;
    /// Every user and rule with more than one coupon.
    fn repeated_coupons(&mut self) -> Result<Vec<RepeatedCoupons>, LedgerError>;
    fn totals(&mut self) -> Result<Totals, LedgerError>;
    /// The campaigns `user_id` was exposed to.
    fn exposed_campaigns(&mut self, user_id: &str) -> Result<Vec<String>, LedgerError>;
    /// Every exposure to `campaign`.
    fn exposures_of(&mut self, campaign: &str, each: &mut dyn FnMut(ExposureRow)) -> Result<(), LedgerError>;
    /// The orders of users exposed to `campaign` paid at or after their exposure and
    /// before `window` had passed.
    fn attributed_orders(
        &mut self,
        campaign: &str,
        window: Millis,
        each: &mut dyn FnMut(OrderRow),
    ) -> Result<(), LedgerError>;
    /// Every coupon of `campaign`, with the discount its redemption gave.
    fn coupons_of(&mut self, campaign: &str, each: &mut dyn FnMut(IssuedRow)) -> Result<(), LedgerError>;
    /// The decisions (their JSON bodies) of the users exposed to `campaign`, in time order.
    fn decisions_of(&mut self, campaign: &str, each: &mut dyn FnMut(String)) -> Result<(), LedgerError>;
}

/// An API key as it is stored: never the key itself.
#[derive(Debug, Clone, Copy)]
pub struct NewKeyRow<'a> {
    pub id: &'a str,
    pub digest: &'a KeyDigest,
    pub scopes: &'a [Scope],
    pub label: &'a str,
    pub created_at: Millis,
}

/// A database the ledger runs on.
pub trait Backend: Send + Sync {
    fn name(&self) -> &'static str;
    /// Runs `f` in one transaction, committed if it returns `Ok`, rolled back otherwise.
    /// `lock`: transactions given the same key (a user id) run one at a time, across
    /// every process sharing the database.
    fn transact(
        &self,
        lock: Option<&str>,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError>;
    /// Runs `f` for reading only (no lock; a snapshot where the database offers one).
    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>) -> Result<(), LedgerError>;
}

/// Runs `f` in a transaction and returns what it produced.
pub fn transact<T>(
    backend: &dyn Backend,
    lock: Option<&str>,
    mut f: impl FnMut(&mut dyn Tx) -> Result<T, LedgerError>,
) -> Result<T, LedgerError> {
    let mut out = None;
    backend.transact(lock, &mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| LedgerError::internal("the transaction produced nothing"))
}

/// Runs `f` for reading and returns what it produced.
pub fn read<T>(
    backend: &dyn Backend,
    mut f: impl FnMut(&mut dyn Tx) -> Result<T, LedgerError>,
) -> Result<T, LedgerError> {
    let mut out = None;
    backend.read(&mut |tx| {
        out = Some(f(tx)?);
        Ok(())
    })?;
    out.ok_or_else(|| LedgerError::internal("the read produced nothing"))
}
