//! Explaining: what `--explain` traces say about each rule an event considered, as typed
//! outcomes and reasons. Their text (what [`TraceEntry`] carries) is the contract's.

use super::decision::{Decision, TraceEntry};
use super::engine::Runtime;
use super::eval::{Ctx, Evaluator};
use super::state::StateStore;
use crate::check::program::{BudgetPeriod, Campaign, Rule};
use crate::check::types::{Field, field_name};
use crate::compile::{Cond, Graph, Node};
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

/// What happened to a rule for one event or timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Issued,
    /// Matched and ran, but issued no coupon (a rule of actions only).
    Matched,
    NotMatched,
    Suppressed,
    NotInArm,
    LimitReached,
    TimerPending,
    TimerStarted,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Issued => "issued",
            Outcome::Matched => "matched",
            Outcome::NotMatched => "not matched",
            Outcome::Suppressed => "suppressed",
            Outcome::NotInArm => "not in arm",
            Outcome::LimitReached => "limit reached",
            Outcome::TimerPending => "timer already pending",
            Outcome::TimerStarted => "timer started",
        }
    }
}

/// Why a rule did not issue (or, for a timer, when it will).
#[derive(Debug, Clone, PartialEq)]
pub enum Why {
    /// The event is outside the campaign's window.
    OutsideWindow,
    /// The timer fired outside the campaign's window.
    TimerOutsideWindow,
    /// The campaign's audience does not hold.
    Audience(Unmet),
    /// A condition of the rule does not hold.
    Condition(Unmet),
    /// The user is in another experiment arm (its name).
    InArm(Arc<str>),
    /// A `per …` key of the rule's limit reads a field the event lacks.
    NoLimitKey,
    /// A timer started; it fires at this time (written in the campaign's zone).
    FiresAt(String),
    /// An exclusive campaign issued to the user for this event first.
    ExclusiveFirst,
    /// The user is held out of the experiment.
    Holdout,
    /// The coupon would exceed the campaign's budget.
    Budget,
    /// The coupon would exceed the campaign's budget of this day or hour.
    PeriodBudget(BudgetPeriod),
    /// `pace evenly`: the coupon would pass the budget's share of the window so far.
    Pace,
    /// The campaign (`rule: false`) or the rule already issued its cap of coupons.
    Cap { rule: bool, cap: u32 },
    /// A risk check withholds the coupon (its reason).
    Risk(Arc<str>),
    /// The offer's terms read a field the event lacks.
    Offer(MissingField),
    /// An operator paused the campaign (`POST /v1/campaigns/{id}/pause`).
    Paused,
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::OutsideWindow => f.write_str("outside the campaign window"),
            Why::TimerOutsideWindow => f.write_str("timer fired outside the campaign window"),
            Why::Audience(unmet) => write!(f, "audience: {unmet}"),
            Why::Condition(unmet) => write!(f, "{unmet}"),
            Why::InArm(arm) => write!(f, "user is in arm `{arm}`"),
            Why::NoLimitKey => f.write_str("a limit key is missing from the event"),
            Why::FiresAt(due) => write!(f, "fires at {due}"),
            Why::ExclusiveFirst => f.write_str("an exclusive campaign issued first"),
            Why::Holdout => f.write_str("holdout"),
            Why::Budget => f.write_str("budget"),
            Why::PeriodBudget(per) => write!(f, "budget of the {}", per.as_str()),
            Why::Pace => f.write_str("pace: the budget's share of the window so far is reserved"),
            Why::Cap { rule, cap } => {
                let whose = if *rule { "rule" } else { "campaign" };
                let coupons = if *cap == 1 { "coupon" } else { "coupons" };
                write!(f, "the {whose} issued its cap of {cap} {coupons}")
            }
            Why::Risk(reason) => f.write_str(reason),
            Why::Offer(missing) => write!(f, "{missing}"),
            Why::Paused => f.write_str("paused: an operator paused the campaign"),
        }
    }
}

impl Why {
    /// The reason a suppression records (for the reasons that suppress a coupon).
    pub fn suppression_reason(&self) -> Arc<str> {
        match self {
            Why::Holdout => Arc::from("holdout"),
            Why::Budget => Arc::from("budget"),
            Why::PeriodBudget(BudgetPeriod::Day) => Arc::from("budget_day"),
            Why::PeriodBudget(BudgetPeriod::Hour) => Arc::from("budget_hour"),
            Why::Cap { .. } => Arc::from("cap"),
            Why::Pace => Arc::from("pace"),
            Why::ExclusiveFirst => Arc::from("exclusive"),
            Why::Paused => Arc::from("paused"),
            Why::Risk(reason) => reason.clone(),
            other => Arc::from(other.to_string()),
        }
    }
}

/// The first condition that does not hold, and what it saw.
#[derive(Debug, Clone, PartialEq)]
pub enum Unmet {
    /// Not explained (traces are off).
    Unexplained,
    /// The condition (its text) reads fields the event lacks (their names).
    Missing { text: Arc<str>, fields: Vec<String> },
    /// The condition (its text) is false, with `field = value` for each field it read.
    False { text: Arc<str>, seen: Vec<String> },
}

impl fmt::Display for Unmet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unmet::Unexplained => Ok(()),
            Unmet::Missing { text, fields } => write!(f, "`{text}`: missing field {}", fields.join(", ")),
            Unmet::False { text, seen } if seen.is_empty() => write!(f, "`{text}` is false"),
            Unmet::False { text, seen } => write!(f, "`{text}` is false ({})", seen.join(", ")),
        }
    }
}

/// An offer's terms read a missing field (the first one found, if known).
#[derive(Debug, Clone, PartialEq)]
pub struct MissingField(pub Option<Field>);

impl fmt::Display for MissingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the offer reads a missing field")?;
        match &self.0 {
            Some(field) => write!(f, " ({})", field_name(field)),
            None => Ok(()),
        }
    }
}

impl<S: StateStore> Runtime<S> {
    /// Adds a line to the decision's trace, when explaining.
    pub(super) fn trace(
        &self,
        d: &mut Decision,
        campaign: &Campaign,
        rule: &Rule,
        outcome: Outcome,
        because: Option<Why>,
    ) {
        if self.explain {
            d.trace.get_or_insert_with(Vec::new).push(TraceEntry {
                campaign: campaign.id.clone(),
                rule: rule.name.clone(),
                outcome: outcome.as_str().to_string(),
                because: because.map(|w| w.to_string()),
            });
        }
    }
}

/// Why a condition failed: its text and the values of the fields it read.
pub(super) fn explain_condition(graph: &Graph, c: &Cond, ctx: &Ctx<'_>, tz: chrono_tz::Tz) -> Unmet {
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
    let text = c.text.clone();
    if missing.is_empty() {
        Unmet::False { text, seen }
    } else {
        Unmet::Missing { text, fields: missing }
    }
}

/// Reads one field through a one-node graph, so traces show exactly what rules see.
fn field_value(f: &Field, ctx: &Ctx<'_>) -> Value {
    let mut g = Graph::default();
    let id = g.add(&crate::check::types::TExpr {
        kind: crate::check::types::TExprKind::Field(f.clone()),
        ty: crate::check::types::Type::Unknown,
        span: crate::syntax::Span::default(),
    });
    let mut ev = Evaluator::new(&g);
    ev.eval(&g, id, ctx)
}
