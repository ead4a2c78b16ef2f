//! `W002` condition can never be true: see [`EXPLANATION`].

use super::Context;
use crate::check::program::{Campaign, Condition};
use crate::check::types::{Field, TExpr, TExprKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::BinaryOp;
use crate::value::Value;
use std::collections::HashMap;

pub const CODE: Code = Code::Contradiction;

/// `mintage explain W002` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "The conditions of a rule or audience contradict each other, so the rule can never
fire: `item.price > ¥500 and item.price < ¥100`, or `user.ltv_tier == \"high\" and
user.ltv_tier == \"low\"`.

Fix the bounds; perhaps `or` was meant.";

/// Bounds a field must satisfy, collected from `field OP constant` conjuncts.
#[derive(Default)]
struct Bounds {
    low: Option<(f64, bool)>,
    high: Option<(f64, bool)>,
    equals: Option<Value>,
    one_of: Option<Vec<Value>>,
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Money(f) => Some(*f as f64),
        Value::Percent(b) => Some(*b as f64),
        Value::Duration(d) | Value::Time(d) => Some(*d as f64),
        _ => None,
    }
}

fn field_and_const(e: &TExpr) -> Option<(BinaryOp, &Field, &Value)> {
    let TExprKind::Binary(op, a, b) = &e.kind else {
        return None;
    };
    match (&a.kind, &b.kind) {
        (TExprKind::Field(f), TExprKind::Const(v)) => Some((*op, f, v)),
        (TExprKind::Const(v), TExprKind::Field(f)) => {
            let flipped = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::Le => BinaryOp::Ge,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::Ge => BinaryOp::Le,
                BinaryOp::Eq | BinaryOp::Ne => *op,
                _ => return None,
            };
            Some((flipped, f, v))
        }
        _ => None,
    }
}

/// Whether the conjunction of these conditions is unsatisfiable, judged per field.
fn contradictory<'a>(conds: impl Iterator<Item = &'a Condition>) -> Option<&'a Condition> {
    let mut bounds: HashMap<&Field, Bounds> = HashMap::new();
    for c in conds {
        let Some((op, field, value)) = field_and_const(&c.expr) else {
            continue;
        };
        let b = bounds.entry(field).or_default();
        let clash = match op {
            BinaryOp::Eq => {
                let clash = b.equals.as_ref().is_some_and(|e| e != value)
                    || b.one_of.as_ref().is_some_and(|l| !l.contains(value));
                b.equals = Some(value.clone());
                clash || !within(b, value)
            }
            BinaryOp::In => {
                let TExprKind::Binary(_, _, list) = &c.expr.kind else {
                    continue;
                };
                let TExprKind::Const(Value::List(items)) = &list.kind else {
                    continue;
                };
                let items: Vec<Value> = items.to_vec();
                let clash = b.equals.as_ref().is_some_and(|e| !items.contains(e));
                b.one_of = Some(items);
                clash
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let Some(n) = number_of(value) else { continue };
                let strict = matches!(op, BinaryOp::Lt | BinaryOp::Gt);
                if matches!(op, BinaryOp::Gt | BinaryOp::Ge) {
                    if b.low.is_none_or(|(l, _)| n >= l) {
                        b.low = Some((n, strict));
                    }
                } else if b.high.is_none_or(|(h, _)| n <= h) {
                    b.high = Some((n, strict));
                }
                let empty = match (b.low, b.high) {
                    (Some((l, ls)), Some((h, hs))) => l > h || (l == h && (ls || hs)),
                    _ => false,
                };
                empty || b.equals.as_ref().is_some_and(|e| !within(b, e))
            }
            _ => false,
        };
        if clash {
            return Some(c);
        }
    }
    None
}

fn within(b: &Bounds, v: &Value) -> bool {
    let Some(n) = number_of(v) else { return true };
    b.low.is_none_or(|(l, s)| if s { n > l } else { n >= l })
        && b.high.is_none_or(|(h, s)| if s { n < h } else { n <= h })
}

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in &cx.program.campaigns {
        campaign(c, out);
    }
}

fn campaign(c: &Campaign, out: &mut Vec<Diagnostic>) {
    if let Some(bad) = contradictory(c.audience.iter()) {
        out.push(contradiction(bad, &format!("the audience of `{}`", c.id)));
        return;
    }
    for r in &c.rules {
        if let Some(bad) = contradictory(c.audience.iter().chain(r.conditions.iter())) {
            out.push(contradiction(bad, &format!("rule `{}`", r.name)));
        }
    }
}

fn contradiction(bad: &Condition, what: &str) -> Diagnostic {
    Diagnostic::new(CODE, bad.expr.span, format!("{what} can never match"))
        .label("contradicts an earlier condition")
        .help("check the bounds; perhaps `or` was meant")
}
