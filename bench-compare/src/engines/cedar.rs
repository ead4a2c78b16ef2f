//! Cedar: one `permit` policy per rule whose `when` holds the rule's conditions over the
//! event as the request's context; `Authorizer::is_authorized` decides, and the policies
//! that determined the decision are the matched rules. Cedar has no floating point: money
//! goes in as whole fen (`Long`), scores as `decimal`.

use super::Engine;
use crate::spec::{Cond, DAY_MS, Rule, Workload};
use cedar_policy::{
    Authorizer, Context, Entities, EntityUid, Policy, PolicyId, PolicySet, Request, RestrictedExpression,
};
use serde_json::Value;
use std::str::FromStr;

pub fn policy(rule: &Rule) -> String {
    let mut parts = Vec::new();
    match rule.triggers.as_slice() {
        [] => {}
        [t] => parts.push(format!("context.kind == \"{t}\"")),
        many => parts.push(format!("[{}].contains(context.kind)", crate::spec::quoted(many))),
    }
    if let Some((s, e)) = rule.window {
        parts.push(format!("context.now >= {s} && context.now < {e}"));
    }
    for c in &rule.conds {
        parts.push(match c {
            Cond::CategoryIn(v) if v.len() == 1 => format!("context.item.category == \"{}\"", v[0]),
            Cond::CategoryIn(v) => format!("[{}].contains(context.item.category)", crate::spec::quoted(v)),
            Cond::PriceGe(y) => format!("context.item.price >= {}", y * 100),
            Cond::StockAgeGt(d) => format!("context.item.stock_age_days > {d}"),
            Cond::CartTotalGe(y) => format!("context.cart.total >= {}", y * 100),
            Cond::TierEq(t) => format!("context.user.ltv_tier == \"{t}\""),
            Cond::PaidOrdersEq(n) => format!("context.user.paid_orders == {n}"),
            Cond::RegisteredWithinDays(d) => format!(
                "context.user.registered_at <= context.now && context.user.registered_at >= context.now - {}",
                d * DAY_MS
            ),
            Cond::ScoreLt(s, x) => format!("context.scores.{s}.lessThan(decimal(\"{x:.2}\"))"),
            Cond::ScoreGe(s, x) => format!("context.scores.{s}.greaterThanOrEqual(decimal(\"{x:.2}\"))"),
        });
    }
    if parts.is_empty() {
        "permit(principal, action, resource);".into()
    } else {
        format!("permit(principal, action, resource) when {{ {} }};", parts.join(" && "))
    }
}

const MONEY: &[&str] = &["price", "total", "total_spend", "avg_order_value"];

/// JSON to a Cedar value: money (yuan) to fen, scores and other fractions to `decimal`,
/// nulls left out (Cedar has no null).
fn restricted(key: &str, v: &Value, in_scores: bool) -> Option<RestrictedExpression> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => RestrictedExpression::new_bool(*b),
        Value::Number(n) if MONEY.contains(&key) => {
            RestrictedExpression::new_long((n.as_f64().unwrap_or(0.0) * 100.0).round() as i64)
        }
        Value::Number(n) => match n.as_i64() {
            Some(i) if !in_scores => RestrictedExpression::new_long(i),
            _ => RestrictedExpression::new_decimal(format!("{:.4}", n.as_f64().unwrap_or(0.0))),
        },
        Value::String(s) => RestrictedExpression::new_string(s.clone()),
        Value::Array(a) => RestrictedExpression::new_set(a.iter().filter_map(|x| restricted("", x, in_scores))),
        Value::Object(o) => {
            let scores = key == "scores";
            RestrictedExpression::new_record(
                o.iter()
                    .filter_map(|(k, x)| restricted(k, x, scores).map(|r| (k.clone(), r))),
            )
            .ok()?
        }
    })
}

pub struct Cedar {
    policies: PolicySet,
    authorizer: Authorizer,
    entities: Entities,
    principal: EntityUid,
    action: EntityUid,
    resource: EntityUid,
    names: Vec<String>,
}

impl Cedar {
    pub fn load(w: &Workload) -> (Cedar, std::time::Duration) {
        let texts: Vec<String> = w.rules.iter().map(policy).collect();
        let t = std::time::Instant::now();
        let mut policies = PolicySet::new();
        for (i, text) in texts.iter().enumerate() {
            let p = Policy::parse(Some(PolicyId::new(i.to_string())), text)
                .unwrap_or_else(|e| crate::die(&format!("Cedar rejects `{text}`: {e}")));
            policies
                .add(p)
                .unwrap_or_else(|e| crate::die(&format!("Cedar policy set: {e}")));
        }
        let took = t.elapsed();
        let uid = |s: &str| EntityUid::from_str(s).unwrap_or_else(|e| crate::die(&format!("{e}")));
        (
            Cedar {
                policies,
                authorizer: Authorizer::new(),
                entities: Entities::empty(),
                principal: uid(r#"User::"shopper""#),
                action: uid(r#"Action::"decide""#),
                resource: uid(r#"Event::"event""#),
                names: w.rules.iter().map(|r| r.name.clone()).collect(),
            },
            took,
        )
    }

    fn request(&self, v: &Value) -> Request {
        let pairs = crate::json::VARIABLES.iter().filter_map(|k| {
            v.get(*k)
                .and_then(|x| restricted(k, x, false))
                .map(|r| (k.to_string(), r))
        });
        let context = Context::from_pairs(pairs).unwrap_or_else(|e| crate::die(&format!("Cedar context: {e}")));
        Request::new(
            self.principal.clone(),
            self.action.clone(),
            self.resource.clone(),
            context,
            None,
        )
        .unwrap_or_else(|e| crate::die(&format!("Cedar request: {e}")))
    }

    fn run(&self, request: &Request, out: &mut Vec<u32>) {
        out.clear();
        let response = self.authorizer.is_authorized(request, &self.policies, &self.entities);
        for id in response.diagnostics().reason() {
            if let Ok(i) = AsRef::<str>::as_ref(id).parse::<u32>() {
                out.push(i);
            }
        }
    }
}

impl Engine for Cedar {
    type Ctx = Request;

    fn context(&self, json: &str) -> Request {
        self.request(&crate::json::parse(json))
    }

    fn eval(&mut self, ctx: &Request, out: &mut Vec<u32>) {
        self.run(ctx, out);
    }

    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>) {
        let request = self.request(&crate::json::parse(json));
        self.run(&request, out);
        crate::json::write_names(buf, &self.names, out);
    }
}
