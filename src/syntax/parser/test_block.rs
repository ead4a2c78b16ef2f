//! Tests written in the rule language: `test "name" { user … event … tick … expect … }`.

use super::{Builder, P, Rule, children};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{Expectation, TestBlock, TestStep};

impl Builder {
    pub(super) fn test(&self, pair: P<'_>) -> Result<TestBlock, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = self.string(self.required(it.next(), span, "test name")?)?;
        let steps = it.map(|step| self.test_step(step)).collect::<Result<_, _>>()?;
        Ok(TestBlock { name, steps, span })
    }

    fn test_step(&self, step: P<'_>) -> Result<TestStep, Diagnostic> {
        let span = self.span(&step);
        Ok(match step.as_rule() {
            Rule::test_user => {
                let body = self.required(step.into_inner().next(), span, "user object")?;
                TestStep::User(body.as_str().to_string(), span)
            }
            Rule::test_event => {
                let mut it = children(step);
                let kind = self.name(self.required(it.next(), span, "event type")?);
                let at = self.datetime(self.required(it.next(), span, "event time")?);
                TestStep::Event {
                    kind,
                    at,
                    body: it.next().map(|j| j.as_str().to_string()),
                    span,
                }
            }
            Rule::test_tick => TestStep::Tick(self.datetime(self.required(children(step).next(), span, "time")?), span),
            Rule::test_batch => {
                let mut it = children(step);
                // The rows as written, one way apart: `mintage fmt` lays them out one per line.
                let rows = self.required(it.next(), span, "user rows")?;
                let users = format!(
                    "[{}]",
                    rows.into_inner().map(|r| r.as_str()).collect::<Vec<_>>().join(", ")
                );
                let at = self.datetime(self.required(it.next(), span, "run time")?);
                let budget = it.next().map(|b| self.atom(b)).transpose()?;
                TestStep::Batch {
                    users,
                    at,
                    budget,
                    span,
                }
            }
            Rule::test_expect => {
                let mut it = children(step);
                let first = self.required(it.next(), span, "expectation")?;
                if first.as_rule() == Rule::string {
                    let user = self.string(first)?;
                    let e = self.required(it.next(), span, "expectation")?;
                    TestStep::ExpectFor(user, self.expectation(e)?, span)
                } else {
                    TestStep::Expect(self.expectation(first)?, span)
                }
            }
            _ => return Err(self.unexpected(&step, "a test")),
        })
    }

    fn expectation(&self, e: P<'_>) -> Result<Expectation, Diagnostic> {
        let span = self.span(&e);
        let mut it = children(e.clone());
        Ok(match e.as_rule() {
            Rule::expect_nothing => Expectation::Nothing,
            Rule::expect_coupon => {
                let rule = self.name(self.required(it.next(), span, "rule name")?);
                let offer = it.next().map(|o| self.offer(o).map(Box::new)).transpose()?;
                Expectation::Coupon(rule, offer)
            }
            Rule::expect_suppressed => {
                let rule = self.name(self.required(it.next(), span, "rule name")?);
                let reason = self.required(it.next(), span, "reason")?;
                Expectation::Suppressed(rule, reason.as_str().to_string())
            }
            Rule::expect_revoked => {
                let rule = self.name(self.required(it.next(), span, "rule name")?);
                Expectation::Revoked(rule, it.next().map(|r| self.name(r)))
            }
            Rule::expect_alert => Expectation::Alert(self.name(self.required(it.next(), span, "alert target")?)),
            _ => return Err(self.unexpected(&e, "an expectation")),
        })
    }
}
