//! A prototype of the matching loop the profile suggests, built only from Mintage's public
//! compiled structures (graph, trigger indexes, hot rules, `Evaluator::truth`), to measure
//! what the suggested fixes would gain before anyone changes the main crate. Not part of
//! the comparison (`--only proto` runs it; its answers are checked like every engine's).
//!
//! Differences from `Rules::matching`: the conditions of a visited list are answered
//! first, node by node, into a byte per node; then every candidate rule is one
//! branch-free AND of its window and four condition slots (padded with an always-true
//! slot) and a branch-free append; matches go back into decision order by sorting the
//! few of them instead of sweeping a bitset over every rule id.

use super::Engine;
use super::mintage::Mintage;
use crate::spec::Workload;
use mintage::compile::{KeyValue, RuleList};
use mintage::runtime::eval::{Ctx, NoFacts, read_field};
use mintage::runtime::event::Event;
use std::collections::HashMap;
use std::sync::Arc;

const SLOTS: usize = 4;

struct List {
    ids: Vec<u32>,
    windows: Vec<(i64, i64)>,
    slots: Vec<[u32; SLOTS]>,
    /// Every condition node of the list, once.
    nodes: Vec<u32>,
}

struct Trigger {
    any: List,
    fields: Vec<(mintage::check::types::Field, HashMap<KeyValue, List>)>,
}

pub struct Proto {
    inner: Mintage,
    triggers: HashMap<Arc<str>, Trigger>,
    truth: Vec<u8>,
    evaluator: mintage::runtime::eval::Evaluator,
    names: Vec<String>,
}

impl Proto {
    pub fn load(w: &Workload) -> (Proto, std::time::Duration) {
        let (inner, took) = Mintage::load(w);
        let compiled = &inner.rules.compiled;
        let always = compiled.graph.len() as u32;
        let list = |l: &RuleList| {
            let mut nodes = Vec::new();
            let mut slots = Vec::new();
            for h in &l.hot {
                let ns = h.nodes(&compiled.hot.spill);
                if ns.len() > SLOTS {
                    crate::die("the prototype holds at most four conditions per rule");
                }
                let mut s = [always; SLOTS];
                s[..ns.len()].copy_from_slice(ns);
                slots.push(s);
                nodes.extend_from_slice(ns);
            }
            nodes.sort_unstable();
            nodes.dedup();
            List {
                ids: l.ids.clone(),
                windows: l.hot.iter().map(|h| (h.start, h.end)).collect(),
                slots,
                nodes,
            }
        };
        let triggers = compiled
            .triggers
            .iter()
            .map(|(k, t)| {
                (
                    k.clone(),
                    Trigger {
                        any: list(&t.any),
                        fields: t
                            .fields
                            .iter()
                            .map(|f| {
                                (
                                    f.field.clone(),
                                    f.by_value.iter().map(|(v, l)| (v.clone(), list(l))).collect(),
                                )
                            })
                            .collect(),
                    },
                )
            })
            .collect();
        let mut truth = vec![0u8; compiled.graph.len() + 1];
        truth[always as usize] = 1;
        let evaluator = mintage::runtime::eval::Evaluator::new(&compiled.graph);
        let names = w.rules.iter().map(|r| r.name.clone()).collect();
        (
            Proto {
                inner,
                triggers,
                truth,
                evaluator,
                names,
            },
            took,
        )
    }

    fn run(&mut self, event: &Event, out: &mut Vec<u32>) {
        out.clear();
        self.evaluator.reset();
        let rules = &self.inner.rules;
        let compiled = &rules.compiled;
        let ctx = Ctx {
            event,
            now: event.at,
            facts: &NoFacts,
            locals: &[],
            offer: None,
            functions: &compiled.program.functions,
            scripts: Some(&rules.scripts),
        };
        let Some(t) = self.triggers.get(&event.kind) else {
            self.inner.finish(event, out, true);
            return;
        };
        let mut lists: [Option<&List>; 8] = [None; 8];
        let mut n = 0;
        lists[0] = Some(&t.any);
        n += 1;
        for (field, by_value) in &t.fields {
            let v = read_field(field, event);
            if let Some(l) = KeyValue::of(&v).and_then(|k| by_value.get(&k))
                && n < lists.len()
            {
                lists[n] = Some(l);
                n += 1;
            }
        }
        let at = event.at;
        for l in lists.iter().take(n).flatten() {
            for &node in &l.nodes {
                self.truth[node as usize] = u8::from(self.evaluator.truth(&compiled.graph, node, &ctx));
            }
            let base = out.len();
            out.resize(base + l.ids.len(), 0);
            let mut len = base;
            let truth = &self.truth;
            for ((&id, &(start, end)), s) in l.ids.iter().zip(&l.windows).zip(&l.slots) {
                let ok = u8::from(at >= start)
                    & u8::from(at < end)
                    & truth[s[0] as usize]
                    & truth[s[1] as usize]
                    & truth[s[2] as usize]
                    & truth[s[3] as usize];
                out[len] = id;
                len += usize::from(ok);
            }
            out.truncate(len);
        }
        if n > 1 {
            out.sort_unstable();
        }
        self.inner.finish(event, out, true);
    }
}

impl Engine for Proto {
    type Ctx = Event;

    fn context(&self, json: &str) -> Event {
        self.inner.context(json)
    }

    fn eval(&mut self, ctx: &Event, out: &mut Vec<u32>) {
        self.run(ctx, out);
    }

    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>) {
        let Ok(event) = Event::from_json(json) else {
            out.clear();
            buf.clear();
            return;
        };
        self.run(&event, out);
        crate::json::write_names(buf, &self.names, out);
    }
}
