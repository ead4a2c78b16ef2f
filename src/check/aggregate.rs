//! Aggregates over the user's own past events: `count(EVENT, D)`, `count(EVENT where
//! COND, D)`, `sum(EVENT, FIELD, D)`, `distinct(EVENT, FIELD, D)`, `days_since(EVENT)`.
//!
//! The checker gives each distinct aggregate of the rules one entry of
//! [`Program::aggregates`](super::program::Program), keyed by its canonical text
//! (`count(item_favourited where item.category == "bags", 7d)`), and the expression reads
//! it by index (`Builtin::Aggregate`). The runtime feeds only these: on each of the user's
//! events of that type whose condition holds, it keeps the event's time (and the field's
//! value), and prunes what falls out of the window. The key is what the ledger keeps them
//! under, so that a reload keeps the aggregates its rules still use.

use super::expr::{Scope, article};
use super::types::{Builtin, TExpr, TExprKind, Type};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::{Millis, Value};
use std::sync::Arc;

/// What an aggregate computes over the events in its window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Func {
    /// How many events (0 when none).
    Count,
    /// The sum of a money or number field (0 when none).
    Sum,
    /// How many distinct values of a field.
    Distinct,
    /// Days (with a fraction) since the latest event; missing if never.
    DaysSince,
}

impl Func {
    pub const ALL: &'static [(&'static str, Func)] = &[
        ("count", Func::Count),
        ("sum", Func::Sum),
        ("distinct", Func::Distinct),
        ("days_since", Func::DaysSince),
    ];

    pub fn of(name: &str) -> Option<Func> {
        Func::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    pub fn name(self) -> &'static str {
        Func::ALL.iter().find(|(_, f)| *f == self).map_or("?", |(n, _)| n)
    }
}

/// One aggregate the rules use.
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    /// The canonical text, e.g. `sum(order_paid, order.total, 90d)`.
    pub key: Arc<str>,
    pub func: Func,
    /// The event type it counts.
    pub event: Arc<str>,
    /// `where …`: read on each past event, when it happens.
    pub cond: Option<TExpr>,
    /// The field summed or counted distinct, read on each past event.
    pub field: Option<TExpr>,
    /// How far back it looks (`None`: `days_since`, the latest ever).
    pub window: Option<Millis>,
}

/// The longest window an aggregate may look back over.
pub const MAX_WINDOW: Millis = 366 * 24 * 3_600_000;

impl Scope<'_> {
    /// `count(…)`, `sum(…)`, `distinct(…)`, `days_since(…)`.
    pub(super) fn aggregate(&mut self, func: Func, args: &[Expr], span: Span) -> TExpr {
        let name = func.name();
        let usage = match func {
            Func::Count => "`count(EVENT, 7d)` or `count(EVENT where COND, 7d)`",
            Func::Sum => "`sum(EVENT, FIELD, 90d)`, e.g. `sum(order_paid, order.total, 90d)`",
            Func::Distinct => "`distinct(EVENT, FIELD, 7d)`, e.g. `distinct(view_item, item.category, 7d)`",
            Func::DaysSince => "`days_since(EVENT)` or `days_since(EVENT where COND)`",
        };
        let want = match func {
            Func::Count => 2,
            Func::Sum | Func::Distinct => 3,
            Func::DaysSince => 1,
        };
        if self.batch {
            self.error(
                Diagnostic::new(
                    Code::ScopeOutsideRule,
                    span,
                    format!("`{name}(…)` over past events does not exist in a batch campaign"),
                )
                .label("a batch run reads user rows, not their events")
                .help(
                    "in a batch campaign read `user.*` and `scores.*`; aggregates over past events are for event rules",
                ),
            );
            return unknown(span);
        }
        if args.len() != want {
            self.error(
                Diagnostic::new(
                    Code::UnknownFunction,
                    span,
                    format!("`{name}` takes {want} argument(s), found {}", args.len()),
                )
                .label("wrong number of arguments")
                .help(format!("write {usage}")),
            );
            return unknown(span);
        }
        let Some((event, cond)) = self.past_events(&args[0], usage) else {
            return unknown(span);
        };
        let field = match func {
            Func::Sum | Func::Distinct => {
                let f = self.expr(&args[1]);
                let fits = match func {
                    Func::Sum => matches!(f.ty, Type::Money | Type::Number | Type::Unknown),
                    _ => !matches!(f.ty, Type::List(_)),
                };
                if !fits {
                    let need = if func == Func::Sum {
                        "an amount or a number"
                    } else {
                        "a single value"
                    };
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            args[1].span,
                            format!("`{name}` needs {need} here, found {}", article(&f.ty)),
                        )
                        .label(format!("this is {}", article(&f.ty)))
                        .help(format!("write {usage}")),
                    );
                    // One error is enough: the aggregate's type is not known.
                    return unknown(span);
                }
                Some(f)
            }
            _ => None,
        };
        let window = match func {
            Func::DaysSince => None,
            _ => args.last().and_then(|d| self.window(d, name)),
        };
        let ty = match (func, &field) {
            (Func::Sum, Some(f)) if f.ty == Type::Money => Type::Money,
            _ => Type::Number,
        };
        let mut key = format!("{name}({}", text(&args[0]));
        for a in &args[1..] {
            key.push_str(", ");
            key.push_str(&text(a));
        }
        key.push(')');
        let agg = Aggregate {
            key: Arc::from(key.as_str()),
            func,
            event,
            cond,
            field,
            window,
        };
        let index = match self.aggregates.iter().position(|a| a.key == agg.key) {
            Some(i) => i,
            None => {
                self.aggregates.push(agg);
                self.aggregates.len() - 1
            }
        };
        TExpr {
            kind: TExprKind::Call(
                Builtin::Aggregate,
                vec![TExpr::constant(Value::Number(index as f64), Type::Number, span)],
            ),
            ty,
            span,
        }
    }

    /// `EVENT` or `EVENT where COND`: the event type (known to the contract or declared)
    /// and the condition, typed.
    fn past_events(&mut self, e: &Expr, usage: &str) -> Option<(Arc<str>, Option<TExpr>)> {
        let (name, span, cond) = match &e.kind {
            ExprKind::Path(p) if p.len() == 1 => (p[0].text.as_str(), p[0].span, None),
            ExprKind::Where(n, c) => (n.text.as_str(), n.span, Some(c)),
            _ => {
                self.error(
                    Diagnostic::new(Code::UnknownEvent, e.span, "an aggregate counts events of one type")
                        .label("not an event type")
                        .help(format!("write {usage}")),
                );
                return None;
            }
        };
        if !self.events.iter().any(|x| x == name) {
            let mut d = Diagnostic::new(Code::UnknownEvent, span, format!("unknown event type `{name}`"))
                .label("the platform does not send this");
            d = match did_you_mean(name, self.events.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!("declare it with `event {name}` if the platform sends it")),
            };
            self.error(d);
            return None;
        }
        let cond = cond.map(|c| self.expect(c, &Type::Bool, "an aggregate's condition"));
        Some((Arc::from(name), cond))
    }

    /// The window: a constant duration from one minute to a year.
    fn window(&mut self, d: &Expr, name: &str) -> Option<Millis> {
        let t = self.expect(d, &Type::Duration, "an aggregate's window");
        match t.kind {
            TExprKind::Const(Value::Duration(ms)) if (60_000..=MAX_WINDOW).contains(&ms) => Some(ms),
            _ if t.ty != Type::Duration => None,
            _ => {
                self.error(
                    Diagnostic::new(
                        Code::BadLiteral,
                        d.span,
                        format!("`{name}` looks back a fixed time from `1m` to `366d`"),
                    )
                    .label("not a fixed window")
                    .help("write the window as a literal, such as `7d` or `90d`"),
                );
                None
            }
        }
    }
}

fn unknown(span: Span) -> TExpr {
    TExpr::constant(Value::Missing, Type::Unknown, span)
}

/// An expression as the language writes it, spaced one way: the aggregate's key.
pub fn text(e: &Expr) -> String {
    use crate::syntax::ast::UnaryOp as U;
    match &e.kind {
        ExprKind::Money(f) => format!("¥{}", crate::value::yuan_string(*f)),
        ExprKind::Percent(bp) => Value::Percent(*bp).to_string(),
        ExprKind::Number(n) => Value::Number(*n).to_string(),
        ExprKind::Duration(ms) => Value::Duration(*ms).to_string(),
        ExprKind::DateTime(lit) => lit.text.clone(),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::List(items) => format!("[{}]", items.iter().map(text).collect::<Vec<_>>().join(", ")),
        ExprKind::Path(p) => p.iter().map(|n| n.text.as_str()).collect::<Vec<_>>().join("."),
        ExprKind::Call(n, args) => format!("{}({})", n.text, args.iter().map(text).collect::<Vec<_>>().join(", ")),
        ExprKind::Unary(U::Not, a) => format!("not {}", text(a)),
        ExprKind::Unary(U::Neg, a) => format!("-{}", text(a)),
        ExprKind::Binary(op, a, b) => {
            let op = op.symbol();
            format!("({} {op} {})", text(a), text(b))
        }
        ExprKind::If(c, a, b) => format!("(if {} then {} else {})", text(c), text(a), text(b)),
        ExprKind::Where(n, cond) => {
            let c = text(cond);
            let binary = matches!(cond.kind, ExprKind::Binary(..));
            let bare = c.strip_prefix('(').and_then(|c| c.strip_suffix(')')).filter(|_| binary);
            format!("{} where {}", n.text, bare.unwrap_or(&c))
        }
    }
}
