//! Types of the rule language and the typed expressions the checker produces.

use crate::source::Span;
use crate::syntax::ast::BinaryOp;
use crate::syntax::ast::TypeName;
use crate::value::Value;
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    Money,
    Percent,
    Duration,
    Time,
    Str,
    List(Box<Type>),
    /// The type of an expression that already has an error; checks against it pass, so one
    /// mistake is reported once.
    Unknown,
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::Money => f.write_str("money"),
            Type::Percent => f.write_str("percent"),
            Type::Duration => f.write_str("duration"),
            Type::Time => f.write_str("time"),
            Type::Str => f.write_str("string"),
            Type::List(t) => write!(f, "list of {t}"),
            Type::Unknown => f.write_str("unknown"),
        }
    }
}

impl Type {
    /// The type a declaration names.
    pub fn of(name: TypeName) -> Type {
        match name {
            TypeName::Number => Type::Number,
            TypeName::Money => Type::Money,
            TypeName::Percent => Type::Percent,
            TypeName::Str => Type::Str,
            TypeName::Bool => Type::Bool,
            TypeName::Duration => Type::Duration,
            TypeName::Time => Type::Time,
        }
    }

    /// Equal, or one side unknown.
    pub fn fits(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Unknown, _) | (_, Type::Unknown) => true,
            (Type::List(a), Type::List(b)) => a.fits(b),
            (a, b) => a == b,
        }
    }
}

/// A field of the event (or of the offer, in a batch model) that an expression reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    UserId,
    UserRegisteredAt,
    UserPaidOrders,
    UserLastOrderAt,
    UserTotalSpend,
    UserAvgOrderValue,
    UserLtvTier,
    UserDeviceId,
    UserTags,
    /// A field declared with `field user.NAME: TYPE`.
    UserExtra(Arc<str>, Type),
    ItemId,
    ItemCategory,
    ItemPrice,
    ItemSellerId,
    ItemStockAgeDays,
    ItemExtra(Arc<str>, Type),
    CartTotal,
    CartCount,
    /// An `order_paid`'s order: what the buyer paid, and its id.
    OrderTotal,
    OrderId,
    /// A `search` event's query and category.
    SearchQuery,
    SearchCategory,
    CartCategories,
    Score(Arc<str>),
    EventId,
    EventType,
    Now,
    OfferKind,
    OfferAmount,
    OfferPercent,
    OfferCap,
    OfferMinSpend,
    OfferFaceValue,
}

/// The built-in fields: path as written, field, type. (`scores.*` and declared fields are
/// resolved separately.)
pub const FIELDS: &[(&str, Field, Type)] = &[
    ("user.id", Field::UserId, Type::Str),
    ("user.registered_at", Field::UserRegisteredAt, Type::Time),
    ("user.paid_orders", Field::UserPaidOrders, Type::Number),
    ("user.last_order_at", Field::UserLastOrderAt, Type::Time),
    ("user.total_spend", Field::UserTotalSpend, Type::Money),
    ("user.avg_order_value", Field::UserAvgOrderValue, Type::Money),
    ("user.ltv_tier", Field::UserLtvTier, Type::Str),
    ("user.device_id", Field::UserDeviceId, Type::Str),
    ("item.id", Field::ItemId, Type::Str),
    ("item.category", Field::ItemCategory, Type::Str),
    ("item.price", Field::ItemPrice, Type::Money),
    ("item.seller_id", Field::ItemSellerId, Type::Str),
    ("item.stock_age_days", Field::ItemStockAgeDays, Type::Number),
    ("cart.total", Field::CartTotal, Type::Money),
    ("cart.count", Field::CartCount, Type::Number),
    ("order.total", Field::OrderTotal, Type::Money),
    ("order.id", Field::OrderId, Type::Str),
    ("search.query", Field::SearchQuery, Type::Str),
    ("search.category", Field::SearchCategory, Type::Str),
    ("event.id", Field::EventId, Type::Str),
    ("event.type", Field::EventType, Type::Str),
    ("now", Field::Now, Type::Time),
];

/// Fields of `offer` inside a batch model.
pub const OFFER_FIELDS: &[(&str, Field, Type)] = &[
    ("offer.kind", Field::OfferKind, Type::Str),
    ("offer.amount", Field::OfferAmount, Type::Money),
    ("offer.percent", Field::OfferPercent, Type::Percent),
    ("offer.cap", Field::OfferCap, Type::Money),
    ("offer.min_spend", Field::OfferMinSpend, Type::Money),
    ("offer.face_value", Field::OfferFaceValue, Type::Money),
];

pub use crate::value::builtins::Builtin;

/// A typed expression: what the checker produces and `compile` lowers into graph nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct TExpr {
    pub kind: TExprKind,
    pub ty: Type,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TExprKind {
    Const(Value),
    Field(Field),
    /// A `let` binding of a batch model, by index.
    Local(usize),
    Call(Builtin, Vec<TExpr>),
    /// A user-defined (Rhai) function, by index in the program's function table.
    UserCall(usize, Vec<TExpr>),
    Not(Box<TExpr>),
    Neg(Box<TExpr>),
    Binary(BinaryOp, Box<TExpr>, Box<TExpr>),
    If(Box<TExpr>, Box<TExpr>, Box<TExpr>),
    List(Vec<TExpr>),
}

impl TExpr {
    pub fn constant(value: Value, ty: Type, span: Span) -> Self {
        TExpr {
            kind: TExprKind::Const(value),
            ty,
            span,
        }
    }

    /// Splits `a and b and c` into its conjuncts.
    pub fn conjuncts(self) -> Vec<TExpr> {
        match self.kind {
            TExprKind::Binary(BinaryOp::And, a, b) => {
                let mut out = a.conjuncts();
                out.extend(b.conjuncts());
                out
            }
            kind => vec![TExpr { kind, ..self }],
        }
    }

    /// Visits this expression and all below it.
    pub fn walk(&self, f: &mut dyn FnMut(&TExpr)) {
        f(self);
        match &self.kind {
            TExprKind::Const(_) | TExprKind::Field(_) | TExprKind::Local(_) => {}
            TExprKind::Call(_, args) | TExprKind::UserCall(_, args) | TExprKind::List(args) => {
                args.iter().for_each(|a| a.walk(f))
            }
            TExprKind::Not(a) | TExprKind::Neg(a) => a.walk(f),
            TExprKind::Binary(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            TExprKind::If(c, a, b) => {
                c.walk(f);
                a.walk(f);
                b.walk(f);
            }
        }
    }
}

/// A field's path as rules write it (`user.paid_orders`, `scores.p_convert`).
pub fn field_name(f: &Field) -> String {
    if let Some((p, _, _)) = FIELDS.iter().chain(OFFER_FIELDS.iter()).find(|(_, x, _)| x == f) {
        return p.to_string();
    }
    match f {
        Field::Score(n) => format!("scores.{n}"),
        Field::UserExtra(n, _) => format!("user.{n}"),
        Field::ItemExtra(n, _) => format!("item.{n}"),
        Field::UserTags => "user.tags".into(),
        Field::CartCategories => "cart.categories".into(),
        other => format!("{other:?}"),
    }
}
