//! `W011` unused model binding: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{self, CampaignClause, ExprKind};

pub const CODE: Code = Code::UnusedBinding;

/// `mintage explain W011` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "A `let` in a model is never used by `cost`, `gain` or another binding.

Remove it, or use it.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in cx.campaigns() {
        for clause in &c.clauses {
            if let CampaignClause::Model(m) = clause {
                model(m, out);
            }
        }
    }
}

fn model(m: &ast::Model, out: &mut Vec<Diagnostic>) {
    for (i, (name, _)) in m.bindings.iter().enumerate() {
        let mut later = m
            .bindings
            .iter()
            .skip(i + 1)
            .map(|(_, e)| e)
            .chain(m.outputs.iter().map(|(_, e)| e));
        if !later.any(|e| uses_name(e, &name.text)) {
            out.push(
                Diagnostic::new(CODE, name.span, format!("`{}` is never used", name.text))
                    .label("unused")
                    .help("remove it, or use it in `cost` or `gain`"),
            );
        }
    }
}

fn uses_name(e: &ast::Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Path(p) => p.len() == 1 && p[0].text == name,
        ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().any(|i| uses_name(i, name)),
        ExprKind::Unary(_, a) => uses_name(a, name),
        ExprKind::Binary(_, a, b) => uses_name(a, name) || uses_name(b, name),
        ExprKind::If(c, a, b) => uses_name(c, name) || uses_name(a, name) || uses_name(b, name),
        ExprKind::Where(_, c) => uses_name(c, name),
        _ => false,
    }
}
