//! Reading an event's fields: what `user.paid_orders`, `item.category`, `cart.total`,
//! `scores.x`, `offer.amount` and the rest are for one event. A field the event lacks is
//! `Missing`.

use super::Event;
use crate::check::types::{Field, Type};
use crate::value::ops::opt;
use crate::value::{BasisPoints, Fen, Millis, Value};

/// The offer a batch model is valuing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OfferView {
    pub kind: &'static str,
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Option<Fen>,
    pub face_value: Option<Fen>,
}

/// A string field of the event, borrowed: `Some(None)` if the event lacks it, `None` if
/// the field is not a plain string field.
pub fn str_field<'e>(f: &Field, e: &'e Event) -> Option<Option<&'e str>> {
    let user = e.user.as_ref();
    let item = e.item.as_ref();
    Some(match f {
        Field::UserId => user.map(|u| &*u.id),
        Field::UserLtvTier => user.and_then(|u| u.ltv_tier.as_deref()),
        Field::UserDeviceId => user.and_then(|u| u.device_id.as_deref()),
        Field::ItemId => item.and_then(|i| i.id.as_deref()),
        Field::ItemCategory => item.and_then(|i| i.category.as_deref()),
        Field::ItemSellerId => item.and_then(|i| i.seller_id.as_deref()),
        Field::EventType => Some(&*e.kind),
        _ => return None,
    })
}

/// Reads a field of the event alone (for indexes): the clock is the event's time, and
/// offer fields are missing.
pub fn read_field(f: &Field, event: &Event) -> Value {
    read(f, event, event.at, None)
}

/// Reads field `f` of `event` at `now`, with the offer a batch model is valuing.
pub fn read(f: &Field, e: &Event, now: Millis, offer: Option<&OfferView>) -> Value {
    let user = e.user.as_ref();
    let item = e.item.as_ref();
    match f {
        Field::UserId => opt(user, |u| Value::Str(u.id.clone())),
        Field::UserRegisteredAt => opt(user.and_then(|u| u.registered_at), Value::Time),
        Field::UserPaidOrders => opt(user.and_then(|u| u.paid_orders), Value::Number),
        Field::UserLastOrderAt => opt(user.and_then(|u| u.last_order_at), Value::Time),
        Field::UserTotalSpend => opt(user.and_then(|u| u.total_spend), Value::Money),
        Field::UserAvgOrderValue => opt(user.and_then(|u| u.avg_order_value), Value::Money),
        Field::UserLtvTier => opt(user.and_then(|u| u.ltv_tier.clone()), Value::Str),
        Field::UserDeviceId => opt(user.and_then(|u| u.device_id.clone()), Value::Str),
        Field::UserTags => opt(user, |u| {
            Value::List(u.tags.iter().map(|t| Value::str(t)).collect::<Vec<_>>().into())
        }),
        Field::UserExtra(name, ty) => opt(user.and_then(|u| u.extra.get(&**name)), |j| json_value(j, ty)),
        Field::ItemId => opt(item.and_then(|i| i.id.clone()), Value::Str),
        Field::ItemCategory => opt(item.and_then(|i| i.category.clone()), Value::Str),
        Field::ItemPrice => opt(item.and_then(|i| i.price), Value::Money),
        Field::ItemSellerId => opt(item.and_then(|i| i.seller_id.clone()), Value::Str),
        Field::ItemStockAgeDays => opt(item.and_then(|i| i.stock_age_days), Value::Number),
        Field::ItemExtra(name, ty) => opt(item.and_then(|i| i.extra.get(&**name)), |j| json_value(j, ty)),
        Field::CartTotal => opt(e.cart.as_ref().and_then(|c| c.total), Value::Money),
        Field::SearchQuery => opt(e.search.as_ref().and_then(|s| s.query.clone()), Value::Str),
        Field::SearchCategory => opt(e.search.as_ref().and_then(|s| s.category.clone()), Value::Str),
        Field::OrderTotal => opt(e.order.as_ref().and_then(|o| o.as_ref().ok()), |o| {
            Value::Money(o.total)
        }),
        Field::OrderId => opt(e.order.as_ref().and_then(|o| o.as_ref().ok()), |o| {
            Value::Str(o.id.clone())
        }),
        Field::CartCount => opt(e.cart.as_ref(), |c| {
            Value::Number(c.items.iter().map(|i| i.qty.unwrap_or(1.0)).sum())
        }),
        Field::CartCategories => opt(e.cart.as_ref(), |c| {
            let mut cats: Vec<Value> = Vec::new();
            for i in &c.items {
                if let Some(cat) = &i.category {
                    let v = Value::Str(cat.clone());
                    if !cats.contains(&v) {
                        cats.push(v);
                    }
                }
            }
            Value::List(cats.into())
        }),
        Field::Score(name) => opt(e.score(name), Value::Number),
        Field::EventId => Value::Str(e.id.clone()),
        Field::EventType => Value::Str(e.kind.name()),
        Field::Now => Value::Time(now),
        Field::OfferKind => opt(offer, |o| Value::str(o.kind)),
        Field::OfferAmount => opt(offer.and_then(|o| o.amount), Value::Money),
        Field::OfferPercent => opt(offer.and_then(|o| o.percent), Value::Percent),
        Field::OfferCap => opt(offer.and_then(|o| o.cap), Value::Money),
        Field::OfferMinSpend => opt(offer.and_then(|o| o.min_spend), Value::Money),
        Field::OfferFaceValue => opt(offer.and_then(|o| o.face_value), Value::Money),
    }
}

fn json_value(j: &serde_json::Value, ty: &Type) -> Value {
    match (ty, j) {
        (Type::Str, serde_json::Value::String(s)) => Value::str(s),
        (Type::Number, serde_json::Value::Number(n)) => opt(n.as_f64(), Value::Number),
        (Type::Money, serde_json::Value::Number(n)) => {
            opt(n.as_f64().and_then(crate::value::fen_from_yuan), Value::Money)
        }
        (Type::Percent, serde_json::Value::Number(n)) => {
            opt(n.as_f64(), |p| Value::Percent((p * 100.0).round() as i64))
        }
        (Type::Bool, serde_json::Value::Bool(b)) => Value::Bool(*b),
        (Type::Time, serde_json::Value::String(s)) => opt(crate::value::parse_time(s).ok(), Value::Time),
        _ => Value::Missing,
    }
}
