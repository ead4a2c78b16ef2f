//! Events as the contract defines them, parsed from JSON into typed structs. Money
//! arrives in yuan and is kept in fen; times arrive as RFC 3339 and are kept in UTC ms.
//! Fields a platform adds beyond the contract are kept for rules that declare them.

pub mod fast;
pub mod fields;
pub mod json;
mod kind;
pub mod order;
pub mod referral;

pub use kind::EventKind;
pub use order::PaidOrder;
pub use referral::Referral;

use crate::value::{Fen, Millis, fen_from_yuan, parse_time};
use json::{present, present_object};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A string of the input, borrowed unless it holds escapes. (serde's `Cow<str>` always
/// allocates a `String`; an event has some forty keys and strings.)
struct Text<'de>(Cow<'de, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(V)
    }
}

fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
    let s: &str = <&str>::deserialize(d).map_err(|_| D::Error::custom("expected an RFC 3339 time string"))?;
    parse_time(s).map_err(D::Error::custom)
}

fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
    let s: Option<Text<'de>> = Option::deserialize(d)?;
    s.map(|s| parse_time(&s).map_err(D::Error::custom)).transpose()
}

/// Money of the contract's events and user rows (prices, totals, spends): never negative.
fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Fen>, D::Error> {
    let v: Option<f64> = Option::deserialize(d)?;
    v.map(|y| match fen_from_yuan(y) {
        Some(f) if f < 0 => Err(D::Error::custom(format!(
            "{y} is negative; money amounts (prices, totals, spends) are zero or more"
        ))),
        Some(f) => Ok(f),
        None => Err(D::Error::custom(format!(
            "{y} is not a money amount in yuan with at most two decimals"
        ))),
    })
    .transpose()
}

/// Shares the text of low-cardinality values (event types, tiers, categories, score
/// names) instead of allocating it for every event. Bounded: past `INTERN_LIMIT` distinct
/// values, new ones are simply allocated.
pub(crate) fn intern(s: &str) -> Arc<str> {
    const INTERN_LIMIT: usize = 4096;
    thread_local! {
        static TABLE: std::cell::RefCell<foldhash::HashMap<Box<str>, Arc<str>>> = Default::default();
    }
    if s.len() > 32 {
        return Arc::from(s);
    }
    TABLE.with(|t| {
        let mut t = t.borrow_mut();
        if let Some(a) = t.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        if t.len() < INTERN_LIMIT {
            t.insert(Box::from(s), a.clone());
        }
        a
    })
}

fn interned<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    let s: Text<'de> = Deserialize::deserialize(d)?;
    Ok(intern(&s))
}

fn opt_interned<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
    let s: Option<Text<'de>> = Deserialize::deserialize(d)?;
    Ok(s.map(|s| intern(&s)))
}

/// Scores by name, in the order given.
pub type ScoreList = Vec<(Arc<str>, f64)>;

/// Scores as a short list with shared names.
fn scores_list<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ScoreList>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Option<ScoreList>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object of numeric scores")
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_map(self)
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(4);
            while let Some(k) = map.next_key::<Text<'de>>()? {
                let v: f64 = map
                    .next_value()
                    .map_err(|_| A::Error::custom(format!("score `{}` must be a number", &*k)))?;
                out.push((intern(&k), v));
            }
            Ok(Some(out))
        }
    }
    d.deserialize_option(V)
}

fn arc_str<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    let s: Text<'de> = Deserialize::deserialize(d)?;
    Ok(Arc::from(&*s))
}

fn opt_arc_str<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Arc<str>>, D::Error> {
    let s: Option<Text<'de>> = Deserialize::deserialize(d)?;
    Ok(s.map(|s| Arc::from(&*s)))
}

/// `scores` of an event: an object, absent but not `null`.
fn present_scores<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ScoreList>, D::Error> {
    match scores_list(d)? {
        Some(scores) => Ok(Some(scores)),
        None => Err(D::Error::custom(
            "wrong type: null, expected an object of numeric scores",
        )),
    }
}

/// An event as written. Its optional fields may be left out but are not `null` (the
/// fields of `user` and `item` may be); read it with [`crate::runtime::json::from_str`],
/// which takes an object only.
#[derive(Debug, Clone, Deserialize)]
pub struct RawEvent {
    #[serde(deserialize_with = "arc_str")]
    pub id: Arc<str>,
    #[serde(rename = "type", deserialize_with = "interned")]
    pub kind: Arc<str>,
    #[serde(deserialize_with = "time")]
    pub at: Millis,
    #[serde(default, deserialize_with = "present")]
    pub user: Option<User>,
    #[serde(default, deserialize_with = "present")]
    pub item: Option<Item>,
    #[serde(default, deserialize_with = "present_object")]
    pub cart: Option<Cart>,
    #[serde(default, deserialize_with = "present_scores")]
    pub scores: Option<Vec<(Arc<str>, f64)>>,
    /// `signal` events.
    #[serde(default, deserialize_with = "present")]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub key: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub value: Option<f64>,
    /// `coupon_redeemed` events.
    #[serde(default, deserialize_with = "present")]
    pub code: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub order_id: Option<String>,
    /// `order_paid` events: the order (read by [`order::PaidOrder::read`]).
    #[serde(default)]
    pub order: Option<serde_json::Value>,
    /// `coupon_redeemed` events: the discount given, yuan.
    #[serde(default)]
    pub discount: Option<serde_json::Value>,
    /// `search` events: what the user searched for, and in which category.
    #[serde(default, deserialize_with = "present")]
    pub query: Option<String>,
    #[serde(default, deserialize_with = "present")]
    pub category: Option<String>,
    /// `referral_completed` events: who invited, and who was invited.
    // Boxed: they are rare, and a raw event is moved a few times while it is read.
    #[serde(default, deserialize_with = "present")]
    pub inviter: Option<Box<User>>,
    #[serde(default, deserialize_with = "present")]
    pub invitee: Option<Box<User>>,
    /// Written by the ledger into the event a referral's inviter-side timer keeps
    /// ([`referral::side_json`]): `"inviter"` makes `user` the inviter.
    #[serde(default, deserialize_with = "present")]
    pub referral_side: Option<String>,
}

/// A user as events and user tables carry it. Unknown keys are kept in `extra` for
/// fields that rules declare (`field user.city: string`).
#[derive(Debug, Clone, Default)]
pub struct User {
    pub id: Arc<str>,
    pub registered_at: Option<Millis>,
    pub paid_orders: Option<f64>,
    pub last_order_at: Option<Millis>,
    pub total_spend: Option<Fen>,
    pub avg_order_value: Option<Fen>,
    pub ltv_tier: Option<Arc<str>>,
    pub device_id: Option<Arc<str>>,
    pub tags: Vec<String>,
    /// Scores inside a user row of a batch run.
    pub scores: Option<Vec<(Arc<str>, f64)>>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

macro_rules! with {
    ($name:ident, $t:ty, $f:path) => {
        struct $name($t);
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $f(d).map($name)
            }
        }
    };
}

with!(OptTime, Option<Millis>, opt_time);
with!(OptMoney, Option<Fen>, opt_money);
with!(OptArcStr, Option<Arc<str>>, opt_arc_str);
with!(ArcStr, Arc<str>, arc_str);
with!(OptInterned, Option<Arc<str>>, opt_interned);
with!(Scores, Option<ScoreList>, scores_list);

impl<'de> Deserialize<'de> for User {
    // Written by hand: `#[serde(flatten)]` buffers every field, and user rows are the
    // bulk of a batch run's input.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = User;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a user object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<User, A::Error> {
                let mut u = User::default();
                let mut id = None;
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match &*key {
                        "id" => id = Some(map.next_value::<ArcStr>()?.0),
                        "registered_at" => u.registered_at = map.next_value::<OptTime>()?.0,
                        "paid_orders" => u.paid_orders = map.next_value()?,
                        "last_order_at" => u.last_order_at = map.next_value::<OptTime>()?.0,
                        "total_spend" => u.total_spend = map.next_value::<OptMoney>()?.0,
                        "avg_order_value" => u.avg_order_value = map.next_value::<OptMoney>()?.0,
                        "ltv_tier" => u.ltv_tier = map.next_value::<OptInterned>()?.0,
                        "device_id" => u.device_id = map.next_value::<OptArcStr>()?.0,
                        "tags" => u.tags = map.next_value::<Option<Vec<String>>>()?.unwrap_or_default(),
                        "scores" => u.scores = map.next_value::<Scores>()?.0,
                        other => {
                            let v: serde_json::Value = map.next_value()?;
                            u.extra.insert(other.to_string(), v);
                        }
                    }
                }
                u.id = id.ok_or_else(|| A::Error::custom("missing required field `id`"))?;
                Ok(u)
            }
        }
        d.deserialize_map(V)
    }
}

/// An item (listing) as events carry it; unknown keys go to `extra`.
#[derive(Debug, Clone, Default)]
pub struct Item {
    pub id: Option<Arc<str>>,
    pub category: Option<Arc<str>>,
    pub price: Option<Fen>,
    pub seller_id: Option<Arc<str>>,
    pub stock_age_days: Option<f64>,
    pub qty: Option<f64>,
    pub extra: BTreeMap<String, serde_json::Value>,
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an item object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                let mut it = Item::default();
                while let Some(key) = map.next_key::<Text<'de>>()? {
                    match &*key {
                        "id" => it.id = map.next_value::<OptArcStr>()?.0,
                        "category" => it.category = map.next_value::<OptInterned>()?.0,
                        "price" => it.price = map.next_value::<OptMoney>()?.0,
                        "seller_id" => it.seller_id = map.next_value::<OptArcStr>()?.0,
                        "stock_age_days" => it.stock_age_days = map.next_value()?,
                        "qty" => it.qty = map.next_value()?,
                        other => {
                            let v: serde_json::Value = map.next_value()?;
                            it.extra.insert(other.to_string(), v);
                        }
                    }
                }
                Ok(it)
            }
        }
        d.deserialize_map(V)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Cart {
    #[serde(default)]
    pub items: Vec<Item>,
    #[serde(default, deserialize_with = "opt_money")]
    pub total: Option<Fen>,
}

impl RawEvent {
    /// An event of `kind` with only its id and time; the other fields are set after.
    pub fn new(id: Arc<str>, kind: Arc<str>, at: Millis) -> RawEvent {
        RawEvent {
            id,
            kind,
            at,
            user: None,
            item: None,
            cart: None,
            scores: None,
            name: None,
            key: None,
            value: None,
            code: None,
            order_id: None,
            order: None,
            discount: None,
            query: None,
            category: None,
            inviter: None,
            invitee: None,
            referral_side: None,
        }
    }
}

/// A parsed event; `scores` are kept as a small sorted list for quick lookup.
#[derive(Debug, Clone)]
pub struct Event {
    pub id: Arc<str>,
    pub kind: EventKind,
    pub at: Millis,
    pub user: Option<User>,
    pub item: Option<Item>,
    pub cart: Option<Cart>,
    pub scores: Vec<(Arc<str>, f64)>,
    pub signal: Option<(String, String, f64)>,
    pub code: Option<String>,
    pub order_id: Option<String>,
    /// An `order_paid`'s order, or why it cannot be read (`None`: none written, or
    /// another type of event). Only analysis needs it.
    pub order: Option<Result<PaidOrder, String>>,
    /// A `coupon_redeemed`'s `discount` in fen, or why it cannot be read.
    pub discount: Option<Result<crate::value::Fen, String>>,
    /// A `search`'s query and category (`search.query`, `search.category`).
    pub search: Option<Search>,
    /// A `referral_completed`'s two users, and which of them `user` is.
    pub referral: Option<Box<Referral>>,
}

/// What a `search` event searched for.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    pub query: Option<Arc<str>>,
    pub category: Option<Arc<str>>,
}

/// A bad input line: what is wrong, for the message `line N: …`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct EventError(pub String);

impl Event {
    pub fn from_json(line: &str) -> Result<Event, EventError> {
        // The common event without serde's visitors; anything else, and every error, by
        // serde.
        if let Some(raw) = fast::raw_event(line) {
            return Event::from_raw(raw);
        }
        // From `str`, serde_json skips checking each string as UTF-8 again.
        let raw: RawEvent = json::from_str(line).map_err(|e| EventError(describe_json_error(&e)))?;
        Event::from_raw(raw)
    }

    /// An event the ledger stored before this build: earlier builds accepted `null` for an
    /// absent optional field (`"item": null`), so those are read as absent here, where a
    /// client's new event would be refused for them. A pending timer written then still
    /// fires.
    pub fn from_stored_json(text: &str) -> Result<Event, EventError> {
        match Event::from_json(text) {
            Ok(e) => Ok(e),
            Err(strict) => {
                let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_str::<serde_json::Value>(text) else {
                    return Err(strict);
                };
                fields.retain(|_, v| !v.is_null());
                Event::from_json(&serde_json::Value::Object(fields).to_string())
            }
        }
    }

    /// From raw bytes: strings are checked as UTF-8 where JSON holds them.
    pub fn from_slice(line: &[u8]) -> Result<Event, EventError> {
        let raw: RawEvent = json::from_slice(line).map_err(|e| EventError(describe_json_error(&e)))?;
        Event::from_raw(raw)
    }

    /// The contract's rules over the fields: ids are not empty, `user` is there for
    /// every type but `tick` and `signal`, a signal has its name, key and value, a
    /// redemption its code.
    pub fn from_raw(mut raw: RawEvent) -> Result<Event, EventError> {
        for (field, value) in [("id", &*raw.id), ("type", &*raw.kind)] {
            if value.is_empty() {
                return Err(EventError(format!("field `{field}` is empty")));
            }
        }
        let referral = referral::read(&mut raw)?;
        if raw.user.as_ref().is_some_and(|u| u.id.is_empty()) {
            return Err(EventError("field `user.id` is empty".into()));
        }
        let kind = EventKind::parse(raw.kind);
        if kind.needs_user() && raw.user.is_none() {
            return Err(EventError(format!("field `user` is required for `{kind}` events")));
        }
        let signal = if kind == EventKind::Signal {
            match (raw.name, raw.key, raw.value) {
                (Some(n), _, _) if n.starts_with("mintage:") => {
                    return Err(EventError(format!(
                        "signal name `{n}` is reserved (names starting with `mintage:` are the engine's); pause a campaign with `POST /v1/campaigns/ID/pause`"
                    )));
                }
                (Some(n), Some(k), Some(v)) => Some((n, k, v)),
                _ => {
                    return Err(EventError("a `signal` event needs `name`, `key` and `value`".into()));
                }
            }
        } else {
            None
        };
        if kind == EventKind::CouponRedeemed && raw.code.is_none() {
            return Err(EventError("a `coupon_redeemed` event needs `code`".into()));
        }
        let scores = with_user_scores(raw.scores.clone().unwrap_or_default(), raw.user.as_ref());
        let referral = referral.map(|(inviter, invitee, side)| {
            Box::new(Referral {
                inviter,
                invitee,
                side,
                event_scores: raw.scores.unwrap_or_default(),
            })
        });
        Ok(Event {
            id: raw.id,
            at: raw.at,
            user: raw.user,
            item: raw.item,
            cart: raw.cart,
            scores,
            signal,
            code: raw.code,
            order_id: raw.order_id,
            order: match (&kind, raw.order) {
                (EventKind::OrderPaid, Some(o)) => Some(PaidOrder::read(&o)),
                _ => None,
            },
            discount: match (&kind, raw.discount) {
                (EventKind::CouponRedeemed, Some(d)) => Some(order::money("discount", &d)),
                _ => None,
            },
            search: (raw.query.is_some() || raw.category.is_some()).then(|| Search {
                query: raw.query.as_deref().map(Arc::from),
                category: raw.category.as_deref().map(Arc::from),
            }),
            referral,
            kind,
        })
    }

    pub fn score(&self, name: &str) -> Option<f64> {
        self.scores.iter().find(|(n, _)| &**n == name).map(|(_, v)| *v)
    }
}

/// An event's scores, then the user row's scores it does not override.
fn with_user_scores(mut scores: ScoreList, user: Option<&User>) -> ScoreList {
    if let Some(user_scores) = user.and_then(|u| u.scores.as_ref()) {
        for (k, v) in user_scores {
            if !scores.iter().any(|(n, _)| n == k) {
                scores.push((k.clone(), *v));
            }
        }
    }
    scores
}

/// serde_json's message, reworded to name the field and not Rust types.
pub fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = msg
        .replace("invalid type: ", "wrong type: ")
        .replace("missing field", "missing required field")
        .replace("unknown field", "unknown top-level field");
    match msg.rfind(" at line ") {
        Some(i) => format!("{} (column {})", &msg[..i], e.column()),
        None => msg,
    }
}

#[cfg(test)]
mod tests {
    use super::Event;

    const PLAIN: &str = r#"{"id":"e","type":"view_item","at":"2026-11-11T10:00:00+08:00","user":{"id":"u","ltv_tier":"high","city":"成都"},"item":{"category":"bags"},"scores":{"p_convert":0.5}}"#;

    #[test]
    fn escaped_keys_and_strings_read_as_plain_ones() {
        let escaped = r#"{"id":"e","type":"view\u005fitem","at":"2026-11-11T10:00:00+08:00","user":{"\u0069d":"u","ltv_tier":"hi\u0067h","ci\u0074y":"\u6210\u90fd"},"item":{"category":"ba\u0067s"},"scores":{"p_\u0063onvert":0.5}}"#;
        let (a, b) = (Event::from_json(PLAIN).unwrap(), Event::from_json(escaped).unwrap());
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_eq!(b.score("p_convert"), Some(0.5));
    }

    #[test]
    fn a_string_of_the_wrong_type_is_named() {
        let err = Event::from_json(&PLAIN.replace(r#""high""#, "5")).unwrap_err();
        assert_eq!(err.0, "wrong type: integer `5`, expected a string (column 91)");
    }

    #[test]
    fn events_stored_by_earlier_builds_still_read() {
        // A timer's event stored when `"item": null` was accepted: refused from a client
        // now, but a pending timer holding it must still fire.
        let old = PLAIN.replace(r#""item":{"category":"bags"}"#, r#""item":null,"cart":null"#);
        assert!(Event::from_json(&old).is_err());
        let e = Event::from_stored_json(&old).unwrap();
        assert!(e.item.is_none() && e.cart.is_none());
        assert!(Event::from_stored_json("[1]").is_err());
    }
}
