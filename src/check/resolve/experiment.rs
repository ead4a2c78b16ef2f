//! Experiments: arms, weights and holdouts.

use super::Resolver;
use crate::check::program::*;
use crate::check::types::{TExprKind, Type};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast;
use crate::value::Millis;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

impl Resolver<'_> {
    pub(super) fn experiment(&mut self, e: &ast::Experiment, tz: chrono_tz::Tz) -> Option<Experiment> {
        let unit = self.typed(&e.unit, &Type::Str, "the experiment's unit", tz);
        for span in &e.repeated {
            self.error(
                Diagnostic::new(Code::RepeatedClause, *span, "this experiment clause is given twice")
                    .label("again")
                    .help("keep one of them"),
            );
        }
        let measure = match &e.measure {
            None => DEFAULT_MEASURE,
            Some(m) => self.measure(m, tz),
        };
        let mut arms = Vec::new();
        let mut total = 0;
        let mut seen: HashMap<String, Span> = HashMap::new();
        for a in &e.arms {
            if let Some(first) = seen.insert(a.name.text.clone(), a.name.span) {
                self.duplicate("arm", &a.name, first);
            }
            let weight = match a.weight.kind {
                ast::ExprKind::Percent(bp) => bp,
                _ => 0,
            };
            total += weight;
            arms.push(Arm {
                name: Arc::from(a.name.text.as_str()),
                weight,
                holdout: None,
                explore: a.random_offer,
            });
        }
        for (i, a) in e.arms.iter().enumerate() {
            let Some(held) = &a.holds_out else { continue };
            let mut targets = Vec::new();
            for n in held {
                match e.arms.iter().position(|x| x.name.text == n.text) {
                    Some(j) if j != i => {
                        if !targets.contains(&j) {
                            targets.push(j);
                        }
                    }
                    _ => self.unknown_arm(n, &e.arms),
                }
            }
            if let Some(arm) = arms.get_mut(i) {
                arm.holdout = Some(targets);
            }
        }
        if total != 10_000 {
            self.error(
                Diagnostic::new(
                    Code::BadWeights,
                    e.name.span,
                    format!(
                        "the arms of `{}` add up to {}, not 100%",
                        e.name.text,
                        Value::Percent(total)
                    ),
                )
                .label("weights")
                .help("change the weights so that every user falls in exactly one arm"),
            );
        }
        Some(Experiment {
            name: Arc::from(e.name.text.as_str()),
            unit,
            seed: Arc::from(e.seed.clone().unwrap_or_else(|| e.name.text.clone()).as_str()),
            measure,
            arms,
        })
    }

    /// `measure 14d`: a whole number of hours from one hour to a year.
    fn measure(&mut self, m: &ast::Expr, tz: chrono_tz::Tz) -> Millis {
        const HOUR: Millis = 3_600_000;
        const YEAR: Millis = 365 * 24 * HOUR;
        let t = self.typed(m, &Type::Duration, "an attribution window", tz);
        match t.kind {
            TExprKind::Const(Value::Duration(ms)) if (HOUR..=YEAR).contains(&ms) && ms % HOUR == 0 => ms,
            TExprKind::Const(Value::Duration(_)) => {
                self.error(
                    Diagnostic::new(
                        Code::BadLiteral,
                        m.span,
                        "an attribution window is whole hours from `1h` to `365d`",
                    )
                    .label("out of range")
                    .help("orders count from a user's exposure until this long after it: write `measure 14d`"),
                );
                DEFAULT_MEASURE
            }
            _ => DEFAULT_MEASURE,
        }
    }

    /// A bare `holds out` holds out the rules outside arms: in a campaign whose rules are
    /// all `in` arms it would hold out nothing, and its users would count as treated.
    pub(super) fn bare_holdouts(&mut self, e: &Experiment, ast_e: &ast::Experiment, rules: &[Rule], is_batch: bool) {
        // A batch campaign's segments are in no arm: a bare holdout holds them out.
        if is_batch || rules.iter().any(|r| r.arm.is_none()) {
            return;
        }
        let treated: Vec<&str> = e
            .arms
            .iter()
            .filter(|a| a.holdout.is_none())
            .map(|a| &*a.name)
            .filter(|name| {
                rules
                    .iter()
                    .any(|r| r.arm.and_then(|i| e.arms.get(i)).is_some_and(|a| &*a.name == *name))
            })
            .collect();
        for (arm, a) in e.arms.iter().zip(&ast_e.arms) {
            if arm.holdout.as_ref().is_some_and(Vec::is_empty) {
                let what = if treated.is_empty() {
                    "the arms it is compared with".to_string()
                } else {
                    treated.join(", ")
                };
                self.error(
                    Diagnostic::new(
                        Code::EmptyHoldout,
                        a.name.span,
                        format!(
                            "holdout `{}` holds out nothing: every rule of the campaign is in an arm",
                            a.name.text
                        ),
                    )
                    .label("a bare `holds out` holds out the rules outside arms")
                    .help(format!(
                        "name the arms it holds out: `arm {} {} holds out {what}`",
                        a.name.text,
                        Value::Percent(arm.weight)
                    )),
                );
            }
        }
    }

    pub(super) fn unknown_arm(&mut self, n: &ast::Name, arms: &[ast::Arm]) {
        let mut d = Diagnostic::new(Code::UnknownArm, n.span, format!("unknown arm `{}`", n.text)).label("no such arm");
        d = match did_you_mean(&n.text, arms.iter().map(|a| a.name.text.as_str())) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None => d.help(format!(
                "the arms are {}",
                arms.iter()
                    .map(|a| format!("`{}`", a.name.text))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.error(d);
    }

    /// The arm a rule is placed `in`, by its position in the campaign's experiment.
    pub(super) fn rule_arm(&mut self, arm: &ast::Name, campaign: &Campaign) -> Option<usize> {
        match &campaign.experiment {
            None => self.error(
                Diagnostic::new(
                    Code::UnknownArm,
                    arm.span,
                    format!("campaign `{}` has no experiment", campaign.id),
                )
                .label("no arms to choose from")
                .help("add an `experiment NAME by user.id { arm … }` block, or remove `in ARM`"),
            ),
            Some(e) => match e.arms.iter().position(|a| *a.name == *arm.text) {
                Some(i) => return Some(i),
                None => {
                    let mut d = Diagnostic::new(Code::UnknownArm, arm.span, format!("unknown arm `{}`", arm.text))
                        .label("no such arm");
                    if let Some(s) = did_you_mean(&arm.text, e.arms.iter().map(|a| &*a.name)) {
                        d = d.help(format!("did you mean `{s}`?"));
                    }
                    self.error(d);
                }
            },
        }
        None
    }
}
