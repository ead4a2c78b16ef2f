//! Evaluating graph nodes against one event. Results of non-trivial nodes are memoised
//! for the event, so a condition shared by many campaigns runs once. A field the event
//! lacks evaluates to `Missing`, which makes every condition that reads it false.

use super::event::Event;
use super::state::{StateFacts, StateStore};
use crate::check::program::Function;
use crate::check::types::{Field, Type};
use crate::compile::graph::{GroupConsts, same_int};
use crate::compile::{Graph, Node, NodeId, Rules};
use crate::event::fields::{self, str_field};
pub use crate::event::fields::{OfferView, read_field};
use crate::syntax::ast::BinaryOp;
use crate::value::builtins::{self, Caller};
pub use crate::value::builtins::{Facts, NoFacts};
use crate::value::ops::{self, binary, compare_str, holds, opt};
use crate::value::{Millis, Value, fen_round};
use std::sync::Arc;

pub struct Ctx<'a> {
    pub event: &'a Event,
    pub now: Millis,
    pub facts: &'a dyn Facts,
    pub locals: &'a [Value],
    pub offer: Option<&'a OfferView>,
    pub functions: &'a [Function],
    pub scripts: Option<&'a rhai::Engine>,
}

impl Ctx<'_> {
    /// Who the state-reading built-ins ask about: the event's user and device.
    fn caller(&self) -> Option<Caller<'_>> {
        self.event.user.as_ref().map(|u| Caller {
            user: &u.id,
            device: u.device_id.as_deref(),
        })
    }
}

impl Rules {
    /// The context rules are evaluated in: one event at one moment, with the state's
    /// facts, the rules' functions and their script engine. Every evaluation of event
    /// rules starts here.
    #[inline]
    pub fn ctx<'a>(&'a self, event: &'a Event, now: Millis, facts: &'a dyn Facts) -> Ctx<'a> {
        Ctx {
            event,
            now,
            facts,
            locals: &[],
            offer: None,
            functions: &self.compiled.program.functions,
            scripts: Some(&self.scripts),
        }
    }

    /// The facts of a state store, as the built-in functions read them.
    pub fn facts<'a, S: StateStore>(&'a self, state: &'a S) -> StateFacts<'a, S> {
        StateFacts {
            state,
            campaigns: &self.campaign_ids,
            aggregates: &self.compiled.program.aggregates,
        }
    }
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
        if let Some(a) = self.answers.get_mut(id.index()) {
            *a = word;
        }
    }

    #[inline(always)]
    pub fn truth(&mut self, graph: &Graph, id: NodeId, ctx: &Ctx<'_>) -> bool {
        // The hot path of rule matching: an answered condition is one word.
        if let Some(&a) = self.answers.get(id.index())
            && a >> 1 == self.generation
        {
            return a & 1 == 1;
        }
        if let Some(&g) = graph.group_of.get(id.index())
            && g != u32::MAX
        {
            self.answer_group(graph, g, ctx);
            return self.answers.get(id.index()) == Some(&self.true_answer());
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
        let i = id.index();
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
                let v = fields::read(f, ctx.event, ctx.now, ctx.offer);
                if v.is_missing() && self.missing.is_none() {
                    self.missing = Some(f.clone());
                }
                v
            }
            Node::Local(i) => ctx.locals.get(*i as usize).cloned().unwrap_or_default(),
            Node::Not(a) => ops::not(self.eval(graph, *a, ctx)),
            Node::Neg(a) => ops::neg(self.eval(graph, *a, ctx)),
            Node::Binary(BinaryOp::And, a, b) => {
                let x = self.eval(graph, *a, ctx);
                ops::and(x, || self.eval(graph, *b, ctx))
            }
            Node::Binary(BinaryOp::Or, a, b) => {
                let x = self.eval(graph, *a, ctx);
                ops::or(x, || self.eval(graph, *b, ctx))
            }
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
                // Most built-ins take a few arguments: those are kept on the stack.
                if args.len() <= 4 {
                    let mut values: [Value; 4] = Default::default();
                    for (slot, i) in values.iter_mut().zip(args.iter()) {
                        *slot = self.eval(graph, *i, ctx);
                    }
                    let values = values.get(..args.len()).unwrap_or_default();
                    return builtins::call(*b, values, ctx.facts, ctx.caller(), ctx.now);
                }
                let values: Vec<Value> = args.iter().map(|i| self.eval(graph, *i, ctx)).collect();
                builtins::call(*b, &values, ctx.facts, ctx.caller(), ctx.now)
            }
            Node::UserCall(f, args) => {
                let values: Vec<Value> = args.iter().map(|i| self.eval(graph, *i, ctx)).collect();
                call_script(*f, &values, ctx)
            }
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
