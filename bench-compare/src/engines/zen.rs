//! GoRules zen-engine: a JDM decision graph (input, one decision table of hit policy
//! `collect`, output), one table row per rule, compiled with `Decision::compile()` (which
//! also builds zen's column indexes). The event is the input object.

use super::Engine;
use crate::spec::{Cond, DAY_MS, Rule, Workload};
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Map, Value, json};
use zen_engine::Decision;
use zen_engine::Variable;
use zen_engine::model::DecisionContent;

/// Column id, its input field (an expression over the event) and the row's cell.
fn cells(rule: &Rule) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    match rule.triggers.as_slice() {
        [] => {}
        t => out.push(("kind".into(), "kind".into(), crate::spec::quoted(t))),
    }
    if let Some((s, e)) = rule.window {
        out.push(("now".into(), "now".into(), format!("[{s}..{e})")));
    }
    for c in &rule.conds {
        out.push(match c {
            Cond::CategoryIn(v) => ("category".into(), "item.category".into(), crate::spec::quoted(v)),
            Cond::PriceGe(y) => ("price".into(), "item.price".into(), format!(">= {y}")),
            Cond::StockAgeGt(d) => ("stock_age".into(), "item.stock_age_days".into(), format!("> {d}")),
            Cond::CartTotalGe(y) => ("cart_total".into(), "cart.total".into(), format!(">= {y}")),
            Cond::TierEq(t) => ("tier".into(), "user.ltv_tier".into(), format!("\"{t}\"")),
            Cond::PaidOrdersEq(n) => ("paid_orders".into(), "user.paid_orders".into(), format!("{n}")),
            Cond::RegisteredWithinDays(d) => (
                "registered_ago".into(),
                "now - user.registered_at".into(),
                format!("[0..{}]", d * DAY_MS),
            ),
            Cond::ScoreLt(s, x) => (format!("score_{s}"), format!("scores.{s}"), format!("< {x:.2}")),
            Cond::ScoreGe(s, x) => (format!("score_{s}"), format!("scores.{s}"), format!(">= {x:.2}")),
        });
    }
    out
}

/// The JDM graph as JSON text, as a rules author would store it.
pub fn jdm(rules: &[Rule]) -> String {
    let mut columns: Vec<(String, String)> = Vec::new();
    let mut rows = Vec::with_capacity(rules.len());
    for (i, rule) in rules.iter().enumerate() {
        let mut row = Map::new();
        row.insert("_id".into(), json!(format!("r{i}")));
        for (id, field, cell) in cells(rule) {
            if !columns.iter().any(|(c, _)| *c == id) {
                columns.push((id.clone(), field));
            }
            if row.insert(id.clone(), json!(cell)).is_some() {
                crate::die(&format!("rule {} has two conditions on column {id}", rule.name));
            }
        }
        row.insert("rule".into(), json!(format!("{i}")));
        rows.push(Value::Object(row));
    }
    let inputs: Vec<Value> = columns
        .iter()
        .map(|(id, field)| json!({"id": id, "name": id, "field": field}))
        .collect();
    json!({
        "nodes": [
            {"id": "in", "name": "event", "type": "inputNode", "content": {}},
            {"id": "dt", "name": "rules", "type": "decisionTableNode", "content": {
                "hitPolicy": "collect",
                "inputs": inputs,
                "outputs": [{"id": "rule", "name": "rule", "field": "rule"}],
                "rules": rows,
                "passThrough": false
            }},
            {"id": "out", "name": "decision", "type": "outputNode", "content": {}}
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "dt"},
            {"id": "e2", "sourceId": "dt", "targetId": "out"}
        ]
    })
    .to_string()
}

pub struct Zen {
    decision: Decision,
    names: Vec<String>,
}

impl Zen {
    pub fn load(w: &Workload) -> (Zen, std::time::Duration) {
        let text = jdm(&w.rules);
        let t = std::time::Instant::now();
        let content: DecisionContent =
            serde_json::from_str(&text).unwrap_or_else(|e| crate::die(&format!("zen rejects the JDM graph: {e}")));
        let graph = content
            .as_graph()
            .cloned()
            .unwrap_or_else(|| crate::die("zen read the JDM as a policy, not a graph"));
        let mut decision = Decision::from(graph);
        decision.compile();
        let took = t.elapsed();
        let names = w.rules.iter().map(|r| r.name.clone()).collect();
        (Zen { decision, names }, took)
    }

    fn run(&self, input: Variable, out: &mut Vec<u32>) {
        out.clear();
        let response = match pollster::block_on(self.decision.evaluate(input)) {
            Ok(r) => r,
            Err(e) => crate::die(&format!("zen failed to evaluate: {e:?}")),
        };
        if let Variable::Array(rows) = &response.result {
            for row in rows.borrow().iter() {
                if let Some(id) = row.dot("rule").and_then(|v| v.as_number()).and_then(|n| n.to_u32()) {
                    out.push(id);
                }
            }
        }
    }
}

impl Engine for Zen {
    type Ctx = Variable;

    fn context(&self, json: &str) -> Variable {
        Variable::from(crate::json::parse(json))
    }

    fn eval(&mut self, ctx: &Variable, out: &mut Vec<u32>) {
        // A shallow copy: `evaluate` takes the input by value (as zen's own benchmark does).
        self.run(ctx.clone(), out);
    }

    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>) {
        self.run(Variable::from(crate::json::parse(json)), out);
        crate::json::write_names(buf, &self.names, out);
    }
}
