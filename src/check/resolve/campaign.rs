//! A campaign: its zone, window and once-only clauses, then its rules or (batch) segments.

use super::{OnceOnly, Resolver};
use crate::check::expr::local_time;
use crate::check::program::*;
use crate::check::types::{TExpr, TExprKind, Type};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{self, CampaignClause};
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

impl Resolver<'_> {
    pub(super) fn campaign(&mut self, c: &ast::Campaign) -> Option<Campaign> {
        let out = self.campaign_clauses(c);
        self.in_batch = false;
        out
    }

    fn campaign_clauses(&mut self, c: &ast::Campaign) -> Option<Campaign> {
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
            order_cap: None,
            cap: None,
            period_budgets: Vec::new(),
            pace: false,
            response: None,
            price: None,
            price_source: None,
            span: c.name.span,
        };
        let is_batch = c.clauses.iter().any(|k| matches!(k, CampaignClause::Batch(_)));
        self.in_batch = is_batch;
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
                    let what = match b.per {
                        None => "budget",
                        Some(ast::BudgetPeriod::Day) => "budget … per day",
                        Some(ast::BudgetPeriod::Hour) => "budget … per hour",
                    };
                    if once.seen(&mut self.diagnostics, what, b.span) {
                        continue;
                    }
                    let amount = self.typed(&b.amount, &Type::Money, "a budget", tz);
                    let amount = match amount.kind {
                        TExprKind::Const(Value::Money(f)) => f,
                        _ => 0,
                    };
                    if let Some(per) = b.per {
                        if let Some(p) = self.period_budget(b, per, amount) {
                            out.period_budgets.push(p);
                        }
                        continue;
                    }
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
                CampaignClause::IssueCap(cap) => {
                    if !once.seen(&mut self.diagnostics, "at most … coupons per campaign", cap.span) {
                        out.cap = self.issue_cap(cap, ast::CapScope::Campaign);
                    }
                }
                CampaignClause::Pace(span) => {
                    if !once.seen(&mut self.diagnostics, "pace evenly", *span) {
                        out.pace = true;
                    }
                }
                CampaignClause::Response(written, span) => {
                    if !once.seen(&mut self.diagnostics, "response from", *span) {
                        out.response = self.response_source(written, *span);
                    }
                }
                CampaignClause::Price(lambda, span) => {
                    if !once.seen(&mut self.diagnostics, "price λ", *span) {
                        out.price = self.price(*lambda, *span);
                    }
                }
                CampaignClause::PriceFrom(written, span) => {
                    if !once.seen(&mut self.diagnostics, "price λ", *span) {
                        (out.price, out.price_source) = self.price_from(written, *span);
                    }
                }
                CampaignClause::OrderCap(e, span) => {
                    if !once.seen(&mut self.diagnostics, "at most … off per order", *span) {
                        out.order_cap = self.order_cap(e, tz);
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
        if out.pace {
            self.pace_needs(c, &out, is_batch);
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
        if let (Some(e), Some(ast_e)) = (&out.experiment, experiment_ast) {
            self.bare_holdouts(e, ast_e, &out.rules, is_batch);
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
    pub(super) fn seller_scope(&mut self, e: &ast::Expr, tz: chrono_tz::Tz) -> TExpr {
        let (mut s, ()) = self.scope(tz);
        let t = s.expr(e);
        if !matches!(&t.ty, Type::Str | Type::Unknown) {
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    e.span,
                    "a seller scope must be a seller id (a string)",
                )
                .label(format!("this is {}", crate::check::expr::article(&t.ty)))
                .help("write `for seller item.seller_id` (the item's seller) or `for seller \"s-8848\"`"),
            );
        }
        t
    }

    /// `at most ¥300 off per order`: an amount of money, more than nothing.
    fn order_cap(&mut self, e: &ast::Expr, tz: chrono_tz::Tz) -> Option<crate::value::Fen> {
        let t = self.typed(e, &Type::Money, "a cap per order", tz);
        match t.kind {
            TExprKind::Const(Value::Money(f)) if f > 0 => Some(f),
            // A wrong type has had its own error.
            _ if !matches!(t.ty, Type::Money) => None,
            _ => {
                self.error(
                    Diagnostic::new(Code::BadLiteral, e.span, "a cap per order must be an amount above ¥0")
                        .label("not a fixed amount above ¥0")
                        .help("write an amount such as `at most ¥300 off per order`"),
                );
                None
            }
        }
    }

    /// `pace evenly` spreads an event campaign's total face-value budget over its window
    /// (`E022`).
    fn pace_needs(&mut self, c: &ast::Campaign, out: &Campaign, is_batch: bool) {
        let Some(span) = c.clauses.iter().find_map(|k| match k {
            CampaignClause::Pace(s) => Some(*s),
            _ => None,
        }) else {
            return;
        };
        let face_value = out.budget.is_some_and(|b| b.kind == BudgetKind::FaceValue);
        if is_batch || !face_value {
            self.error(
                Diagnostic::new(
                    Code::BadCap,
                    span,
                    "`pace evenly` spreads a face-value budget over the window",
                )
                .label(if is_batch {
                    "in a batch campaign"
                } else {
                    "no budget of face value"
                })
                .help(if is_batch {
                    "a batch run issues at one time: bound it with `budget ¥N face value per day`"
                } else {
                    "add `budget ¥50_000 face value` beside it"
                }),
            );
        }
    }

    /// `budget ¥10_000 face value per day`: face value only (`E022`).
    fn period_budget(&mut self, b: &ast::Budget, per: ast::BudgetPeriod, amount: i64) -> Option<PeriodBudget> {
        let per = match per {
            ast::BudgetPeriod::Day => BudgetPeriod::Day,
            ast::BudgetPeriod::Hour => BudgetPeriod::Hour,
        };
        if b.kind == Some(ast::BudgetKind::ExpectedCost) {
            self.error(
                Diagnostic::new(
                    Code::BadCap,
                    b.span,
                    format!("a budget per {} counts face value, not expected cost", per.as_str()),
                )
                .label("expected cost per period")
                .help(format!(
                    "write `budget … face value per {}`, or bound the expected cost with a total `budget … expected cost`",
                    per.as_str()
                )),
            );
            return None;
        }
        Some(PeriodBudget { per, amount })
    }

    /// `at most N coupons per campaign` (a campaign clause) or `per rule` (a rule
    /// clause): at least one coupon, and in its place (`E022`).
    pub(super) fn issue_cap(&mut self, cap: &ast::IssueCap, place: ast::CapScope) -> Option<u32> {
        let mut ok = true;
        if cap.count < 1 {
            self.error(
                Diagnostic::new(Code::BadCap, cap.span, "a cap must be at least 1 coupon")
                    .label("never issues")
                    .help("write `at most 500 coupons per campaign`, or remove the rule"),
            );
            ok = false;
        }
        if cap.scope != place {
            let d = match cap.scope {
                ast::CapScope::Campaign => Diagnostic::new(
                    Code::BadCap,
                    cap.span,
                    "`per campaign` caps the whole campaign, not one rule",
                )
                .label("inside a rule")
                .help(format!(
                    "move `at most {} coupons per campaign` among the campaign's clauses, or write `per rule` to cap this rule",
                    cap.count
                )),
                ast::CapScope::Rule => Diagnostic::new(Code::BadCap, cap.span, "`per rule` caps one rule, not the campaign")
                    .label("among the campaign's clauses")
                    .help(format!(
                        "move `at most {} coupons per rule` into the rule it caps, or write `per campaign`",
                        cap.count
                    )),
            };
            self.error(d);
            ok = false;
        }
        ok.then_some(cap.count)
    }

    pub(super) fn wrong_place(&mut self, span: Span, what: &str) {
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

    pub(super) fn window(&mut self, w: &ast::Window, tz: chrono_tz::Tz) -> Option<(i64, i64)> {
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
}
