//! Warnings (`W0xx`): rules that load but are probably not what the author meant.
//! Each lint is one function; `run` calls them all.

use super::codes::Code;
use super::program::{Campaign, Condition, Program};
use super::types::{Field, TExpr, TExprKind};
use crate::diagnostic::Diagnostic;
use crate::syntax::ast::{self, BinaryOp, CampaignClause, ExprKind, Item, RuleClause};
use crate::value::{Millis, Value};
use std::collections::HashMap;

pub struct LintOptions {
    /// `check --now`: enables `W001`.
    pub now: Option<Millis>,
}

pub fn run(files: &[ast::File], program: &Program, options: &LintOptions, out: &mut Vec<Diagnostic>) {
    for file in files {
        for item in &file.items {
            if let Item::Campaign(c) = item {
                syntax_lints(c, out);
            }
        }
    }
    for c in &program.campaigns {
        window_past(c, options, out);
        contradictions(c, out);
        unreachable_segments(c, files, out);
        empty_arms(c, files, out);
        timer_outlives_window(c, files, out);
    }
    overlapping_exclusive(program, out);
}

/// Lints that need to see how a campaign was written, not only what it means.
fn syntax_lints(c: &ast::Campaign, out: &mut Vec<Diagnostic>) {
    let is_batch = c.clauses.iter().any(|k| matches!(k, CampaignClause::Batch(_)));
    for clause in &c.clauses {
        match clause {
            CampaignClause::Rule(r) => {
                let mut has_limit = false;
                let mut gives = false;
                for rc in &r.clauses {
                    match rc {
                        RuleClause::Limit(_) => has_limit = true,
                        RuleClause::Give(o) => {
                            gives = true;
                            offer_lints(o, out);
                        }
                        _ => {}
                    }
                }
                if gives && !has_limit && !is_batch {
                    out.push(
                        Diagnostic::new(
                            Code::NoLimit,
                            r.name.span,
                            format!("rule `{}` has no limit", r.name.text),
                        )
                        .label("issues on every matching event")
                        .help("add `once per user` (or `at most 3 per user per day`)"),
                    );
                }
            }
            CampaignClause::Segment(s) => s.offers.iter().for_each(|o| offer_lints(o, out)),
            CampaignClause::Funding(f) => funding_over_100(f, out),
            CampaignClause::Model(m) => unused_bindings(m, out),
            _ => {}
        }
    }
}

fn offer_lints(o: &ast::Offer, out: &mut Vec<Diagnostic>) {
    if o.validity.is_none() {
        out.push(
            Diagnostic::new(Code::NoValidity, o.span, "offer without a validity")
                .label("valid until the window ends")
                .help("add `valid 72h`, or `valid until window end` to make it explicit"),
        );
    }
    if o.kind == ast::OfferKind::PercentOff && o.cap.is_none() {
        out.push(
            Diagnostic::new(Code::PercentWithoutCap, o.span, "percent-off offer without a cap")
                .label("no cap")
                .help("add `cap ¥200` (or the cap you want)"),
        );
    }
    let mut percents = Vec::new();
    match &o.value {
        Some(ast::Choice::One(e)) => collect_percents(e, &mut percents),
        Some(ast::Choice::Menu(items, _)) => items.iter().for_each(|e| collect_percents(e, &mut percents)),
        None => {}
    }
    for (bp, span) in percents {
        if bp > 10_000 {
            out.push(
                Diagnostic::new(
                    Code::PercentOver100,
                    span,
                    format!("{} off is more than the price", Value::Percent(bp)),
                )
                .label("above 100%")
                .help("check the number: perhaps a smaller percentage was meant"),
            );
        }
    }
    if let Some(f) = &o.funded {
        funding_over_100(f, out);
    }
}

fn collect_percents(e: &ast::Expr, out: &mut Vec<(i64, crate::syntax::span::Span)>) {
    match &e.kind {
        ExprKind::Percent(bp) => out.push((*bp, e.span)),
        ExprKind::If(_, a, b) => {
            collect_percents(a, out);
            collect_percents(b, out);
        }
        _ => {}
    }
}

fn funding_over_100(f: &ast::Funding, out: &mut Vec<Diagnostic>) {
    for s in &f.shares {
        if let ExprKind::Percent(bp) = s.percent.kind
            && bp > 10_000
        {
            out.push(
                Diagnostic::new(Code::PercentOver100, s.percent.span, "a funding share above 100%")
                    .label("above 100%")
                    .help("shares are parts of the discount and add up to 100%"),
            );
        }
    }
}

fn unused_bindings(m: &ast::Model, out: &mut Vec<Diagnostic>) {
    for (i, (name, _)) in m.bindings.iter().enumerate() {
        let later = m
            .bindings
            .iter()
            .skip(i + 1)
            .map(|(_, e)| e)
            .chain(m.outputs.iter().map(|(_, e)| e));
        let used = later.clone().any(|e| uses_name(e, &name.text));
        if !used {
            out.push(
                Diagnostic::new(Code::UnusedBinding, name.span, format!("`{}` is never used", name.text))
                    .label("unused")
                    .help("remove it, or use it in `cost` or `gain`"),
            );
        }
    }
}

fn uses_name(e: &ast::Expr, name: &str) -> bool {
    match &e.kind {
        ExprKind::Path(p) => p.len() == 1 && p[0].text == name,
        ExprKind::List(items) | ExprKind::Call(_, items) => items.iter().any(|i| uses_name(i, name)),
        ExprKind::Unary(_, a) => uses_name(a, name),
        ExprKind::Binary(_, a, b) => uses_name(a, name) || uses_name(b, name),
        ExprKind::If(c, a, b) => uses_name(c, name) || uses_name(a, name) || uses_name(b, name),
        _ => false,
    }
}

fn window_past(c: &Campaign, options: &LintOptions, out: &mut Vec<Diagnostic>) {
    if let (Some(now), Some((_, end))) = (options.now, c.window)
        && end <= now
    {
        out.push(
            Diagnostic::new(
                Code::WindowPast,
                c.span,
                format!("the window of `{}` is already over", c.id),
            )
            .label(format!("ended {}", crate::value::time_string(end, c.tz)))
            .help("move the window, or archive the file"),
        );
    }
}

/// Bounds a field must satisfy, collected from `field OP constant` conjuncts.
#[derive(Default)]
struct Bounds {
    low: Option<(f64, bool)>,
    high: Option<(f64, bool)>,
    equals: Option<Value>,
    one_of: Option<Vec<Value>>,
}

fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => Some(*n),
        Value::Money(f) => Some(*f as f64),
        Value::Percent(b) => Some(*b as f64),
        Value::Duration(d) | Value::Time(d) => Some(*d as f64),
        _ => None,
    }
}

fn field_and_const(e: &TExpr) -> Option<(BinaryOp, &Field, &Value)> {
    let TExprKind::Binary(op, a, b) = &e.kind else {
        return None;
    };
    match (&a.kind, &b.kind) {
        (TExprKind::Field(f), TExprKind::Const(v)) => Some((*op, f, v)),
        (TExprKind::Const(v), TExprKind::Field(f)) => {
            let flipped = match op {
                BinaryOp::Lt => BinaryOp::Gt,
                BinaryOp::Le => BinaryOp::Ge,
                BinaryOp::Gt => BinaryOp::Lt,
                BinaryOp::Ge => BinaryOp::Le,
                BinaryOp::Eq | BinaryOp::Ne => *op,
                _ => return None,
            };
            Some((flipped, f, v))
        }
        _ => None,
    }
}

/// Whether the conjunction of these conditions is unsatisfiable, judged per field.
pub fn contradictory<'a>(conds: impl Iterator<Item = &'a Condition>) -> Option<&'a Condition> {
    let mut bounds: HashMap<&Field, Bounds> = HashMap::new();
    for c in conds {
        let Some((op, field, value)) = field_and_const(&c.expr) else {
            continue;
        };
        let b = bounds.entry(field).or_default();
        let clash = match op {
            BinaryOp::Eq => {
                let clash = b.equals.as_ref().is_some_and(|e| e != value)
                    || b.one_of.as_ref().is_some_and(|l| !l.contains(value));
                b.equals = Some(value.clone());
                clash || !within(b, value)
            }
            BinaryOp::In => {
                let TExprKind::Binary(_, _, list) = &c.expr.kind else {
                    continue;
                };
                let TExprKind::Const(Value::List(items)) = &list.kind else {
                    continue;
                };
                let items: Vec<Value> = items.to_vec();
                let clash = b.equals.as_ref().is_some_and(|e| !items.contains(e));
                b.one_of = Some(items);
                clash
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let Some(n) = number_of(value) else { continue };
                let strict = matches!(op, BinaryOp::Lt | BinaryOp::Gt);
                if matches!(op, BinaryOp::Gt | BinaryOp::Ge) {
                    if b.low.is_none_or(|(l, _)| n >= l) {
                        b.low = Some((n, strict));
                    }
                } else if b.high.is_none_or(|(h, _)| n <= h) {
                    b.high = Some((n, strict));
                }
                let empty = match (b.low, b.high) {
                    (Some((l, ls)), Some((h, hs))) => l > h || (l == h && (ls || hs)),
                    _ => false,
                };
                empty || b.equals.as_ref().is_some_and(|e| !within(b, e))
            }
            _ => false,
        };
        if clash {
            return Some(c);
        }
    }
    None
}

fn within(b: &Bounds, v: &Value) -> bool {
    let Some(n) = number_of(v) else { return true };
    b.low.is_none_or(|(l, s)| if s { n > l } else { n >= l })
        && b.high.is_none_or(|(h, s)| if s { n < h } else { n <= h })
}

fn contradictions(c: &Campaign, out: &mut Vec<Diagnostic>) {
    if let Some(bad) = contradictory(c.audience.iter()) {
        out.push(contradiction(bad, &format!("the audience of `{}`", c.id)));
        return;
    }
    for r in &c.rules {
        if let Some(bad) = contradictory(c.audience.iter().chain(r.conditions.iter())) {
            out.push(contradiction(bad, &format!("rule `{}`", r.name)));
        }
    }
}

fn contradiction(bad: &Condition, what: &str) -> Diagnostic {
    Diagnostic::new(Code::Contradiction, bad.expr.span, format!("{what} can never match"))
        .label("contradicts an earlier condition")
        .help("check the bounds; perhaps `or` was meant")
}

fn unreachable_segments(c: &Campaign, files: &[ast::File], out: &mut Vec<Diagnostic>) {
    let Some(batch) = &c.batch else { return };
    let spans = segment_spans(c, files);
    let mut catch_all = false;
    let mut seen: Vec<String> = Vec::new();
    for (i, s) in batch.segments.iter().enumerate() {
        let text = s.when.as_ref().map(|w| w.text.clone());
        let same = text.as_ref().is_some_and(|t| seen.contains(t));
        if (catch_all || same)
            && let Some(span) = spans.get(i)
        {
            out.push(
                Diagnostic::new(
                    Code::UnreachableSegment,
                    *span,
                    format!("segment `{}` can never be chosen", s.name),
                )
                .label(if same {
                    "same condition as an earlier segment"
                } else {
                    "an earlier segment takes everyone"
                })
                .help("segments are tried in order; reorder them or change the condition"),
            );
        }
        match text {
            None => catch_all = true,
            Some(t) => seen.push(t),
        }
    }
}

fn campaign_ast<'a>(c: &Campaign, files: &'a [ast::File]) -> Option<&'a ast::Campaign> {
    files.iter().flat_map(|f| f.items.iter()).find_map(|i| match i {
        Item::Campaign(a) if a.name.span == c.span => Some(a),
        _ => None,
    })
}

fn segment_spans(c: &Campaign, files: &[ast::File]) -> Vec<crate::syntax::span::Span> {
    campaign_ast(c, files)
        .map(|a| {
            a.clauses
                .iter()
                .filter_map(|k| match k {
                    CampaignClause::Segment(s) => Some(s.name.span),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

fn empty_arms(c: &Campaign, files: &[ast::File], out: &mut Vec<Diagnostic>) {
    let Some(e) = &c.experiment else { return };
    let Some(a) = campaign_ast(c, files) else {
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
        let used = c.rules.iter().any(|r| r.arm == Some(i)) || arm.holdout.is_some() || has_shared_rules;
        if !used && let Some(ast_arm) = arms_ast.get(i) {
            out.push(
                Diagnostic::new(
                    Code::EmptyArm,
                    ast_arm.name.span,
                    format!("arm `{}` has no rules", arm.name),
                )
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

fn timer_outlives_window(c: &Campaign, files: &[ast::File], out: &mut Vec<Diagnostic>) {
    let Some((start, end)) = c.window else { return };
    let Some(a) = campaign_ast(c, files) else {
        return;
    };
    for k in &a.clauses {
        let CampaignClause::Rule(r) = k else { continue };
        for rc in &r.clauses {
            if let RuleClause::Wait(w) = rc
                && let ExprKind::Duration(ms) = w.delay.kind
                && ms >= end - start
            {
                out.push(
                    Diagnostic::new(
                        Code::TimerOutlivesWindow,
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

fn overlapping_exclusive(program: &Program, out: &mut Vec<Diagnostic>) {
    let exclusive: Vec<&Campaign> = program.campaigns.iter().filter(|c| c.exclusive).collect();
    for (i, a) in exclusive.iter().enumerate() {
        for b in exclusive.iter().skip(i + 1) {
            let (Some((s1, e1)), Some((s2, e2))) = (a.window, b.window) else {
                continue;
            };
            let overlap = s1 < e2 && s2 < e1;
            let shared_trigger = a
                .rules
                .iter()
                .flat_map(|r| r.triggers.iter())
                .any(|t| b.rules.iter().flat_map(|r| r.triggers.iter()).any(|u| u == t));
            if overlap && shared_trigger {
                out.push(
                    Diagnostic::new(
                        Code::OverlappingExclusive,
                        b.span,
                        format!("exclusive campaigns `{}` and `{}` overlap", a.id, b.id),
                    )
                    .label("overlaps")
                    .related(a.span, "the other campaign")
                    .help("when both match, the one with the higher priority issues and the other reports `exclusive`"),
                );
            }
        }
    }
}
