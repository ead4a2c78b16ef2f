//! rhai: each rule's conditions as one rhai expression, compiled once to an AST; an event
//! is a scope of constants (`kind`, `now`, and the `user`, `item`, `cart`, `scores` maps).

use super::Engine;
use crate::spec::{Cond, DAY_MS, Rule, Workload};
use rhai::{AST, Dynamic, Map, Scope};
use serde_json::Value;

pub fn expr(rule: &Rule) -> String {
    let mut parts = Vec::new();
    match rule.triggers.as_slice() {
        [] => {}
        [t] => parts.push(format!("kind == \"{t}\"")),
        many => parts.push(format!("kind in [{}]", crate::spec::quoted(many))),
    }
    if let Some((s, e)) = rule.window {
        parts.push(format!("now >= {s} && now < {e}"));
    }
    for c in &rule.conds {
        parts.push(match c {
            Cond::CategoryIn(v) if v.len() == 1 => format!("item.category == \"{}\"", v[0]),
            Cond::CategoryIn(v) => format!("item.category in [{}]", crate::spec::quoted(v)),
            Cond::PriceGe(y) => format!("item.price >= {y}"),
            Cond::StockAgeGt(d) => format!("item.stock_age_days > {d}"),
            Cond::CartTotalGe(y) => format!("cart.total >= {y}"),
            Cond::TierEq(t) => format!("user.ltv_tier == \"{t}\""),
            Cond::PaidOrdersEq(n) => format!("user.paid_orders == {n}"),
            Cond::RegisteredWithinDays(d) => format!(
                "user.registered_at <= now && now - user.registered_at <= {}",
                d * DAY_MS
            ),
            Cond::ScoreLt(s, x) => format!("scores.{s} < {x:.2}"),
            Cond::ScoreGe(s, x) => format!("scores.{s} >= {x:.2}"),
        });
    }
    if parts.is_empty() {
        "true".into()
    } else {
        parts.join(" && ")
    }
}

pub struct Rhai {
    engine: rhai::Engine,
    asts: Vec<AST>,
    names: Vec<String>,
}

pub fn dynamic(v: &Value) -> Dynamic {
    match v {
        Value::Null => Dynamic::UNIT,
        Value::Bool(b) => Dynamic::from_bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => Dynamic::from(s.clone()),
        Value::Array(a) => Dynamic::from_array(a.iter().map(dynamic).collect()),
        Value::Object(o) => {
            let mut m = Map::new();
            for (k, v) in o {
                m.insert(k.as_str().into(), dynamic(v));
            }
            Dynamic::from_map(m)
        }
    }
}

fn scope(v: &Value) -> Scope<'static> {
    let mut scope = Scope::new();
    for name in crate::json::VARIABLES {
        scope.push_constant_dynamic(*name, v.get(*name).map(dynamic).unwrap_or(Dynamic::UNIT));
    }
    scope
}

impl Rhai {
    pub fn load(w: &Workload) -> (Rhai, std::time::Duration) {
        let texts: Vec<String> = w.rules.iter().map(expr).collect();
        let t = std::time::Instant::now();
        let engine = rhai::Engine::new();
        let asts = texts
            .iter()
            .map(|s| {
                engine
                    .compile_expression(s)
                    .unwrap_or_else(|e| crate::die(&format!("rhai rejects `{s}`: {e}")))
            })
            .collect();
        let took = t.elapsed();
        let names = w.rules.iter().map(|r| r.name.clone()).collect();
        (Rhai { engine, asts, names }, took)
    }

    fn run(&self, scope: &mut Scope<'static>, out: &mut Vec<u32>) {
        out.clear();
        for (i, ast) in self.asts.iter().enumerate() {
            if let Ok(true) = self.engine.eval_ast_with_scope::<bool>(scope, ast) {
                out.push(i as u32);
            }
        }
    }
}

impl Engine for Rhai {
    type Ctx = std::cell::RefCell<Scope<'static>>;

    fn context(&self, json: &str) -> Self::Ctx {
        std::cell::RefCell::new(scope(&crate::json::parse(json)))
    }

    fn eval(&mut self, ctx: &Self::Ctx, out: &mut Vec<u32>) {
        self.run(&mut ctx.borrow_mut(), out);
    }

    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>) {
        let mut scope = scope(&crate::json::parse(json));
        self.run(&mut scope, out);
        crate::json::write_names(buf, &self.names, out);
    }
}
