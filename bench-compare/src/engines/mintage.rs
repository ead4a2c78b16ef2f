//! Mintage: rule text through the checker into the evaluation graph, as a user's files
//! load; `Rules::matching` for the pure evaluation (window, audience, conditions), plus
//! the risk policy's fraud check where the workload has one.

use super::Engine;
use crate::spec::Workload;
use mintage::check::{CheckOptions, check};
use mintage::compile::NodeId;
use mintage::runtime::engine::Rules;
use mintage::runtime::eval::{Evaluator, NoFacts};
use mintage::runtime::event::Event;
use mintage::syntax::Sources;
use std::collections::HashMap;

pub struct Mintage {
    pub rules: Rules,
    eval: Evaluator,
    /// Mintage rule id to workload rule id, unless they are the same.
    map: Option<Vec<u32>>,
    /// The fraud gate's condition node and its workload rule id.
    fraud: Option<(NodeId, u32)>,
    names: Vec<String>,
}

/// Loads rule text as the CLI does: sources, checker, compiled rules.
pub fn load_rules(files: &[(String, String)]) -> Rules {
    let mut sources = Sources::default();
    for (name, text) in files {
        sources.add(name.clone(), text.clone());
    }
    let checked = check(sources, &CheckOptions::default());
    let Some(program) = checked.program else {
        let first: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .take(5)
            .map(|d| format!("{:?} {}", d.code, d.message))
            .collect();
        crate::die(&format!("the generated rule text does not check: {}", first.join("; ")));
    };
    Rules::new(program).unwrap_or_else(|e| crate::die(&format!("the generated rules do not compile: {e}")))
}

impl Mintage {
    pub fn load(w: &Workload) -> (Mintage, std::time::Duration) {
        let t = std::time::Instant::now();
        let rules = load_rules(&w.mint);
        let took = t.elapsed();
        let by_name: HashMap<&str, u32> = w
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i as u32))
            .collect();
        let program = rules.program();
        let map: Vec<u32> = rules
            .compiled
            .rules
            .iter()
            .map(|r| {
                let c = &program.campaigns[r.campaign.index()];
                let name = format!("{}.{}", c.id, c.rules[r.rule].name);
                *by_name
                    .get(name.as_str())
                    .unwrap_or_else(|| crate::die(&format!("Mintage rule {name} is not in the comparison's rule list")))
            })
            .collect();
        let expected = w.rules.len() - usize::from(w.fraud_gate.is_some());
        if map.len() != expected {
            crate::die(&format!(
                "Mintage loaded {} event rules, the comparison has {expected}",
                map.len()
            ));
        }
        let fraud = w.fraud_gate.map(|id| {
            let pos = program
                .risk
                .iter()
                .position(|r| &*r.name == "fraud_score")
                .unwrap_or_else(|| crate::die("the risk policy has no fraud_score check"));
            (rules.compiled.risk[pos].node, id)
        });
        let identity = map.iter().enumerate().all(|(i, &m)| i as u32 == m);
        let eval = Evaluator::new(&rules.compiled.graph);
        let names = w.rules.iter().map(|r| r.name.clone()).collect();
        (
            Mintage {
                rules,
                eval,
                map: (!identity).then_some(map),
                fraud,
                names,
            },
            took,
        )
    }

    #[inline]
    fn run(&mut self, event: &Event, out: &mut Vec<u32>) {
        self.rules.matching(event, &mut self.eval, &NoFacts, out);
        self.finish(event, out, false);
    }

    /// Matched Mintage rule ids to workload ids, and the fraud gate. `reset`: the
    /// evaluator holds answers of another event (matching ran elsewhere).
    #[inline]
    pub fn finish(&mut self, event: &Event, out: &mut Vec<u32>, reset: bool) {
        if let Some(map) = &self.map {
            for id in out.iter_mut() {
                *id = map[*id as usize];
            }
        }
        if let Some((node, id)) = self.fraud {
            if reset {
                self.eval.reset();
            }
            let ctx = self.rules.ctx(event, event.at, &NoFacts);
            if self.eval.truth(&self.rules.compiled.graph, node, &ctx) {
                out.push(id);
            }
        }
    }
}

impl Engine for Mintage {
    type Ctx = Event;

    fn context(&self, json: &str) -> Event {
        Event::from_json(json).unwrap_or_else(|e| crate::die(&format!("Mintage rejects an event: {e}")))
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
