//! Evaluating graph nodes against one event. Results of non-trivial nodes are memoised
//! for the event, so a condition shared by many campaigns runs once. A field the event
//! lacks evaluates to `Missing`, which makes every condition that reads it false.

use super::event::Event;
use crate::check::program::Function;
use crate::check::types::{Builtin, Field, Type};
use crate::compile::graph::{GroupConsts, same_int};
use crate::compile::{Graph, Node, NodeId};
use crate::syntax::ast::BinaryOp;
use crate::value::{BasisPoints, Fen, Millis, Value, fen_round, percent_of};
use std::sync::Arc;

/// State-dependent facts the built-in functions read.
pub trait Facts {
    fn signal(&self, name: &str, key: &str) -> Option<f64>;
    /// Coupons issued to `user` after `since` (all campaigns, or one).
    fn coupons_issued(&self, user: &str, since: Millis, campaign: Option<&str>) -> u32;
    /// Distinct users other than `user` seen on `device` after `since`.
    fn other_users_on_device(&self, device: &str, user: &str, since: Millis) -> u32;
}

/// No state: for constant folding and batch runs without a ledger.
pub struct NoFacts;

impl Facts for NoFacts {
    fn signal(&self, _: &str, _: &str) -> Option<f64> {
        None
    }
    fn coupons_issued(&self, _: &str, _: Millis, _: Option<&str>) -> u32 {
        0
    }
    fn other_users_on_device(&self, _: &str, _: &str, _: Millis) -> u32 {
        0
    }
}

/// The offer a batch model is valuing.
#[derive(Debug, Clone, Default)]
pub struct OfferView {
    pub kind: &'static str,
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Option<Fen>,
    pub face_value: Option<Fen>,
}

pub struct Ctx<'a> {
    pub event: &'a Event,
    pub now: Millis,
    pub facts: &'a dyn Facts,
    pub locals: &'a [Value],
    pub offer: Option<&'a OfferView>,
    pub functions: &'a [Function],
    pub scripts: Option<&'a rhai::Engine>,
}

/// A memoised result: valid while `stamp` equals the evaluator's generation.
#[derive(Clone, Default)]
struct Slot {
    stamp: u32,
    value: Value,
}

/// Per-event memo of node results.
#[derive(Default)]
pub struct Evaluator {
    slots: Vec<Slot>,
    /// Counts events (resets); odd answers below are never confused across events.
    generation: u32,
    /// Each condition's answer as `generation << 1 | truth`: a condition is answered this
    /// event when its word holds this generation, so nothing is cleared between events,
    /// and "answered and true" is one comparison, which matching does per rule without
    /// a branch.
    answers: Vec<u32>,
    /// The generation in which each field group was last answered.
    groups: Vec<u32>,
    /// Scratch bitsets for putting matches in decision order.
    pub(crate) order: super::matching::MatchOrder,
    /// The first field found missing since the last `reset`, for traces.
    pub missing: Option<Field>,
}

impl Evaluator {
    pub fn new(graph: &Graph) -> Self {
        Evaluator {
            slots: vec![Slot::default(); graph.len()],
            answers: vec![0; graph.len()],
            groups: vec![0; graph.groups.len()],
            order: Default::default(),
            generation: 1,
            missing: None,
        }
    }

    /// Forgets all memoised results (a new event, or a new context).
    pub fn reset(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        // `answers` keep the generation shifted left by one: start again before it
        // would lose its top bit, and clear what older generations left behind.
        if self.generation >= 1 << 31 {
            self.slots.iter_mut().for_each(|s| s.stamp = 0);
            self.answers.iter_mut().for_each(|a| *a = 0);
            self.groups.iter_mut().for_each(|g| *g = 0);
            self.generation = 1;
        }
        self.missing = None;
    }

    /// What `answers` holds for a condition answered true this event.
    #[inline(always)]
    pub(crate) fn true_answer(&self) -> u32 {
        self.generation << 1 | 1
    }

    /// Each condition's answer (see `true_answer`); only those answered this event count.
    #[inline(always)]
    pub(crate) fn answers(&self) -> &[u32] {
        &self.answers
    }

    #[inline(always)]
    fn set_answer(&mut self, id: NodeId, answer: bool) {
        let word = self.generation << 1 | u32::from(answer);
        if let Some(a) = self.answers.get_mut(id as usize) {
            *a = word;
        }
    }

    #[inline(always)]
    pub fn truth(&mut self, graph: &Graph, id: NodeId, ctx: &Ctx<'_>) -> bool {
        // The hot path of rule matching: an answered condition is one word.
        if let Some(&a) = self.answers.get(id as usize)
            && a >> 1 == self.generation
        {
            return a & 1 == 1;
        }
        if let Some(&g) = graph.group_of.get(id as usize)
            && g != u32::MAX
        {
            self.answer_group(graph, g, ctx);
            return self.answers.get(id as usize) == Some(&self.true_answer());
        }
        let answer = matches!(self.eval(graph, id, ctx), Value::Bool(true));
        self.set_answer(id, answer);
        answer
    }

    /// Answers every comparison of field group `g`, unless done this event.
    #[inline]
    pub(crate) fn answer_group_once(&mut self, graph: &Graph, g: u32, ctx: &Ctx<'_>) {
        if self.groups.get(g as usize) != Some(&self.generation) {
            self.answer_group(graph, g, ctx);
        }
    }

    /// Reads a group's field once and answers all its comparisons.
    fn answer_group(&mut self, graph: &Graph, g: u32, ctx: &Ctx<'_>) {
        let Some(group) = graph.groups.get(g as usize) else {
            return;
        };
        if let Some(stamp) = self.groups.get_mut(g as usize) {
            *stamp = self.generation;
        }
        let members = &group.members;
        // Plain numbers and strings are compared as such; anything else as values.
        if let (GroupConsts::Strs(consts), Node::Field(f)) = (&group.consts, graph.node(group.field))
            && let Some(text) = str_field(f, ctx.event)
        {
            match text {
                Some(t) => {
                    for ((id, op, _), c) in members.iter().zip(consts) {
                        self.set_answer(*id, holds(*op, t, &**c));
                    }
                }
                None => {
                    if self.missing.is_none() {
                        self.missing = Some(f.clone());
                    }
                    members.iter().for_each(|(id, _, _)| self.set_answer(*id, false));
                }
            }
            return;
        }
        let value = self.eval(graph, group.field, ctx);
        let int = match &group.consts {
            GroupConsts::Ints(kind, consts) => same_int(kind, &value).map(|x| (x, consts)),
            _ => None,
        };
        match (&group.consts, &value, int) {
            (GroupConsts::Numbers(consts), Value::Number(x), _) => {
                for ((id, op, _), c) in members.iter().zip(consts) {
                    self.set_answer(*id, holds(*op, x, c));
                }
            }
            (_, _, Some((x, consts))) => {
                for ((id, op, _), c) in members.iter().zip(consts) {
                    self.set_answer(*id, holds(*op, &x, c));
                }
            }
            _ => {
                for (id, op, c) in members {
                    let answer = matches!(binary(*op, &value, c, ctx.now), Value::Bool(true));
                    self.set_answer(*id, answer);
                }
            }
        }
    }

    pub fn eval(&mut self, graph: &Graph, id: NodeId, ctx: &Ctx<'_>) -> Value {
        let i = id as usize;
        let memo = graph.memo.get(i).copied().unwrap_or(false);
        if memo
            && let Some(slot) = self.slots.get(i)
            && slot.stamp == self.generation
        {
            return slot.value.clone();
        }
        let v = self.compute(graph, graph.node(id), ctx);
        if memo && let Some(slot) = self.slots.get_mut(i) {
            slot.value = v.clone();
            slot.stamp = self.generation;
        }
        v
    }

    fn compute(&mut self, graph: &Graph, node: &Node, ctx: &Ctx<'_>) -> Value {
        match node {
            Node::Const(v) => v.clone(),
            Node::Field(f) => {
                let v = field(f, ctx);
                if v.is_missing() && self.missing.is_none() {
                    self.missing = Some(f.clone());
                }
                v
            }
            Node::Local(i) => ctx.locals.get(*i as usize).cloned().unwrap_or_default(),
            Node::Not(a) => match self.eval(graph, *a, ctx) {
                Value::Bool(b) => Value::Bool(!b),
                _ => Value::Missing,
            },
            Node::Neg(a) => match self.eval(graph, *a, ctx) {
                Value::Number(n) => Value::Number(-n),
                Value::Money(m) => Value::Money(-m),
                Value::Percent(p) => Value::Percent(-p),
                Value::Duration(d) => Value::Duration(-d),
                _ => Value::Missing,
            },
            Node::Binary(BinaryOp::And, a, b) => match self.eval(graph, *a, ctx) {
                Value::Bool(false) => Value::Bool(false),
                Value::Bool(true) => self.eval(graph, *b, ctx),
                _ => Value::Missing,
            },
            Node::Binary(BinaryOp::Or, a, b) => match self.eval(graph, *a, ctx) {
                Value::Bool(true) => Value::Bool(true),
                Value::Bool(false) => self.eval(graph, *b, ctx),
                // A missing left side does not hide a true right side.
                _ => match self.eval(graph, *b, ctx) {
                    Value::Bool(true) => Value::Bool(true),
                    _ => Value::Missing,
                },
            },
            Node::Binary(op, a, b) => {
                // `item.category in [...]`, `user.ltv_tier == "high"`: compare the event's
                // string in place instead of cloning it into a value.
                if let (Node::Field(f), Node::Const(c)) = (graph.node(*a), graph.node(*b))
                    && let Some(text) = str_field(f, ctx.event)
                {
                    return match text {
                        Some(t) => compare_str(*op, t, c),
                        None => {
                            if self.missing.is_none() {
                                self.missing = Some(f.clone());
                            }
                            Value::Missing
                        }
                    };
                }
                let x = self.eval(graph, *a, ctx);
                let y = self.eval(graph, *b, ctx);
                binary(*op, &x, &y, ctx.now)
            }
            // A condition that reads a missing field is false, here too: with no
            // `category_heat` signal yet, `if signal(…) >= 0.8 then 15% else 10%` is 10%.
            Node::If(c, a, b) => match self.eval(graph, *c, ctx) {
                Value::Bool(true) => self.eval(graph, *a, ctx),
                _ => self.eval(graph, *b, ctx),
            },
            Node::List(items) => {
                let values: Vec<Value> = items.iter().map(|i| self.eval(graph, *i, ctx)).collect();
                Value::List(values.into())
            }
            Node::Call(b, args) => {
                let values: Vec<Value> = args.iter().map(|i| self.eval(graph, *i, ctx)).collect();
                builtin(*b, &values, ctx)
            }
            Node::UserCall(f, args) => {
                let values: Vec<Value> = args.iter().map(|i| self.eval(graph, *i, ctx)).collect();
                call_script(*f, &values, ctx)
            }
        }
    }
}

/// A string field of the event, borrowed: `Some(None)` if the event lacks it, `None` if
/// the field is not a plain string field.
pub(crate) fn str_field<'e>(f: &Field, e: &'e Event) -> Option<Option<&'e str>> {
    let user = e.user.as_ref();
    let item = e.item.as_ref();
    Some(match f {
        Field::UserId => user.map(|u| &*u.id),
        Field::UserLtvTier => user.and_then(|u| u.ltv_tier.as_deref()),
        Field::UserDeviceId => user.and_then(|u| u.device_id.as_deref()),
        Field::ItemId => item.and_then(|i| i.id.as_deref()),
        Field::ItemCategory => item.and_then(|i| i.category.as_deref()),
        Field::ItemSellerId => item.and_then(|i| i.seller_id.as_deref()),
        Field::EventType => Some(&*e.kind),
        _ => return None,
    })
}

fn compare_str(op: BinaryOp, text: &str, c: &Value) -> Value {
    let found = match c {
        Value::Str(s) => &**s == text,
        Value::List(items) => items.iter().any(|v| v.as_str() == Some(text)),
        _ => return binary(op, &Value::str(text), c, 0),
    };
    match op {
        BinaryOp::Eq | BinaryOp::In => Value::Bool(found),
        BinaryOp::Ne | BinaryOp::NotIn => Value::Bool(!found),
        _ => binary(op, &Value::str(text), c, 0),
    }
}

/// Reads a field of the event alone (for indexes); clock and offer fields are missing.
pub fn read_field(f: &Field, event: &Event) -> Value {
    let ctx = Ctx {
        event,
        now: event.at,
        facts: &NoFacts,
        locals: &[],
        offer: None,
        functions: &[],
        scripts: None,
    };
    field(f, &ctx)
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Value) -> Value {
    v.map_or(Value::Missing, f)
}

fn field(f: &Field, ctx: &Ctx<'_>) -> Value {
    let e = ctx.event;
    let user = e.user.as_ref();
    let item = e.item.as_ref();
    match f {
        Field::UserId => opt(user, |u| Value::Str(u.id.clone())),
        Field::UserRegisteredAt => opt(user.and_then(|u| u.registered_at), Value::Time),
        Field::UserPaidOrders => opt(user.and_then(|u| u.paid_orders), Value::Number),
        Field::UserLastOrderAt => opt(user.and_then(|u| u.last_order_at), Value::Time),
        Field::UserTotalSpend => opt(user.and_then(|u| u.total_spend), Value::Money),
        Field::UserAvgOrderValue => opt(user.and_then(|u| u.avg_order_value), Value::Money),
        Field::UserLtvTier => opt(user.and_then(|u| u.ltv_tier.clone()), Value::Str),
        Field::UserDeviceId => opt(user.and_then(|u| u.device_id.clone()), Value::Str),
        Field::UserTags => opt(user, |u| {
            Value::List(u.tags.iter().map(|t| Value::str(t)).collect::<Vec<_>>().into())
        }),
        Field::UserExtra(name, ty) => opt(user.and_then(|u| u.extra.get(&**name)), |j| json_value(j, ty)),
        Field::ItemId => opt(item.and_then(|i| i.id.clone()), Value::Str),
        Field::ItemCategory => opt(item.and_then(|i| i.category.clone()), Value::Str),
        Field::ItemPrice => opt(item.and_then(|i| i.price), Value::Money),
        Field::ItemSellerId => opt(item.and_then(|i| i.seller_id.clone()), Value::Str),
        Field::ItemStockAgeDays => opt(item.and_then(|i| i.stock_age_days), Value::Number),
        Field::ItemExtra(name, ty) => opt(item.and_then(|i| i.extra.get(&**name)), |j| json_value(j, ty)),
        Field::CartTotal => opt(e.cart.as_ref().and_then(|c| c.total), Value::Money),
        Field::CartCount => opt(e.cart.as_ref(), |c| {
            Value::Number(c.items.iter().map(|i| i.qty.unwrap_or(1.0)).sum())
        }),
        Field::CartCategories => opt(e.cart.as_ref(), |c| {
            let mut cats: Vec<Value> = Vec::new();
            for i in &c.items {
                if let Some(cat) = &i.category {
                    let v = Value::Str(cat.clone());
                    if !cats.contains(&v) {
                        cats.push(v);
                    }
                }
            }
            Value::List(cats.into())
        }),
        Field::Score(name) => opt(e.score(name), Value::Number),
        Field::EventId => Value::Str(e.id.clone()),
        Field::EventType => Value::Str(e.kind.clone()),
        Field::Now => Value::Time(ctx.now),
        Field::OfferKind => opt(ctx.offer, |o| Value::str(o.kind)),
        Field::OfferAmount => opt(ctx.offer.and_then(|o| o.amount), Value::Money),
        Field::OfferPercent => opt(ctx.offer.and_then(|o| o.percent), Value::Percent),
        Field::OfferCap => opt(ctx.offer.and_then(|o| o.cap), Value::Money),
        Field::OfferMinSpend => opt(ctx.offer.and_then(|o| o.min_spend), Value::Money),
        Field::OfferFaceValue => opt(ctx.offer.and_then(|o| o.face_value), Value::Money),
    }
}

fn json_value(j: &serde_json::Value, ty: &Type) -> Value {
    match (ty, j) {
        (Type::Str, serde_json::Value::String(s)) => Value::str(s),
        (Type::Number, serde_json::Value::Number(n)) => opt(n.as_f64(), Value::Number),
        (Type::Money, serde_json::Value::Number(n)) => {
            opt(n.as_f64().and_then(crate::value::fen_from_yuan), Value::Money)
        }
        (Type::Percent, serde_json::Value::Number(n)) => {
            opt(n.as_f64(), |p| Value::Percent((p * 100.0).round() as i64))
        }
        (Type::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
        (Type::Time, serde_json::Value::String(s)) => opt(crate::value::parse_time(s).ok(), Value::Time),
        _ => Value::Missing,
    }
}

fn compare(x: &Value, y: &Value) -> Option<std::cmp::Ordering> {
    match (x, y) {
        (Value::Number(a), Value::Number(b)) => a.partial_cmp(b),
        (Value::Money(a), Value::Money(b))
        | (Value::Percent(a), Value::Percent(b))
        | (Value::Duration(a), Value::Duration(b))
        | (Value::Time(a), Value::Time(b)) => Some(a.cmp(b)),
        (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

/// A field group's comparison on plain numbers or strings: what `binary` answers for
/// the same values wrapped (with `NaN`, only `!=` holds).
#[inline(always)]
fn holds<T: PartialOrd + ?Sized>(op: BinaryOp, x: &T, c: &T) -> bool {
    match op {
        BinaryOp::Eq => x == c,
        BinaryOp::Ne => x != c,
        BinaryOp::Lt => x < c,
        BinaryOp::Le => x <= c,
        BinaryOp::Gt => x > c,
        BinaryOp::Ge => x >= c,
        _ => false,
    }
}

/// `a op b` on values; `Missing` whenever an input is missing or the types do not fit.
pub fn binary(op: BinaryOp, x: &Value, y: &Value, now: Millis) -> Value {
    use Value::*;
    if x.is_missing() || y.is_missing() {
        return Missing;
    }
    match op {
        BinaryOp::Eq => Bool(compare(x, y) == Some(std::cmp::Ordering::Equal) || (x == y)),
        BinaryOp::Ne => Bool(!(compare(x, y) == Some(std::cmp::Ordering::Equal) || (x == y))),
        BinaryOp::Lt => opt(compare(x, y), |o| Bool(o.is_lt())),
        BinaryOp::Le => opt(compare(x, y), |o| Bool(o.is_le())),
        BinaryOp::Gt => opt(compare(x, y), |o| Bool(o.is_gt())),
        BinaryOp::Ge => opt(compare(x, y), |o| Bool(o.is_ge())),
        BinaryOp::In | BinaryOp::NotIn => {
            let found = match y {
                List(items) => items.iter().any(|i| compare(i, x) == Some(std::cmp::Ordering::Equal)),
                Str(s) => x.as_str().is_some_and(|needle| s.contains(needle)),
                _ => return Missing,
            };
            Bool(found == (op == BinaryOp::In))
        }
        BinaryOp::Within => match (x, y) {
            (Time(t), Duration(d)) => Bool(*t <= now && now - *t <= *d),
            _ => Missing,
        },
        BinaryOp::Add => match (x, y) {
            (Number(a), Number(b)) => Number(a + b),
            (Money(a), Money(b)) => opt(a.checked_add(*b), Money),
            (Percent(a), Percent(b)) => opt(a.checked_add(*b), Percent),
            (Duration(a), Duration(b)) => opt(a.checked_add(*b), Duration),
            (Time(a), Duration(b)) | (Duration(b), Time(a)) => opt(a.checked_add(*b), Time),
            _ => Missing,
        },
        BinaryOp::Sub => match (x, y) {
            (Number(a), Number(b)) => Number(a - b),
            (Money(a), Money(b)) => opt(a.checked_sub(*b), Money),
            (Percent(a), Percent(b)) => opt(a.checked_sub(*b), Percent),
            (Duration(a), Duration(b)) => opt(a.checked_sub(*b), Duration),
            (Time(a), Duration(b)) => opt(a.checked_sub(*b), Time),
            (Time(a), Time(b)) => opt(a.checked_sub(*b), Duration),
            _ => Missing,
        },
        BinaryOp::Mul => match (x, y) {
            (Number(a), Number(b)) => Number(a * b),
            (Money(m), Number(n)) | (Number(n), Money(m)) => Money(fen_round(*m as f64 / 100.0 * n)),
            (Money(m), Percent(p)) | (Percent(p), Money(m)) => Money(percent_of(*p, *m)),
            (Percent(p), Number(n)) | (Number(n), Percent(p)) => Percent((*p as f64 * n).round() as i64),
            (Duration(d), Number(n)) | (Number(n), Duration(d)) => Duration((*d as f64 * n).round() as i64),
            _ => Missing,
        },
        BinaryOp::Div => match (x, y) {
            (_, Number(b)) if *b == 0.0 => Missing,
            (_, Money(0)) | (_, Percent(0)) | (_, Duration(0)) => Missing,
            (Number(a), Number(b)) => Number(a / b),
            (Money(a), Money(b)) => Number(*a as f64 / *b as f64),
            (Percent(a), Percent(b)) => Number(*a as f64 / *b as f64),
            (Duration(a), Duration(b)) => Number(*a as f64 / *b as f64),
            (Money(a), Number(b)) => Money(fen_round(*a as f64 / 100.0 / b)),
            (Percent(a), Number(b)) => Percent((*a as f64 / b).round() as i64),
            (Duration(a), Number(b)) => Duration((*a as f64 / b).round() as i64),
            _ => Missing,
        },
        BinaryOp::Of => match (x, y) {
            (Percent(p), Money(m)) => Money(percent_of(*p, *m)),
            (Percent(p), Number(n)) => Number(*p as f64 / 10_000.0 * n),
            _ => Missing,
        },
        BinaryOp::And | BinaryOp::Or => match (x, y) {
            (Bool(a), Bool(b)) => Bool(if op == BinaryOp::And { *a && *b } else { *a || *b }),
            _ => Missing,
        },
    }
}

fn builtin(b: Builtin, args: &[Value], ctx: &Ctx<'_>) -> Value {
    if args.iter().any(Value::is_missing) {
        return Value::Missing;
    }
    match b {
        Builtin::Min | Builtin::Max => {
            let mut best: Option<&Value> = None;
            for a in args {
                best = match best {
                    None => Some(a),
                    Some(cur) => match compare(a, cur) {
                        Some(o) if (b == Builtin::Min && o.is_lt()) || (b == Builtin::Max && o.is_gt()) => Some(a),
                        Some(_) => Some(cur),
                        None => return Value::Missing,
                    },
                };
            }
            best.cloned().unwrap_or_default()
        }
        Builtin::Abs => match args.first() {
            Some(Value::Number(n)) => Value::Number(n.abs()),
            Some(Value::Money(m)) => Value::Money(m.abs()),
            Some(Value::Percent(p)) => Value::Percent(p.abs()),
            Some(Value::Duration(d)) => Value::Duration(d.abs()),
            _ => Value::Missing,
        },
        Builtin::Exp | Builtin::Ln | Builtin::Round => match args.first() {
            Some(Value::Number(n)) => {
                let v = match b {
                    // Past e^709 the float overflows: saturate, as the arithmetic would
                    // (so `min(0.95, p0 * exp(…))` is 0.95), rather than lose the value.
                    Builtin::Exp => match n.exp() {
                        f64::INFINITY => f64::MAX,
                        e => e,
                    },
                    Builtin::Ln => n.ln(),
                    _ => n.round(),
                };
                if v.is_finite() {
                    Value::Number(v)
                } else {
                    Value::Missing
                }
            }
            _ => Value::Missing,
        },
        Builtin::Len => match args.first() {
            Some(Value::List(l)) => Value::Number(l.len() as f64),
            Some(Value::Str(s)) => Value::Number(s.chars().count() as f64),
            _ => Value::Missing,
        },
        Builtin::Signal => match (args.first(), args.get(1)) {
            (Some(Value::Str(n)), Some(Value::Str(k))) => opt(ctx.facts.signal(n, k), Value::Number),
            _ => Value::Missing,
        },
        Builtin::CouponsIssued => {
            let (Some(Value::Duration(d)), Some(user)) = (args.first(), ctx.event.user.as_ref()) else {
                return Value::Missing;
            };
            let campaign = args.get(1).and_then(Value::as_str);
            Value::Number(f64::from(ctx.facts.coupons_issued(&user.id, ctx.now - d, campaign)))
        }
        Builtin::OtherUsersOnDevice => {
            let (Some(Value::Duration(d)), Some(user)) = (args.first(), ctx.event.user.as_ref()) else {
                return Value::Missing;
            };
            let Some(device) = &user.device_id else {
                return Value::Missing;
            };
            Value::Number(f64::from(ctx.facts.other_users_on_device(
                device,
                &user.id,
                ctx.now - d,
            )))
        }
    }
}

fn to_dynamic(v: &Value) -> rhai::Dynamic {
    match v {
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => (*n).into(),
        Value::Money(f) => (*f as f64 / 100.0).into(),
        Value::Percent(p) => (*p as f64 / 100.0).into(),
        Value::Duration(d) | Value::Time(d) => (*d).into(),
        Value::Str(s) => s.to_string().into(),
        Value::List(items) => items.iter().map(to_dynamic).collect::<Vec<_>>().into(),
        Value::Missing => rhai::Dynamic::UNIT,
    }
}

fn from_dynamic(d: rhai::Dynamic, ty: &Type) -> Value {
    let num = d.as_float().ok().or_else(|| d.as_int().ok().map(|i| i as f64));
    match ty {
        Type::Bool => opt(d.as_bool().ok(), Value::Bool),
        Type::Number => opt(num, Value::Number),
        Type::Money => opt(num, |n| Value::Money(fen_round(n))),
        Type::Percent => opt(num, |n| Value::Percent((n * 100.0).round() as i64)),
        Type::Duration => opt(d.as_int().ok(), Value::Duration),
        Type::Time => opt(d.as_int().ok(), Value::Time),
        Type::Str => opt(d.into_immutable_string().ok(), |s| Value::Str(Arc::from(s.as_str()))),
        _ => Value::Missing,
    }
}

fn call_script(index: usize, args: &[Value], ctx: &Ctx<'_>) -> Value {
    let (Some(f), Some(engine)) = (ctx.functions.get(index), ctx.scripts) else {
        return Value::Missing;
    };
    if args.iter().any(Value::is_missing) {
        return Value::Missing;
    }
    let dyn_args: Vec<rhai::Dynamic> = args.iter().map(to_dynamic).collect();
    let mut scope = rhai::Scope::new();
    // A function that fails at run time (limits, a type error) yields a missing value:
    // its rule does not match, and the trace says which function failed.
    match engine.call_fn::<rhai::Dynamic>(&mut scope, &f.ast, &*f.name, dyn_args) {
        Ok(d) => from_dynamic(d, &f.returns),
        Err(_) => Value::Missing,
    }
}

/// Folds a pure node whose inputs are constants (used while building the graph).
pub fn fold_constant(graph: &Graph, node: &Node) -> Option<Value> {
    let event = Event {
        id: Arc::from(""),
        kind: Arc::from(""),
        at: 0,
        user: None,
        item: None,
        cart: None,
        scores: Vec::new(),
        signal: None,
        code: None,
        order_id: None,
    };
    let ctx = Ctx {
        event: &event,
        now: 0,
        facts: &NoFacts,
        locals: &[],
        offer: None,
        functions: &[],
        scripts: None,
    };
    let mut ev = Evaluator::default();
    Some(ev.compute(graph, node, &ctx))
}
