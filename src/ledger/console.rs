//! What the console reads and does beyond deciding: every campaign's state and numbers,
//! a campaign's hourly series, a user's latest decisions, a dry run of an event (its
//! decision and trace on the live rules and the user's state, nothing written), and
//! pausing a campaign (a signal under a reserved name, which every decision already reads
//! with the budgets: `runtime::issue::PAUSED_SIGNAL`).

use super::store::{self, Changes};
use super::{Decided, Ledger, LedgerError, working};
use crate::check::program::{BudgetKind, Campaign};
use crate::runtime::PAUSED_SIGNAL;
use crate::runtime::codes::CodeMinter;
use crate::runtime::engine::Runtime;
use crate::runtime::event::Event;
use crate::value::{Fen, Millis, Yuan, time_string};
use serde::Serialize;
use std::collections::BTreeMap;

/// A campaign as the console's campaigns page shows it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CampaignOverview {
    pub id: String,
    /// The title written after the id (`campaign new_user "新客首单阶梯券"`).
    pub name: Option<String>,
    /// `event` or `batch`.
    pub kind: &'static str,
    /// `scheduled`, `live`, `ended` or `paused`.
    pub state: &'static str,
    pub window: Option<WindowView>,
    pub zone: String,
    pub budget: Option<BudgetView>,
    pub issued: u64,
    pub redeemed: u64,
    pub reserved: u64,
    pub expired: u64,
    pub revoked: u64,
    /// Redeemed over every coupon issued (`null` before the first).
    pub redemption_rate: Option<f64>,
    /// Discounts given at redemption (yuan).
    pub cost: Yuan,
    /// Coupons withheld in the last 24 hours, by reason.
    pub suppressed: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct WindowView {
    pub start: String,
    pub end: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BudgetView {
    pub amount: Yuan,
    /// `face_value` or `expected_cost`.
    pub kind: &'static str,
    /// Face value held by unsettled and redeemed coupons.
    pub reserved: Yuan,
    /// Face value of redeemed coupons.
    pub spent: Yuan,
    /// `pace evenly`: what the plan allows reserved by now (`null`: not paced).
    pub plan: Option<Yuan>,
}

/// The campaigns page: every campaign of the rules.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Campaigns {
    pub now: String,
    pub rules_version: String,
    pub campaigns: Vec<CampaignOverview>,
}

/// One hour of a campaign (hours in the campaign's zone).
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Hour {
    pub start: String,
    pub issued: u64,
    pub redeemed: u64,
    /// Discounts given at redemption (yuan).
    pub cost: Yuan,
    pub suppressed: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    pub campaign: String,
    pub zone: String,
    /// The hours with any activity, oldest first.
    pub hours: Vec<Hour>,
}

const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;

impl Ledger {
    /// Pauses (or resumes) a campaign of the rules: from the next decision on, its rules
    /// withhold every coupon as `paused`. `false` if the rules have no such campaign.
    pub fn set_paused(&self, campaign: &str, paused: bool, at: Millis) -> Result<bool, LedgerError> {
        if self.current().names.campaign(campaign).is_none() {
            return Ok(false);
        }
        let ch = Changes {
            signals: vec![(
                PAUSED_SIGNAL.to_string(),
                campaign.to_string(),
                if paused { 1.0 } else { 0.0 },
                at,
            )],
            ..Changes::default()
        };
        self.retrying(None, |tx| tx.apply(&ch))?;
        Ok(true)
    }

    /// Every campaign of the rules, with its state at `now` and its numbers.
    pub fn campaigns(&self, now: Millis) -> Result<Campaigns, LedgerError> {
        let current = self.current();
        let program = &current.rules.rules.compiled.program;
        let (signals, withheld) = store::read(&*self.backend, |tx| {
            Ok((tx.load_signals()?, tx.activity("", now - DAY)?.withheld))
        })?;
        let paused = |id: &str| {
            signals
                .iter()
                .any(|s| s.name == PAUSED_SIGNAL && s.key == id && s.value > 0.0)
        };
        let mut out = Vec::with_capacity(program.campaigns.len());
        for c in &program.campaigns {
            let stats = self.stats(&c.id)?.unwrap_or_default();
            // `issued` counts every coupon the campaign issued, whatever became of it.
            let total = stats.issued;
            let state = match c.window {
                _ if paused(&c.id) => "paused",
                Some((start, _)) if now < start => "scheduled",
                Some((_, end)) if now >= end => "ended",
                _ => "live",
            };
            out.push(CampaignOverview {
                id: c.id.to_string(),
                name: c.title.clone(),
                kind: if c.batch.is_some() { "batch" } else { "event" },
                state,
                window: c.window.map(|(start, end)| WindowView {
                    start: time_string(start, c.tz),
                    end: time_string(end, c.tz),
                }),
                zone: c.tz.name().to_string(),
                budget: c.budget.map(|b| BudgetView {
                    amount: Yuan(b.amount),
                    kind: match b.kind {
                        BudgetKind::FaceValue => "face_value",
                        BudgetKind::ExpectedCost => "expected_cost",
                    },
                    reserved: stats.budget_reserved,
                    spent: stats.budget_spent,
                    plan: plan(c, b.amount, now).map(Yuan),
                }),
                issued: stats.issued,
                redeemed: stats.redeemed,
                reserved: stats.reserved,
                expired: stats.expired,
                revoked: stats.revoked,
                redemption_rate: (total > 0).then(|| stats.redeemed as f64 / total as f64),
                cost: stats.discount_given,
                suppressed: withheld_by_reason(&c.id, &withheld, |_| ())
                    .remove(&())
                    .unwrap_or_default(),
            });
        }
        Ok(Campaigns {
            now: time_string(now, program.zone),
            rules_version: current.rules.version.clone(),
            campaigns: out,
        })
    }

    /// A campaign's hours from `since` on (`None`: no such campaign in the rules).
    pub fn series(&self, campaign: &str, since: Millis) -> Result<Option<Series>, LedgerError> {
        let current = self.current();
        let program = &current.rules.rules.compiled.program;
        let Some(c) = program.campaign(campaign) else {
            return Ok(None);
        };
        let activity = store::read(&*self.backend, |tx| tx.activity(campaign, since))?;
        let tz = c.tz;
        // Hours start on the hour in the campaign's zone (whole-hour offsets and others).
        let hour_of = |t: Millis| -> Millis {
            use chrono::Offset;
            let offset = chrono::DateTime::from_timestamp_millis(t).map_or(0, |u| {
                i64::from(u.with_timezone(&tz).offset().fix().local_minus_utc()) * 1000
            });
            (t + offset).div_euclid(HOUR) * HOUR - offset
        };
        let mut hours: BTreeMap<Millis, Hour> = BTreeMap::new();
        for t in &activity.issued {
            hours.entry(hour_of(*t)).or_default().issued += 1;
        }
        for (t, discount) in &activity.redeemed {
            let h = hours.entry(hour_of(*t)).or_default();
            h.redeemed += 1;
            h.cost = Yuan(h.cost.0 + *discount);
        }
        for (start, by_reason) in withheld_by_reason(campaign, &activity.withheld, hour_of) {
            hours.entry(start).or_default().suppressed = by_reason;
        }
        let hours = hours
            .into_iter()
            .map(|(start, h)| Hour {
                start: time_string(start, tz),
                ..h
            })
            .collect();
        Ok(Some(Series {
            campaign: campaign.to_string(),
            zone: tz.name().to_string(),
            hours,
        }))
    }

    /// A user's latest decisions, newest first.
    pub fn user_decisions(&self, user_id: &str, limit: usize) -> Result<Vec<Decided>, LedgerError> {
        let rows = store::read(&*self.backend, |tx| tx.user_decisions(user_id, limit))?;
        rows.into_iter()
            .map(|r| {
                let decision = serde_json::from_str(&r.body)
                    .map_err(|e| LedgerError::corrupt_from(&format!("decision `{}`", r.decision_id), e))?;
                Ok(Decided {
                    decision_id: r.decision_id,
                    rules_version: r.rules_version,
                    decision,
                    replayed: false,
                })
            })
            .collect()
    }

    /// The decision `event` would get now, with its trace: on the live rules and the
    /// user's state in the ledger, and nothing written (its codes are never issued). Due
    /// timers are not fired. A referral is tried for its invitee.
    pub fn dry_run(&self, event: &Event) -> Result<serde_json::Value, LedgerError> {
        let current = self.current();
        let rules = current.rules.rules.clone();
        let Some(user) = event.user.as_ref() else {
            return Err(LedgerError::BadInput(format!(
                "field `user` is required to try a `{}` event",
                event.kind
            )));
        };
        let user_id = user.id.to_string();
        let device = user.device_id.as_ref().map(|d| d.to_string());
        let mut w = store::read(&*self.backend, |tx| {
            working::load(&rules, &current.names, tx, &user_id, device.as_deref(), event.at)
        })?;
        // Timers due by the event stay due: the dry run fires none of them.
        w.state.timers.clear();
        let minter = CodeMinter::from_entropy().map_err(|e| LedgerError::entropy("the coupon code generator", e))?;
        let mut rt = Runtime::with_store(rules, minter, std::mem::take(&mut w.state)).explain(true);
        let sides = event.sides();
        let side = sides.first().map_or(event, |s| &**s);
        Ok(rt.decide(side).to_json())
    }
}

/// What the pacing plan allows reserved by `now` (`pace evenly` campaigns).
fn plan(c: &Campaign, amount: Fen, now: Millis) -> Option<Fen> {
    if !c.pace || c.budget.is_none_or(|b| b.kind != BudgetKind::FaceValue) {
        return None;
    }
    crate::runtime::period::paced(c, amount, now)
}

/// The campaign's suppressions in these decision bodies, counted by reason under the key
/// `key_of` gives each decision's time.
fn withheld_by_reason<K: Ord>(
    campaign: &str,
    withheld: &[(Millis, String)],
    key_of: impl Fn(Millis) -> K,
) -> BTreeMap<K, BTreeMap<String, u64>> {
    let mut out: BTreeMap<K, BTreeMap<String, u64>> = BTreeMap::new();
    for (at, body) in withheld {
        let Ok(d) = serde_json::from_str::<serde_json::Value>(body) else {
            continue;
        };
        for s in d.get("suppressed").and_then(|s| s.as_array()).into_iter().flatten() {
            if s.get("campaign").and_then(|c| c.as_str()) != Some(campaign) {
                continue;
            }
            let reason = s.get("reason").and_then(|r| r.as_str()).unwrap_or("?");
            *out.entry(key_of(*at))
                .or_default()
                .entry(reason.to_string())
                .or_default() += 1;
        }
    }
    out
}
