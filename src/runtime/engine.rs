//! The event runtime: takes events in order, fires due timers first, evaluates the rules
//! that the event's type triggers, applies limits, holdouts, risk checks and budgets in
//! the brief's precedence, mints coupons and records everything in the state.

use super::bucket;
use super::codes::CodeMinter;
use super::decision::{Action, Coupon, Decision, Revocation, Suppression, TraceEntry, Trigger};
use super::eval::{Ctx, Evaluator};
use super::event::Event;
use super::state::{CouponStatus, IssuedCoupon, MemoryState, StateFacts, StateStore, Timer};
use super::terms;
use crate::check::program::{BudgetKind, Campaign, OfferSpec, Program, Rule};
use crate::check::types::Field;
use crate::compile::{Compiled, Key, Node, NodeId, OfferNodes, Part, compile};
use crate::value::{Fen, Millis, Value};
use std::sync::Arc;

/// Compiled rules, loaded once and shared (read-only) by any number of runtimes.
pub struct Rules {
    pub compiled: Compiled,
    pub scripts: rhai::Engine,
    pub campaign_ids: Vec<Arc<str>>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("campaigns", &self.campaign_ids)
            .field("rules", &self.compiled.rules.len())
            .field("nodes", &self.compiled.graph.len())
            .finish()
    }
}

impl Rules {
    pub fn new(program: Program) -> Rules {
        let campaign_ids = program.campaigns.iter().map(|c| c.id.clone()).collect();
        Rules {
            compiled: compile(program),
            scripts: crate::check::script::engine(),
            campaign_ids,
        }
    }

    pub fn program(&self) -> &Program {
        &self.compiled.program
    }

    /// The rules an event matches, in decision order, judged on the event alone: window,
    /// audience and conditions, without limits, timers, risk or budgets. This is the pure
    /// evaluation of the graph (what benchmarks time); `Runtime::process` adds the rest.
    pub fn matching(&self, event: &Event, eval: &mut Evaluator, facts: &dyn super::eval::Facts, out: &mut Vec<u32>) {
        out.clear();
        eval.reset();
        let compiled = &self.compiled;
        let Some(index) = compiled.triggers.get(&*event.kind) else {
            return;
        };
        let ctx = Ctx {
            event,
            now: event.at,
            facts,
            locals: &[],
            offer: None,
            functions: &compiled.program.functions,
            scripts: Some(&self.scripts),
        };
        let graph = &compiled.graph;
        // Evaluation order does not matter here (no state changes): each list's cheap
        // conditions are answered first, then its parts are tested straight through,
        // each part adding an ascending run of matches; the runs are put in decision
        // order at the end.
        let mut runs = 0;
        for list in index.lists_for(event) {
            for g in &list.groups {
                eval.answer_group_once(graph, *g, &ctx);
            }
            for n in &list.singles {
                eval.truth(graph, *n, &ctx);
            }
            for part in &list.parts {
                let before = out.len();
                if part.costly {
                    test_costly(part, eval, graph, &ctx, out);
                } else {
                    test_part(part, eval.answers(), eval.true_answer(), event.at, out);
                }
                runs += usize::from(out.len() > before);
            }
        }
        if runs > 1 {
            eval.order.sort(out, compiled.rules.len());
        }
    }
}

/// Appends the rules of a cheap part that match: every rule costs the same few loads and
/// comparisons, and its id is written whether it matches or not (the next one overwrites
/// it if not), so nothing depends on a branch the processor could mispredict. The part's
/// conditions must be answered already.
fn test_part(part: &Part, answers: &[u32], yes: u32, at: Millis, out: &mut Vec<u32>) {
    match part.width {
        0 => test_windows(part, at, out),
        1 => test_rules::<1>(part, answers, yes, at, out),
        2 => test_rules::<2>(part, answers, yes, at, out),
        3 => test_rules::<3>(part, answers, yes, at, out),
        4 => test_rules::<4>(part, answers, yes, at, out),
        _ => test_wide(part, answers, yes, at, out),
    }
}

/// Whether `at` is inside a window given as its start and length: one unsigned
/// comparison, as an `at` before the start wraps around to a huge distance.
#[inline(always)]
fn open(window: &(Millis, u64), at: Millis) -> bool {
    (at.wrapping_sub(window.0) as u64) < window.1
}

/// Whether condition `n` was answered true this event.
#[inline(always)]
fn holds(answers: &[u32], n: NodeId, yes: u32) -> bool {
    answers.get(n as usize).copied().unwrap_or(0) == yes
}

/// Appends the ids that pass their test: each is written after the matches so far, and
/// the count moves past it only if it passed.
#[inline(always)]
fn append_passing(out: &mut Vec<u32>, rules: usize, tested: impl Iterator<Item = (u32, bool)>) {
    let mut n = out.len();
    out.resize(n + rules, 0);
    // A slice of its own, so the loop keeps its pointer and length in registers.
    let slots = out.as_mut_slice();
    for (id, ok) in tested {
        if let Some(slot) = slots.get_mut(n) {
            *slot = id;
        }
        n += usize::from(ok);
    }
    out.truncate(n);
}

fn test_windows(part: &Part, at: Millis, out: &mut Vec<u32>) {
    let tested = part.ids.iter().zip(&part.windows).map(|(id, w)| (*id, open(w, at)));
    append_passing(out, part.ids.len(), tested);
}

fn test_rules<const W: usize>(part: &Part, answers: &[u32], yes: u32, at: Millis, out: &mut Vec<u32>) {
    let (nodes, _) = part.nodes.as_chunks::<W>();
    let tested = part.ids.iter().zip(&part.windows).zip(nodes).map(|((id, w), conds)| {
        let ok = conds.iter().fold(open(w, at), |ok, c| ok & holds(answers, *c, yes));
        (*id, ok)
    });
    append_passing(out, part.ids.len(), tested);
}

fn test_wide(part: &Part, answers: &[u32], yes: u32, at: Millis, out: &mut Vec<u32>) {
    let nodes = part.nodes.chunks_exact(part.width);
    let tested = part.ids.iter().zip(&part.windows).zip(nodes).map(|((id, w), conds)| {
        let ok = conds.iter().fold(open(w, at), |ok, c| ok & holds(answers, *c, yes));
        (*id, ok)
    });
    append_passing(out, part.ids.len(), tested);
}

/// Appends the rules of a costly part that match, one by one: a script or a state read
/// runs only for a rule whose window is open.
fn test_costly(part: &Part, eval: &mut Evaluator, graph: &crate::compile::Graph, ctx: &Ctx<'_>, out: &mut Vec<u32>) {
    // INVARIANT: a costly part tests at least one condition per rule (a rule with none
    // is cheap), so chunks of `width` nodes pair up with the ids.
    let chunks = part.nodes.chunks(part.width.max(1));
    for ((id, window), conds) in part.ids.iter().zip(&part.windows).zip(chunks) {
        if !open(window, ctx.now) {
            continue;
        }
        // No short-circuit: conditions are shared and memoised.
        let mut ok = true;
        for c in conds {
            ok &= eval.truth(graph, *c, ctx);
        }
        if ok {
            out.push(*id);
        }
    }
}

/// Scratch for putting matches back in decision order: a bitset over rule ids, and a
/// byte per word of it that says the word holds a match, so that only those words are
/// read (about one per match, where sweeping the bitset reads every rule id's). Bytes,
/// not bits: setting one is a plain store, where a bit would make every match wait for
/// the previous one's update of the same word.
#[derive(Debug, Default)]
pub(crate) struct MatchOrder {
    words: Vec<u64>,
    used: Vec<u8>,
}

impl MatchOrder {
    /// Sorts distinct rule ids below `rules` ascending; leaves the scratch empty.
    fn sort(&mut self, ids: &mut Vec<u32>, rules: usize) {
        let words = rules.div_ceil(64);
        if self.words.len() < words {
            self.words.resize(words, 0);
            self.used.resize(words.div_ceil(8) * 8, 0);
        }
        // Slices of their own, so that the loops keep their pointers in registers.
        let (bits, used) = (self.words.as_mut_slice(), self.used.as_mut_slice());
        for id in ids.iter() {
            let w = (id / 64) as usize;
            if let (Some(word), Some(u)) = (bits.get_mut(w), used.get_mut(w)) {
                *word |= 1 << (id % 64);
                *u = 1;
            }
        }
        // Room for the unconditional writes below past the last id.
        let most = ids.len();
        ids.clear();
        ids.resize(most + 6, 0);
        let out = ids.as_mut_slice();
        let mut k = 0;
        for (c, chunk) in used.chunks_exact_mut(8).enumerate() {
            let mut marks = <[u8; 8]>::try_from(&*chunk).map_or(0, u64::from_le_bytes);
            if marks == 0 {
                continue;
            }
            chunk.fill(0);
            while marks != 0 {
                let b = marks.trailing_zeros() / 8;
                marks &= !(0xff << (b * 8));
                let w = c * 8 + b as usize;
                let Some(word) = bits.get_mut(w) else {
                    continue;
                };
                let mut word = std::mem::take(word);
                let base = u32::try_from(w * 64).unwrap_or(u32::MAX);
                // The matches of neighbouring campaigns' rules often share a word: write
                // six ids without asking how many there are (the next word's overwrite
                // the extra ones), then the rest if any. (Counting them with `count_ones`
                // would take a dozen instructions: the baseline x86-64 target has no
                // `popcnt`.)
                let first = k;
                for j in first..first + 6 {
                    if let Some(slot) = out.get_mut(j) {
                        *slot = base.wrapping_add(word.trailing_zeros());
                    }
                    k += usize::from(word != 0);
                    word &= word.wrapping_sub(1);
                }
                let mut rest = word;
                while rest != 0 {
                    if let Some(slot) = out.get_mut(k) {
                        *slot = base.wrapping_add(rest.trailing_zeros());
                    }
                    rest &= rest - 1;
                    k += 1;
                }
            }
        }
        ids.truncate(k);
    }
}

/// How a rule runs for a user, given the experiment arm the user is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Normal,
    Holdout,
    Skip,
}

/// An event runtime over a state store (in memory by default).
pub struct Runtime<S: StateStore = MemoryState> {
    rules: Arc<Rules>,
    pub state: S,
    minter: CodeMinter,
    eval: Evaluator,
    explain: bool,
    /// Per event: campaign audience results and arms, filled lazily.
    audience: Vec<Option<Result<(), String>>>,
    arms: Vec<Option<Option<usize>>>,
    /// Timer decisions fired by `decide`, for `take_fired`.
    fired: Vec<Decision>,
}

/// Where an issue happens: the event's data, the moment, and how.
struct IssueAt<'e> {
    event: &'e Event,
    at: Millis,
    mode: Mode,
    arm: Option<usize>,
    limit_key: LimitKeyOf,
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
        match &*event.kind {
            "tick" => {}
            "signal" => {
                if let Some((name, key, value)) = &event.signal {
                    self.state.set_signal(name, key, *value);
                }
            }
            _ => {
                let d = self.decide_event(event);
                if self.printable(&d) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// One event's own decision, even when it is empty. Timers due before the event fire
    /// first; their decisions wait in `take_fired`.
    pub fn decide(&mut self, event: &Event) -> Decision {
        let mut fired = Vec::new();
        self.advance(event.at, &mut fired);
        self.fired.extend(fired);
        let zone = self.rules.compiled.program.zone;
        match &*event.kind {
            "tick" => Decision::new(event.at, Trigger::Event, event.id.clone(), None).in_zone(zone),
            "signal" => {
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

    fn trace(&self, d: &mut Decision, campaign: &Campaign, rule: &Rule, outcome: &str, because: Option<String>) {
        if self.explain {
            d.trace.get_or_insert_with(Vec::new).push(TraceEntry {
                campaign: campaign.id.clone(),
                rule: rule.name.clone(),
                outcome: outcome.to_string(),
                because,
            });
        }
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
        let kind = event.kind.clone();
        self.state.cancel(&user_id, &mut |rule_id| {
            let Some(rn) = compiled.rules.get(rule_id as usize) else {
                return false;
            };
            let c = &compiled.program.campaigns[rn.campaign];
            let r = &c.rules[rn.rule];
            r.wait.as_ref().is_some_and(|w| w.unless.contains(&kind)) || c.cancel_timers_on.contains(&kind)
        });
        if &*event.kind == "coupon_redeemed"
            && let Some(code) = &event.code
            && let Ok(canonical) = super::codes::parse_code(code)
        {
            self.state.settle(&canonical, CouponStatus::Redeemed);
        }
        self.eval.reset();
        self.audience.iter_mut().for_each(|a| *a = None);
        self.arms.iter_mut().for_each(|a| *a = None);
        // With `--explain`, every rule of the trigger is considered, so the trace also
        // shows the rules the index would have skipped and why they do not match.
        let candidates = if self.explain {
            compiled.triggers.get(&event.kind).map(|i| i.all()).unwrap_or_default()
        } else {
            candidates(compiled, event)
        };
        let mut exclusive_issued = false;
        for id in candidates {
            let Some(rn) = compiled.rules.get(id as usize) else {
                continue;
            };
            let campaign = &compiled.program.campaigns[rn.campaign];
            let rule = &campaign.rules[rn.rule];
            if let Some((start, end)) = campaign.window
                && (event.at < start || event.at >= end)
            {
                self.trace(
                    &mut d,
                    campaign,
                    rule,
                    "not matched",
                    Some("outside the campaign window".into()),
                );
                continue;
            }
            if let Err(why) = self.audience_of(rn.campaign, event) {
                self.trace(&mut d, campaign, rule, "not matched", Some(format!("audience: {why}")));
                continue;
            }
            let arm = self.arm_of(rn.campaign, event);
            let mode = mode_for(campaign, rule, arm);
            if mode == Mode::Skip {
                self.trace(
                    &mut d,
                    campaign,
                    rule,
                    "not in arm",
                    arm.map(|a| format!("user is in arm `{}`", arm_name(campaign, a))),
                );
                continue;
            }
            if let Err(why) = self.conditions(&rn.conditions, event, event.at, campaign.tz) {
                self.trace(&mut d, campaign, rule, "not matched", Some(why));
                continue;
            }
            let Some(limit_key) = self.limit_key(&rn.keys, campaign, event, event.at) else {
                self.trace(
                    &mut d,
                    campaign,
                    rule,
                    "not matched",
                    Some("a limit key is missing from the event".into()),
                );
                continue;
            };
            if self.limit_reached(id, rule, &user_id, &limit_key) {
                self.trace(&mut d, campaign, rule, "limit reached", None);
                continue;
            }
            if let Some(wait) = &rule.wait {
                if self.state.has_pending(&user_id, id) {
                    self.trace(&mut d, campaign, rule, "timer already pending", None);
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
                    "timer started",
                    Some(format!("fires at {due_text}")),
                );
                continue;
            }
            if exclusive_issued && !campaign.exclusive {
                d.suppressed.push(Suppression {
                    campaign: campaign.id.clone(),
                    rule: rule.name.clone(),
                    reason: Arc::from("exclusive"),
                });
                self.trace(
                    &mut d,
                    campaign,
                    rule,
                    "suppressed",
                    Some("an exclusive campaign issued first".into()),
                );
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
        let Some(rn) = compiled.rules.get(timer.rule as usize) else {
            return d;
        };
        let campaign = &compiled.program.campaigns[rn.campaign];
        // A timer's decision is its campaign's alone, so it is written in its zone.
        d.tz = campaign.tz;
        let rule = &campaign.rules[rn.rule];
        if let Some((start, end)) = campaign.window
            && (due < start || due >= end)
        {
            self.trace(
                &mut d,
                campaign,
                rule,
                "not matched",
                Some("timer fired outside the campaign window".into()),
            );
            return d;
        }
        if self.limit_reached(timer.rule, rule, &timer.user, &timer.limit_key) {
            self.trace(&mut d, campaign, rule, "limit reached", None);
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

    fn ctx<'a>(&'a self, event: &'a Event, now: Millis, facts: &'a StateFacts<'a, S>) -> Ctx<'a> {
        Ctx {
            event,
            now,
            facts,
            locals: &[],
            offer: None,
            functions: &self.rules.compiled.program.functions,
            scripts: Some(&self.rules.scripts),
        }
    }

    /// `Ok` if all conditions hold; else the first that does not, explained (times in the
    /// campaign's zone `tz`).
    fn conditions(
        &mut self,
        conds: &[crate::compile::Cond],
        event: &Event,
        now: Millis,
        tz: chrono_tz::Tz,
    ) -> Result<(), String> {
        let rules = self.rules.clone();
        let graph = &rules.compiled.graph;
        let facts = StateFacts {
            state: &self.state,
            campaigns: &rules.campaign_ids,
        };
        let ctx = Ctx {
            event,
            now,
            facts: &facts,
            locals: &[],
            offer: None,
            functions: &rules.compiled.program.functions,
            scripts: Some(&rules.scripts),
        };
        for c in conds {
            if !self.eval.truth(graph, c.node, &ctx) {
                if !self.explain {
                    return Err(String::new());
                }
                return Err(explain_condition(graph, c, &ctx, tz));
            }
        }
        Ok(())
    }

    fn audience_of(&mut self, campaign: usize, event: &Event) -> Result<(), String> {
        if let Some(Some(r)) = self.audience.get(campaign) {
            return r.clone();
        }
        let rules = self.rules.clone();
        let conds = &rules.compiled.campaigns[campaign].audience;
        let tz = rules
            .compiled
            .program
            .campaigns
            .get(campaign)
            .map_or(rules.compiled.program.zone, |c| c.tz);
        let r = self.conditions(conds, event, event.at, tz);
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
        let c = &rules.compiled.program.campaigns[campaign];
        let arm = match (&c.experiment, rules.compiled.campaigns[campaign].unit) {
            (Some(e), Some(unit)) => {
                let facts = StateFacts {
                    state: &self.state,
                    campaigns: &rules.campaign_ids,
                };
                let ctx = self.ctx(event, event.at, &facts);
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

    /// The key a limit counts under, and until when the count matters (the end of a
    /// `per day/week/month` period; forever otherwise).
    fn limit_key(&mut self, keys: &[Key], campaign: &Campaign, event: &Event, at: Millis) -> Option<LimitKeyOf> {
        if keys.is_empty() {
            return Some((Arc::from(""), Millis::MAX));
        }
        let rules = self.rules.clone();
        let mut parts: Vec<String> = Vec::with_capacity(keys.len());
        let mut until = Millis::MAX;
        for k in keys {
            match k {
                Key::User => {}
                Key::Day | Key::Week | Key::Month => {
                    let (key, end) = period_key(k, at, campaign.tz);
                    parts.push(key);
                    until = until.min(end);
                }
                Key::Value(node) => {
                    let facts = StateFacts {
                        state: &self.state,
                        campaigns: &rules.campaign_ids,
                    };
                    let ctx = self.ctx(event, at, &facts);
                    let mut ev = Evaluator::default();
                    match ev.eval(&rules.compiled.graph, *node, &ctx) {
                        Value::Missing => return None,
                        Value::Str(s) => parts.push(s.to_string()),
                        v => parts.push(v.to_string()),
                    }
                }
            }
        }
        Some((Arc::from(parts.join("\u{1f}").as_str()), until))
    }

    fn limit_reached(&self, rule_id: u32, rule: &Rule, user: &Arc<str>, key: &LimitKeyOf) -> bool {
        let Some(limit) = &rule.limit else {
            return false;
        };
        let count = self
            .state
            .user(user)
            .and_then(|u| u.counters.get(&(rule_id, key.0.clone())))
            .map_or(0, |(n, _)| *n);
        count >= limit.times
    }

    fn count(&mut self, rule_id: u32, user: &Arc<str>, key: &LimitKeyOf, now: Millis) {
        let counters = &mut self.state.user_mut(user).counters;
        // Counts of periods that ended can go: they can never be reached again.
        if counters.len() > 8 {
            counters.retain(|_, (_, until)| *until > now);
        }
        let entry = counters.entry((rule_id, key.0.clone())).or_insert((0, key.1));
        entry.0 += 1;
    }

    /// Issues (or withholds) the rule's coupon and actions. Returns whether a coupon was issued.
    fn issue(&mut self, rule_id: u32, at: IssueAt<'_>, d: &mut Decision) -> bool {
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let Some(rn) = compiled.rules.get(rule_id as usize) else {
            return false;
        };
        let campaign = &compiled.program.campaigns[rn.campaign];
        let rule = &campaign.rules[rn.rule];
        let Some(user) = at.event.user.as_ref().map(|u| u.id.clone()) else {
            return false;
        };
        let suppress = |d: &mut Decision, reason: &str| {
            d.suppressed.push(Suppression {
                campaign: campaign.id.clone(),
                rule: rule.name.clone(),
                reason: Arc::from(reason),
            })
        };
        if at.mode == Mode::Holdout {
            // Held-out users count toward limits as if issued, so each rule reports once.
            suppress(d, "holdout");
            self.count(rule_id, &user, &at.limit_key, at.at);
            self.trace(d, campaign, rule, "suppressed", Some("holdout".into()));
            return false;
        }
        let coupon = match &rule.offer {
            Some(spec) => match self.offer(spec, &rn.offer, campaign, rule, &at) {
                Ok(c) => Some(c),
                Err(why) => {
                    self.trace(d, campaign, rule, "not matched", Some(why));
                    return false;
                }
            },
            None => None,
        };
        if coupon.is_some()
            && let Some(reason) = self.risk(&at)
        {
            suppress(d, &reason);
            self.trace(d, campaign, rule, "suppressed", Some(reason));
            return false;
        }
        let face: Fen = coupon.as_ref().map_or(0, |c| c.face_value);
        if let Some(b) = campaign.budget
            && b.kind == BudgetKind::FaceValue
            && coupon.is_some()
        {
            let ci = u32::try_from(rn.campaign).unwrap_or(u32::MAX);
            // Coupons this one revokes give their budget back first.
            let released: Fen = self
                .revocable(rn, rule, &user, at.at)
                .iter()
                .map(|(_, face)| face)
                .sum();
            if self.state.reserved(ci) - released + face > b.amount {
                suppress(d, "budget");
                self.trace(d, campaign, rule, "suppressed", Some("budget".into()));
                return false;
            }
        }
        self.count(rule_id, &user, &at.limit_key, at.at);
        let mut issued = false;
        if let Some(mut c) = coupon {
            c.code = self.mint_unique();
            self.state.record_issue(
                &user,
                IssuedCoupon {
                    code: c.code.clone(),
                    campaign: u32::try_from(rn.campaign).unwrap_or(u32::MAX),
                    rule: rule_id,
                    issued_at: at.at,
                    valid_until: c.valid_until,
                    status: CouponStatus::Issued,
                    face_value: c.face_value,
                },
            );
            d.coupons.push(c);
            issued = true;
        }
        for revoke in &rule.revokes {
            let Some(target) = compiled.rule_id(rn.campaign, revoke.rule) else {
                continue;
            };
            let codes: Vec<String> = self
                .revocable(rn, rule, &user, at.at)
                .into_iter()
                .filter(|(code, _)| {
                    self.state
                        .user(&user)
                        .is_some_and(|u| u.coupons.iter().any(|c| c.code == *code && c.rule == target))
                })
                .map(|(code, _)| code)
                .collect();
            for code in codes {
                self.state.settle(&code, CouponStatus::Revoked);
                d.revoked.push(Revocation {
                    code,
                    campaign: campaign.id.clone(),
                    rule: campaign
                        .rules
                        .get(revoke.rule)
                        .map_or_else(|| Arc::from(""), |r| r.name.clone()),
                    reason: revoke.reason.clone(),
                });
            }
        }
        for (i, alert) in rule.alerts.iter().enumerate() {
            let mut detail = serde_json::Map::new();
            let facts = StateFacts {
                state: &self.state,
                campaigns: &rules.campaign_ids,
            };
            let ctx = self.ctx(at.event, at.at, &facts);
            let mut ev = Evaluator::default();
            for (name, node) in rn.alerts.get(i).into_iter().flatten() {
                detail.insert(name.to_string(), value_json(&ev.eval(&compiled.graph, *node, &ctx)));
            }
            d.actions.push(Action {
                kind: "alert",
                target: alert.target.clone(),
                campaign: campaign.id.clone(),
                rule: rule.name.clone(),
                detail,
            });
        }
        self.trace(d, campaign, rule, if issued { "issued" } else { "matched" }, None);
        // State changed: memoised state-dependent results (velocity…) are stale.
        self.eval.reset();
        issued
    }

    /// The user's coupons that this rule's `revoke` clauses would revoke now, with their
    /// face values: still issued, still valid.
    fn revocable(
        &self,
        rn: &crate::compile::RuleNodes,
        rule: &Rule,
        user: &Arc<str>,
        at: Millis,
    ) -> Vec<(String, Fen)> {
        let compiled = &self.rules.compiled;
        let targets: Vec<u32> = rule
            .revokes
            .iter()
            .filter_map(|r| compiled.rule_id(rn.campaign, r.rule))
            .collect();
        if targets.is_empty() {
            return Vec::new();
        }
        self.state
            .user(user)
            .map(|u| {
                u.coupons
                    .iter()
                    .filter(|c| targets.contains(&c.rule) && c.status == CouponStatus::Issued && c.valid_until > at)
                    .map(|c| (c.code.clone(), c.face_value))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn mint_unique(&mut self) -> String {
        loop {
            let code = self.minter.mint();
            if !self.state.code_exists(&code) {
                return code;
            }
        }
    }

    /// The first risk check that withholds, as its reason.
    fn risk(&mut self, at: &IssueAt<'_>) -> Option<String> {
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let facts = StateFacts {
            state: &self.state,
            campaigns: &rules.campaign_ids,
        };
        let ctx = self.ctx(at.event, at.at, &facts);
        let mut ev = Evaluator::default();
        for (i, c) in compiled.risk.iter().enumerate() {
            if ev.truth(&compiled.graph, c.node, &ctx) {
                return compiled.program.risk.get(i).map(|r| r.reason.to_string());
            }
        }
        None
    }

    fn offer(
        &self,
        spec: &OfferSpec,
        nodes: &OfferNodes,
        campaign: &Campaign,
        rule: &Rule,
        at: &IssueAt<'_>,
    ) -> Result<Coupon, String> {
        let rules = &self.rules;
        let facts = StateFacts {
            state: &self.state,
            campaigns: &rules.campaign_ids,
        };
        let ctx = self.ctx(at.event, at.at, &facts);
        let mut ev = Evaluator::default();
        let graph = &rules.compiled.graph;
        let found = terms::evaluate(&mut ev, graph, &ctx, spec, nodes, nodes.value.first().copied())?;
        let issuer = terms::Issuer {
            campaign,
            rule: &rule.name,
            exclusive_with: rule.exclusive_with.as_ref(),
            at: at.at,
            arm: at.arm,
        };
        Ok(terms::coupon(spec, &issuer, found))
    }
}

fn value_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Missing => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Money(m) => crate::value::yuan_json(*m),
        Value::Percent(p) => crate::value::percent_json(*p),
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        other => serde_json::Value::String(other.to_string()),
    }
}

fn arm_name(c: &Campaign, arm: usize) -> String {
    c.experiment
        .as_ref()
        .and_then(|e| e.arms.get(arm))
        .map_or_else(String::new, |a| a.name.to_string())
}

fn mode_for(campaign: &Campaign, rule: &Rule, arm: Option<usize>) -> Mode {
    let Some(e) = &campaign.experiment else {
        return Mode::Normal;
    };
    let Some(a) = arm else {
        return if rule.arm.is_none() { Mode::Normal } else { Mode::Skip };
    };
    match e.arms.get(a).and_then(|x| x.holdout) {
        Some(target) => {
            if rule.arm.is_none() || rule.arm == target {
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

/// The rules an event's type triggers, in decision order: the index's rules for any
/// item, merged with those keyed by the event's values.
fn candidates(compiled: &Compiled, event: &Event) -> Vec<u32> {
    let Some(index) = compiled.triggers.get(&*event.kind) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut lists = 0;
    for list in index.lists_for(event) {
        out.extend_from_slice(&list.ids);
        lists += 1;
    }
    if lists > 1 {
        out.sort_unstable();
    }
    out
}

/// The calendar period `at` falls in, in the campaign's zone, and when it ends.
fn period_key(k: &Key, at: Millis, tz: chrono_tz::Tz) -> (String, Millis) {
    use chrono::{Datelike, Days, Months, NaiveDate, TimeZone};
    let Some(t) = chrono::DateTime::from_timestamp_millis(at) else {
        return (String::new(), Millis::MAX);
    };
    let date = t.with_timezone(&tz).date_naive();
    let (key, next): (String, Option<NaiveDate>) = match k {
        Key::Day => (date.format("%Y-%m-%d").to_string(), date.checked_add_days(Days::new(1))),
        Key::Week => {
            let w = date.iso_week();
            let monday = date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())));
            (
                format!("{}-W{:02}", w.year(), w.week()),
                monday.and_then(|m| m.checked_add_days(Days::new(7))),
            )
        }
        _ => (
            date.format("%Y-%m").to_string(),
            date.with_day(1).and_then(|d| d.checked_add_months(Months::new(1))),
        ),
    };
    let end = next
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|n| tz.from_local_datetime(&n).earliest())
        .map_or(Millis::MAX, |e| e.timestamp_millis());
    (key, end)
}

pub fn field_name(f: &Field) -> String {
    use crate::check::types::{FIELDS, OFFER_FIELDS};
    if let Some((p, _, _)) = FIELDS.iter().chain(OFFER_FIELDS.iter()).find(|(_, x, _)| x == f) {
        return p.to_string();
    }
    match f {
        Field::Score(n) => format!("scores.{n}"),
        Field::UserExtra(n, _) => format!("user.{n}"),
        Field::ItemExtra(n, _) => format!("item.{n}"),
        Field::UserTags => "user.tags".into(),
        Field::CartCategories => "cart.categories".into(),
        other => format!("{other:?}"),
    }
}

/// Why a condition failed: its text and the values of the fields it read.
fn explain_condition(
    graph: &crate::compile::Graph,
    c: &crate::compile::Cond,
    ctx: &Ctx<'_>,
    tz: chrono_tz::Tz,
) -> String {
    let mut fields = Vec::new();
    let mut stack = vec![c.node];
    while let Some(id) = stack.pop() {
        match graph.node(id) {
            Node::Field(f) => {
                if !fields.contains(f) {
                    fields.push(f.clone());
                }
            }
            Node::Call(_, a) | Node::UserCall(_, a) | Node::List(a) => stack.extend(a.iter().rev()),
            Node::Not(a) | Node::Neg(a) => stack.push(*a),
            Node::Binary(_, a, b) => {
                stack.push(*b);
                stack.push(*a);
            }
            Node::If(x, a, b) => stack.extend([*b, *a, *x]),
            Node::Const(_) | Node::Local(_) => {}
        }
    }
    let mut seen = Vec::new();
    let mut missing = Vec::new();
    for f in &fields {
        if matches!(f, Field::Now) {
            continue;
        }
        let v = field_value(f, ctx);
        if v.is_missing() {
            missing.push(field_name(f));
        } else {
            seen.push(format!("{} = {}", field_name(f), v.display_in(tz)));
        }
    }
    if !missing.is_empty() {
        return format!("`{}`: missing field {}", c.text, missing.join(", "));
    }
    if seen.is_empty() {
        format!("`{}` is false", c.text)
    } else {
        format!("`{}` is false ({})", c.text, seen.join(", "))
    }
}

/// Reads one field through a one-node graph, so traces show exactly what rules see.
fn field_value(f: &Field, ctx: &Ctx<'_>) -> Value {
    let mut g = crate::compile::Graph::default();
    let id = g.add(&crate::check::types::TExpr {
        kind: crate::check::types::TExprKind::Field(f.clone()),
        ty: crate::check::types::Type::Unknown,
        span: crate::syntax::Span::default(),
    });
    let mut ev = Evaluator::new(&g);
    ev.eval(&g, id, ctx)
}
