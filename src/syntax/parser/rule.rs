//! Rules and their clauses: trigger, wait, condition, limit, offer, revoke, alert and
//! exclusivity.

use super::{Builder, P, Rule, children};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{self, Alert, CapScope, IssueCap, Limit, PerKey, RuleClause, Wait};

impl Builder {
    pub(super) fn rule(&self, pair: P<'_>) -> Result<ast::Rule, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let name = self.name(self.required(it.next(), span, "rule name")?);
        let arm = match it.peek().map(|p| p.as_rule()) {
            Some(Rule::name) => it.next().map(|p| self.name(p)),
            _ => None,
        };
        let clauses = it.map(|c| self.rule_clause(c)).collect::<Result<_, _>>()?;
        Ok(ast::Rule {
            name,
            arm,
            span,
            clauses,
        })
    }

    pub(super) fn rule_clause(&self, pair: P<'_>) -> Result<RuleClause, Diagnostic> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::on => RuleClause::On(self.name_list(children(pair).next(), span)?, span),
            Rule::wait => {
                let mut it = children(pair);
                let delay = self.required_expr(it.next(), span)?;
                let unless = it.next().map(|l| self.names(l)).unwrap_or_default();
                RuleClause::Wait(Wait { delay, unless, span })
            }
            Rule::when => RuleClause::When(self.required_expr(children(pair).next(), span)?),
            Rule::limit => RuleClause::Limit(self.limit(pair)?),
            Rule::issue_cap => RuleClause::IssueCap(self.issue_cap(pair)?),
            Rule::give => RuleClause::Give(Box::new(self.offer(self.required(
                children(pair).next(),
                span,
                "offer",
            )?)?)),
            Rule::revoke => {
                let mut it = children(pair);
                let rule = self.name(self.required(it.next(), span, "rule to revoke")?);
                RuleClause::Revoke {
                    rule,
                    reason: it.next().map(|r| self.name(r)),
                    span,
                }
            }
            Rule::alert => {
                let mut it = children(pair);
                let target = self.name(self.required(it.next(), span, "alert target")?);
                let details = it.map(|d| self.alert_detail(d)).collect::<Result<_, _>>()?;
                RuleClause::Alert(Alert { target, details, span })
            }
            Rule::exclusive_with => {
                // `exclusive` alone names no rules: the list is optional.
                let refs = children(pair).map(|r| self.rule_ref(r)).collect::<Result<_, _>>()?;
                RuleClause::ExclusiveWith(refs, span)
            }
            Rule::stackable => RuleClause::Stackable(span),
            Rule::not_on_sale => RuleClause::NotOnSale(span),
            _ => return Err(self.unexpected(&pair, "a rule")),
        })
    }

    /// `base` or `double11.base` in `exclusive with …`
    fn rule_ref(&self, pair: P<'_>) -> Result<ast::RuleRef, Diagnostic> {
        let span = self.span(&pair);
        if pair.as_rule() != Rule::rule_ref {
            return Err(self.unexpected(&pair, "`exclusive with`"));
        }
        let names: Vec<ast::Name> = children(pair).map(|n| self.name(n)).collect();
        Ok(match names.as_slice() {
            [campaign, rule] => ast::RuleRef {
                campaign: Some(campaign.clone()),
                rule: rule.clone(),
                span,
            },
            [rule] => ast::RuleRef {
                campaign: None,
                rule: rule.clone(),
                span,
            },
            _ => return Err(super::internal(span, "a rule reference has one or two names".into())),
        })
    }

    /// `once per user`, `at most 3 times per user per day`
    fn limit(&self, pair: P<'_>) -> Result<Limit, Diagnostic> {
        let span = self.span(&pair);
        let mut times = 1;
        let mut keys = Vec::new();
        for p in children(pair) {
            let pspan = self.span(&p);
            match p.as_rule() {
                Rule::once => times = 1,
                Rule::at_most => {
                    let n = self.required(children(p).next(), pspan, "number")?;
                    times = self.integer(n, "a limit", u32::MAX)?;
                }
                Rule::per_key => {
                    let k = self.required(p.into_inner().next(), pspan, "limit key")?;
                    keys.push(match k.as_rule() {
                        Rule::period => PerKey::Period(self.name(k)),
                        Rule::path => PerKey::Path(self.atom(k)?),
                        _ => return Err(self.unexpected(&k, "a limit key")),
                    });
                }
                _ => return Err(self.unexpected(&p, "a limit")),
            }
        }
        Ok(Limit { times, keys, span })
    }

    /// `at most 500 coupons per campaign`, `at most 100 coupons per rule`
    pub(super) fn issue_cap(&self, pair: P<'_>) -> Result<IssueCap, Diagnostic> {
        let span = self.span(&pair);
        let mut count = None;
        let mut scope = None;
        for p in children(pair) {
            match p.as_rule() {
                Rule::integer => count = Some(self.integer(p, "a cap", u32::MAX)?),
                Rule::cap_scope => {
                    scope = Some(match p.as_str() {
                        "rule" => CapScope::Rule,
                        _ => CapScope::Campaign,
                    })
                }
                _ => {}
            }
        }
        Ok(IssueCap {
            count: self.required(count, span, "number of coupons")?,
            scope: self.required(scope, span, "`per campaign` or `per rule`")?,
            span,
        })
    }

    /// `reason: "velocity"` in `alert risk_team with reason: "velocity"`
    fn alert_detail(&self, pair: P<'_>) -> Result<(ast::Name, ast::Expr), Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.name(self.required(it.next(), span, "detail name")?);
        Ok((name, self.expr(self.required(it.next(), span, "detail value")?)?))
    }
}
