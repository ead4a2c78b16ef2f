//! The risk policy: checks that withhold a coupon about to be issued.

use super::Resolver;
use crate::check::program::*;
use crate::check::types::Type;
use crate::source::Span;
use crate::syntax::ast;
use std::collections::HashMap;
use std::sync::Arc;

impl Resolver<'_> {
    /// The checks of a `risk` block (names are unique across all blocks).
    pub(super) fn risk(&mut self, r: &ast::RiskPolicy, seen: &mut HashMap<String, Span>, out: &mut Vec<RiskCheck>) {
        for check in &r.checks {
            if let Some(first) = seen.insert(check.name.text.clone(), check.name.span) {
                self.duplicate("risk check", &check.name, first);
                continue;
            }
            let mut conds = self.condition(&check.when, self.zone);
            let when = if conds.len() == 1 {
                conds.remove(0)
            } else {
                let expr = self.typed(&check.when, &Type::Bool, "a condition", self.zone);
                Condition {
                    text: self.sources.snippet(check.when.span).to_string(),
                    expr,
                }
            };
            out.push(RiskCheck {
                name: Arc::from(check.name.text.as_str()),
                reason: Arc::from(format!("risk:{}", check.name.text).as_str()),
                when,
            });
        }
    }
}
