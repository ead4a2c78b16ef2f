//! Builds the checked `Program` from the syntax trees of all files: resolves campaign,
//! rule, arm and event names, converts literals, types every expression and reports every
//! error it finds (it keeps going after the first).

use super::codes::Code;
use super::expr::{Scope, Signature, local_time};
use super::program::*;
use super::script;
use super::types::{TExpr, Type};
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::syntax::ast::{self, CampaignClause, Item, RuleClause};
use crate::syntax::span::{Sources, Span};
use std::collections::HashMap;
use std::sync::Arc;

/// Event types of the integration contract.
pub const CONTRACT_EVENTS: &[&str] = &[
    "app_open",
    "view_item",
    "add_to_cart",
    "checkout_started",
    "payment_abandoned",
    "order_paid",
    "cart_abandoned",
    "coupon_redeemed",
    "tick",
    "signal",
];

/// Clauses that may be given once in a campaign or rule: reports the second of each.
struct OnceOnly {
    owner: String,
    help: &'static str,
    first: HashMap<&'static str, Span>,
}

impl OnceOnly {
    fn new(owner: String, help: &'static str) -> Self {
        OnceOnly {
            owner,
            help,
            first: HashMap::new(),
        }
    }

    /// Whether `what` was given before (and so is reported as `E013`).
    fn seen(&mut self, diagnostics: &mut Vec<Diagnostic>, what: &'static str, span: Span) -> bool {
        let Some(first) = self.first.insert(what, span) else {
            return false;
        };
        diagnostics.push(
            Diagnostic::new(
                Code::RepeatedClause,
                span,
                format!("`{what}` is given twice in {}", self.owner),
            )
            .label("second")
            .related(first, "first")
            .help(self.help),
        );
        true
    }
}

pub struct Resolver<'a> {
    pub sources: &'a Sources,
    pub diagnostics: Vec<Diagnostic>,
    declared: Vec<(String, Type)>,
    functions: Vec<Signature>,
    events: Vec<String>,
    /// The zone of campaigns whose window names none, and of risk checks.
    zone: chrono_tz::Tz,
}

impl<'a> Resolver<'a> {
    pub fn new(sources: &'a Sources, zone: chrono_tz::Tz) -> Self {
        Resolver {
            sources,
            zone,
            diagnostics: Vec::new(),
            declared: Vec::new(),
            functions: Vec::new(),
            events: CONTRACT_EVENTS.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn scope(&mut self, tz: chrono_tz::Tz) -> (Scope<'_>, ()) {
        (
            Scope {
                declared: &self.declared,
                functions: &self.functions,
                locals: Vec::new(),
                offer: false,
                tz,
                diagnostics: &mut self.diagnostics,
            },
            (),
        )
    }

    fn typed(&mut self, e: &ast::Expr, want: &Type, what: &str, tz: chrono_tz::Tz) -> TExpr {
        let (mut s, ()) = self.scope(tz);
        s.expect(e, want, what)
    }

    fn condition(&mut self, e: &ast::Expr, tz: chrono_tz::Tz) -> Vec<Condition> {
        let t = self.typed(e, &Type::Bool, "a condition", tz);
        t.conjuncts()
            .into_iter()
            .map(|expr| Condition {
                text: self
                    .sources
                    .snippet(expr.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                expr,
            })
            .collect()
    }

    /// Resolves all files into one program.
    pub fn program(mut self, files: &[ast::File]) -> (Program, Vec<Diagnostic>) {
        let items: Vec<&Item> = files.iter().flat_map(|f| f.items.iter()).collect();
        // Declarations first: they may be used before they are written.
        for item in &items {
            match item {
                Item::Field(f) => self.field(f),
                Item::Event(names) => self.events.extend(names.iter().map(|n| n.text.clone())),
                _ => {}
            }
        }
        let mut functions = Vec::new();
        let mut seen_fn: HashMap<String, Span> = HashMap::new();
        for item in &items {
            if let Item::Function(f) = item {
                if let Some(first) = seen_fn.insert(f.name.text.clone(), f.name.span) {
                    self.duplicate("function", &f.name, first);
                    continue;
                }
                match script::compile(f, &mut self.diagnostics) {
                    Ok(func) => {
                        self.functions.push(Signature {
                            name: func.name.to_string(),
                            params: func.params.clone(),
                            returns: func.returns.clone(),
                        });
                        functions.push(func);
                    }
                    Err(Some((params, returns))) => self.functions.push(Signature {
                        name: f.name.text.clone(),
                        params,
                        returns,
                    }),
                    Err(None) => {}
                }
            }
        }
        let mut program = Program {
            functions,
            sources: self.sources.clone(),
            zone: self.zone,
            ..Program::default()
        };
        let mut seen_campaign: HashMap<String, Span> = HashMap::new();
        let mut risk_seen: HashMap<String, Span> = HashMap::new();
        for item in &items {
            match item {
                Item::Campaign(c) => {
                    if let Some(first) = seen_campaign.insert(c.name.text.clone(), c.name.span) {
                        self.duplicate("campaign", &c.name, first);
                        continue;
                    }
                    if let Some(c) = self.campaign(c) {
                        program.campaigns.push(c);
                    }
                }
                Item::Risk(r) => {
                    for check in &r.checks {
                        if let Some(first) = risk_seen.insert(check.name.text.clone(), check.name.span) {
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
                        program.risk.push(RiskCheck {
                            name: Arc::from(check.name.text.as_str()),
                            reason: Arc::from(format!("risk:{}", check.name.text).as_str()),
                            when,
                        });
                    }
                }
                Item::Test(t) => {
                    self.test_times(t);
                    program.tests.push(t.clone());
                }
                _ => {}
            }
        }
        program
            .campaigns
            .sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        (program, self.diagnostics)
    }

    /// The times of a test's events and ticks, read as `mintage test` reads them (in the
    /// default zone).
    fn test_times(&mut self, test: &ast::TestBlock) {
        for step in &test.steps {
            let at = match step {
                ast::TestStep::Event { at, .. } | ast::TestStep::Tick(at, _) => at,
                _ => continue,
            };
            if let Err(d) = local_time(at, self.zone) {
                self.error(d);
            }
        }
    }

    fn duplicate(&mut self, what: &str, name: &ast::Name, first: Span) {
        self.error(
            Diagnostic::new(
                Code::Duplicate,
                name.span,
                format!("{what} `{}` is defined twice", name.text),
            )
            .label("second definition")
            .related(first, "first defined here")
            .help(format!("rename one of the two {what}s")),
        );
    }

    fn field(&mut self, f: &ast::FieldDecl) {
        let path: Vec<&str> = f.path.iter().map(|n| n.text.as_str()).collect();
        let Some(ty) = Type::parse(&f.ty.text) else {
            self.error(
                Diagnostic::new(Code::TypeMismatch, f.ty.span, format!("unknown type `{}`", f.ty.text))
                    .label("not a type"),
            );
            return;
        };
        if !matches!(path.as_slice(), ["user" | "item", _]) {
            self.error(
                Diagnostic::new(
                    Code::UnknownField,
                    f.span,
                    format!("cannot declare `{}`", path.join(".")),
                )
                .label("not a user or item field")
                .help("declared fields are `user.NAME` or `item.NAME`"),
            );
            return;
        }
        self.declared.push((path.join("."), ty));
    }

    fn known_event(&mut self, name: &ast::Name) -> Arc<str> {
        if !self.events.contains(&name.text) {
            let mut d = Diagnostic::new(
                Code::UnknownEvent,
                name.span,
                format!("unknown event type `{}`", name.text),
            )
            .label("the platform does not send this");
            d = match did_you_mean(&name.text, self.events.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "declare it with `event {}` if the platform sends it",
                    name.text
                )),
            };
            self.error(d);
        }
        Arc::from(name.text.as_str())
    }

    fn campaign(&mut self, c: &ast::Campaign) -> Option<Campaign> {
        let mut once = OnceOnly::new(format!("campaign `{}`", c.name.text), "keep one of them");
        // The zone comes first: dates in every clause are read in it.
        let mut tz = self.zone;
        for clause in &c.clauses {
            if let CampaignClause::Window(w) = clause
                && let Some(z) = &w.zone
            {
                match z.text.parse::<chrono_tz::Tz>() {
                    Ok(t) => tz = t,
                    Err(_) => {
                        let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
                        let mut d = Diagnostic::new(Code::BadTime, z.span, format!("unknown time zone `{}`", z.text))
                            .label("not an IANA zone");
                        d = match did_you_mean(&z.text, names) {
                            Some(s) => d.help(format!("did you mean `{s}`?")),
                            None => d.help("use an IANA name such as `Asia/Shanghai` or `UTC`"),
                        };
                        self.error(d);
                    }
                }
            }
        }
        let mut out = Campaign {
            id: Arc::from(c.name.text.as_str()),
            title: c.title.clone(),
            window: None,
            tz,
            budget: None,
            funding: None,
            category_funding: None,
            audience: Vec::new(),
            priority: 0,
            exclusive: false,
            experiment: None,
            rules: Vec::new(),
            batch: None,
            cancel_timers_on: Vec::new(),
            span: c.name.span,
        };
        let is_batch = c.clauses.iter().any(|k| matches!(k, CampaignClause::Batch(_)));
        let mut experiment_ast = None;
        let mut seller = None;
        for clause in &c.clauses {
            match clause {
                CampaignClause::Window(w) => {
                    if once.seen(&mut self.diagnostics, "window", w.span) {
                        continue;
                    }
                    out.window = self.window(w, tz);
                }
                CampaignClause::Budget(b) => {
                    if once.seen(&mut self.diagnostics, "budget", b.span) {
                        continue;
                    }
                    let amount = self.typed(&b.amount, &Type::Money, "a budget", tz);
                    let amount = match amount.kind {
                        super::types::TExprKind::Const(crate::value::Value::Money(f)) => f,
                        _ => 0,
                    };
                    let kind = match b.kind {
                        Some(ast::BudgetKind::ExpectedCost) => BudgetKind::ExpectedCost,
                        Some(ast::BudgetKind::FaceValue) => BudgetKind::FaceValue,
                        None if is_batch => BudgetKind::ExpectedCost,
                        None => BudgetKind::FaceValue,
                    };
                    out.budget = Some(Budget { amount, kind });
                }
                CampaignClause::Funding(f) => {
                    let what = if f.category_coupons {
                        "funding for category coupons"
                    } else {
                        "funding"
                    };
                    if once.seen(&mut self.diagnostics, what, f.span) {
                        continue;
                    }
                    let funding = self.funding(f);
                    if f.category_coupons {
                        out.category_funding = Some(funding);
                    } else {
                        out.funding = Some(funding);
                    }
                }
                CampaignClause::Audience(e) => {
                    if once.seen(&mut self.diagnostics, "audience", e.span) {
                        continue;
                    }
                    out.audience = self.condition(e, tz);
                }
                CampaignClause::Priority(p, span) => {
                    if !once.seen(&mut self.diagnostics, "priority", *span) {
                        out.priority = *p;
                    }
                }
                CampaignClause::Exclusive(span) => {
                    if !once.seen(&mut self.diagnostics, "exclusive", *span) {
                        out.exclusive = true;
                    }
                }
                CampaignClause::Batch(_) => {}
                CampaignClause::Experiment(e) => {
                    if !once.seen(&mut self.diagnostics, "experiment", e.span) {
                        experiment_ast = Some(e);
                    }
                }
                CampaignClause::CancelTimers(names, _) => {
                    for n in names {
                        let e = self.known_event(n);
                        out.cancel_timers_on.push(e);
                    }
                }
                CampaignClause::SellerScope(e, span) => {
                    if !once.seen(&mut self.diagnostics, "for seller", *span) {
                        seller = Some(self.seller_scope(e, tz));
                    }
                }
                CampaignClause::Rule(_)
                | CampaignClause::Segment(_)
                | CampaignClause::Model(_)
                | CampaignClause::Maximize(_) => {}
            }
        }
        if let Some(e) = experiment_ast {
            out.experiment = self.experiment(e, tz);
        }
        if is_batch {
            out.batch = self.batch(c, &out);
        } else {
            // A window that is there but wrong has had its own error.
            let has_window = c.clauses.iter().any(|cl| matches!(cl, CampaignClause::Window(_)));
            if out.window.is_none() && !has_window {
                self.error(
                    Diagnostic::new(Code::MissingClause, c.name.span, format!("campaign `{}` has no window", c.name.text))
                        .label("when does it run?")
                        .help("add `window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai`, or mark a batch campaign with `batch`"),
                );
            }
            for clause in &c.clauses {
                if let CampaignClause::Segment(s) = clause {
                    self.wrong_place(s.span, "segment");
                }
                if let CampaignClause::Model(m) = clause {
                    self.wrong_place(m.span, "model");
                }
            }
        }
        let rules_ast: Vec<&ast::Rule> = c
            .clauses
            .iter()
            .filter_map(|k| match k {
                CampaignClause::Rule(r) => Some(r),
                _ => None,
            })
            .collect();
        if is_batch {
            for r in &rules_ast {
                self.error(
                    Diagnostic::new(
                        Code::WrongPlace,
                        r.name.span,
                        "a batch campaign has segments, not rules",
                    )
                    .label("rule in a batch campaign")
                    .help("remove `batch` to make an event campaign, or write the offer as a `segment`"),
                );
            }
        } else {
            let mut seen: HashMap<String, Span> = HashMap::new();
            for r in &rules_ast {
                if let Some(first) = seen.insert(r.name.text.clone(), r.name.span) {
                    self.duplicate("rule", &r.name, first);
                }
            }
            for r in &rules_ast {
                if let Some(rule) = self.rule(r, &rules_ast, &out) {
                    out.rules.push(rule);
                }
            }
        }
        if let Some(seller) = seller {
            // The campaign's seller scope is every offer's that does not name its own.
            let rule_offers = out.rules.iter_mut().filter_map(|r| r.offer.as_mut());
            let segment_offers = out
                .batch
                .iter_mut()
                .flat_map(|b| b.segments.iter_mut())
                .flat_map(|s| s.offers.iter_mut());
            for o in rule_offers.chain(segment_offers) {
                o.seller.get_or_insert_with(|| seller.clone());
            }
        }
        Some(out)
    }

    /// `for seller …`: the id of the one seller whose items a coupon covers.
    fn seller_scope(&mut self, e: &ast::Expr, tz: chrono_tz::Tz) -> TExpr {
        let (mut s, ()) = self.scope(tz);
        let t = s.expr(e);
        if !matches!(&t.ty, Type::Str | Type::Unknown) {
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    e.span,
                    "a seller scope must be a seller id (a string)",
                )
                .label(format!("this is {}", super::expr::article(&t.ty)))
                .help("write `for seller item.seller_id` (the item's seller) or `for seller \"s-8848\"`"),
            );
        }
        t
    }

    fn wrong_place(&mut self, span: Span, what: &str) {
        self.error(
            Diagnostic::new(
                Code::WrongPlace,
                span,
                format!("a `{what}` belongs in a batch campaign"),
            )
            .label("in an event campaign")
            .help("add `batch` to the campaign to run it over a user table with `mintage run`"),
        );
    }

    fn window(&mut self, w: &ast::Window, tz: chrono_tz::Tz) -> Option<(i64, i64)> {
        let start = local_time(&w.start, tz).map_err(|d| self.error(d)).ok()?;
        let end = local_time(&w.end, tz).map_err(|d| self.error(d)).ok()?;
        if end <= start {
            self.error(
                Diagnostic::new(Code::BadTime, w.span, "the window ends before it starts")
                    .label("empty window")
                    .help("write the start first: `window 2026-11-01 .. 2026-12-01`"),
            );
            return None;
        }
        Some((start, end))
    }

    fn funding(&mut self, f: &ast::Funding) -> Funding {
        let mut funding = Funding { platform: 0, seller: 0 };
        let mut seen: Vec<&str> = Vec::new();
        for s in &f.shares {
            let bp = match s.percent.kind {
                ast::ExprKind::Percent(bp) => bp,
                _ => 0,
            };
            if seen.contains(&s.funder.text.as_str()) {
                self.error(
                    Diagnostic::new(
                        Code::BadFunding,
                        s.funder.span,
                        format!("`{}` is named twice", s.funder.text),
                    )
                    .label("again")
                    .help("name each funder once"),
                );
            }
            seen.push(&s.funder.text);
            if s.funder.text == "platform" {
                funding.platform = bp;
            } else {
                funding.seller = bp;
            }
        }
        if funding.platform + funding.seller != 10_000 {
            self.error(
                Diagnostic::new(
                    Code::BadFunding,
                    f.span,
                    format!(
                        "funding shares add up to {}, not 100%",
                        crate::value::Value::Percent(funding.platform + funding.seller)
                    ),
                )
                .label("shares")
                .help("the platform's and the seller's shares must add up to 100%"),
            );
        }
        funding
    }

    fn experiment(&mut self, e: &ast::Experiment, tz: chrono_tz::Tz) -> Option<Experiment> {
        let unit = self.typed(&e.unit, &Type::Str, "the experiment's unit", tz);
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
            });
        }
        for (i, a) in e.arms.iter().enumerate() {
            let Some(held) = &a.holds_out else { continue };
            let target = match held {
                None => None,
                Some(n) => match e.arms.iter().position(|x| x.name.text == n.text) {
                    Some(j) if j != i => Some(j),
                    _ => {
                        self.unknown_arm(n, &e.arms);
                        None
                    }
                },
            };
            if let Some(arm) = arms.get_mut(i) {
                arm.holdout = Some(target);
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
                        crate::value::Value::Percent(total)
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
            arms,
        })
    }

    fn unknown_arm(&mut self, n: &ast::Name, arms: &[ast::Arm]) {
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

    fn rule(&mut self, r: &ast::Rule, siblings: &[&ast::Rule], campaign: &Campaign) -> Option<Rule> {
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
            span: r.name.span,
        };
        if let Some(arm) = &r.arm {
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
                    Some(i) => rule.arm = Some(i),
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
                        super::types::TExprKind::Const(crate::value::Value::Duration(ms)) => ms,
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
                    if l.times < 1 || l.times > i64::from(u32::MAX) {
                        self.error(
                            Diagnostic::new(Code::BadLiteral, l.span, "a limit must be at least 1")
                                .label("never issues")
                                .help("write `once per user` or `at most 3 per user`"),
                        );
                    }
                    let keys = l.keys.iter().map(|k| self.limit_key(k, tz)).collect();
                    rule.limit = Some(Limit {
                        times: u32::try_from(l.times.max(1)).unwrap_or(u32::MAX),
                        keys,
                    });
                }
                RuleClause::Give(o) => {
                    if once.seen(&mut self.diagnostics, "give", o.span) {
                        continue;
                    }
                    rule.offer = self.offer(o, tz, false);
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
                RuleClause::ExclusiveWith(names, span) => {
                    if once.seen(&mut self.diagnostics, "exclusive", *span) {
                        continue;
                    }
                    for n in names {
                        if !siblings.iter().any(|s| s.name.text == n.text) {
                            self.unknown_rule(n, siblings, &campaign.id);
                        }
                    }
                    rule.exclusive_with = Some(names.iter().map(|n| Arc::from(n.text.as_str())).collect());
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

    fn unknown_rule(&mut self, n: &ast::Name, siblings: &[&ast::Rule], campaign: &str) {
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

    fn limit_key(&mut self, k: &ast::PerKey, tz: chrono_tz::Tz) -> LimitKey {
        match k {
            ast::PerKey::Period(n) => match n.text.as_str() {
                "day" => LimitKey::Day,
                "week" => LimitKey::Week,
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

    pub(super) fn offer(&mut self, o: &ast::Offer, tz: chrono_tz::Tz, in_batch: bool) -> Option<OfferSpec> {
        use ast::OfferKind as K;
        for span in &o.repeated {
            self.error(
                Diagnostic::new(Code::RepeatedClause, *span, "this offer parameter is given twice")
                    .label("again")
                    .help("keep one of them"),
            );
        }
        let value_type = match o.kind {
            K::PercentOff => Type::Percent,
            _ => Type::Money,
        };
        let mut value = Vec::new();
        match &o.value {
            Some(ast::Choice::One(e)) => value.push(self.typed(e, &value_type, "the discount", tz)),
            Some(ast::Choice::Menu(items, span)) => {
                if !in_batch {
                    self.error(
                        Diagnostic::new(Code::WrongPlace, *span, "a menu of offers needs a batch campaign")
                            .label("the engine chooses among these only in `mintage run`")
                            .help("give one value, or move the offer into a `segment` of a `batch` campaign"),
                    );
                }
                for e in items {
                    value.push(self.typed(e, &value_type, "a menu choice", tz));
                }
            }
            None => {}
        }
        let money =
            |me: &mut Self, e: &Option<ast::Expr>, what: &str| e.as_ref().map(|e| me.typed(e, &Type::Money, what, tz));
        let min_spend = money(self, &o.min_spend, "a minimum spend");
        let worth = money(self, &o.worth, "the worth of a gift or perk");
        let cap = money(self, &o.cap, "a cap");
        let scope = o.scope.as_ref().map(|e| {
            let (mut s, ()) = self.scope(tz);
            let t = s.expr(e);
            if !matches!(&t.ty, Type::Str | Type::Unknown) && t.ty != Type::List(Box::new(Type::Str)) {
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        e.span,
                        "a category scope must be a category name or a list of them",
                    )
                    .label(format!("this is {}", super::expr::article(&t.ty)))
                    .help("write `for item.category` or `for [\"bags\", \"watches\"]`"),
                );
            }
            t
        });
        let validity = match &o.validity {
            Some(ast::Validity::For(e)) => {
                let t = self.typed(e, &Type::Duration, "a validity", tz);
                match t.kind {
                    super::types::TExprKind::Const(crate::value::Value::Duration(ms)) => Validity::For(ms),
                    _ => Validity::UntilWindowEnd,
                }
            }
            _ => Validity::UntilWindowEnd,
        };
        if o.kind == K::Threshold && min_spend.is_none() {
            self.error(
                Diagnostic::new(Code::MissingClause, o.span, "a threshold offer needs a spend").label("spend what?"),
            );
        }
        if o.kind == K::PercentOff && cap.is_some() && value.is_empty() {
            self.error(
                Diagnostic::new(Code::MissingClause, o.span, "percent_off needs a percentage").label("how much?"),
            );
        }
        let seller = o.seller.as_ref().map(|e| self.seller_scope(e, tz));
        let funded = o.funded.as_ref().map(|f| self.funding(f));
        Some(OfferSpec {
            kind: o.kind,
            value,
            min_spend,
            item: o.item.as_ref().map(|n| Arc::from(n.text.as_str())),
            worth,
            cap,
            scope,
            seller,
            validity,
            funded,
        })
    }

    fn batch(&mut self, c: &ast::Campaign, campaign: &Campaign) -> Option<Batch> {
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
                            Diagnostic::new(Code::TypeMismatch, n.span, format!("cannot maximize `{}`", n.text))
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
            self.error(
                Diagnostic::new(
                    Code::MissingClause,
                    c.name.span,
                    format!("batch campaign `{}` has no model", c.name.text),
                )
                .label("how does it value offers?")
                .help("add `model { cost = … gain = … }`: the expected cost and gain of an offer to a user"),
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
                    functions: &self.functions,
                    locals: locals.clone(),
                    offer: true,
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
                    functions: &self.functions,
                    locals: locals.clone(),
                    offer: true,
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
