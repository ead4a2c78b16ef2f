//! Rule tests: the `test "…" { … }` blocks authors write beside their rules. Each runs
//! its events through a fresh runtime holding every loaded campaign, and compares what
//! each event produced with the `expect` lines that follow it.

use crate::check::expr::local_time;
use crate::check::program::Program;
use crate::runtime::codes::CodeMinter;
use crate::runtime::decision::Decision;
use crate::runtime::engine::{Rules, Runtime};
use crate::runtime::event::Event;
use crate::syntax::ast::{Expectation, Offer, OfferKind, TestBlock, TestStep, Validity};
use crate::syntax::span::Sources;
use crate::value::{Value, time_string};
use serde_json::{Map, Value as Json};
use std::sync::Arc;

/// The result of one test block.
#[derive(Debug, Clone)]
pub struct TestOutcome {
    pub name: String,
    pub location: String,
    pub failures: Vec<String>,
}

impl TestOutcome {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// One produced outcome, in the words an `expect` line uses.
#[derive(Debug, Clone, PartialEq)]
struct Got {
    line: String,
    kind: &'static str,
    rule: String,
    coupon: Option<crate::runtime::decision::Coupon>,
    reason: String,
}

pub fn run_all(program: &Program) -> Vec<TestOutcome> {
    let rules = Arc::new(Rules::new(program.clone()));
    program
        .tests
        .iter()
        .map(|t| run_one(&rules, &program.sources, t))
        .collect()
}

fn run_one(rules: &Arc<Rules>, sources: &Sources, test: &TestBlock) -> TestOutcome {
    let (line, _) = sources.line_col(test.span);
    let location = format!("{}:{line}", sources.name(test.span.file));
    let mut out = TestOutcome {
        name: test.name.clone(),
        location,
        failures: Vec::new(),
    };
    let mut runtime = Runtime::new(rules.clone(), CodeMinter::seeded(1));
    let tz = rules.compiled.program.zone;
    let mut user = Map::new();
    let mut produced: Vec<Got> = Vec::new();
    let mut expected: Vec<(Expectation, String)> = Vec::new();
    let mut step_name = String::from("the start");
    // The latest code each rule issued, for `"$coupon:RULE"` in later events.
    let mut codes: Vec<(String, String)> = Vec::new();
    let mut counter = 0;
    let flush =
        |expected: &mut Vec<(Expectation, String)>, produced: &Vec<Got>, step: &str, failures: &mut Vec<String>| {
            if expected.is_empty() {
                return;
            }
            if let Some(f) = compare(expected, produced, step) {
                failures.push(f);
            }
            expected.clear();
        };
    for step in &test.steps {
        match step {
            TestStep::User(json, span) => match serde_json::from_str::<Map<String, Json>>(json) {
                Ok(m) => user.extend(m),
                Err(e) => out
                    .failures
                    .push(format!("{}: bad user JSON: {e}", where_(sources, *span))),
            },
            TestStep::Event { kind, at, body, span } => {
                flush(&mut expected, &produced, &step_name, &mut out.failures);
                counter += 1;
                let Ok(ms) = local_time(at, tz) else {
                    out.failures
                        .push(format!("{}: bad time `{}`", where_(sources, *span), at.text));
                    continue;
                };
                let mut ev = Map::new();
                ev.insert("id".into(), Json::from(format!("test-{counter}")));
                ev.insert("type".into(), Json::from(kind.text.clone()));
                ev.insert("at".into(), Json::from(time_string(ms, tz)));
                if !matches!(kind.text.as_str(), "tick" | "signal") {
                    ev.insert("user".into(), Json::Object(user.clone()));
                }
                if let Some(body) = body {
                    let body = substitute_codes(body, &codes);
                    match serde_json::from_str::<Map<String, Json>>(&body) {
                        Ok(extra) => merge(&mut ev, extra),
                        Err(e) => {
                            out.failures
                                .push(format!("{}: bad event JSON: {e}", where_(sources, *span)));
                            continue;
                        }
                    }
                }
                step_name = format!("`event {} at {}`", kind.text, at.text);
                produced = run_event(&mut runtime, &Json::Object(ev), &mut out.failures, &step_name);
                remember_codes(&produced, &mut codes);
            }
            TestStep::Tick(at, span) => {
                flush(&mut expected, &produced, &step_name, &mut out.failures);
                counter += 1;
                let Ok(ms) = local_time(at, tz) else {
                    out.failures
                        .push(format!("{}: bad time `{}`", where_(sources, *span), at.text));
                    continue;
                };
                let ev =
                    serde_json::json!({"id": format!("test-{counter}"), "type": "tick", "at": time_string(ms, tz)});
                step_name = format!("`tick {}`", at.text);
                produced = run_event(&mut runtime, &ev, &mut out.failures, &step_name);
                remember_codes(&produced, &mut codes);
            }
            TestStep::Expect(e, span) => expected.push((e.clone(), sources.snippet(*span).trim().to_string())),
        }
    }
    flush(&mut expected, &produced, &step_name, &mut out.failures);
    out
}

fn remember_codes(produced: &[Got], codes: &mut Vec<(String, String)>) {
    for g in produced {
        if let Some(c) = &g.coupon {
            codes.retain(|(rule, _)| *rule != g.rule);
            codes.push((g.rule.clone(), c.code.clone()));
        }
    }
}

/// Replaces `"$coupon:RULE"` in an event's JSON with the code that rule issued last.
fn substitute_codes(body: &str, codes: &[(String, String)]) -> String {
    let mut out = body.to_string();
    for (rule, code) in codes {
        out = out.replace(&format!("\"$coupon:{rule}\""), &format!("\"{code}\""));
    }
    out
}

fn where_(sources: &Sources, span: crate::syntax::Span) -> String {
    let (l, c) = sources.line_col(span);
    format!("{}:{l}:{c}", sources.name(span.file))
}

fn merge(into: &mut Map<String, Json>, extra: Map<String, Json>) {
    for (k, v) in extra {
        match (into.get_mut(&k), v) {
            (Some(Json::Object(a)), Json::Object(b)) => merge(a, b),
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

fn run_event(runtime: &mut Runtime, ev: &Json, failures: &mut Vec<String>, step: &str) -> Vec<Got> {
    let event = match Event::from_json(&ev.to_string()) {
        Ok(e) => e,
        Err(e) => {
            failures.push(format!("after {step}: the event is invalid: {e}"));
            return Vec::new();
        }
    };
    runtime.process(&event).iter().flat_map(describe).collect()
}

fn got(
    kind: &'static str,
    rule: &str,
    line: String,
    coupon: Option<&crate::runtime::decision::Coupon>,
    reason: &str,
) -> Got {
    Got {
        line,
        kind,
        rule: rule.to_string(),
        coupon: coupon.cloned(),
        reason: reason.to_string(),
    }
}

fn describe(d: &Decision) -> Vec<Got> {
    let coupons = d.coupons.iter().map(|c| {
        got(
            "coupon",
            &c.rule,
            format!("coupon {} {}", c.rule, coupon_words(c)),
            Some(c),
            "",
        )
    });
    let suppressed = d.suppressed.iter().map(|s| {
        got(
            "suppressed",
            &s.rule,
            format!("suppressed {} {}", s.rule, s.reason),
            None,
            &s.reason,
        )
    });
    let revoked = d.revoked.iter().map(|r| {
        got(
            "revoked",
            &r.rule,
            format!("revoked {} as {}", r.rule, r.reason),
            None,
            &r.reason,
        )
    });
    let alerts = d
        .actions
        .iter()
        .map(|a| got("alert", &a.target, format!("alert {}", a.target), None, ""));
    coupons.chain(suppressed).chain(revoked).chain(alerts).collect()
}

fn coupon_words(c: &crate::runtime::decision::Coupon) -> String {
    let mut w = vec![c.kind.to_string()];
    if let Some(a) = c.amount {
        w.push(Value::Money(a).to_string());
    }
    if let Some(p) = c.percent {
        w.push(Value::Percent(p).to_string());
    }
    if let Some(cap) = c.cap {
        w.push(format!("cap {}", Value::Money(cap)));
    }
    if c.min_spend > 0 {
        w.push(format!("min_spend {}", Value::Money(c.min_spend)));
    }
    if !c.categories.is_empty() {
        w.push(format!(
            "for {:?}",
            c.categories.iter().map(|s| s.to_string()).collect::<Vec<_>>()
        ));
    }
    w.push(format!(
        "valid {}",
        crate::value::duration_string(c.valid_until - c.valid_from)
    ));
    w.join(" ")
}

fn literal(e: &crate::syntax::ast::Expr) -> Option<Value> {
    use crate::syntax::ast::ExprKind;
    Some(match &e.kind {
        ExprKind::Money(m) => Value::Money(*m),
        ExprKind::Percent(p) => Value::Percent(*p),
        ExprKind::Str(s) => Value::str(s),
        _ => return None,
    })
}

fn offer_matches(o: &Offer, c: &crate::runtime::decision::Coupon) -> bool {
    if o.kind.as_str() != c.kind {
        return false;
    }
    let value = match &o.value {
        Some(crate::syntax::ast::Choice::One(e)) => literal(e),
        _ => None,
    };
    let value_ok = match (o.kind, value) {
        (OfferKind::PercentOff, Some(Value::Percent(p))) => c.percent == Some(p),
        (_, Some(Value::Money(m))) => c.amount == Some(m),
        _ => true,
    };
    let money_ok = |e: &Option<crate::syntax::ast::Expr>, got: Option<i64>| match e.as_ref().and_then(literal) {
        Some(Value::Money(m)) => got == Some(m),
        _ => true,
    };
    let validity_ok = match &o.validity {
        Some(Validity::For(e)) => match e.kind {
            crate::syntax::ast::ExprKind::Duration(ms) => c.valid_until - c.valid_from == ms,
            _ => true,
        },
        _ => true,
    };
    let scope_ok = match o.scope.as_ref().and_then(literal) {
        Some(Value::Str(s)) => c.categories.iter().any(|x| **x == *s),
        _ => true,
    };
    value_ok && money_ok(&o.min_spend, Some(c.min_spend)) && money_ok(&o.cap, c.cap) && validity_ok && scope_ok
}

fn matches(e: &Expectation, g: &Got) -> bool {
    match e {
        Expectation::Nothing => false,
        Expectation::Coupon(rule, offer) => {
            g.kind == "coupon"
                && g.rule == rule.text
                && offer
                    .as_ref()
                    .is_none_or(|o| g.coupon.as_ref().is_some_and(|c| offer_matches(o, c)))
        }
        Expectation::Suppressed(rule, reason) => g.kind == "suppressed" && g.rule == rule.text && g.reason == *reason,
        Expectation::Revoked(rule, reason) => {
            g.kind == "revoked" && g.rule == rule.text && reason.as_ref().is_none_or(|r| r.text == g.reason)
        }
        Expectation::Alert(target) => g.kind == "alert" && g.rule == target.text,
    }
}

fn compare(expected: &[(Expectation, String)], produced: &[Got], step: &str) -> Option<String> {
    let mut unmatched: Vec<&Got> = produced.iter().collect();
    let mut missing = Vec::new();
    for (e, text) in expected {
        if matches!(e, Expectation::Nothing) {
            continue;
        }
        match unmatched.iter().position(|g| matches(e, g)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(text.clone()),
        }
    }
    if missing.is_empty() && unmatched.is_empty() {
        return None;
    }
    let mut msg = format!("after {step}:");
    for m in missing {
        msg.push_str(&format!("\n    - {m}"));
    }
    for u in unmatched {
        msg.push_str(&format!("\n    + {}", u.line));
    }
    Some(msg)
}
