//! Typing expressions: resolves paths to fields, calls to built-in or user functions,
//! and gives every node a type, reporting unknown names (`E002`, `E010`, `E017`) and type
//! mismatches (`E003`) without stopping at the first.

use super::types::{Builtin, FIELDS, Field, OFFER_FIELDS, TExpr, TExprKind, Type};
use crate::diagnostic::Code;
use crate::diagnostic::{Diagnostic, did_you_mean};
use crate::source::Span;
use crate::syntax::ast::{BinaryOp, DateTimeLit, Expr, ExprKind, UnaryOp};
use crate::value::{Millis, Value};
use std::sync::Arc;

/// A user-defined function's signature.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: String,
    pub params: Vec<Type>,
    pub returns: Type,
}

/// What names an expression may use where it stands.
pub struct Scope<'a> {
    pub declared: &'a [(String, Type)],
    /// The event types the rules may name.
    pub events: &'a [String],
    /// The aggregates over past events met so far (see [`super::aggregate`]).
    pub aggregates: &'a mut Vec<super::aggregate::Aggregate>,
    /// The `profile` features defined so far, read as `profile.NAME`.
    pub profile: &'a [(String, TExpr)],
    pub functions: &'a [Signature],
    /// `let` bindings visible here (batch models).
    pub locals: Vec<(String, Type)>,
    /// Inside a batch model, `offer.*` is readable.
    pub offer: bool,
    /// In a batch campaign there is no event: `item`, `cart` and `event` do not exist.
    pub batch: bool,
    pub tz: chrono_tz::Tz,
    pub diagnostics: &'a mut Vec<Diagnostic>,
}

impl Scope<'_> {
    pub(super) fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    /// Types `expr` and reports if it is not of type `want`.
    pub fn expect(&mut self, expr: &Expr, want: &Type, what: &str) -> TExpr {
        let t = self.expr(expr);
        if !t.ty.fits(want) {
            let mut d = Diagnostic::new(
                Code::TypeMismatch,
                expr.span,
                format!("{what} must be {}, found {}", article(want), article(&t.ty)),
            )
            .label(format!("this is {}", article(&t.ty)));
            if let Some(h) = conversion_help(&t.ty, want) {
                d = d.help(h);
            }
            self.error(d);
        }
        t
    }

    pub fn expr(&mut self, expr: &Expr) -> TExpr {
        let span = expr.span;
        let (kind, ty) = match &expr.kind {
            ExprKind::Money(f) => (TExprKind::Const(Value::Money(*f)), Type::Money),
            ExprKind::Percent(bp) => (TExprKind::Const(Value::Percent(*bp)), Type::Percent),
            ExprKind::Number(n) => (TExprKind::Const(Value::Number(*n)), Type::Number),
            ExprKind::Duration(ms) => (TExprKind::Const(Value::Duration(*ms)), Type::Duration),
            ExprKind::Str(s) => (TExprKind::Const(Value::str(s)), Type::Str),
            ExprKind::Bool(b) => (TExprKind::Const(Value::Bool(*b)), Type::Bool),
            ExprKind::DateTime(lit) => match local_time(lit, self.tz) {
                Ok(ms) => (TExprKind::Const(Value::Time(ms)), Type::Time),
                Err(d) => {
                    self.error(d);
                    return unknown(span);
                }
            },
            ExprKind::List(items) => return self.list(items, span),
            ExprKind::Path(names) => return self.path(names, span),
            ExprKind::Call(name, args) => return self.call(&name.text, name.span, args, span),
            ExprKind::Unary(op, inner) => return self.unary(*op, inner, span),
            ExprKind::Binary(op, a, b) => return self.binary(*op, a, b, span),
            ExprKind::Where(n, _) => {
                self.error(
                    Diagnostic::new(
                        Code::UnknownEvent,
                        span,
                        format!("`{} where …` picks past events, only inside an aggregate", n.text),
                    )
                    .label("not an aggregate's argument")
                    .help(format!("write `count({} where …, 7d)`", n.text)),
                );
                return unknown(span);
            }
            ExprKind::If(c, a, b) => {
                let c = self.expect(c, &Type::Bool, "the condition of `if`");
                let a = self.expr(a);
                let b = self.expr(b);
                let ty = if a.ty == Type::Unknown {
                    b.ty.clone()
                } else {
                    a.ty.clone()
                };
                if !a.ty.fits(&b.ty) {
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            b.span,
                            format!("the branches of `if` differ: {} and {}", a.ty, b.ty),
                        )
                        .label(format!("this is {}", article(&b.ty)))
                        .help("both branches must have the same type"),
                    );
                }
                (TExprKind::If(Box::new(c), Box::new(a), Box::new(b)), ty)
            }
        };
        TExpr { kind, ty, span }
    }

    fn list(&mut self, items: &[Expr], span: Span) -> TExpr {
        let typed: Vec<TExpr> = items.iter().map(|e| self.expr(e)).collect();
        let elem = typed
            .iter()
            .map(|t| t.ty.clone())
            .find(|t| *t != Type::Unknown)
            .unwrap_or(Type::Unknown);
        for t in &typed {
            if !t.ty.fits(&elem) {
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        t.span,
                        format!("a list of {elem} cannot hold {}", article(&t.ty)),
                    )
                    .label("different type"),
                );
            }
        }
        TExpr {
            kind: TExprKind::List(typed),
            ty: Type::List(Box::new(elem)),
            span,
        }
    }

    fn path(&mut self, names: &[crate::syntax::ast::Name], span: Span) -> TExpr {
        let text: Vec<&str> = names.iter().map(|n| n.text.as_str()).collect();
        let joined = text.join(".");
        if let [single] = text.as_slice()
            && let Some(i) = self.locals.iter().position(|(n, _)| n == single)
        {
            let ty = self.locals[i].1.clone();
            return TExpr {
                kind: TExprKind::Local(i),
                ty,
                span,
            };
        }
        if text.first() == Some(&"profile") {
            return self.profile_feature(&text, span);
        }
        if self.batch
            && let Some(root) = text
                .first()
                .copied()
                .filter(|r| matches!(*r, "item" | "cart" | "event" | "order" | "search"))
        {
            self.error(
                Diagnostic::new(
                    Code::ScopeOutsideRule,
                    span,
                    format!("`{joined}` does not exist in a batch campaign"),
                )
                .label(format!("a batch run reads user rows, with no `{root}`"))
                .help("in a batch campaign read `user.*`, `scores.*` and `now`; to read the item or cart, write an event campaign with a rule `on` an event type"),
            );
            return unknown(span);
        }
        if let Some((_, field, ty)) = FIELDS.iter().find(|(p, _, _)| *p == joined) {
            return field_expr(field.clone(), ty.clone(), span);
        }
        if let ["scores", name] = text.as_slice() {
            return field_expr(Field::Score(Arc::from(*name)), Type::Number, span);
        }
        if let Some((_, ty)) = self.declared.iter().find(|(p, _)| *p == joined) {
            let ty = ty.clone();
            let field = match text.as_slice() {
                ["item", name] => Field::ItemExtra(Arc::from(*name), ty.clone()),
                [_, name] => Field::UserExtra(Arc::from(*name), ty.clone()),
                _ => Field::UserExtra(Arc::from(joined.as_str()), ty.clone()),
            };
            return field_expr(field, ty, span);
        }
        if text.first() == Some(&"user") && text.get(1) == Some(&"tags") && text.len() == 2 {
            return field_expr(Field::UserTags, Type::List(Box::new(Type::Str)), span);
        }
        if joined == "cart.categories" {
            return field_expr(Field::CartCategories, Type::List(Box::new(Type::Str)), span);
        }
        if text.first() == Some(&"offer")
            && let Some((_, field, ty)) = OFFER_FIELDS.iter().find(|(p, _, _)| *p == joined)
        {
            if self.offer {
                return field_expr(field.clone(), ty.clone(), span);
            }
            self.error(
                Diagnostic::new(
                    Code::ScopeOutsideRule,
                    span,
                    format!("`{joined}` is only available in a batch campaign's model"),
                )
                .label("no offer here"),
            );
            return unknown(span);
        }
        self.unknown_path(&joined, text.len(), span)
    }

    fn unknown_path(&mut self, joined: &str, parts: usize, span: Span) -> TExpr {
        let mut known: Vec<String> = FIELDS.iter().map(|(p, _, _)| p.to_string()).collect();
        known.extend(["user.tags".into(), "cart.categories".into()]);
        known.extend(self.declared.iter().map(|(p, _)| p.clone()));
        known.extend(self.locals.iter().map(|(n, _)| n.clone()));
        if self.offer {
            known.extend(OFFER_FIELDS.iter().map(|(p, _, _)| p.to_string()));
        }
        let roots = ["user", "item", "cart", "scores", "event", "offer", "now"];
        let root = joined.split('.').next().unwrap_or("");
        let (code, message) = if parts == 1 {
            (Code::UnknownName, format!("unknown name `{joined}`"))
        } else if roots.contains(&root) {
            (Code::UnknownField, format!("unknown field `{joined}`"))
        } else {
            (Code::UnknownName, format!("unknown name `{root}` in `{joined}`"))
        };
        let mut d = Diagnostic::new(code, span, message).label("not a known field");
        d = match did_you_mean(joined, known.iter().map(String::as_str)) {
            Some(s) => d.help(format!("did you mean `{s}`?")),
            None if parts == 1 => d.help(
                "names start with `user.`, `item.`, `cart.`, `order.`, `search.`, `scores.` or `event.`, or are `now`, `profile.NAME` or a `let` binding",
            ),
            None => d.help(format!(
                "declare fields your platform sends with `field {joined}: string` (or another type)"
            )),
        };
        self.error(d);
        unknown(span)
    }

    /// `profile.NAME`: the feature's typed expression, as if written here.
    fn profile_feature(&mut self, text: &[&str], span: Span) -> TExpr {
        let joined = text.join(".");
        let found = match text {
            [_, name] => self.profile.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone()),
            _ => None,
        };
        let Some(mut t) = found else {
            let names: Vec<&str> = self.profile.iter().map(|(n, _)| n.as_str()).collect();
            let wanted = text.get(1).copied().unwrap_or_default();
            let mut d = Diagnostic::new(Code::UnknownField, span, format!("unknown profile feature `{joined}`"))
                .label("not in a `profile` block");
            d = match did_you_mean(wanted, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `profile.{s}`?")),
                None => d.help(format!(
                    "define it in a `profile` block above where it is read: `profile {{ let {wanted} = … }}`"
                )),
            };
            self.error(d);
            return unknown(span);
        };
        if self.batch && reads_the_event(&t) {
            self.error(
                Diagnostic::new(
                    Code::ScopeOutsideRule,
                    span,
                    format!("`{joined}` reads the event or past events, which a batch campaign does not have"),
                )
                .label("a batch run reads user rows")
                .help("in a batch campaign read profile features made of `user.*` and `scores.*` only"),
            );
            return unknown(span);
        }
        t.span = span;
        t
    }

    fn call(&mut self, name: &str, name_span: Span, args: &[Expr], span: Span) -> TExpr {
        if let Some(func) = super::aggregate::Func::of(name)
            && !self.functions.iter().any(|f| f.name == name)
        {
            return self.aggregate(func, args, span);
        }
        let typed: Vec<TExpr> = args.iter().map(|a| self.expr(a)).collect();
        if let Some(i) = self.functions.iter().position(|f| f.name == name) {
            let sig = self.functions[i].clone();
            self.check_args(name, &sig.params, &typed, span);
            return TExpr {
                kind: TExprKind::UserCall(i, typed),
                ty: sig.returns,
                span,
            };
        }
        let Some((_, builtin)) = Builtin::ALL.iter().find(|(n, _)| *n == name) else {
            let mut names: Vec<&str> = Builtin::ALL.iter().map(|(n, _)| *n).collect();
            names.extend(super::aggregate::Func::ALL.iter().map(|(n, _)| *n));
            names.extend(self.functions.iter().map(|f| f.name.as_str()));
            let mut d = Diagnostic::new(Code::UnknownFunction, name_span, format!("unknown function `{name}`"))
                .label("not defined");
            d = match did_you_mean(name, names.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("define it with `function NAME(x: number) -> number { … }` (Rhai code)"),
            };
            self.error(d);
            return unknown(span);
        };
        let ty = self.builtin_type(*builtin, &typed, span);
        let mut typed = typed;
        if matches!(builtin, Builtin::HourOf | Builtin::WeekdayOf | Builtin::DateOf) {
            // The zone the calendar is read in: the campaign's (see `builtins::call`).
            typed.push(TExpr {
                kind: TExprKind::Const(Value::str(self.tz.name())),
                ty: Type::Str,
                span,
            });
        }
        TExpr {
            kind: TExprKind::Call(*builtin, typed),
            ty,
            span,
        }
    }

    fn check_args(&mut self, name: &str, params: &[Type], args: &[TExpr], span: Span) -> bool {
        if params.len() != args.len() {
            self.error(
                Diagnostic::new(
                    Code::UnknownFunction,
                    span,
                    format!("`{name}` takes {} argument(s), found {}", params.len(), args.len()),
                )
                .label("wrong number of arguments"),
            );
            return false;
        }
        let mut ok = true;
        for (p, a) in params.iter().zip(args) {
            if !a.ty.fits(p) {
                ok = false;
                self.error(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        a.span,
                        format!("`{name}` needs {} here, found {}", article(p), article(&a.ty)),
                    )
                    .label(format!("this is {}", article(&a.ty))),
                );
            }
        }
        ok
    }

    fn builtin_type(&mut self, b: Builtin, args: &[TExpr], span: Span) -> Type {
        let name = b.name();
        match b {
            // Made by `aggregate` alone, with its type.
            Builtin::Aggregate => Type::Number,
            Builtin::Min | Builtin::Max => {
                if args.len() < 2 {
                    self.error(
                        Diagnostic::new(
                            Code::UnknownFunction,
                            span,
                            format!("`{name}` needs at least two arguments"),
                        )
                        .label("too few arguments"),
                    );
                    return Type::Unknown;
                }
                let ty = args
                    .iter()
                    .map(|a| a.ty.clone())
                    .find(|t| *t != Type::Unknown)
                    .unwrap_or(Type::Unknown);
                if !is_ordered(&ty) {
                    self.error(
                        Diagnostic::new(
                            Code::TypeMismatch,
                            span,
                            format!("`{name}` compares numbers, money, percentages, durations or times, not {ty}"),
                        )
                        .label("not comparable"),
                    );
                    return Type::Unknown;
                }
                let params = vec![ty.clone(); args.len()];
                self.check_args(name, &params, args, span);
                ty
            }
            Builtin::Abs => {
                let ty = args.first().map_or(Type::Unknown, |a| a.ty.clone());
                self.check_args(name, std::slice::from_ref(&ty), args, span);
                ty
            }
            Builtin::Exp | Builtin::Ln | Builtin::Round => {
                self.check_args(name, &[Type::Number], args, span);
                Type::Number
            }
            Builtin::Len => {
                if let Some(a) = args.first()
                    && !matches!(a.ty, Type::List(_) | Type::Unknown | Type::Str)
                {
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, a.span, "`len` needs a list or a string")
                            .label("not a list"),
                    );
                }
                if args.len() != 1 {
                    self.error(Diagnostic::new(Code::UnknownFunction, span, "`len` takes one argument").label("here"));
                }
                Type::Number
            }
            Builtin::Signal => {
                self.check_args(name, &[Type::Str, Type::Str], args, span);
                Type::Number
            }
            Builtin::CouponsIssued => {
                if args.len() == 1 {
                    self.check_args(name, &[Type::Duration], args, span);
                } else {
                    self.check_args(name, &[Type::Duration, Type::Str], args, span);
                }
                Type::Number
            }
            Builtin::OtherUsersOnDevice => {
                self.check_args(name, &[Type::Duration], args, span);
                Type::Number
            }
            Builtin::HourOf | Builtin::WeekdayOf | Builtin::DateOf => {
                self.calendar_args(name, args, span);
                if b == Builtin::DateOf { Type::Time } else { Type::Number }
            }
        }
    }

    /// `hour_of(t)`, `weekday_of(t)`, `date_of(t)`: one time.
    fn calendar_args(&mut self, name: &str, args: &[TExpr], span: Span) {
        let example = format!("`{name}(now)` or `{name}(user.last_order_at)`");
        if args.len() != 1 {
            self.error(
                Diagnostic::new(
                    Code::UnknownFunction,
                    span,
                    format!("`{name}` takes one argument, found {}", args.len()),
                )
                .label("wrong number of arguments")
                .help(format!("pass the time to read, in the campaign's zone: {example}")),
            );
            return;
        }
        if let Some(a) = args.first()
            && !a.ty.fits(&Type::Time)
        {
            self.error(
                Diagnostic::new(
                    Code::TypeMismatch,
                    a.span,
                    format!("`{name}` needs a time, found {}", article(&a.ty)),
                )
                .label(format!("this is {}", article(&a.ty)))
                .help(format!("pass a time such as `now` or a time field: {example}")),
            );
        }
    }

    fn unary(&mut self, op: UnaryOp, inner: &Expr, span: Span) -> TExpr {
        match op {
            UnaryOp::Not => {
                let t = self.expect(inner, &Type::Bool, "the operand of `not`");
                TExpr {
                    kind: TExprKind::Not(Box::new(t)),
                    ty: Type::Bool,
                    span,
                }
            }
            UnaryOp::Neg => {
                let t = self.expr(inner);
                if !matches!(
                    t.ty,
                    Type::Number | Type::Money | Type::Percent | Type::Duration | Type::Unknown
                ) {
                    self.error(
                        Diagnostic::new(Code::TypeMismatch, span, format!("cannot negate {}", article(&t.ty)))
                            .label("not a number"),
                    );
                }
                let ty = t.ty.clone();
                TExpr {
                    kind: TExprKind::Neg(Box::new(t)),
                    ty,
                    span,
                }
            }
        }
    }

    fn binary(&mut self, op: BinaryOp, a: &Expr, b: &Expr, span: Span) -> TExpr {
        let ta = self.expr(a);
        let tb = self.expr(b);
        let ty = match binary_type(op, &ta.ty, &tb.ty) {
            Some(t) => t,
            None => {
                let mut d = Diagnostic::new(
                    Code::TypeMismatch,
                    span,
                    format!(
                        "`{}` cannot combine {} and {}",
                        op.symbol(),
                        article(&ta.ty),
                        article(&tb.ty)
                    ),
                )
                .label(format!("{} {} {}", ta.ty, op.symbol(), tb.ty));
                let weekday = |t: &TExpr| matches!(t.kind, TExprKind::Call(Builtin::WeekdayOf, _));
                if let Some(h) = conversion_help(&tb.ty, &ta.ty).or_else(|| conversion_help(&ta.ty, &tb.ty)) {
                    d = d.help(h);
                } else if weekday(&ta) || weekday(&tb) {
                    d = d.help("`weekday_of` gives a number, 1 (Monday) to 7 (Sunday): write `weekday_of(now) == 6` for a Saturday, `weekday_of(now) >= 6` for the weekend");
                } else if op == BinaryOp::In {
                    d = d.help("`in` needs a list on its right: `item.category in [\"bags\", \"watches\"]`");
                }
                self.error(d);
                Type::Unknown
            }
        };
        TExpr {
            kind: TExprKind::Binary(op, Box::new(ta), Box::new(tb)),
            ty,
            span,
        }
    }
}

fn field_expr(field: Field, ty: Type, span: Span) -> TExpr {
    TExpr {
        kind: TExprKind::Field(field),
        ty,
        span,
    }
}

/// Whether `t` reads the event (`item`, `cart`, `order`, `event`) or past events.
fn reads_the_event(t: &TExpr) -> bool {
    let mut found = false;
    t.walk(&mut |n| {
        found |= match &n.kind {
            TExprKind::Call(Builtin::Aggregate, _) => true,
            TExprKind::Field(f) => {
                let name = super::types::field_name(f);
                ["item.", "cart.", "order.", "search.", "event."]
                    .iter()
                    .any(|r| name.starts_with(r))
            }
            _ => false,
        };
    });
    found
}

fn unknown(span: Span) -> TExpr {
    TExpr {
        kind: TExprKind::Const(Value::Missing),
        ty: Type::Unknown,
        span,
    }
}

fn is_ordered(t: &Type) -> bool {
    matches!(
        t,
        Type::Number | Type::Money | Type::Percent | Type::Duration | Type::Time | Type::Unknown
    )
}

/// The result type of `a op b`, or `None` if the operator does not apply.
pub fn binary_type(op: BinaryOp, a: &Type, b: &Type) -> Option<Type> {
    use Type::*;
    if (*a == Unknown || *b == Unknown) && !matches!(op, BinaryOp::In | BinaryOp::NotIn) {
        return Some(match op {
            BinaryOp::Or
            | BinaryOp::And
            | BinaryOp::Eq
            | BinaryOp::Ne
            | BinaryOp::Lt
            | BinaryOp::Le
            | BinaryOp::Gt
            | BinaryOp::Ge
            | BinaryOp::Within => Bool,
            _ => Unknown,
        });
    }
    Some(match op {
        BinaryOp::Or | BinaryOp::And => {
            if *a == Bool && *b == Bool {
                Bool
            } else {
                return None;
            }
        }
        BinaryOp::Eq | BinaryOp::Ne => {
            if a.fits(b) {
                Bool
            } else {
                return None;
            }
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
            if a.fits(b) && is_ordered(a) {
                Bool
            } else {
                return None;
            }
        }
        BinaryOp::In | BinaryOp::NotIn => match b {
            List(elem) if a.fits(elem) => Bool,
            Unknown => Bool,
            Str if *a == Str || *a == Unknown => Bool,
            _ if *a == Unknown => Bool,
            _ => return None,
        },
        BinaryOp::Within => {
            if *a == Time && *b == Duration {
                Bool
            } else {
                return None;
            }
        }
        BinaryOp::Add => match (a, b) {
            (Number, Number) | (Money, Money) | (Percent, Percent) | (Duration, Duration) => a.clone(),
            (Time, Duration) | (Duration, Time) => Time,
            _ => return None,
        },
        BinaryOp::Sub => match (a, b) {
            (Number, Number) | (Money, Money) | (Percent, Percent) | (Duration, Duration) => a.clone(),
            (Time, Duration) => Time,
            (Time, Time) => Duration,
            _ => return None,
        },
        BinaryOp::Mul => match (a, b) {
            (Number, Number) => Number,
            (Money, Number) | (Number, Money) | (Money, Percent) | (Percent, Money) => Money,
            (Percent, Number) | (Number, Percent) => Percent,
            (Duration, Number) | (Number, Duration) => Duration,
            _ => return None,
        },
        BinaryOp::Div => match (a, b) {
            (Number, Number) | (Money, Money) | (Percent, Percent) | (Duration, Duration) => Number,
            (Money, Number) => Money,
            (Percent, Number) => Percent,
            (Duration, Number) => Duration,
            _ => return None,
        },
        BinaryOp::Of => match (a, b) {
            (Percent, Money) => Money,
            (Percent, Number) => Number,
            _ => return None,
        },
    })
}

pub fn article(t: &Type) -> String {
    match t {
        Type::Unknown => "an unknown value".into(),
        Type::List(_) => format!("a {t}"),
        Type::Money => "money".into(),
        Type::Time => "a time".into(),
        Type::Percent => "a percentage".into(),
        Type::Number => "a number".into(),
        Type::Duration => "a duration".into(),
        Type::Str => "a string".into(),
        Type::Bool => "true or false".into(),
    }
}

fn conversion_help(found: &Type, want: &Type) -> Option<String> {
    Some(match (found, want) {
        (Type::Number, Type::Money) => "money needs a currency: write `¥1000` or `1000 CNY`".into(),
        (Type::Number, Type::Percent) => "write a percentage with `%`: `15%`".into(),
        (Type::Number, Type::Duration) => "write a duration with its unit: `2h`, `30d`".into(),
        (Type::Percent, Type::Money) => "to take a share of money write `15% of user.avg_order_value`".into(),
        (Type::Money, Type::Number) => "to compare with a number, divide money by money: `cart.total / ¥100`".into(),
        (Type::Str, Type::Bool) | (Type::Number, Type::Bool) | (Type::Money, Type::Bool) => {
            "a condition compares values: `user.ltv_tier == \"high\"`".into()
        }
        _ => return None,
    })
}

/// A date (and time) as written, in the given zone, to UTC milliseconds.
pub fn local_time(lit: &DateTimeLit, tz: chrono_tz::Tz) -> Result<Millis, Diagnostic> {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
    let bad = |msg: String| {
        Diagnostic::new(Code::BadTime, lit.span, msg)
            .label("not a valid time")
            .help("write dates as `2026-11-01` or `2026-11-01 09:30`")
    };
    let mut parts = lit.text.split_whitespace();
    let date = parts.next().unwrap_or("");
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").map_err(|_| bad(format!("`{date}` is not a date")))?;
    let time = match parts.next() {
        None => NaiveTime::MIN,
        Some(t) => NaiveTime::parse_from_str(t, "%H:%M:%S")
            .or_else(|_| NaiveTime::parse_from_str(t, "%H:%M"))
            .map_err(|_| bad(format!("`{t}` is not a time of day")))?,
    };
    let naive = NaiveDateTime::new(date, time);
    let ms = match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.timestamp_millis(),
        chrono::LocalResult::Ambiguous(t, _) => t.timestamp_millis(),
        chrono::LocalResult::None => {
            return Err(bad(format!(
                "`{}` does not exist in {tz} (a clock change skips it)",
                lit.text
            )));
        }
    };
    if !crate::value::time_in_range(ms) {
        return Err(Diagnostic::new(
            Code::BadTime,
            lit.span,
            format!("`{}` in {tz} is out of range", lit.text),
        )
        .label("out of range")
        .help(format!(
            "times run {}: decisions could not write this one back",
            crate::value::TIME_RANGE
        )));
    }
    Ok(ms)
}
