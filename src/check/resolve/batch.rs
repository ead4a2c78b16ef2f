//! Batch campaigns: segments with their offers and the response model.

use super::Resolver;
use crate::check::expr::Scope;
use crate::check::program::*;
use crate::check::types::{TExpr, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, CampaignClause};
use std::collections::HashMap;
use std::sync::Arc;

impl Resolver<'_> {
    pub(super) fn batch(&mut self, c: &ast::Campaign, campaign: &Campaign) -> Option<Batch> {
        let tz = campaign.tz;
        let mut segments = Vec::new();
        let mut seen: HashMap<String, Span> = HashMap::new();
        let mut model = None;
        let mut maximize = None;
        for clause in &c.clauses {
            match clause {
                CampaignClause::Segment(s) => {
                    if let Some(first) = seen.insert(s.name.text.clone(), s.name.span) {
                        self.duplicate("segment", &s.name, first);
                    }
                    let when = s.when.as_ref().map(|e| {
                        let expr = self.typed(e, &Type::Bool, "a segment condition", tz);
                        Condition {
                            text: self
                                .sources
                                .snippet(e.span)
                                .split_whitespace()
                                .collect::<Vec<_>>()
                                .join(" "),
                            expr,
                        }
                    });
                    for to in s.offers.iter().filter_map(|o| o.to.as_ref()) {
                        self.error(
                            Diagnostic::new(
                                Code::BadRecipient,
                                to.span,
                                format!("`to {}` in a batch segment", to.text),
                            )
                            .label("a batch run gives each user row its own coupon")
                            .help(
                                "leave out `to …`; only a rule on `referral_completed` gives to an inviter or invitee",
                            ),
                        );
                    }
                    let offers: Vec<OfferSpec> = s.offers.iter().filter_map(|o| self.offer(o, tz, true)).collect();
                    if offers.is_empty() {
                        self.error(
                            Diagnostic::new(
                                Code::MissingClause,
                                s.name.span,
                                format!("segment `{}` offers nothing", s.name.text),
                            )
                            .label("no `give`")
                            .help("add `give amount_off ¥20 min_spend ¥200 valid 7d`"),
                        );
                    }
                    segments.push(Segment {
                        name: Arc::from(s.name.text.as_str()),
                        when,
                        offers,
                    });
                }
                CampaignClause::Model(m) => {
                    if model.is_some() {
                        self.error(
                            Diagnostic::new(Code::RepeatedClause, m.span, "`model` is given twice").label("second"),
                        );
                        continue;
                    }
                    model = Some(m);
                }
                CampaignClause::Maximize(n) => {
                    if n.text != "gain" {
                        self.error(
                            Diagnostic::new(Code::BadObjective, n.span, format!("cannot maximize `{}`", n.text))
                                .label("the objective is the expected gain")
                                .help("write `maximize gain`; cost is bounded by the budget"),
                        );
                    }
                    maximize = Some(n);
                }
                _ => {}
            }
        }
        let _ = maximize;
        if segments.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingClause,
                    c.name.span,
                    format!("batch campaign `{}` has no segments", c.name.text),
                )
                .label("whom does it offer what?")
                .help("add `segment everyone { give amount_off ¥20 valid 7d }`"),
            );
        }
        let Some(m) = model else {
            if campaign.response.is_some() {
                // The response model values every offer; nothing else to write.
                let zero = TExpr {
                    kind: crate::check::types::TExprKind::Const(crate::value::Value::Money(0)),
                    ty: Type::Money,
                    span: c.name.span,
                };
                return Some(Batch {
                    segments,
                    bindings: Vec::new(),
                    cost: zero.clone(),
                    gain: zero,
                });
            }
            self.error(
                Diagnostic::new(
                    Code::MissingClause,
                    c.name.span,
                    format!("batch campaign `{}` has no model", c.name.text),
                )
                .label("how does it value offers?")
                .help(
                    "add `model { cost = … gain = … }`: the expected cost and gain of an offer to a user; \
                     or `response from \"MODEL.json\"`, a response `mintage fit` learned",
                ),
            );
            return None;
        };
        let mut locals: Vec<(String, Type)> = Vec::new();
        let mut bindings = Vec::new();
        let mut typed_outputs: HashMap<String, TExpr> = HashMap::new();
        {
            for (name, e) in &m.bindings {
                let mut s = Scope {
                    declared: &self.declared,
                    events: &self.events,
                    aggregates: &mut self.aggregates,
                    profile: &self.profile,
                    functions: &self.functions,
                    locals: locals.clone(),
                    offer: true,
                    batch: true,
                    tz,
                    diagnostics: &mut self.diagnostics,
                };
                let t = s.expr(e);
                if locals.iter().any(|(n, _)| *n == name.text) {
                    self.error(
                        Diagnostic::new(Code::Duplicate, name.span, format!("`{}` is bound twice", name.text))
                            .label("again"),
                    );
                }
                locals.push((name.text.clone(), t.ty.clone()));
                bindings.push((Arc::from(name.text.as_str()), t));
            }
            for (name, e) in &m.outputs {
                let mut s = Scope {
                    declared: &self.declared,
                    events: &self.events,
                    aggregates: &mut self.aggregates,
                    profile: &self.profile,
                    functions: &self.functions,
                    locals: locals.clone(),
                    offer: true,
                    batch: true,
                    tz,
                    diagnostics: &mut self.diagnostics,
                };
                let t = s.expect(e, &Type::Money, &format!("the expected {}", name.text));
                if typed_outputs.insert(name.text.clone(), t).is_some() {
                    self.error(
                        Diagnostic::new(
                            Code::RepeatedClause,
                            name.span,
                            format!("`{}` is given twice", name.text),
                        )
                        .label("again"),
                    );
                }
            }
        }
        let (Some(cost), Some(gain)) = (typed_outputs.remove("cost"), typed_outputs.remove("gain")) else {
            self.error(
                Diagnostic::new(Code::MissingClause, m.span, "the model must set both `cost` and `gain`")
                    .label("incomplete model")
                    .help("add `cost = p * value` and `gain = (p - p0) * aov` (money)"),
            );
            return None;
        };
        Some(Batch {
            segments,
            bindings,
            cost,
            gain,
        })
    }
}
