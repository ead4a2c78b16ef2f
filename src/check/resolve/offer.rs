//! Offers: the discount, its parameters and its validity.

use super::Resolver;
use crate::check::program::*;
use crate::check::types::{TExprKind, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast;
use crate::value::{Value, calendar, calendar::Calendar};
use std::sync::Arc;

impl Resolver<'_> {
    /// `menu_allowed`: whether a `one of` menu may be written here (a batch campaign's
    /// segment, or an event rule of a campaign that has a response model or explores).
    pub(super) fn offer(&mut self, o: &ast::Offer, tz: chrono_tz::Tz, menu_allowed: bool) -> Option<OfferSpec> {
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
                if !menu_allowed {
                    self.error(
                        Diagnostic::new(
                            Code::WrongPlace,
                            *span,
                            "a menu of offers needs a batch campaign, a response model or a `random offer` arm",
                        )
                        .label("nothing here chooses among these")
                        .help(
                            "give one value; or add `response from \"MODEL.json\"` (a model `mintage fit` wrote) \
                             to the campaign, which picks the option of highest gain − λ·cost; or move the offer \
                             into a `segment` of a `batch` campaign",
                        ),
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
                    .label(format!("this is {}", crate::check::expr::article(&t.ty)))
                    .help("write `for item.category` or `for [\"bags\", \"watches\"]`"),
                );
            }
            t
        });
        let validity = match &o.validity {
            Some(ast::Validity::For(e)) => {
                let t = self.typed(e, &Type::Duration, "a validity", tz);
                match t.kind {
                    TExprKind::Const(Value::Duration(ms)) => Validity::For(ms),
                    _ => Validity::UntilWindowEnd,
                }
            }
            _ => Validity::UntilWindowEnd,
        };
        let calendar = o.valid_on.as_ref().and_then(|on| self.valid_on(on, tz));
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
            calendar,
            funded,
        })
    }

    /// `on weekends between 20:00 and 23:00`: the calendar in the campaign's zone; a time
    /// of day that is not one, an empty range (`E009`) or a day named twice (`E013`) is
    /// reported.
    fn valid_on(&mut self, on: &ast::ValidOn, tz: chrono_tz::Tz) -> Option<Calendar> {
        let mut days = 0u8;
        for d in &on.days {
            let bits = calendar::days_named(&d.text).unwrap_or(0);
            if days & bits != 0 {
                self.error(
                    Diagnostic::new(
                        Code::RepeatedClause,
                        d.span,
                        format!("`{}` names a day given already", d.text),
                    )
                    .label("again")
                    .help("name each day once: `on sat, sun` or `on weekends`"),
                );
            }
            days |= bits;
        }
        let between = match &on.between {
            None => None,
            Some((from, until)) => {
                let clock = |me: &mut Self, n: &ast::Name, end: bool| match calendar::Clock::parse(&n.text, end) {
                    Ok(c) => Some(c),
                    Err(msg) => {
                        me.error(
                            Diagnostic::new(Code::BadTime, n.span, msg)
                                .label("not a time of day")
                                .help("write hours from `00:00` to `23:59`; `24:00` may end a range"),
                        );
                        None
                    }
                };
                let (from_c, until_c) = (clock(self, from, false), clock(self, until, true));
                let (from_c, until_c) = (from_c?, until_c?);
                if from_c == until_c || (from_c.0 == 0 && until_c.0 == 1440) {
                    self.error(
                        Diagnostic::new(
                            Code::BadTime,
                            from.span.to(until.span),
                            format!("`between {} and {}` is not a part of the day", from.text, until.text),
                        )
                        .label("an empty range, or the whole day")
                        .help("the end must differ from the start: `between 20:00 and 23:00`, or `between 22:00 and 02:00` across midnight; leave it out for any hour"),
                    );
                    return None;
                }
                Some((from_c, until_c))
            }
        };
        // Every day at any hour is no calendar at all.
        let calendar = Calendar::new(days, between, tz);
        (calendar.between.is_some() || !calendar.days.is_empty()).then_some(calendar)
    }
}
