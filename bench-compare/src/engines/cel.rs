//! CEL (the `cel` crate): one compiled program per rule; an event is a context with the
//! variables `kind`, `now`, `user`, `item`, `cart` and `scores`.

use super::Engine;
use crate::spec::{Cond, DAY_MS, Rule, Workload};
use cel::objects::Value as CelValue;
use cel::{Context, Env, Program};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

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

pub fn value(v: &Value) -> CelValue {
    match v {
        Value::Null => CelValue::Null,
        Value::Bool(b) => CelValue::Bool(*b),
        Value::Number(n) => match n.as_i64() {
            Some(i) => CelValue::Int(i),
            None => CelValue::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Value::String(s) => CelValue::String(Arc::new(s.clone())),
        Value::Array(a) => CelValue::List(Arc::new(a.iter().map(value).collect())),
        Value::Object(o) => {
            let m: HashMap<String, CelValue> = o.iter().map(|(k, v)| (k.clone(), value(v))).collect();
            CelValue::from(m)
        }
    }
}

pub struct Cel {
    env: Arc<Env>,
    programs: Vec<Program>,
    names: Vec<String>,
}

impl Cel {
    pub fn load(w: &Workload) -> (Cel, std::time::Duration) {
        let texts: Vec<String> = w.rules.iter().map(expr).collect();
        let t = std::time::Instant::now();
        let env = Arc::new(Env::stdlib());
        let programs = texts
            .iter()
            .map(|s| {
                env.compile(s)
                    .unwrap_or_else(|e| crate::die(&format!("cel rejects `{s}`: {e:?}")))
            })
            .collect();
        let took = t.elapsed();
        let names = w.rules.iter().map(|r| r.name.clone()).collect();
        (Cel { env, programs, names }, took)
    }

    fn context_of(&self, v: &Value) -> Context<'static, 'static> {
        let mut ctx = Context::with_env(self.env.clone());
        for name in crate::json::VARIABLES {
            ctx.add_variable_from_value(*name, v.get(*name).map(value).unwrap_or(CelValue::Null));
        }
        ctx
    }

    fn run(&self, ctx: &Context<'static, 'static>, out: &mut Vec<u32>) {
        out.clear();
        for (i, p) in self.programs.iter().enumerate() {
            if let Ok(CelValue::Bool(true)) = p.execute(ctx) {
                out.push(i as u32);
            }
        }
    }
}

impl Engine for Cel {
    type Ctx = Context<'static, 'static>;

    fn context(&self, json: &str) -> Self::Ctx {
        self.context_of(&crate::json::parse(json))
    }

    fn eval(&mut self, ctx: &Self::Ctx, out: &mut Vec<u32>) {
        self.run(ctx, out);
    }

    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>) {
        let ctx = self.context_of(&crate::json::parse(json));
        self.run(&ctx, out);
        crate::json::write_names(buf, &self.names, out);
    }
}
