//! Aggregates over a user's own past events, kept as exact event lists: for each
//! aggregate the rules use, the times of the user's events it counts (and the value it
//! read on each), pruned past its window as new events come. Exact lists, not time
//! buckets: a window's edge is exact to the millisecond, `distinct` needs the values
//! anyway, and a user's events of one type in one window are few (a list costs 24 bytes
//! an event). `days_since` keeps only the latest event.
//!
//! The window is `(now − D, now]`: it includes the event being decided, which is fed
//! before any rule reads it.

use super::engine::Runtime;
use super::event::Event;
use super::state::StateStore;
use crate::check::aggregate::{Aggregate, Func};
use crate::check::types::Type;
use crate::value::{DAY_MS, Millis, Value};
use std::collections::VecDeque;
use std::sync::Arc;

/// The aggregate `spec` over `entries` (oldest first) at `now`.
pub fn read<'a>(spec: &Aggregate, entries: impl Iterator<Item = &'a (Millis, Value)>, now: Millis) -> Value {
    let since = spec.window.map(|w| now.saturating_sub(w));
    let in_window = entries.filter(|(t, _)| *t <= now && since.is_none_or(|s| *t > s));
    match spec.func {
        Func::Count => Value::Number(in_window.count() as f64),
        Func::Sum => {
            let money = spec.field.as_ref().is_some_and(|f| f.ty == Type::Money);
            if money {
                Value::Money(
                    in_window
                        .filter_map(|(_, v)| match v {
                            Value::Money(f) => Some(*f),
                            _ => None,
                        })
                        .fold(0i64, i64::saturating_add),
                )
            } else {
                Value::Number(
                    in_window
                        .filter_map(|(_, v)| match v {
                            Value::Number(n) => Some(*n),
                            _ => None,
                        })
                        .sum(),
                )
            }
        }
        Func::Distinct => {
            let mut seen: Vec<&Value> = Vec::new();
            for (_, v) in in_window {
                if !v.is_missing() && !seen.contains(&v) {
                    seen.push(v);
                }
            }
            Value::Number(seen.len() as f64)
        }
        Func::DaysSince => match in_window.last() {
            Some((t, _)) => Value::Number((now - t) as f64 / DAY_MS as f64),
            None => Value::Missing,
        },
    }
}

/// Adds the event at `at` with `value` to `entries`, dropping what falls out of the window.
pub fn push(spec: &Aggregate, entries: &mut VecDeque<(Millis, Value)>, at: Millis, value: Value) {
    match spec.func {
        Func::DaysSince => {
            entries.clear();
            entries.push_back((at, Value::Missing));
        }
        Func::Count => entries.push_back((at, Value::Missing)),
        Func::Sum | Func::Distinct => {
            if !value.is_missing() {
                entries.push_back((at, value));
            }
        }
    }
    prune(spec, entries, at);
}

/// Drops the entries that no read at or after `now` can see.
pub fn prune(spec: &Aggregate, entries: &mut VecDeque<(Millis, Value)>, now: Millis) {
    if let Some(w) = spec.window {
        let since = now.saturating_sub(w);
        while entries.front().is_some_and(|(t, _)| *t <= since) {
            entries.pop_front();
        }
    }
}

impl<S: StateStore> Runtime<S> {
    /// Feeds the user's event to every aggregate of its type whose condition holds; with
    /// `--explain`, returns each aggregate's value after it, for the trace.
    pub(super) fn feed_aggregates(&mut self, event: &Event, user: &Arc<str>) -> Vec<(Arc<str>, Value)> {
        let rules = self.rules.clone();
        let compiled = &rules.compiled;
        let specs = &compiled.program.aggregates;
        if specs.is_empty() {
            return Vec::new();
        }
        let mut fed: Vec<(usize, Value)> = Vec::new();
        if let Some(feeds) = compiled.aggregates_by_event.get(event.kind.as_str()) {
            let graph = &compiled.graph;
            let facts = rules.facts(&self.state);
            let ctx = rules.ctx(event, event.at, &facts);
            self.eval.reset();
            for &i in feeds {
                let Some(nodes) = compiled.aggregates.get(i) else {
                    continue;
                };
                if let Some(c) = nodes.cond
                    && !self.eval.truth(graph, c, &ctx)
                {
                    continue;
                }
                let value = nodes.field.map_or(Value::Missing, |f| self.eval.eval(graph, f, &ctx));
                fed.push((i, value));
            }
            self.eval.reset();
        }
        if !fed.is_empty() {
            let u = self.state.user_mut(user);
            for (i, value) in fed {
                if let Some(spec) = specs.get(i) {
                    let entries = u.aggregates.entry(spec.key.clone()).or_default();
                    push(spec, entries, event.at, value);
                }
            }
        }
        if !self.explain {
            return Vec::new();
        }
        let entries = self.state.user(user);
        specs
            .iter()
            .map(|spec| {
                let list = entries.and_then(|u| u.aggregates.get(&spec.key));
                (spec.key.clone(), read(spec, list.into_iter().flatten(), event.at))
            })
            .collect()
    }
}
