//! `W009` rule without a limit: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{CampaignClause, RuleClause};

pub const CODE: Code = Code::NoLimit;

/// `mintage explain W009` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "An event rule that gives a coupon has no `once per …` or `at most N per …` limit, so
it issues a new coupon on every matching event.

Add a limit such as `once per user`.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in cx.campaigns() {
        // A batch campaign's rules are an error of their own.
        if c.clauses.iter().any(|k| matches!(k, CampaignClause::Batch(_))) {
            continue;
        }
        for clause in &c.clauses {
            let CampaignClause::Rule(r) = clause else { continue };
            let has_limit = r.clauses.iter().any(|rc| matches!(rc, RuleClause::Limit(_)));
            let gives = r.clauses.iter().any(|rc| matches!(rc, RuleClause::Give(_)));
            if gives && !has_limit {
                out.push(
                    Diagnostic::new(CODE, r.name.span, format!("rule `{}` has no limit", r.name.text))
                        .label("issues on every matching event")
                        .help("add `once per user` (or `at most 3 per user per day`)"),
                );
            }
        }
    }
}
