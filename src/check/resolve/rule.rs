//! An event rule: trigger, wait, conditions, limit, offer, revokes, alerts.

use super::{OnceOnly, Resolver};
use crate::check::program::*;
use crate::check::types::{TExprKind, Type};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::syntax::ast::{self, RuleClause};
use crate::value::Value;
use std::sync::Arc;

impl Resolver<'_> {
    pub(super) fn rule(&mut self, r: &ast::Rule, siblings: &[&ast::Rule], campaign: &Campaign) -> Option<Rule> {
        let tz = campaign.tz;
        let mut rule = Rule {
            name: Arc::from(r.name.text.as_str()),
            arm: None,
            triggers: Vec::new(),
            wait: None,
            conditions: Vec::new(),
            limit: None,
            offer: None,
            revokes: Vec::new(),
            alerts: Vec::new(),
            exclusive_with: None,
            exclusive_rules: Vec::new(),
            stackable: false,
            not_on_sale: false,
            cap: None,
            to: None,
            span: r.name.span,
        };
        let mut to: Option<&ast::Name> = None;
        if let Some(arm) = &r.arm {
            rule.arm = self.rule_arm(arm, campaign);
        }
        let mut once = OnceOnly::new(
            format!("rule `{}`", r.name.text),
            "keep one of them (join conditions with `and`)",
        );
        for clause in &r.clauses {
            match clause {
                RuleClause::On(names, span) => {
                    if once.seen(&mut self.diagnostics, "on", *span) {
                        continue;
                    }
                    for n in names {
                        let e = self.known_event(n);
                        rule.triggers.push(e);
                    }
                }
                RuleClause::Wait(w) => {
                    if once.seen(&mut self.diagnostics, "wait", w.span) {
                        continue;
                    }
                    let d = self.typed(&w.delay, &Type::Duration, "a wait", tz);
                    let delay = match d.kind {
                        TExprKind::Const(Value::Duration(ms)) => ms,
                        _ => 0,
                    };
                    let unless = w.unless.iter().map(|n| self.known_event(n)).collect();
                    rule.wait = Some(Wait { delay, unless });
                }
                RuleClause::When(e) => {
                    let conds = self.condition(e, tz);
                    rule.conditions.extend(conds);
                }
                RuleClause::Limit(l) => {
                    if once.seen(&mut self.diagnostics, "once", l.span) {
                        continue;
                    }
                    // A count too large for a limit is the parser's error, on the number.
                    if l.times < 1 {
                        self.error(
                            Diagnostic::new(Code::BadLiteral, l.span, "a limit must be at least 1")
                                .label("never issues")
                                .help("write `once per user` or `at most 3 per user`"),
                        );
                    }
                    let keys = l.keys.iter().map(|k| self.limit_key(k, tz)).collect();
                    rule.limit = Some(Limit {
                        times: l.times.max(1),
                        keys,
                    });
                }
                RuleClause::IssueCap(c) => {
                    if once.seen(&mut self.diagnostics, "at most … coupons per rule", c.span) {
                        continue;
                    }
                    rule.cap = self.issue_cap(c, ast::CapScope::Rule);
                }
                RuleClause::Give(o) => {
                    if once.seen(&mut self.diagnostics, "give", o.span) {
                        continue;
                    }
                    let explores = campaign
                        .experiment
                        .as_ref()
                        .is_some_and(|e| e.arms.iter().any(|a| a.explore));
                    rule.offer = self.offer(o, tz, campaign.response.is_some() || explores);
                    to = o.to.as_ref();
                }
                RuleClause::Revoke {
                    rule: target, reason, ..
                } => match siblings.iter().position(|s| s.name.text == target.text) {
                    Some(i) if siblings.get(i).is_some_and(|s| s.name.text != r.name.text) => {
                        rule.revokes.push(Revoke {
                            rule: i,
                            reason: Arc::from(reason.as_ref().map_or("revoked", |n| n.text.as_str())),
                        })
                    }
                    _ => self.unknown_rule(target, siblings, &campaign.id),
                },
                RuleClause::Alert(a) => {
                    let details = a
                        .details
                        .iter()
                        .map(|(n, e)| {
                            let (mut s, ()) = self.scope(tz);
                            (Arc::from(n.text.as_str()), s.expr(e))
                        })
                        .collect();
                    rule.alerts.push(AlertSpec {
                        target: Arc::from(a.target.text.as_str()),
                        details,
                    });
                }
                RuleClause::ExclusiveWith(refs, span) => {
                    if once.seen(&mut self.diagnostics, "exclusive", *span) {
                        continue;
                    }
                    let mut written = Vec::new();
                    for r in refs {
                        if let Some(id) = self.rule_ref(r, siblings, &campaign.id) {
                            written.push(if *id.campaign == *campaign.id {
                                id.rule.clone()
                            } else {
                                Arc::from(format!("{}/{}", id.campaign, id.rule))
                            });
                            rule.exclusive_rules.push(id);
                        }
                    }
                    rule.exclusive_with = Some(written);
                }
                RuleClause::Stackable(span) => {
                    if !once.seen(&mut self.diagnostics, "stackable", *span) {
                        rule.stackable = true;
                    }
                }
                RuleClause::NotOnSale(span) => {
                    if !once.seen(&mut self.diagnostics, "not on sale items", *span) {
                        rule.not_on_sale = true;
                    }
                }
            }
        }
        if rule.triggers.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingClause,
                    r.name.span,
                    format!("rule `{}` has no trigger", r.name.text),
                )
                .label("when does it run?")
                .help("add `on view_item` (or another event type)"),
            );
        }
        if let Some(name) = to {
            rule.to = self.recipient(name, &rule.triggers);
        }
        if rule.offer.is_none() && rule.alerts.is_empty() && rule.revokes.is_empty() {
            self.error(
                Diagnostic::new(
                    Code::MissingClause,
                    r.name.span,
                    format!("rule `{}` does nothing", r.name.text),
                )
                .label("no `give`, `alert` or `revoke`")
                .help("add `give amount_off ¥10 valid 72h` or an `alert`"),
            );
        }
        Some(rule)
    }

    /// `to inviter` / `to invitee`: a side of a referral, in a rule on `referral_completed`
    /// alone (E024).
    fn recipient(&mut self, name: &ast::Name, triggers: &[Arc<str>]) -> Option<Side> {
        let side = match name.text.as_str() {
            "inviter" => Side::Inviter,
            "invitee" => Side::Invitee,
            other => {
                let mut d = Diagnostic::new(
                    Code::BadRecipient,
                    name.span,
                    format!("`{other}` is not a side of a referral"),
                )
                .label("who gets the coupon?");
                d = match did_you_mean(other, ["inviter", "invitee"]) {
                    Some(s) => d.help(format!("did you mean `to {s}`?")),
                    None => d.help("write `to inviter` or `to invitee`"),
                };
                self.error(d);
                return None;
            }
        };
        if triggers.iter().any(|t| **t != *REFERRAL_EVENT) {
            let trigger = triggers.iter().find(|t| ***t != *REFERRAL_EVENT).map_or("", |t| &**t);
            self.error(
                Diagnostic::new(
                    Code::BadRecipient,
                    name.span,
                    format!("`to {}` needs a rule on `{REFERRAL_EVENT}` alone", side.as_str()),
                )
                .label(format!("`{trigger}` events name no {}", side.as_str()))
                .help(format!(
                    "write `on {REFERRAL_EVENT}` as the rule's only trigger, or leave out `to {}`",
                    side.as_str()
                )),
            );
            return None;
        }
        Some(side)
    }

    pub(super) fn unknown_rule(&mut self, n: &ast::Name, siblings: &[&ast::Rule], campaign: &str) {
        let mut d = Diagnostic::new(
            Code::UnknownRule,
            n.span,
            format!("campaign `{campaign}` has no rule `{}`", n.text),
        )
        .label("no such rule");
        if let Some(s) = did_you_mean(&n.text, siblings.iter().map(|r| r.name.text.as_str())) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        self.error(d);
    }

    /// A rule named in `exclusive with`: `base` (this campaign's) or `double11.base`.
    fn rule_ref(&mut self, r: &ast::RuleRef, siblings: &[&ast::Rule], campaign: &str) -> Option<RuleId> {
        let Some(other) = &r.campaign else {
            if siblings.iter().any(|s| s.name.text == r.rule.text) {
                return Some(RuleId {
                    campaign: Arc::from(campaign),
                    rule: Arc::from(r.rule.text.as_str()),
                });
            }
            self.unknown_rule(&r.rule, siblings, campaign);
            return None;
        };
        let Some((_, rules)) = self.campaign_rules.iter().find(|(c, _)| *c == other.text) else {
            let mut d = Diagnostic::new(
                Code::UnknownRule,
                other.span,
                format!("there is no campaign `{}`", other.text),
            )
            .label("no such campaign");
            d = match did_you_mean(&other.text, self.campaign_rules.iter().map(|(c, _)| c.as_str())) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("name a rule of another campaign as `campaign.rule`, such as `double11.base`"),
            };
            self.error(d);
            return None;
        };
        if !rules.contains(&r.rule.text) {
            let mut d = Diagnostic::new(
                Code::UnknownRule,
                r.rule.span,
                format!("campaign `{}` has no rule `{}`", other.text, r.rule.text),
            )
            .label("no such rule");
            if let Some(s) = did_you_mean(&r.rule.text, rules.iter().map(String::as_str)) {
                d = d.help(format!("did you mean `{s}`?"));
            }
            self.error(d);
            return None;
        }
        Some(RuleId {
            campaign: Arc::from(other.text.as_str()),
            rule: Arc::from(r.rule.text.as_str()),
        })
    }

    pub(super) fn limit_key(&mut self, k: &ast::PerKey, tz: chrono_tz::Tz) -> LimitKey {
        match k {
            ast::PerKey::Period(n) => match n.text.as_str() {
                "day" => LimitKey::Day,
                "week" => LimitKey::Week,
                // INVARIANT: the grammar's `period` is `day`, `week` or `month`.
                _ => LimitKey::Month,
            },
            ast::PerKey::Path(e) => {
                if let ast::ExprKind::Path(p) = &e.kind
                    && p.len() == 1
                    && p[0].text == "user"
                {
                    return LimitKey::User;
                }
                let (mut s, ()) = self.scope(tz);
                LimitKey::Value(s.expr(e))
            }
        }
    }
}
