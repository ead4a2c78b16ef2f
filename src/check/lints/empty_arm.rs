//! `W008` experiment arm without rules: see [`EXPLANATION`].

use super::Context;
use crate::check::program::Campaign;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{self, CampaignClause};
use crate::value::Value;

pub const CODE: Code = Code::EmptyArm;

/// `mintage explain W008` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "An arm of an experiment has no rules and is not a holdout: its users get nothing from
the campaign but are not reported as held out either.

Add rules `in` the arm, or make it a holdout: `arm control 10% holds out`.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in &cx.program.campaigns {
        campaign(cx, c, out);
    }
}

fn campaign(cx: &Context<'_>, c: &Campaign, out: &mut Vec<Diagnostic>) {
    let Some(e) = &c.experiment else { return };
    let Some(a) = cx.campaign_ast(c) else {
        return;
    };
    let arms_ast: Vec<&ast::Arm> = a
        .clauses
        .iter()
        .filter_map(|k| match k {
            CampaignClause::Experiment(x) => Some(x.arms.iter()),
            _ => None,
        })
        .flatten()
        .collect();
    let has_shared_rules = c.rules.iter().any(|r| r.arm.is_none());
    for (i, arm) in e.arms.iter().enumerate() {
        // A batch campaign's segments are in no arm: every arm runs them.
        let used =
            c.rules.iter().any(|r| r.arm == Some(i)) || arm.holdout.is_some() || has_shared_rules || c.batch.is_some();
        if !used && let Some(ast_arm) = arms_ast.get(i) {
            out.push(
                Diagnostic::new(CODE, ast_arm.name.span, format!("arm `{}` has no rules", arm.name))
                    .label("its users get nothing")
                    .help(format!(
                        "add rules `in {}`, or make it a holdout: `arm {} {} holds out`",
                        arm.name,
                        arm.name,
                        Value::Percent(arm.weight)
                    )),
            );
        }
    }
}
