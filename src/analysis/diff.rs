//! Backtest of a rule change (`mintage diff`): the same events through the old and the
//! new rules, each in a fresh in-memory runtime with the same code seed, event by event.
//! Two steps differ when their decisions differ in anything but the coupon codes (which
//! drift apart once one side mints more). Coupons are counted per campaign and rule
//! before and after, the ones added and removed per step (as multisets of coupon terms),
//! with face value and expected cost (a coupon without a response model is expected to
//! cost its face value); the first few differing steps are kept in full.

use crate::runtime::codes::CodeMinter;
use crate::runtime::decision::{Coupon, Decision};
use crate::runtime::engine::{Rules, Runtime};
use crate::runtime::event::Event;
use crate::value::{Fen, Yuan};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Coupons and their money on one side.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub coupons: u64,
    pub face_value: Yuan,
    pub expected_cost: Yuan,
}

impl Totals {
    fn add(&mut self, c: &Coupon) {
        self.coupons += 1;
        self.face_value.0 += c.face_value;
        self.expected_cost.0 += c.expected_cost.unwrap_or(c.face_value);
    }
}

/// One rule's coupons before and after, and what changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RuleChange {
    pub rule: String,
    pub before: Totals,
    pub after: Totals,
    /// Coupons the new rules issue where the old did not (step by step).
    pub added: u64,
    pub removed: u64,
    pub face_value_added: Yuan,
    pub face_value_removed: Yuan,
}

/// One campaign's coupons before and after, and per rule.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CampaignChange {
    pub campaign: String,
    pub before: Totals,
    pub after: Totals,
    pub rules: Vec<RuleChange>,
}

/// A step whose decisions differ, in full.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub line: usize,
    pub event_id: String,
    pub user_id: Option<String>,
    pub before: Vec<Value>,
    pub after: Vec<Value>,
}

/// What a rule change does to a stream of events.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DiffReport {
    pub events: u64,
    pub differing_events: u64,
    pub users_affected: u64,
    pub before: Totals,
    pub after: Totals,
    pub campaigns: Vec<CampaignChange>,
    pub first_differences: Vec<Difference>,
}

/// Replays events through both rule sets as they come.
pub struct Differ {
    old: Runtime,
    new: Runtime,
    limit: usize,
    events: u64,
    differing: u64,
    users: HashSet<Arc<str>>,
    before: Totals,
    after: Totals,
    /// Campaign → rule → change, in the order first seen.
    campaigns: Vec<(String, Vec<RuleChange>)>,
    first: Vec<Difference>,
}

/// A decision as JSON without its coupon codes, for comparing the two sides.
fn without_codes(d: &Decision) -> Value {
    let mut v = d.to_json();
    for list in ["coupons", "revoked"] {
        if let Some(items) = v.get_mut(list).and_then(Value::as_array_mut) {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.remove("code");
            }
        }
    }
    v
}

/// A coupon's terms without its code.
fn terms(c: &Coupon) -> Value {
    let mut v = c.to_json();
    if let Some(o) = v.as_object_mut() {
        o.remove("code");
    }
    v
}

impl Differ {
    pub fn new(old: Arc<Rules>, new: Arc<Rules>, seed: u64, limit: usize) -> Differ {
        Differ {
            old: Runtime::new(old, CodeMinter::seeded(seed)),
            new: Runtime::new(new, CodeMinter::seeded(seed)),
            limit,
            events: 0,
            differing: 0,
            users: HashSet::new(),
            before: Totals::default(),
            after: Totals::default(),
            campaigns: Vec::new(),
            first: Vec::new(),
        }
    }

    fn rule(&mut self, campaign: &str, rule: &str) -> &mut RuleChange {
        let ci = match self.campaigns.iter().position(|(c, _)| c == campaign) {
            Some(i) => i,
            None => {
                self.campaigns.push((campaign.to_string(), Vec::new()));
                self.campaigns.len() - 1
            }
        };
        // INVARIANT: `ci` is a position in `campaigns`, found or just pushed.
        let rules = &mut self.campaigns[ci].1;
        let ri = match rules.iter().position(|r| r.rule == rule) {
            Some(i) => i,
            None => {
                rules.push(RuleChange {
                    rule: rule.to_string(),
                    ..RuleChange::default()
                });
                rules.len() - 1
            }
        };
        // INVARIANT: `ri` is a position in `rules`, found or just pushed.
        &mut rules[ri]
    }

    /// Runs one event (line `line` of the input) through both sides.
    pub fn event(&mut self, line: usize, event: &Event) {
        self.events += 1;
        let old = self.old.process(event);
        let new = self.new.process(event);
        // Per coupon terms: how many each side issued at this step.
        let mut counts: BTreeMap<String, (i64, i64, Fen, String, String)> = BTreeMap::new();
        for (side, decisions) in [(0, &old), (1, &new)] {
            for c in decisions.iter().flat_map(|d| &d.coupons) {
                if side == 0 {
                    self.before.add(c);
                    self.rule(&c.campaign, &c.rule).before.add(c);
                } else {
                    self.after.add(c);
                    self.rule(&c.campaign, &c.rule).after.add(c);
                }
                let e = counts
                    .entry(terms(c).to_string())
                    .or_insert_with(|| (0, 0, c.face_value, c.campaign.to_string(), c.rule.to_string()));
                if side == 0 { e.0 += 1 } else { e.1 += 1 }
            }
        }
        for (before, after, face, campaign, rule) in counts.into_values() {
            let r = self.rule(&campaign, &rule);
            let delta = after - before;
            if delta > 0 {
                r.added += delta.unsigned_abs();
                r.face_value_added.0 += face * delta;
            } else if delta < 0 {
                r.removed += delta.unsigned_abs();
                r.face_value_removed.0 -= face * delta;
            }
        }
        let (a, b): (Vec<Value>, Vec<Value>) = (
            old.iter().map(without_codes).collect(),
            new.iter().map(without_codes).collect(),
        );
        if a == b {
            return;
        }
        self.differing += 1;
        let user = event.user.as_ref().map(|u| u.id.clone());
        if let Some(u) = &user {
            self.users.insert(u.clone());
        }
        if self.first.len() < self.limit {
            let full = |ds: &[Decision]| ds.iter().map(Decision::to_json).collect();
            self.first.push(Difference {
                line,
                event_id: event.id.to_string(),
                user_id: user.map(|u| u.to_string()),
                before: full(&old),
                after: full(&new),
            });
        }
    }

    pub fn finish(self) -> DiffReport {
        let campaigns = self
            .campaigns
            .into_iter()
            .map(|(campaign, rules)| {
                let mut c = CampaignChange {
                    campaign,
                    ..CampaignChange::default()
                };
                for r in &rules {
                    for (total, side) in [(&mut c.before, &r.before), (&mut c.after, &r.after)] {
                        total.coupons += side.coupons;
                        total.face_value.0 += side.face_value.0;
                        total.expected_cost.0 += side.expected_cost.0;
                    }
                }
                c.rules = rules;
                c
            })
            .collect();
        // The process ends soon after: freeing every user's state would only cost time.
        std::mem::forget(self.old);
        std::mem::forget(self.new);
        DiffReport {
            events: self.events,
            differing_events: self.differing,
            users_affected: self.users.len() as u64,
            before: self.before,
            after: self.after,
            campaigns,
            first_differences: self.first,
        }
    }
}

/// The report as text: totals, per campaign and rule, then the first differences.
pub fn render(r: &DiffReport) -> String {
    use std::fmt::Write;
    let money = |y: Yuan| format!("¥{}", crate::value::yuan_string(y.0));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} events replayed through both rule sets; {} decided differently; {} user(s) affected",
        r.events, r.differing_events, r.users_affected
    );
    let totals = |t: &Totals, u: &Totals| {
        format!(
            "coupons {} → {}, face value {} → {}, expected cost {} → {}",
            t.coupons,
            u.coupons,
            money(t.face_value),
            money(u.face_value),
            money(t.expected_cost),
            money(u.expected_cost)
        )
    };
    let _ = writeln!(out, "all campaigns: {}", totals(&r.before, &r.after));
    for c in &r.campaigns {
        let _ = writeln!(out, "campaign {}: {}", c.campaign, totals(&c.before, &c.after));
        for rule in &c.rules {
            let _ = writeln!(
                out,
                "  rule {}: {} → {} coupons (+{} added, −{} removed; face value +{} −{})",
                rule.rule,
                rule.before.coupons,
                rule.after.coupons,
                rule.added,
                rule.removed,
                money(rule.face_value_added),
                money(rule.face_value_removed)
            );
        }
    }
    if !r.first_differences.is_empty() {
        let _ = writeln!(out, "first differences:");
    }
    for d in &r.first_differences {
        let _ = writeln!(
            out,
            "  line {}, event {} (user {}):",
            d.line,
            d.event_id,
            d.user_id.as_deref().unwrap_or("-")
        );
        for (label, side) in [("before", &d.before), ("after", &d.after)] {
            if side.is_empty() {
                let _ = writeln!(out, "    {label}: nothing");
            }
            for v in side {
                let _ = writeln!(out, "    {label}: {v}");
            }
        }
    }
    out
}
