//! Issuing: what happens to a rule that matched. Limits count, holdouts withhold, risk
//! checks and budgets suppress, then the coupon is minted and recorded, the rule's
//! `revoke` clauses revoke and its alerts fire.

use super::decision::{Action, Coupon, Decision, Revocation, Suppression};
use super::engine::{LimitKeyOf, Mode, Runtime};
use super::eval::Evaluator;
use super::event::Event;
use super::explain::{MissingField, Outcome, Why};
use super::period::{self, BoundKind, period_key};
use super::state::{CouponStatus, IssuedCoupon, StateStore};
use super::terms;
use crate::check::program::{BudgetKind, Campaign, OfferSpec, Rule};
use crate::compile::{Key, OfferNodes, RuleNodes, RuleRef};
use crate::value::{Fen, Millis, Value};
use std::sync::Arc;

/// Where an issue happens: the event's data, the moment, and how.
pub(super) struct IssueAt<'e> {
    pub event: &'e Event,
    pub at: Millis,
    pub mode: Mode,
    pub arm: Option<usize>,
    pub limit_key: LimitKeyOf,
}

impl<S: StateStore> Runtime<S> {
    /// Withholds a rule's coupon: a suppression in the decision, and its trace.
    pub(super) fn suppress(&self, d: &mut Decision, campaign: &Campaign, rule: &Rule, why: Why) {
        d.suppressed.push(Suppression {
            campaign: campaign.id.clone(),
            rule: rule.name.clone(),
            reason: why.suppression_reason(),
            arm: None,
        });
        self.trace(d, campaign, rule, Outcome::Suppressed, Some(why));
    }

    /// The key a limit counts under, and until when the count matters (the end of a
    /// `per day/week/month` period; forever otherwise).
    pub(super) fn limit_key(
        &mut self,
        keys: &[Key],
        campaign: &Campaign,
        event: &Event,
        at: Millis,
    ) -> Option<LimitKeyOf> {
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
                    let facts = rules.facts(&self.state);
                    let ctx = rules.ctx(event, at, &facts);
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

    pub(super) fn limit_reached(&self, rule_id: u32, rule: &Rule, user: &Arc<str>, key: &LimitKeyOf) -> bool {
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
    pub(super) fn issue(&mut self, rule_id: u32, at: IssueAt<'_>, d: &mut Decision) -> bool {
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let Some(RuleRef {
            nodes: rn,
            campaign,
            rule,
            ..
        }) = compiled.rule(rule_id)
        else {
            return false;
        };
        let Some(user) = at.event.user.as_ref().map(|u| u.id.clone()) else {
            return false;
        };
        if is_paused(&self.state, &campaign.id) {
            // A paused campaign issues nothing, and counts toward no limit.
            self.suppress(d, campaign, rule, Why::Paused);
            return false;
        }
        if at.mode == Mode::Holdout {
            // Held-out users count toward limits as if issued, so each rule reports once.
            self.suppress(d, campaign, rule, Why::Holdout);
            if let Some(s) = d.suppressed.last_mut() {
                s.arm = at.arm.map(|a| super::engine::arm_name(campaign, a));
            }
            self.count(rule_id, &user, &at.limit_key, at.at);
            return false;
        }
        let coupon = match &rule.offer {
            Some(spec) => match self.offer(spec, &rn.offer, rn.campaign.index(), campaign, rule, &at) {
                Ok(c) => Some(c),
                Err(missing) => {
                    self.trace(d, campaign, rule, Outcome::NotMatched, Some(Why::Offer(missing)));
                    return false;
                }
            },
            None => None,
        };
        if coupon.is_some()
            && let Some(reason) = self.risk(&at)
        {
            self.suppress(d, campaign, rule, Why::Risk(reason));
            return false;
        }
        let face: Fen = coupon.as_ref().map_or(0, |c| c.face_value);
        if let Some(b) = campaign.budget
            && b.kind == BudgetKind::FaceValue
            && coupon.is_some()
        {
            let ci = rn.campaign.get();
            // Coupons this one revokes give their budget back first.
            let released: Fen = self
                .revocable(rn, rule, &user, at.at)
                .iter()
                .map(|(_, face)| face)
                .sum();
            if self.state.reserved(ci) - released + face > b.amount {
                self.suppress(d, campaign, rule, Why::Budget);
                return false;
            }
            if campaign.pace
                && let Some(allowed) = period::paced(campaign, b.amount, at.at)
            {
                if self.state.reserved(ci) - released + face > allowed {
                    self.suppress(d, campaign, rule, Why::Pace);
                    return false;
                }
                self.state.pace(ci, allowed);
            }
        }
        let bounds = match &coupon {
            Some(_) => period::bounds(campaign, rule, face, at.at),
            None => Vec::new(),
        };
        let ci = rn.campaign.get();
        if let Some(b) = bounds
            .iter()
            .find(|b| self.state.tally(ci, &b.scope) + b.adds > b.limit)
        {
            let why = match b.kind {
                BoundKind::PeriodBudget(per) => Why::PeriodBudget(per),
                BoundKind::CampaignCap => Why::Cap {
                    rule: false,
                    cap: u32::try_from(b.limit).unwrap_or(u32::MAX),
                },
                BoundKind::RuleCap => Why::Cap {
                    rule: true,
                    cap: u32::try_from(b.limit).unwrap_or(u32::MAX),
                },
            };
            self.suppress(d, campaign, rule, why);
            return false;
        }
        for b in bounds {
            self.state.add_tally(ci, b.scope, b.adds, b.limit);
        }
        self.count(rule_id, &user, &at.limit_key, at.at);
        let mut issued = false;
        if let Some(mut c) = coupon {
            c.code = self.mint_unique();
            self.state.record_issue(
                &user,
                IssuedCoupon {
                    code: c.code.clone(),
                    campaign: rn.campaign.get(),
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
            let facts = rules.facts(&self.state);
            let ctx = rules.ctx(at.event, at.at, &facts);
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
        let outcome = if issued { Outcome::Issued } else { Outcome::Matched };
        self.trace(d, campaign, rule, outcome, None);
        // State changed: memoised state-dependent results (velocity…) are stale.
        self.eval.reset();
        issued
    }

    /// The user's coupons that this rule's `revoke` clauses would revoke now, with their
    /// face values: still issued, still valid.
    fn revocable(&self, rn: &RuleNodes, rule: &Rule, user: &Arc<str>, at: Millis) -> Vec<(String, Fen)> {
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

    /// The first risk check that withholds, as its reason. A self-referral (one person
    /// inviting themself: one id, or one device) is `multi_account` before any check.
    fn risk(&mut self, at: &IssueAt<'_>) -> Option<Arc<str>> {
        if at
            .event
            .referral
            .as_deref()
            .is_some_and(crate::event::Referral::is_self)
        {
            return Some(Arc::from("risk:multi_account"));
        }
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let facts = rules.facts(&self.state);
        let ctx = rules.ctx(at.event, at.at, &facts);
        let mut ev = Evaluator::default();
        for (i, c) in compiled.risk.iter().enumerate() {
            if ev.truth(&compiled.graph, c.node, &ctx) {
                return compiled.program.risk.get(i).map(|r| Arc::from(&*r.reason));
            }
        }
        None
    }

    fn offer(
        &self,
        spec: &OfferSpec,
        nodes: &OfferNodes,
        campaign_index: usize,
        campaign: &Campaign,
        rule: &Rule,
        at: &IssueAt<'_>,
    ) -> Result<Coupon, MissingField> {
        let rules = &self.rules;
        let facts = rules.facts(&self.state);
        let ctx = rules.ctx(at.event, at.at, &facts);
        let place = super::choose::Place {
            rules,
            campaign_index,
            campaign,
            arm: at.arm,
            event: at.event,
            at: at.at,
            facts: &facts,
        };
        let chosen = super::choose::choose(&place, &ctx, spec, nodes)?;
        let issuer = terms::Issuer {
            campaign,
            rule: &rule.name,
            exclusive_with: rule.exclusive_with.as_ref(),
            stackable: rule.stackable,
            not_on_sale: rule.not_on_sale,
            at: at.at,
            arm: at.arm,
        };
        let mut c = terms::coupon(spec, &issuer, chosen.terms);
        c.option = chosen.option;
        c.random = chosen.random;
        c.model = chosen.model;
        if let Some((cost, gain)) = chosen.valued {
            c.expected_cost = Some(cost);
            c.expected_gain = Some(gain);
        }
        Ok(c)
    }
}

/// The signal that pauses a campaign: its name (reserved: no event may send it), keyed by
/// the campaign id, above 0 while paused. Kept with the signals, so every decision reads
/// it in the round trip that reads the budgets.
pub const PAUSED_SIGNAL: &str = "mintage:paused";

/// Whether an operator paused the campaign.
pub fn is_paused(state: &impl StateStore, campaign: &str) -> bool {
    state.signal(PAUSED_SIGNAL, campaign).is_some_and(|v| v > 0.0)
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
