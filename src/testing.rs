//! Rule tests: the `test "…" { … }` blocks authors write beside their rules. Each runs
//! its events through a fresh runtime holding every loaded campaign, and compares what
//! each event produced with the `expect` lines that follow it: every term an `expect`
//! writes must hold, and a failure shows what was issued and the decision's trace.

mod batch;
mod expect;

use crate::check::expr::local_time;
use crate::check::program::Program;
use crate::runtime::codes::CodeMinter;
use crate::runtime::decision::Decision;
use crate::runtime::engine::{Rules, Runtime};
use crate::runtime::event::{Event, EventKind};
use crate::source::Sources;
use crate::syntax::ast::{Expectation, TestBlock, TestStep};
use crate::value::{Millis, time_string};
use expect::{Expected, coupon_words};
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
    /// The end of the issuing campaign's window, for `valid until window end`.
    window_end: Option<Millis>,
    reason: String,
    /// The user the decision was for.
    user: Option<String>,
}

/// An `expect` line waiting for the step it follows, with its offer read into values.
struct Pending {
    expectation: Expectation,
    text: String,
    offer: Option<Expected>,
    /// `expect "u-1" …`: only what that user got.
    user: Option<String>,
}

/// What one event or tick produced: its outcomes and its decisions' trace.
#[derive(Default)]
struct Produced {
    got: Vec<Got>,
    trace: Vec<String>,
}

pub fn run_all(program: &Program) -> Result<Vec<TestOutcome>, crate::compile::CompileError> {
    let rules = Arc::new(Rules::new(program.clone())?);
    Ok(program
        .tests
        .iter()
        .map(|t| run_one(&rules, &program.sources, t))
        .collect())
}

fn run_one(rules: &Arc<Rules>, sources: &Sources, test: &TestBlock) -> TestOutcome {
    let (line, _) = sources.line_col(test.span);
    let location = format!("{}:{line}", sources.name(test.span.file));
    let mut out = TestOutcome {
        name: test.name.clone(),
        location,
        failures: Vec::new(),
    };
    let mut runtime = Runtime::new(rules.clone(), CodeMinter::seeded(1)).explain(true);
    let tz = rules.compiled.program.zone;
    let mut user = Map::new();
    let mut produced = Produced::default();
    let mut expected: Vec<Pending> = Vec::new();
    let mut step_name = String::from("the start");
    // The time of the last event or tick: a test runs forward in time, as the runtime does.
    let mut last: Option<(Millis, String)> = None;
    // The latest code each rule issued, for `"$coupon:RULE"` in later events.
    let mut codes: Vec<(String, String)> = Vec::new();
    let mut counter = 0;
    let flush = |expected: &mut Vec<Pending>, produced: &Produced, step: &str, failures: &mut Vec<String>| {
        if expected.is_empty() {
            return;
        }
        if let Some(f) = compare(expected, produced, step) {
            failures.push(f);
        }
        expected.clear();
    };
    for step in &test.steps {
        let (at, span) = match step {
            TestStep::User(json, span) => {
                match serde_json::from_str::<Map<String, Json>>(json) {
                    Ok(m) => user.extend(m),
                    Err(e) => out
                        .failures
                        .push(format!("{}: bad user JSON: {e}", where_(sources, *span))),
                }
                continue;
            }
            TestStep::Expect(e, span) | TestStep::ExpectFor(_, e, span) => {
                let text = sources.snippet(*span).trim().to_string();
                let offer = match e {
                    Expectation::Coupon(_, Some(o)) => match Expected::of(o) {
                        Ok(x) => Some(x),
                        Err(why) => {
                            out.failures
                                .push(format!("{}: `{text}`: {why}", where_(sources, *span)));
                            None
                        }
                    },
                    _ => None,
                };
                let user = match step {
                    TestStep::ExpectFor(u, ..) => Some(u.clone()),
                    _ => None,
                };
                expected.push(Pending {
                    expectation: e.clone(),
                    text,
                    offer,
                    user,
                });
                continue;
            }
            TestStep::Event { at, span, .. } | TestStep::Tick(at, span) | TestStep::Batch { at, span, .. } => {
                (at, *span)
            }
        };
        flush(&mut expected, &produced, &step_name, &mut out.failures);
        counter += 1;
        let Ok(ms) = local_time(at, tz) else {
            out.failures
                .push(format!("{}: bad time `{}`", where_(sources, span), at.text));
            continue;
        };
        if let Some((before, text)) = &last
            && ms < *before
        {
            out.failures.push(format!(
                "{}: `{}` is earlier than the step before it ({text}); write a test's events and ticks in time order",
                where_(sources, span),
                at.text
            ));
            return out;
        }
        last = Some((ms, at.text.clone()));
        if let TestStep::Batch { users, budget, .. } = step {
            step_name = format!("`run at {}`", at.text);
            produced = batch::run(rules, users, &user, ms, budget.as_ref(), &mut out.failures, &step_name);
            remember_codes(&produced.got, &mut codes);
            continue;
        }
        let ev = match step {
            TestStep::Event { kind, body, .. } => {
                let mut ev = Map::new();
                ev.insert("id".into(), Json::from(format!("test-{counter}")));
                ev.insert("type".into(), Json::from(kind.text.clone()));
                ev.insert("at".into(), Json::from(time_string(ms, tz)));
                if EventKind::parse(Arc::from(kind.text.as_str())).needs_user() {
                    ev.insert("user".into(), Json::Object(user.clone()));
                }
                if let Some(body) = body {
                    let body = substitute_codes(body, &codes);
                    match serde_json::from_str::<Map<String, Json>>(&body) {
                        Ok(extra) => merge(&mut ev, extra),
                        Err(e) => {
                            out.failures
                                .push(format!("{}: bad event JSON: {e}", where_(sources, span)));
                            continue;
                        }
                    }
                }
                step_name = format!("`event {} at {}`", kind.text, at.text);
                Json::Object(ev)
            }
            _ => {
                step_name = format!("`tick {}`", at.text);
                serde_json::json!({"id": format!("test-{counter}"), "type": "tick", "at": time_string(ms, tz)})
            }
        };
        produced = run_event(&mut runtime, &ev, &mut out.failures, &step_name);
        remember_codes(&produced.got, &mut codes);
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

fn run_event(runtime: &mut Runtime, ev: &Json, failures: &mut Vec<String>, step: &str) -> Produced {
    let event = match Event::from_json(&ev.to_string()) {
        Ok(e) => e,
        Err(e) => {
            failures.push(format!("after {step}: the event is invalid: {e}"));
            return Produced::default();
        }
    };
    let decisions = runtime.process(&event);
    let program = runtime.rules().program();
    let trace = decisions
        .iter()
        .flat_map(|d| d.trace.iter().flatten())
        .map(|t| {
            let because = t.because.as_ref().map(|b| format!(": {b}")).unwrap_or_default();
            format!("{}/{}: {}{because}", t.campaign, t.rule, t.outcome)
        })
        .collect();
    Produced {
        got: decisions.iter().flat_map(|d| describe(d, program)).collect(),
        trace,
    }
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
        window_end: None,
        reason: reason.to_string(),
        user: None,
    }
}

fn describe(d: &Decision, program: &Program) -> Vec<Got> {
    let coupons = d.coupons.iter().map(|c| {
        let window_end = program.campaign(&c.campaign).and_then(|p| p.window).map(|(_, end)| end);
        Got {
            window_end,
            ..got(
                "coupon",
                &c.rule,
                format!("coupon {} {}", c.rule, coupon_words(c, window_end)),
                Some(c),
                "",
            )
        }
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
    let user = d.user_id.as_deref().map(str::to_string);
    coupons
        .chain(suppressed)
        .chain(revoked)
        .chain(alerts)
        .map(|g| Got {
            user: user.clone(),
            ..g
        })
        .collect()
}

fn matches(p: &Pending, g: &Got) -> bool {
    if p.user.as_ref().is_some_and(|u| g.user.as_ref() != Some(u)) {
        return false;
    }
    match &p.expectation {
        Expectation::Nothing => false,
        Expectation::Coupon(rule, offer) => {
            g.kind == "coupon"
                && g.rule == rule.text
                && match (offer, &p.offer) {
                    (None, _) => true,
                    (Some(_), Some(want)) => g.coupon.as_ref().is_some_and(|c| want.matches(c, g.window_end)),
                    // An offer that could not be read was reported; the kind still counts.
                    (Some(o), None) => g.coupon.as_ref().is_some_and(|c| c.kind == o.kind.as_str()),
                }
        }
        Expectation::Suppressed(rule, reason) => g.kind == "suppressed" && g.rule == rule.text && g.reason == *reason,
        Expectation::Revoked(rule, reason) => {
            g.kind == "revoked" && g.rule == rule.text && reason.as_ref().is_none_or(|r| r.text == g.reason)
        }
        Expectation::Alert(target) => g.kind == "alert" && g.rule == target.text,
    }
}

fn compare(expected: &[Pending], produced: &Produced, step: &str) -> Option<String> {
    let mut unmatched: Vec<&Got> = produced.got.iter().collect();
    let mut missing = Vec::new();
    for p in expected {
        if matches!(p.expectation, Expectation::Nothing) {
            continue;
        }
        match unmatched.iter().position(|g| matches(p, g)) {
            Some(i) => {
                unmatched.remove(i);
            }
            None => missing.push(p.text.clone()),
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
    if !produced.trace.is_empty() {
        msg.push_str("\n    trace:");
        for t in &produced.trace {
            msg.push_str(&format!("\n      {t}"));
        }
    }
    Some(msg)
}
