//! Batch campaigns (`mintage run`): a user table in, one offer per user out, within a
//! budget of expected cost. The first pass streams the table, picks each eligible user's
//! segment and values every offer of it with the campaign's model; the allocator then
//! chooses offers; the second pass streams the table again to write the decisions, so
//! memory holds only the menus (a few words per offer), not the users.

use super::allocate::{Allocation, Menus, allocate};
use super::batch_arms::{self, ArmRole, BatchArms, Drawn};
pub use super::batch_row::{BatchOffer, RowOutcome, RowValuer, ValuedRow};
use super::decision::{Decision, Suppression, Trigger};
use super::engine::Rules;
use super::eval::{Facts, OfferView};
use super::event::{Event, EventError, RawEvent, User};
use super::terms;
use crate::check::program::{BudgetPeriod, Campaign};
use crate::value::{Fen, Millis};
use serde::Serialize;
use std::sync::Arc;

/// Why a batch cannot run at all (as opposed to a bad line, which is skipped).
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    #[error("no campaign `{0}` in the rules{1}")]
    UnknownCampaign(String, String),
    #[error("campaign `{0}` is not a batch campaign (it has no `batch` clause)")]
    NotBatch(String),
    #[error("campaign `{0}` has no budget; add `budget ¥N expected cost` or pass --budget")]
    NoBudget(String),
    #[error("{0}")]
    Arms(String),
    #[error("the budget ¥{0} is negative: give the most the run may spend in yuan, such as `--budget 50000`")]
    NegativeBudget(String),
}

/// The summary of the contract, with a few extras.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub campaign: String,
    pub budget: serde_json::Value,
    pub users_read: u64,
    pub eligible: u64,
    pub offered: u64,
    pub expected_cost: serde_json::Value,
    pub expected_gain: serde_json::Value,
    pub lambda: f64,
    /// The LP relaxation's bound on the expected gain, and the share of it reached.
    pub lp_bound: serde_json::Value,
    pub gain_share_of_bound: f64,
    pub skipped: u64,
    /// Eligible users of the experiment's arms that `--arm` left out of the run.
    #[serde(skip_serializing_if = "is_zero")]
    pub other_arms: u64,
    /// Users of a `random offer` arm, given an option drawn at random.
    #[serde(skip_serializing_if = "is_zero")]
    pub explored: u64,
    /// Users of a holdout arm, given nothing.
    #[serde(skip_serializing_if = "is_zero")]
    pub held_out: u64,
    pub by_segment: Vec<SegmentSummary>,
    /// Wall time of each phase, in milliseconds.
    pub timings_ms: Timings,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub read_and_value: u64,
    pub allocate: u64,
    pub write: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SegmentSummary {
    pub segment: String,
    pub eligible: u64,
    pub offered: u64,
}

/// One user row of the table, parsed.
pub fn user_event(row: &str, line: u64, now: Millis) -> Result<Event, EventError> {
    // The common row without serde's visitors; anything else, and every error, by serde.
    if let Some(user) = crate::event::fast::user(row) {
        return user_row_event(user, line, now);
    }
    let user: User = serde_json::from_str(row).map_err(|e| EventError(super::event::describe_json_error(&e)))?;
    user_row_event(user, line, now)
}

pub fn user_row_event(user: User, line: u64, now: Millis) -> Result<Event, EventError> {
    let raw = RawEvent {
        user: Some(user),
        ..RawEvent::new(Arc::from(format!("row-{line}").as_str()), Arc::from("batch"), now)
    };
    Event::from_raw(raw)
}

/// A batch run of one campaign.
pub struct BatchRun<'r> {
    pub campaign_index: usize,
    pub now: Millis,
    pub budget: Fen,
    /// Values the rows of the first pass (and the chosen offers of the second).
    pub valuer: RowValuer<'r>,
    /// Per eligible user, in table order: the segment chosen.
    segments: Vec<u16>,
    /// Per eligible user: where its row starts in the table, and its ids, so the second
    /// pass re-reads only the rows that get an offer.
    pub rows: Vec<EligibleRow>,
    pub menus: Menus,
    pub users_read: u64,
    pub skipped: u64,
    /// The line each user id was first read on: a user appears once in a table.
    seen: foldhash::HashMap<Arc<str>, u64>,
    /// The face value of each eligible user's offers, in menu order, from `face_starts`.
    faces: Vec<Fen>,
    face_starts: Vec<usize>,
    /// Users whose chosen offer a cap or a period budget withheld, and the reason.
    withheld: foldhash::HashMap<usize, &'static str>,
    /// The experiment: arms, holdouts and random offers.
    pub arms: BatchArms,
}

/// An eligible row: its place in the table and whom it names.
#[derive(Debug, Clone)]
pub struct EligibleRow {
    pub offset: u64,
    pub event_id: Arc<str>,
    pub user_id: Arc<str>,
}

impl<'r> BatchRun<'r> {
    pub fn new(rules: &'r Rules, campaign: &str, now: Millis, budget: Option<Fen>) -> Result<Self, BatchError> {
        let program = rules.program();
        let Some(index) = program.campaigns.iter().position(|c| &*c.id == campaign) else {
            let names: Vec<&str> = program.campaigns.iter().map(|c| &*c.id).collect();
            let hint = crate::diagnostic::did_you_mean(campaign, names.iter().copied())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(BatchError::UnknownCampaign(campaign.to_string(), hint));
        };
        let (Some(Some(nodes)), Some(c)) = (rules.compiled.batches.get(index), program.campaigns.get(index)) else {
            return Err(BatchError::NotBatch(campaign.to_string()));
        };
        let budget = budget
            .or(c.budget.map(|b| b.amount))
            .ok_or_else(|| BatchError::NoBudget(campaign.to_string()))?;
        if budget < 0 {
            return Err(BatchError::NegativeBudget(crate::value::yuan_string(budget)));
        }
        Ok(BatchRun {
            campaign_index: index,
            now,
            budget,
            valuer: RowValuer::new(rules, index, nodes, now),
            segments: Vec::new(),
            rows: Vec::new(),
            menus: Menus::with_capacity(0, 0),
            users_read: 0,
            skipped: 0,
            seen: foldhash::HashMap::default(),
            faces: Vec::new(),
            face_starts: Vec::new(),
            withheld: foldhash::HashMap::default(),
            arms: BatchArms::default(),
        })
    }

    /// `--response MODEL.json`: values the offers with this model; it must be one fitted
    /// for the campaign.
    pub fn use_response(&mut self, model: Arc<crate::response::ResponseModel>) -> Result<(), String> {
        let id = &*self.campaign().id;
        if model.campaign() != id {
            return Err(format!(
                "the response model was fitted for campaign `{}`, not `{id}`; fit one with `mintage fit … --campaign {id}`",
                model.campaign()
            ));
        }
        self.valuer.response = Some(model);
        Ok(())
    }

    /// `--arm`: only users of these arms take part.
    pub fn only_arms(&mut self, names: &[String]) -> Result<(), String> {
        self.valuer.only = Some(batch_arms::arms_named(self.campaign(), names)?);
        Ok(())
    }

    fn role(&self, eligible_index: usize) -> ArmRole {
        let arm = self.arms.arm.get(eligible_index).copied().flatten().map(usize::from);
        batch_arms::role(self.campaign().experiment.as_ref(), arm)
    }

    fn drawn(&self, eligible_index: usize) -> Option<&Drawn> {
        self.arms.drawn.iter().find(|d| d.user == eligible_index)
    }

    pub fn campaign(&self) -> &'r Campaign {
        self.valuer.campaign()
    }

    /// The segment a user falls in, if the user is eligible.
    pub fn segment_of(&mut self, event: &Event, facts: &dyn Facts) -> Option<usize> {
        self.valuer.segment_of(event, facts)
    }

    /// The evaluated offers of a segment (see [`RowValuer::offers_of`]).
    pub fn offers_of(&mut self, segment: usize, event: &Event, facts: &dyn Facts) -> Vec<BatchOffer> {
        self.valuer.offers_of(segment, event, facts)
    }

    /// Expected (cost, gain) of an offer to a user, by the campaign's model.
    pub fn value(&mut self, event: &Event, facts: &dyn Facts, offer: &OfferView) -> Option<(Fen, Fen)> {
        self.valuer.value(event, facts, offer)
    }

    /// Records that `user` is on line `line`; if the user was read before, the line it was
    /// first read on (the row is then to be skipped: one offer per user).
    pub fn repeated(&mut self, user: &Arc<str>, line: u64) -> Option<u64> {
        match self.seen.entry(user.clone()) {
            std::collections::hash_map::Entry::Occupied(first) => Some(*first.get()),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
        }
    }

    /// Room for about `rows` more rows, so that a large table does not grow the run's
    /// tables many times over.
    pub fn reserve(&mut self, rows: usize) {
        self.seen.reserve(rows);
        self.rows.reserve(rows);
        self.segments.reserve(rows);
        self.face_starts.reserve(rows);
        self.arms.arm.reserve(rows);
        self.menus.reserve(rows);
    }

    /// First pass over one row: eligibility, segment, menu.
    pub fn add_row(&mut self, event: &Event, facts: &dyn Facts, offset: u64) -> RowOutcome {
        let valued = self.valuer.value_row(event, facts);
        let user_id = event.user.as_ref().map_or_else(|| Arc::from(""), |u| u.id.clone());
        self.push_row(valued, event.id.clone(), user_id, offset)
    }

    /// Takes the next row of the table, valued by this run's valuer or a fork of it.
    pub fn push_row(&mut self, valued: ValuedRow, event_id: Arc<str>, user_id: Arc<str>, offset: u64) -> RowOutcome {
        self.users_read += 1;
        let v = match valued {
            ValuedRow::NotEligible => return RowOutcome::NotEligible,
            ValuedRow::OtherArm => {
                self.arms.other_arms += 1;
                return RowOutcome::OtherArm;
            }
            ValuedRow::Eligible(v) => v,
        };
        if let Some((offer, cost, gain)) = v.drawn {
            self.arms.drawn.push(Drawn {
                user: self.rows.len(),
                offer,
                cost,
                gain,
            });
        }
        self.face_starts.push(self.faces.len());
        self.faces.extend_from_slice(&v.faces);
        self.menus.push_user(v.menu);
        self.arms.arm.push(v.arm);
        self.segments.push(v.segment);
        self.rows.push(EligibleRow {
            offset,
            event_id,
            user_id,
        });
        RowOutcome::Eligible
    }

    /// The allocation within the budget of expected cost, then within the campaign's cap
    /// and budgets of a day or hour (`bound`).
    pub fn allocate(&mut self) -> Allocation {
        // Random offers come first, in table order, as long as the budget lasts; the
        // allocation spends what they leave.
        let mut spent = 0;
        let mut drawn = Vec::with_capacity(self.arms.drawn.len());
        for d in std::mem::take(&mut self.arms.drawn) {
            if spent + d.cost <= self.budget {
                spent += d.cost;
                drawn.push(d);
            } else {
                self.withheld.insert(d.user, "budget");
            }
        }
        let mut allocation = allocate(&self.menus, self.budget - spent);
        for d in &drawn {
            self.menus.set_offer(d.user, 0, d.cost, d.gain);
            if let Some(choice) = allocation.choice.get_mut(d.user) {
                *choice = Some(0);
                allocation.total_cost += d.cost;
                allocation.total_gain += d.gain;
                // The bound is of what could be gained: the random offers' gain is given.
                allocation.lp_bound += d.gain as f64;
            }
        }
        self.arms.drawn = drawn;
        self.bound(&mut allocation);
        allocation
    }

    /// `at most N coupons per campaign` and `budget ¥N face value per day` (or hour) over
    /// the run: its coupons are all issued at `now`, in one day and one hour, so these
    /// bound the run's coupons and face value. Users are taken in table order; one whose
    /// offer would pass a bound gets none (`budget_day`, `budget_hour`, then `cap`, the
    /// order an event campaign checks them in).
    fn bound(&mut self, allocation: &mut Allocation) {
        let campaign = self.campaign();
        let cap = campaign.cap.map(i64::from);
        if cap.is_none() && campaign.period_budgets.is_empty() {
            return;
        }
        let (mut coupons, mut face_value) = (0i64, 0);
        for (user, choice) in allocation.choice.iter_mut().enumerate() {
            let Some(k) = *choice else { continue };
            let face = self
                .face_starts
                .get(user)
                .and_then(|s| self.faces.get(s + usize::from(k)))
                .copied()
                .unwrap_or(0);
            let over = campaign.period_budgets.iter().find(|p| face_value + face > p.amount);
            let why = match over.map(|p| p.per) {
                Some(BudgetPeriod::Day) => Some("budget_day"),
                Some(BudgetPeriod::Hour) => Some("budget_hour"),
                None if cap.is_some_and(|c| coupons + 1 > c) => Some("cap"),
                None => None,
            };
            let Some(why) = why else {
                coupons += 1;
                face_value += face;
                continue;
            };
            *choice = None;
            if let Some((cost, gain)) = self.menus.offer(user, usize::from(k)) {
                allocation.total_cost -= cost;
                allocation.total_gain -= gain;
            }
            self.withheld.insert(user, why);
        }
    }

    /// The decision for an eligible user left out by the allocation, from what the first
    /// pass kept: no need to read the row again.
    pub fn left_out(&self, eligible_index: usize) -> Option<Decision> {
        let held_out = self.role(eligible_index) == ArmRole::Holdout;
        let campaign = self.campaign();
        let row = self.rows.get(eligible_index)?;
        let segment = *self.segments.get(eligible_index)? as usize;
        let rule = campaign
            .batch
            .as_ref()
            .and_then(|b| b.segments.get(segment))
            .map_or_else(|| Arc::from(""), |s| s.name.clone());
        let mut d = Decision::new(
            self.now,
            Trigger::Batch,
            row.event_id.clone(),
            Some(row.user_id.clone()),
        );
        d.tz = campaign.tz;
        d.suppressed.push(Suppression {
            campaign: campaign.id.clone(),
            rule,
            reason: Arc::from(self.left_out_reason(eligible_index)),
            arm: held_out.then(|| self.arm_name(eligible_index)).flatten(),
        });
        Some(d)
    }

    fn arm_name(&self, eligible_index: usize) -> Option<Arc<str>> {
        let arm = self.arms.arm.get(eligible_index).copied().flatten()?;
        let e = self.campaign().experiment.as_ref()?;
        e.arms.get(usize::from(arm)).map(|a| a.name.clone())
    }

    /// Why an eligible user got no offer: `budget` when one of its offers had a positive
    /// expected gain (the budget ran out before it), `no_gain` when none had (or the model
    /// could not value them), so that no budget could have bought anything for the user.
    pub fn left_out_reason(&self, eligible_index: usize) -> &'static str {
        if let Some(why) = self.withheld.get(&eligible_index) {
            why
        } else if self.role(eligible_index) == ArmRole::Holdout {
            "holdout"
        } else if self.menus.best_gain(eligible_index).is_some_and(|g| g > 0) {
            "budget"
        } else {
            "no_gain"
        }
    }

    /// Second pass over one eligible row (the `eligible_index`-th): its decision.
    pub fn decide(
        &mut self,
        event: &Event,
        facts: &dyn Facts,
        eligible_index: usize,
        allocation: &Allocation,
    ) -> Option<Decision> {
        let campaign = self.campaign();
        let segment = *self.segments.get(eligible_index)? as usize;
        let user_id = event.user.as_ref().map(|u| u.id.clone());
        let event_id = self
            .rows
            .get(eligible_index)
            .map_or_else(|| event.id.clone(), |r| r.event_id.clone());
        let mut d = Decision::new(self.now, Trigger::Batch, event_id, user_id);
        d.tz = campaign.tz;
        let segment_name = campaign
            .batch
            .as_ref()
            .and_then(|b| b.segments.get(segment))
            .map(|s| s.name.clone());
        let rule_name: Arc<str> = segment_name.clone().unwrap_or_else(|| Arc::from(""));
        match allocation.choice.get(eligible_index).copied().flatten() {
            None => d.suppressed.push(Suppression {
                campaign: campaign.id.clone(),
                rule: rule_name,
                reason: Arc::from(self.left_out_reason(eligible_index)),
                arm: (self.role(eligible_index) == ArmRole::Holdout)
                    .then(|| self.arm_name(eligible_index))
                    .flatten(),
            }),
            Some(k) => {
                let offers = self.offers_of(segment, event, facts);
                let drawn = self.drawn(eligible_index).map(|d| d.offer);
                let chosen = offers.into_iter().nth(drawn.unwrap_or(usize::from(k)))?;
                let (cost, gain) = self.value(event, facts, &chosen.view)?;
                let spec = campaign
                    .batch
                    .as_ref()?
                    .segments
                    .get(segment)?
                    .offers
                    .get(chosen.offer)?;
                let issuer = terms::Issuer {
                    campaign,
                    rule: &rule_name,
                    exclusive_with: None,
                    stackable: false,
                    not_on_sale: false,
                    at: self.now,
                    arm: self.arms.arm.get(eligible_index).copied().flatten().map(usize::from),
                };
                let menu_len: usize = spec_menu_len(campaign, segment);
                let mut c = terms::coupon(spec, &issuer, chosen.terms);
                c.expected_cost = Some(cost);
                c.expected_gain = Some(gain);
                c.segment = segment_name;
                c.random = drawn.is_some();
                c.model = self.valuer.response.as_ref().map(|m| Arc::from(m.version()));
                if menu_len > 1 {
                    c.option = u16::try_from(chosen.choice).ok();
                }
                d.coupons.push(c);
            }
        }
        Some(d)
    }

    pub fn segment_names(&self) -> Vec<Arc<str>> {
        self.campaign()
            .batch
            .as_ref()
            .map(|b| b.segments.iter().map(|s| s.name.clone()).collect())
            .unwrap_or_default()
    }

    /// The summary of a finished run.
    pub fn summary(&self, allocation: &Allocation, timings_ms: Timings) -> Summary {
        let names = self.segment_names();
        let mut by_segment: Vec<SegmentSummary> = names
            .iter()
            .map(|n| SegmentSummary {
                segment: n.to_string(),
                eligible: 0,
                offered: 0,
            })
            .collect();
        for (i, s) in self.segments.iter().enumerate() {
            if let Some(entry) = by_segment.get_mut(*s as usize) {
                entry.eligible += 1;
                if allocation.choice.get(i).copied().flatten().is_some() {
                    entry.offered += 1;
                }
            }
        }
        Summary {
            campaign: self.campaign().id.to_string(),
            budget: crate::value::yuan_json(self.budget),
            users_read: self.users_read,
            eligible: self.segments.len() as u64,
            offered: allocation.choice.iter().filter(|c| c.is_some()).count() as u64,
            expected_cost: crate::value::yuan_json(allocation.total_cost),
            expected_gain: crate::value::yuan_json(allocation.total_gain),
            lambda: allocation.lambda,
            lp_bound: crate::value::yuan_json(allocation.lp_bound.round() as i64),
            gain_share_of_bound: if allocation.lp_bound > 0.0 {
                allocation.total_gain as f64 / allocation.lp_bound
            } else {
                1.0
            },
            skipped: self.skipped,
            other_arms: self.arms.other_arms,
            explored: self.arms.drawn.len() as u64,
            held_out: (0..self.rows.len())
                .filter(|i| self.role(*i) == ArmRole::Holdout)
                .count() as u64,
            by_segment,
            timings_ms,
        }
    }
}

/// How many options a segment's menus give together.
fn spec_menu_len(campaign: &Campaign, segment: usize) -> usize {
    campaign
        .batch
        .as_ref()
        .and_then(|b| b.segments.get(segment))
        .map_or(0, |s| s.offers.iter().map(|o| o.value.len().max(1)).sum())
}

/// The result of a batch over users held in memory: a decision per eligible user.
#[derive(Debug, Clone)]
pub struct Plan {
    pub decisions: Vec<Decision>,
    pub summary: Summary,
}

/// Runs a batch campaign over users already in memory (an embedding's `allocate`).
pub fn plan(
    rules: &Rules,
    campaign: &str,
    users: &[Event],
    now: Millis,
    budget: Option<Fen>,
    minter: &mut super::codes::CodeMinter,
    facts: &dyn Facts,
) -> Result<Plan, BatchError> {
    plan_arms(rules, campaign, &[], users, now, budget, minter, facts)
}

/// The same, over the users of some arms of the campaign's experiment only (`--arm`;
/// every user when `arms` is empty).
#[allow(clippy::too_many_arguments)]
pub fn plan_arms(
    rules: &Rules,
    campaign: &str,
    arms: &[String],
    users: &[Event],
    now: Millis,
    budget: Option<Fen>,
    minter: &mut super::codes::CodeMinter,
    facts: &dyn Facts,
) -> Result<Plan, BatchError> {
    let mut run = BatchRun::new(rules, campaign, now, budget)?;
    if !arms.is_empty() {
        run.only_arms(arms).map_err(BatchError::Arms)?;
    }
    let started = std::time::Instant::now();
    for (i, user) in users.iter().enumerate() {
        let id = user.user.as_ref().map(|u| u.id.clone());
        if id.is_some_and(|id| run.repeated(&id, i as u64 + 1).is_some()) {
            run.skipped += 1;
            continue;
        }
        if matches!(run.add_row(user, facts, i as u64), RowOutcome::OtherArm) {
            continue;
        }
    }
    let read = started.elapsed();
    let allocation = run.allocate();
    let mut decisions = Vec::with_capacity(run.rows.len());
    for index in 0..run.rows.len() {
        let offered = allocation.choice.get(index).copied().flatten().is_some();
        let row = run.rows.get(index).map(|r| r.offset as usize);
        let decision = match (offered, row.and_then(|r| users.get(r))) {
            (true, Some(event)) => run.decide(event, facts, index, &allocation),
            _ => run.left_out(index),
        };
        if let Some(mut d) = decision {
            for c in &mut d.coupons {
                c.code = minter.mint();
            }
            decisions.push(d);
        }
    }
    let timings = Timings {
        read_and_value: u64::try_from(read.as_millis()).unwrap_or(u64::MAX),
        ..Timings::default()
    };
    Ok(Plan {
        decisions,
        summary: run.summary(&allocation, timings),
    })
}
