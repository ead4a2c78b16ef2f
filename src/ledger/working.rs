//! One user's working set: read from the ledger into a `MemoryState`, decided on by the
//! ordinary runtime, and compared afterwards to find what to write back.

use super::LedgerError;
use super::api::CouponState;
use super::store::{AggValue, BudgetDelta, Changes, CouponRow, DecisionRow, TallyDelta, Terms, TimerRow, Tx, UserDoc};
use crate::check::program::BudgetKind;
use crate::runtime::decision::{Coupon, Decision, Trigger};
use crate::runtime::engine::Rules;
use crate::runtime::event::Event;
use crate::runtime::period;
use crate::runtime::state::{CouponStatus, IssuedCoupon, MemoryState, StateStore, Tally, Timer, UserState};
use crate::value::{Fen, Millis};
use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::sync::Arc;

/// Campaign and rule names to the indexes of one version of the rules.
#[derive(Debug)]
pub struct Names {
    campaigns: HashMap<Arc<str>, u32>,
    /// `campaign/rule` → global rule id.
    rules: HashMap<String, u32>,
    /// Global rule id → `campaign/rule`.
    refs: Vec<String>,
}

impl Names {
    pub fn new(rules: &Rules) -> Names {
        let compiled = &rules.compiled;
        let mut campaigns = HashMap::new();
        // Indexes are the runtime's `u32`s, counted by `zip`, which stops short of
        // `u32::MAX` ([`NOT_IN_RULES`]): nothing past it could be held apart in the
        // runtime's state, so nothing past it is named (no aliases).
        for (c, i) in compiled.program.campaigns.iter().zip(0..u32::MAX) {
            campaigns.insert(c.id.clone(), i);
        }
        let mut by_ref = HashMap::new();
        let mut refs = Vec::with_capacity(compiled.rules.len());
        for id in (0..compiled.rules.len()).map_while(|i| u32::try_from(i).ok()) {
            let Some(rule) = compiled.rule(id) else { continue };
            let r = format!("{}/{}", rule.campaign.id, rule.rule.name);
            by_ref.insert(r.clone(), id);
            refs.push(r);
        }
        Names {
            campaigns,
            rules: by_ref,
            refs,
        }
    }

    pub fn campaign(&self, id: &str) -> Option<u32> {
        self.campaigns.get(id).copied()
    }

    pub fn rule(&self, campaign: &str, rule: &str) -> Option<u32> {
        self.rules.get(&format!("{campaign}/{rule}")).copied()
    }

    fn rule_by_ref(&self, r: &str) -> Option<u32> {
        self.rules.get(r).copied()
    }

    fn rule_ref(&self, id: u32) -> Option<&str> {
        self.refs.get(id as usize).map(String::as_str)
    }
}

/// What was read, to compare against after the decision.
pub struct Working {
    pub state: MemoryState,
    user: Option<Arc<str>>,
    doc_before: Option<UserDoc>,
    coupons_before: HashSet<String>,
    timers_before: HashSet<(Millis, u64)>,
    devices_before: HashMap<Arc<str>, Vec<(Arc<str>, Millis)>>,
    reserved_before: HashMap<u32, Fen>,
    spent_before: HashMap<u32, Fen>,
    tallies_before: HashMap<(u32, Arc<str>), Tally>,
}

fn status_of(s: CouponStatus) -> CouponState {
    match s {
        CouponStatus::Issued => CouponState::Issued,
        CouponStatus::Redeemed => CouponState::Redeemed,
        CouponStatus::Revoked => CouponState::Revoked,
        CouponStatus::Expired => CouponState::Expired,
    }
}

/// Reads the user's working set (and, for their pending timers, the devices those
/// timers' events carry). `device`: the device of the event being decided.
pub fn load(
    rules: &Rules,
    names: &Names,
    tx: &mut dyn Tx,
    user_id: &str,
    device: Option<&str>,
    at: Millis,
) -> Result<Working, LedgerError> {
    let compiled = &rules.compiled;
    let horizon = compiled.horizon_ms;
    let mut state = MemoryState::with_horizon(horizon);
    let user: Arc<str> = Arc::from(user_id);
    let rows = tx.load_user(user_id)?;
    // Budgets and signals are global; every decision reads their current values.
    for b in tx.load_budgets()? {
        if let Some(ci) = names.campaign(&b.campaign) {
            state.reserved.insert(ci, b.reserved);
            state.spent.insert(ci, b.spent);
        }
    }
    for s in tx.load_signals()? {
        state.signals.insert((s.name, s.key), s.value);
    }
    let doc_before = rows.doc.clone();
    if let Some(doc) = &rows.doc {
        let u = state.user_mut(&user);
        restore_doc(u, doc, names);
    }
    let mut coupons_before = HashSet::new();
    for c in &rows.coupons {
        let (Some(ci), Some(rule)) = (names.campaign(&c.campaign), names.rule(&c.campaign, &c.rule)) else {
            // A campaign or rule no longer in the rules: its coupons stay in the ledger
            // (expiry releases their budget) but no rule of today can touch them.
            continue;
        };
        coupons_before.insert(c.code.clone());
        state.load_coupon(
            &user,
            IssuedCoupon {
                code: c.code.clone(),
                campaign: ci,
                rule,
                issued_at: c.issued_at,
                valid_until: c.valid_until,
                status: CouponStatus::Issued,
                face_value: c.face_value,
            },
        );
    }
    let mut devices: Vec<String> = device.map(str::to_string).into_iter().collect();
    let mut timers_before = HashSet::new();
    for t in &rows.timers {
        let Some(rule) = names.rule_by_ref(&t.rule) else {
            continue;
        };
        let event = Event::from_stored_json(&t.event)
            .map_err(|e| LedgerError::corrupt_from(&format!("timer {} holds an unreadable event", t.id), e))?;
        if let Some(d) = event.user.as_ref().and_then(|u| u.device_id.as_ref())
            && !devices.iter().any(|x| **x == **d)
        {
            devices.push(d.to_string());
        }
        let Some(campaign) = compiled.rule(rule).map(|r| r.campaign) else {
            continue;
        };
        let arm = t.arm.as_ref().and_then(|name| {
            campaign
                .experiment
                .as_ref()
                .and_then(|e| e.arms.iter().position(|a| *a.name == **name))
        });
        let id = u64::try_from(t.id).map_err(|_| LedgerError::corrupt(format!("timer id {} is negative", t.id)))?;
        let key = (t.due, id);
        timers_before.insert(key);
        state.load_timer(
            key,
            Timer {
                rule,
                user: user.clone(),
                event: Arc::new(event),
                holdout: t.holdout,
                arm,
                limit_key: (Arc::from(t.limit_key.as_str()), t.limit_until),
            },
        );
    }
    // Caps and period budgets: the tallies this decision (and the user's timers, at their
    // due times) may count under.
    let mut times: Vec<Millis> = rows.timers.iter().map(|t| t.due).collect();
    times.push(at);
    let mut keys = Vec::new();
    for c in &compiled.program.campaigns {
        for scope in period::scopes(c, &times) {
            keys.push((c.id.to_string(), scope.to_string()));
        }
    }
    if !keys.is_empty() {
        for t in tx.load_tallies(&keys)? {
            if let Some(ci) = names.campaign(&t.campaign) {
                let tally = Tally {
                    used: t.used,
                    limit: None,
                };
                state.tallies.insert((ci, Arc::from(t.scope.as_str())), tally);
            }
        }
    }
    let mut devices_before = HashMap::new();
    for d in devices {
        let seen = tx.load_device(&d, at - horizon)?;
        let seen: Vec<(Arc<str>, Millis)> = seen.into_iter().map(|s| (Arc::from(s.user_id), s.last_seen)).collect();
        let d: Arc<str> = Arc::from(d);
        if !seen.is_empty() {
            state.devices.insert(d.clone(), seen.clone());
        }
        devices_before.insert(d, seen);
    }
    Ok(Working {
        reserved_before: state.reserved.clone(),
        spent_before: state.spent.clone(),
        tallies_before: state.tallies.clone(),
        state,
        user: Some(user),
        doc_before,
        coupons_before,
        timers_before,
        devices_before,
    })
}

/// Notes the campaigns the user was exposed to before, so that the decision records no
/// second exposure.
pub fn load_exposed(names: &Names, tx: &mut dyn Tx, w: &mut Working, user_id: &str) -> Result<(), LedgerError> {
    let user: Arc<str> = w.user.clone().unwrap_or_else(|| Arc::from(user_id));
    for campaign in tx.exposed_campaigns(user_id)? {
        if let Some(ci) = names.campaign(&campaign) {
            w.state.recorded().mark_exposed(ci, &user);
        }
    }
    Ok(())
}

/// The campaign index of issues of a campaign no longer in the rules: they still count
/// toward "coupons issued" in any campaign, and toward none of today's. INVARIANT:
/// [`Names`] numbers campaigns below `u32::MAX`, so no campaign has this index.
const NOT_IN_RULES: u32 = u32::MAX;

fn restore_doc(u: &mut UserState, doc: &UserDoc, names: &Names) {
    for (rule, key, count, until) in &doc.counters {
        if let Some(id) = names.rule_by_ref(rule) {
            u.counters.insert((id, Arc::from(key.as_str())), (*count, *until));
        }
    }
    for (at, campaign) in &doc.issued {
        u.issued
            .push_back((*at, names.campaign(campaign).unwrap_or(NOT_IN_RULES)));
    }
    for (key, entries) in &doc.aggregates {
        u.aggregates.insert(
            Arc::from(key.as_str()),
            entries
                .iter()
                .map(|(at, v)| (*at, AggValue::value(v.as_ref())))
                .collect(),
        );
    }
}

fn doc_of(u: &UserState, rules: &Rules, names: &Names) -> UserDoc {
    let mut counters: Vec<(String, String, u32, Millis)> = u
        .counters
        .iter()
        .filter_map(|((rule, key), (count, until))| {
            names
                .rule_ref(*rule)
                .map(|r| (r.to_string(), key.to_string(), *count, *until))
        })
        .collect();
    counters.sort();
    let ids = &rules.campaign_ids;
    let issued = u
        .issued
        .iter()
        .map(|(at, c)| (*at, ids.get(*c as usize).map(|s| s.to_string()).unwrap_or_default()))
        .collect();
    // The aggregates these rules use; one the rules no longer use is dropped.
    let aggregates = rules
        .compiled
        .program
        .aggregates
        .iter()
        .filter_map(|spec| {
            let entries = u.aggregates.get(&spec.key).filter(|e| !e.is_empty())?;
            Some((
                spec.key.to_string(),
                entries.iter().map(|(at, v)| (*at, AggValue::of(v))).collect(),
            ))
        })
        .collect();
    UserDoc {
        counters,
        issued,
        aggregates,
    }
}

/// A new decision id: `d-` and 26 base-32 characters of 128 random bits.
pub fn decision_id() -> String {
    const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: fall back to the clock and a counter (ids stay unique within
        // this process, which is all a decision id needs besides the event id beside it).
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        bytes[..8].copy_from_slice(&(t as u64).to_le_bytes());
        bytes[8..].copy_from_slice(&n.to_le_bytes());
    }
    let v = u128::from_le_bytes(bytes);
    let mut out = String::with_capacity(28);
    out.push_str("d-");
    for i in (0..26).rev() {
        out.push(char::from(ALPHABET[((v >> (i * 5)) & 31) as usize]));
    }
    out
}

/// A decision made in this transaction, with its id and its JSON (made once: the
/// decision log stores it and the caller is answered with it).
pub struct Made<'a> {
    pub id: String,
    pub decision: &'a Decision,
    pub json: serde_json::Value,
    /// What a retry of its event finds it by, when not the event id (a referral's
    /// inviter side).
    pub key: Option<String>,
}

impl<'a> Made<'a> {
    pub fn new(decision: &'a Decision) -> Made<'a> {
        Made {
            id: decision_id(),
            json: decision.to_json(),
            decision,
            key: None,
        }
    }

    /// Kept under `key` (the event id unless it differs).
    pub fn keyed(mut self, key: &str) -> Made<'a> {
        if *key != *self.decision.event_id {
            self.key = Some(key.to_string());
        }
        self
    }

    /// The answer for it, once it is written.
    pub fn into_decided(self, version: &str) -> super::Decided {
        super::Decided {
            decision_id: self.id,
            rules_version: version.to_string(),
            decision: self.json,
            replayed: false,
        }
    }
}

pub fn decision_row(made: &Made<'_>, version: &str) -> Result<DecisionRow, LedgerError> {
    let d = made.decision;
    Ok(DecisionRow {
        decision_id: made.id.clone(),
        event_id: made.key.clone().unwrap_or_else(|| d.event_id.to_string()),
        trigger: match d.trigger {
            Trigger::Event => "event",
            Trigger::Timer => "timer",
            Trigger::Batch => "batch",
        }
        .to_string(),
        user_id: d.user_id.as_ref().map(|u| u.to_string()),
        at: d.at,
        rules_version: version.to_string(),
        body: made.json.to_string(),
    })
}

fn terms_of(c: &Coupon) -> Terms {
    Terms {
        kind: c.kind.to_string(),
        amount: c.amount,
        percent: c.percent,
        cap: c.cap,
        min_spend: c.min_spend,
        categories: c.categories.iter().map(|s| s.to_string()).collect(),
        seller: c.seller.as_ref().map(|s| s.to_string()),
        gift: c.gift.as_ref().map(|s| s.to_string()),
        perk: c.perk.as_ref().map(|s| s.to_string()),
        platform_share: c.platform_share,
        seller_share: c.seller_share,
        exclusive_with: c.exclusive_with.iter().map(|s| s.to_string()).collect(),
        stackable: c.stackable,
        not_on_sale: c.not_on_sale,
        order_cap: c.order_cap,
        valid_on: c.valid_on.clone(),
    }
}

/// What to write: the difference between the working set as read and `after`, plus the
/// decisions made. `raw`: the JSON of the event decided (kept with the timers it starts).
pub fn diff(
    rules: &Rules,
    names: &Names,
    version: &str,
    before: &Working,
    after: &MemoryState,
    made: &[Made<'_>],
    raw: Option<&str>,
) -> Result<Changes, LedgerError> {
    let compiled = &rules.compiled;
    let mut ch = Changes::default();
    let mut minted: HashMap<&str, (&Coupon, &str)> = HashMap::new();
    for m in made {
        ch.decisions.push(decision_row(m, version)?);
        for c in &m.decision.coupons {
            minted.insert(c.code.as_str(), (c, m.id.as_str()));
        }
    }
    if let Some(user) = &before.user
        && let Some(u) = after.users.get(user)
    {
        for c in &u.coupons {
            let status = status_of(c.status);
            if before.coupons_before.contains(&c.code) {
                if status != CouponState::Issued {
                    ch.coupon_status.push((c.code.clone(), CouponState::Issued, status));
                }
                continue;
            }
            let Some((coupon, decision)) = minted.get(c.code.as_str()) else {
                continue;
            };
            ch.new_coupons.push(CouponRow {
                code: c.code.clone(),
                user_id: user.to_string(),
                campaign: coupon.campaign.to_string(),
                rule: coupon.rule.to_string(),
                arm: coupon.arm.as_ref().map(|s| s.to_string()),
                decision_id: decision.to_string(),
                status,
                issued_at: c.issued_at,
                valid_from: coupon.valid_from,
                valid_until: coupon.valid_until,
                face_value: c.face_value,
                terms: serde_json::to_string(&terms_of(coupon))
                    .map_err(|e| LedgerError::internal_from("cannot encode terms", e))?,
                coupon: coupon.to_json().to_string(),
                order_id: None,
            });
        }
        let doc = doc_of(u, rules, names);
        let unchanged = match &before.doc_before {
            Some(d) => *d == doc,
            None => doc.counters.is_empty() && doc.issued.is_empty() && doc.aggregates.is_empty(),
        };
        if !unchanged {
            ch.user = Some((user.to_string(), doc));
        }
    }
    // Budgets: what this decision reserved, released or spent, per campaign.
    let mut campaigns: Vec<u32> = after
        .reserved
        .keys()
        .chain(after.spent.keys())
        .chain(before.reserved_before.keys())
        .copied()
        .collect();
    campaigns.sort_unstable();
    campaigns.dedup();
    for ci in campaigns {
        let get = |m: &HashMap<u32, Fen>| m.get(&ci).copied().unwrap_or(0);
        let dr = get(&after.reserved) - get(&before.reserved_before);
        let ds = get(&after.spent) - get(&before.spent_before);
        if dr == 0 && ds == 0 {
            continue;
        }
        let Some(campaign) = compiled.program.campaigns.get(ci as usize) else {
            continue;
        };
        // `pace evenly`: the limit its last issue was checked against (it only grows).
        let paced = after.paced.get(&ci).copied();
        let limit = campaign
            .budget
            .filter(|b| b.kind == BudgetKind::FaceValue)
            .map(|b| paced.map_or(b.amount, |p| p.min(b.amount)));
        ch.budgets.push(BudgetDelta {
            campaign: campaign.id.to_string(),
            reserved: dr,
            spent: ds,
            limit,
        });
    }
    // Tallies: what this decision counted under caps and period budgets.
    for ((ci, scope), t) in &after.tallies {
        let before_used = before.tallies_before.get(&(*ci, scope.clone())).map_or(0, |b| b.used);
        let (Some(limit), Some(campaign)) = (t.limit, compiled.program.campaigns.get(*ci as usize)) else {
            continue;
        };
        if t.used != before_used {
            ch.tallies.push(TallyDelta {
                campaign: campaign.id.to_string(),
                scope: scope.to_string(),
                delta: t.used - before_used,
                limit,
            });
        }
    }
    ch.tallies
        .sort_by(|a, b| (&a.campaign, &a.scope).cmp(&(&b.campaign, &b.scope)));
    // Timers: fired or cancelled ones go, new ones come.
    for key in &before.timers_before {
        if !after.timers.contains_key(key) {
            // Ids read as `i64` and turned into `u64` at `load`: they fit back.
            let id = i64::try_from(key.1).map_err(|e| LedgerError::internal_from("a timer id", e))?;
            ch.timers_done.push(id);
        }
    }
    ch.timers_done.sort_unstable();
    for (key, t) in &after.timers {
        if before.timers_before.contains(key) {
            continue;
        }
        let Some(raw) = raw else {
            return Err(LedgerError::internal("a timer started without an event"));
        };
        let Some(campaign) = compiled.rule(t.rule).map(|r| r.campaign) else {
            return Err(LedgerError::internal("a timer of a rule the rules do not have"));
        };
        ch.timers_new.push(TimerRow {
            id: 0,
            user_id: t.user.to_string(),
            rule: names.rule_ref(t.rule).unwrap_or_default().to_string(),
            due: key.0,
            event: raw.to_string(),
            holdout: t.holdout,
            arm: t
                .arm
                .and_then(|a| campaign.experiment.as_ref().and_then(|e| e.arms.get(a)))
                .map(|a| a.name.to_string()),
            limit_key: t.limit_key.0.to_string(),
            limit_until: t.limit_key.1,
        });
    }
    if let Some(recorded) = &after.recorded {
        ch.outcomes = super::outcomes::changes(rules, recorded);
    }
    // Sightings: new users on a device, or later last-seen times.
    for (device, seen) in &after.devices {
        let old = before.devices_before.get(device);
        for (user, last) in seen {
            let known = old.and_then(|o| o.iter().find(|(u, _)| u == user)).map(|(_, t)| *t);
            if known != Some(*last) {
                ch.sightings.push((device.to_string(), user.to_string(), *last));
            }
        }
    }
    Ok(ch)
}
