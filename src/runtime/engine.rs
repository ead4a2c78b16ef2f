//! The event runtime: takes events in order, fires due timers first, evaluates the rules
//! that the event's type triggers, and hands each matching rule to issuing (limits,
//! holdouts, risk checks and budgets in the brief's precedence). Matching kernels are in
//! [`super::matching`], issuing in [`super::issue`], traces in [`super::explain`].

use super::bucket;
use super::codes::CodeMinter;
use super::decision::{Decision, TraceEntry, Trigger};
use super::eval::Evaluator;
use super::event::{Event, EventKind};
use super::explain::{Outcome, Unmet, Why, explain_condition};
use super::issue::IssueAt;
use super::matching::candidates;
use super::state::{CouponStatus, MemoryState, StateStore, Timer};
use crate::check::program::{Campaign, Rule, Side};
/// The compiled rules a runtime runs (compiled by [`crate::compile`]; the old path stays).
pub use crate::compile::Rules;
use crate::compile::{Cond, RuleRef};
use crate::value::{Millis, Value};
use std::sync::Arc;

/// How a rule runs for a user, given the experiment arm the user is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Normal,
    Holdout,
    Skip,
}

/// An event runtime over a state store (in memory by default).
pub struct Runtime<S: StateStore = MemoryState> {
    pub(super) rules: Arc<Rules>,
    pub state: S,
    pub(super) minter: CodeMinter,
    pub(super) eval: Evaluator,
    pub(super) explain: bool,
    /// Per event: campaign audience results and arms, filled lazily.
    audience: Vec<Option<Result<(), Unmet>>>,
    arms: Vec<Option<Option<usize>>>,
    /// Timer decisions fired by `decide`, for `take_fired`.
    fired: Vec<Decision>,
    /// When outcomes are recorded for analysis ([`super::exposure`]).
    pub(super) exposing: Option<Box<super::exposure::Exposing>>,
}

/// A limit's key and the end of its period.
pub type LimitKeyOf = (Arc<str>, Millis);

impl Runtime<MemoryState> {
    /// A runtime over fresh in-memory state.
    pub fn new(rules: Arc<Rules>, minter: CodeMinter) -> Runtime<MemoryState> {
        let state = MemoryState::with_horizon(rules.compiled.horizon_ms);
        Runtime::with_store(rules, minter, state)
    }
}

impl<S: StateStore> Runtime<S> {
    /// A runtime over the given store (a durable ledger, or state kept between requests).
    pub fn with_store(rules: Arc<Rules>, minter: CodeMinter, state: S) -> Runtime<S> {
        let eval = Evaluator::new(&rules.compiled.graph);
        let n = rules.compiled.program.campaigns.len();
        Runtime {
            rules,
            state,
            minter,
            eval,
            explain: false,
            audience: vec![None; n],
            arms: vec![None; n],
            fired: Vec::new(),
            exposing: None,
        }
    }

    pub fn explain(mut self, on: bool) -> Self {
        self.explain = on;
        self
    }

    pub fn rules(&self) -> &Arc<Rules> {
        &self.rules
    }

    /// Processes one event: due timers fire first (each its own decision), then the
    /// event itself. Returns the decisions the contract prints.
    pub fn process(&mut self, event: &Event) -> Vec<Decision> {
        let mut out = Vec::new();
        self.advance(event.at, &mut out);
        match event.kind {
            EventKind::Tick => {}
            EventKind::Signal => {
                if let Some((name, key, value)) = &event.signal {
                    self.state.set_signal(name, key, *value);
                }
            }
            _ => {
                // A referral is decided for each of its users in turn.
                for side in event.sides() {
                    let d = self.decide_event(&side);
                    if self.printable(&d) {
                        out.push(d);
                    }
                }
            }
        }
        out
    }

    /// One event's own decision, even when it is empty. Timers due before the event fire
    /// first; their decisions wait in `take_fired`. A referral as the platform sent it is
    /// decided for its invitee here: decide each of [`Event::sides`] for both users.
    pub fn decide(&mut self, event: &Event) -> Decision {
        let mut fired = Vec::new();
        self.advance(event.at, &mut fired);
        self.fired.extend(fired);
        let zone = self.rules.compiled.program.zone;
        match event.kind {
            EventKind::Tick => Decision::new(event.at, Trigger::Event, event.id.clone(), None).in_zone(zone),
            EventKind::Signal => {
                if let Some((name, key, value)) = &event.signal {
                    self.state.set_signal(name, key, *value);
                }
                Decision::new(event.at, Trigger::Event, event.id.clone(), None).in_zone(zone)
            }
            _ => self.decide_event(event),
        }
    }

    /// Fires the timers due by `now` (a service calls this on its clock).
    pub fn tick(&mut self, now: Millis) -> Vec<Decision> {
        let mut out = std::mem::take(&mut self.fired);
        self.advance(now, &mut out);
        out
    }

    /// Timer decisions that fired during `decide` calls, oldest first.
    pub fn take_fired(&mut self) -> Vec<Decision> {
        std::mem::take(&mut self.fired)
    }

    /// Fires every timer due at or before `t` and expires coupons.
    pub fn advance(&mut self, t: Millis, out: &mut Vec<Decision>) {
        while let Some(due) = self.state.due_time() {
            if due > t {
                break;
            }
            self.state.expire(due);
            if let Some(timer) = self.state.pop_due(due) {
                let d = self.fire(timer, due);
                if self.printable(&d) {
                    out.push(d);
                }
            }
        }
        self.state.expire(t);
        self.state.prune(t, self.rules.compiled.horizon_ms);
    }

    fn printable(&self, d: &Decision) -> bool {
        !d.is_empty() || (self.explain && d.trace.as_ref().is_some_and(|t| !t.is_empty()))
    }

    fn decide_event(&mut self, event: &Event) -> Decision {
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let user = event.user.as_ref();
        let user_id = user.map(|u| u.id.clone());
        let mut d = Decision::new(event.at, Trigger::Event, event.id.clone(), user_id.clone());
        if self.explain {
            d.trace = Some(Vec::new());
        }
        let Some(user_id) = user_id else { return d };
        // Events that an `unless` or `cancel timers on` names cancel pending timers.
        let kind = event.kind.name();
        self.state.cancel(&user_id, &mut |rule_id| {
            let Some(RuleRef {
                campaign: c, rule: r, ..
            }) = compiled.rule(rule_id)
            else {
                return false;
            };
            r.wait.as_ref().is_some_and(|w| w.unless.contains(&kind)) || c.cancel_timers_on.contains(&kind)
        });
        let mut redeemed = None;
        if event.kind == EventKind::CouponRedeemed
            && let Some(code) = &event.code
            && let Ok(canonical) = super::codes::parse_code(code)
            && self.state.settle(&canonical, CouponStatus::Redeemed).is_some()
        {
            redeemed = Some(canonical);
        }
        if self.exposing.is_some() {
            self.record(event, &user_id, redeemed);
        }
        // The user's aggregates count this event before any rule reads them.
        let values = self.feed_aggregates(event, &user_id);
        if let Some(trace) = d.trace.as_mut() {
            trace.extend(values.into_iter().map(|(key, value)| TraceEntry {
                campaign: Arc::from("aggregate"),
                rule: key,
                outcome: value.to_string(),
                because: None,
            }));
        }
        self.eval.reset();
        self.audience.iter_mut().for_each(|a| *a = None);
        self.arms.iter_mut().for_each(|a| *a = None);
        // With `--explain`, every rule of the trigger is considered, so the trace also
        // shows the rules the index would have skipped and why they do not match.
        let candidates = if self.explain {
            compiled.triggers.get(&*event.kind).map(|i| i.all()).unwrap_or_default()
        } else {
            candidates(compiled, event)
        };
        let mut exclusive_issued = false;
        // A referral's side runs the rules that give to that side.
        let side = event.referral_side().unwrap_or(Side::Invitee);
        for id in candidates {
            let Some(RuleRef {
                nodes: rn,
                campaign,
                rule,
                ..
            }) = compiled.rule(id)
            else {
                continue;
            };
            if rule.to.unwrap_or(Side::Invitee) != side {
                continue;
            }
            if let Some((start, end)) = campaign.window
                && (event.at < start || event.at >= end)
            {
                self.trace(&mut d, campaign, rule, Outcome::NotMatched, Some(Why::OutsideWindow));
                continue;
            }
            if let Err(why) = self.audience_of(rn.campaign.index(), event) {
                self.trace(&mut d, campaign, rule, Outcome::NotMatched, Some(Why::Audience(why)));
                continue;
            }
            let arm = self.arm_of(rn.campaign.index(), event);
            let mode = mode_for(campaign, rule, arm);
            if mode == Mode::Skip {
                let why = arm.map(|a| Why::InArm(arm_name(campaign, a)));
                self.trace(&mut d, campaign, rule, Outcome::NotInArm, why);
                continue;
            }
            if let Err(why) = self.conditions(&rn.conditions, event, event.at, campaign.tz) {
                self.trace(&mut d, campaign, rule, Outcome::NotMatched, Some(Why::Condition(why)));
                continue;
            }
            let Some(limit_key) = self.limit_key(&rn.keys, campaign, event, event.at) else {
                self.trace(&mut d, campaign, rule, Outcome::NotMatched, Some(Why::NoLimitKey));
                continue;
            };
            if self.limit_reached(id, rule, &user_id, &limit_key) {
                self.trace(&mut d, campaign, rule, Outcome::LimitReached, None);
                continue;
            }
            if let Some(wait) = &rule.wait {
                if self.state.has_pending(&user_id, id) {
                    self.trace(&mut d, campaign, rule, Outcome::TimerPending, None);
                    continue;
                }
                let due = event.at + wait.delay;
                self.state.schedule(
                    due,
                    Timer {
                        rule: id,
                        user: user_id.clone(),
                        event: Arc::new(event.clone()),
                        holdout: mode == Mode::Holdout,
                        arm,
                        limit_key,
                    },
                );
                let due_text = crate::value::time_string(due, campaign.tz);
                self.trace(
                    &mut d,
                    campaign,
                    rule,
                    Outcome::TimerStarted,
                    Some(Why::FiresAt(due_text)),
                );
                continue;
            }
            if exclusive_issued && !campaign.exclusive {
                self.suppress(&mut d, campaign, rule, Why::ExclusiveFirst);
                continue;
            }
            let issued = self.issue(
                id,
                IssueAt {
                    event,
                    at: event.at,
                    mode,
                    arm,
                    limit_key,
                },
                &mut d,
            );
            if issued && campaign.exclusive {
                exclusive_issued = true;
            }
        }
        if let Some(u) = user
            && let Some(device) = &u.device_id
        {
            self.state.sight(device, &u.id, event.at);
        }
        d.tz = d.zone(|id| compiled.program.campaign(id).map(|c| c.tz), compiled.program.zone);
        d
    }

    fn fire(&mut self, timer: Timer, due: Millis) -> Decision {
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let mut d = Decision::new(due, Trigger::Timer, timer.event.id.clone(), Some(timer.user.clone()));
        if self.explain {
            d.trace = Some(Vec::new());
        }
        let Some(RuleRef { campaign, rule, .. }) = compiled.rule(timer.rule) else {
            return d;
        };
        // A timer's decision is its campaign's alone, so it is written in its zone.
        d.tz = campaign.tz;
        if let Some((start, end)) = campaign.window
            && (due < start || due >= end)
        {
            self.trace(
                &mut d,
                campaign,
                rule,
                Outcome::NotMatched,
                Some(Why::TimerOutsideWindow),
            );
            return d;
        }
        if self.limit_reached(timer.rule, rule, &timer.user, &timer.limit_key) {
            self.trace(&mut d, campaign, rule, Outcome::LimitReached, None);
            return d;
        }
        self.eval.reset();
        let event = timer.event.clone();
        self.issue(
            timer.rule,
            IssueAt {
                event: &event,
                at: due,
                mode: if timer.holdout { Mode::Holdout } else { Mode::Normal },
                arm: timer.arm,
                limit_key: timer.limit_key.clone(),
            },
            &mut d,
        );
        d
    }

    /// `Ok` if all conditions hold; else the first that does not, explained (times in the
    /// campaign's zone `tz`).
    fn conditions(&mut self, conds: &[Cond], event: &Event, now: Millis, tz: chrono_tz::Tz) -> Result<(), Unmet> {
        let rules = self.rules.clone();
        let graph = &rules.compiled.graph;
        let facts = rules.facts(&self.state);
        let ctx = rules.ctx(event, now, &facts);
        for c in conds {
            if !self.eval.truth(graph, c.node, &ctx) {
                if !self.explain {
                    return Err(Unmet::Unexplained);
                }
                return Err(explain_condition(graph, c, &ctx, tz));
            }
        }
        Ok(())
    }

    fn audience_of(&mut self, campaign: usize, event: &Event) -> Result<(), Unmet> {
        if let Some(Some(r)) = self.audience.get(campaign) {
            return r.clone();
        }
        let rules = self.rules.clone();
        let Some((c, nodes)) = rules.compiled.campaign(campaign) else {
            return Ok(());
        };
        let r = self.conditions(&nodes.audience, event, event.at, c.tz);
        if let Some(slot) = self.audience.get_mut(campaign) {
            *slot = Some(r.clone());
        }
        r
    }

    fn arm_of(&mut self, campaign: usize, event: &Event) -> Option<usize> {
        if let Some(Some(a)) = self.arms.get(campaign) {
            return *a;
        }
        let rules = self.rules.clone();
        let (c, nodes) = rules.compiled.campaign(campaign)?;
        let arm = match (&c.experiment, nodes.unit) {
            (Some(e), Some(unit)) => {
                let facts = rules.facts(&self.state);
                let ctx = rules.ctx(event, event.at, &facts);
                let mut ev = Evaluator::default();
                match ev.eval(&rules.compiled.graph, unit, &ctx) {
                    Value::Str(id) => {
                        let weights: Vec<u32> = e.arms.iter().map(|a| u32::try_from(a.weight).unwrap_or(0)).collect();
                        bucket::choose_arm_bp(&e.seed, &id, &weights)
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some(slot) = self.arms.get_mut(campaign) {
            *slot = Some(arm);
        }
        arm
    }
}

pub(super) fn arm_name(c: &Campaign, arm: usize) -> Arc<str> {
    c.experiment
        .as_ref()
        .and_then(|e| e.arms.get(arm))
        .map_or_else(|| Arc::from(""), |a| a.name.clone())
}

fn mode_for(campaign: &Campaign, rule: &Rule, arm: Option<usize>) -> Mode {
    let Some(e) = &campaign.experiment else {
        return Mode::Normal;
    };
    let Some(a) = arm else {
        return if rule.arm.is_none() { Mode::Normal } else { Mode::Skip };
    };
    match e.arms.get(a).and_then(|x| x.holdout.as_ref()) {
        Some(targets) => {
            if rule.arm.is_none_or(|r| targets.contains(&r)) {
                Mode::Holdout
            } else {
                Mode::Skip
            }
        }
        None => {
            if rule.arm.is_none() || rule.arm == Some(a) {
                Mode::Normal
            } else {
                Mode::Skip
            }
        }
    }
}
