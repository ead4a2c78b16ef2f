//! `W007` timer longer than the window: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{CampaignClause, ExprKind, RuleClause};

pub const CODE: Code = Code::TimerOutlivesWindow;

/// `mintage explain W007` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "A `wait` is at least as long as the campaign's window, so its follow-up can never be
issued inside the window.

Shorten the wait or lengthen the window.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in &cx.program.campaigns {
        let Some((start, end)) = c.window else { continue };
        let Some(a) = cx.campaign_ast(c) else { continue };
        for k in &a.clauses {
            let CampaignClause::Rule(r) = k else { continue };
            for rc in &r.clauses {
                if let RuleClause::Wait(w) = rc
                    && let ExprKind::Duration(ms) = w.delay.kind
                    && ms >= end - start
                {
                    out.push(
                        Diagnostic::new(
                            CODE,
                            w.delay.span,
                            format!("rule `{}` waits longer than its campaign runs", r.name.text),
                        )
                        .label("longer than the window")
                        .help("shorten the wait or lengthen the window"),
                    );
                }
            }
        }
    }
}
