//! `W006` percentage above 100: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, CampaignClause, ExprKind};
use crate::value::Value;

pub const CODE: Code = Code::PercentOver100;

/// `mintage explain W006` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "A percent-off offer or funding share is above 100 %. A discount above 100 % would
pay the buyer.

Check the number: perhaps `15%` was meant, not `150%`.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for o in cx.offers() {
        let mut percents = Vec::new();
        match &o.value {
            Some(ast::Choice::One(e)) => collect_percents(e, &mut percents),
            Some(ast::Choice::Menu(items, _)) => items.iter().for_each(|e| collect_percents(e, &mut percents)),
            None => {}
        }
        for (bp, span) in percents.into_iter().filter(|(bp, _)| *bp > 10_000) {
            out.push(
                Diagnostic::new(CODE, span, format!("{} off is more than the price", Value::Percent(bp)))
                    .label("above 100%")
                    .help("check the number: perhaps a smaller percentage was meant"),
            );
        }
        if let Some(f) = &o.funded {
            funding(f, out);
        }
    }
    for c in cx.campaigns() {
        for clause in &c.clauses {
            if let CampaignClause::Funding(f) = clause {
                funding(f, out);
            }
        }
    }
}

/// The percentages an offer's value can take: a literal, or either branch of an `if`.
fn collect_percents(e: &ast::Expr, out: &mut Vec<(i64, Span)>) {
    match &e.kind {
        ExprKind::Percent(bp) => out.push((*bp, e.span)),
        ExprKind::If(_, a, b) => {
            collect_percents(a, out);
            collect_percents(b, out);
        }
        _ => {}
    }
}

fn funding(f: &ast::Funding, out: &mut Vec<Diagnostic>) {
    for s in &f.shares {
        if let ExprKind::Percent(bp) = s.percent.kind
            && bp > 10_000
        {
            out.push(
                Diagnostic::new(CODE, s.percent.span, "a funding share above 100%")
                    .label("above 100%")
                    .help("shares are parts of the discount and add up to 100%"),
            );
        }
    }
}
