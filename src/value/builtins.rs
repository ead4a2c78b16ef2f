//! The built-in functions: their names, which of them read state, and what they return.
//! State comes through [`Facts`] (the runtime's state, or [`NoFacts`]).

use super::ops::{compare, opt};
use super::{Millis, Value, calendar};

/// A built-in function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Builtin {
    Min,
    Max,
    Abs,
    Exp,
    Ln,
    Round,
    Len,
    /// `signal("category_heat", item.category)`: the latest value of a live signal.
    Signal,
    /// `coupons_issued(24h)` or `coupons_issued(30d, "campaign")`.
    CouponsIssued,
    /// `other_users_on_device(30d)`: distinct other users seen on the event's device.
    OtherUsersOnDevice,
    /// `hour_of(now)`: the hour, 0 to 23, in the campaign's zone. The checker adds the
    /// zone's name as a second argument, so every campaign reads its own zone.
    HourOf,
    /// `weekday_of(now)`: 1 (Monday) to 7 (Sunday) in the campaign's zone (ISO 8601).
    WeekdayOf,
    /// `date_of(now)`: 00:00 of the day in the campaign's zone, a time comparable with
    /// date literals (`date_of(now) == 2026-11-11`).
    DateOf,
    /// An aggregate over the user's own past events (`count(item_favourited, 7d)`…), by
    /// its index in the program's aggregates: not called by name.
    Aggregate,
}

impl Builtin {
    pub const ALL: &'static [(&'static str, Builtin)] = &[
        ("min", Builtin::Min),
        ("max", Builtin::Max),
        ("abs", Builtin::Abs),
        ("exp", Builtin::Exp),
        ("ln", Builtin::Ln),
        ("round", Builtin::Round),
        ("len", Builtin::Len),
        ("signal", Builtin::Signal),
        ("coupons_issued", Builtin::CouponsIssued),
        ("other_users_on_device", Builtin::OtherUsersOnDevice),
        ("hour_of", Builtin::HourOf),
        ("weekday_of", Builtin::WeekdayOf),
        ("date_of", Builtin::DateOf),
    ];

    pub fn name(self) -> &'static str {
        if self == Builtin::Aggregate {
            return "aggregate";
        }
        Builtin::ALL.iter().find(|(_, b)| *b == self).map_or("?", |(n, _)| n)
    }

    /// Whether the result depends on state outside the event (so it is not constant).
    pub fn reads_state(self) -> bool {
        matches!(
            self,
            Builtin::Signal | Builtin::CouponsIssued | Builtin::OtherUsersOnDevice | Builtin::Aggregate
        )
    }
}

/// State-dependent facts the built-in functions read.
pub trait Facts {
    fn signal(&self, name: &str, key: &str) -> Option<f64>;
    /// Coupons issued to `user` after `since` (all campaigns, or one).
    fn coupons_issued(&self, user: &str, since: Millis, campaign: Option<&str>) -> u32;
    /// Distinct users other than `user` seen on `device` after `since`.
    fn other_users_on_device(&self, device: &str, user: &str, since: Millis) -> u32;
    /// Aggregate `index` of the program over `user`'s past events, at `now`.
    fn aggregate(&self, _user: &str, _index: usize, _now: Millis) -> Value {
        Value::Missing
    }
}

/// No state: for constant folding and batch runs without a ledger.
pub struct NoFacts;

impl Facts for NoFacts {
    fn signal(&self, _: &str, _: &str) -> Option<f64> {
        None
    }
    fn coupons_issued(&self, _: &str, _: Millis, _: Option<&str>) -> u32 {
        0
    }
    fn other_users_on_device(&self, _: &str, _: &str, _: Millis) -> u32 {
        0
    }
}

/// Who a state-reading built-in asks about: the event's user, and their device.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub user: &'a str,
    pub device: Option<&'a str>,
}

/// What built-in `b` returns for `args`, asking `facts` about `caller` for those that read
/// state (`None` when the event has no user: they are missing then), at `now`.
pub fn call(b: Builtin, args: &[Value], facts: &dyn Facts, caller: Option<Caller<'_>>, now: Millis) -> Value {
    if args.iter().any(Value::is_missing) {
        return Value::Missing;
    }
    match b {
        Builtin::Min | Builtin::Max => {
            let mut best: Option<&Value> = None;
            for a in args {
                best = match best {
                    None => Some(a),
                    Some(cur) => match compare(a, cur) {
                        Some(o) if (b == Builtin::Min && o.is_lt()) || (b == Builtin::Max && o.is_gt()) => Some(a),
                        Some(_) => Some(cur),
                        None => return Value::Missing,
                    },
                };
            }
            best.cloned().unwrap_or_default()
        }
        Builtin::Abs => match args.first() {
            Some(Value::Number(n)) => Value::Number(n.abs()),
            Some(Value::Money(m)) => Value::Money(m.abs()),
            Some(Value::Percent(p)) => Value::Percent(p.abs()),
            Some(Value::Duration(d)) => Value::Duration(d.abs()),
            _ => Value::Missing,
        },
        Builtin::Exp | Builtin::Ln | Builtin::Round => match args.first() {
            Some(Value::Number(n)) => {
                let v = match b {
                    // Past e^709 the float overflows: saturate, as the arithmetic would
                    // (so `min(0.95, p0 * exp(…))` is 0.95), rather than lose the value.
                    Builtin::Exp => match n.exp() {
                        f64::INFINITY => f64::MAX,
                        e => e,
                    },
                    Builtin::Ln => n.ln(),
                    _ => n.round(),
                };
                if v.is_finite() {
                    Value::Number(v)
                } else {
                    Value::Missing
                }
            }
            _ => Value::Missing,
        },
        Builtin::Len => match args.first() {
            Some(Value::List(l)) => Value::Number(l.len() as f64),
            Some(Value::Str(s)) => Value::Number(s.chars().count() as f64),
            _ => Value::Missing,
        },
        Builtin::Signal => match (args.first(), args.get(1)) {
            (Some(Value::Str(n)), Some(Value::Str(k))) => opt(facts.signal(n, k), Value::Number),
            _ => Value::Missing,
        },
        Builtin::CouponsIssued => {
            let (Some(Value::Duration(d)), Some(caller)) = (args.first(), caller) else {
                return Value::Missing;
            };
            let campaign = args.get(1).and_then(Value::as_str);
            Value::Number(f64::from(facts.coupons_issued(caller.user, now - d, campaign)))
        }
        Builtin::Aggregate => {
            let (Some(Value::Number(i)), Some(caller)) = (args.first(), caller) else {
                return Value::Missing;
            };
            // INVARIANT: the checker writes the index as a whole, non-negative number.
            facts.aggregate(caller.user, *i as usize, now)
        }
        Builtin::OtherUsersOnDevice => {
            let (Some(Value::Duration(d)), Some(caller)) = (args.first(), caller) else {
                return Value::Missing;
            };
            let Some(device) = caller.device else {
                return Value::Missing;
            };
            Value::Number(f64::from(facts.other_users_on_device(device, caller.user, now - d)))
        }
        Builtin::HourOf | Builtin::WeekdayOf | Builtin::DateOf => calendar_call(b, args),
    }
}

/// `hour_of`, `weekday_of`, `date_of` of a time, in the zone named by the second argument.
fn calendar_call(b: Builtin, args: &[Value]) -> Value {
    let (Some(Value::Time(t)), Some(Value::Str(zone))) = (args.first(), args.get(1)) else {
        return Value::Missing;
    };
    let Ok(tz) = zone.parse::<chrono_tz::Tz>() else {
        return Value::Missing;
    };
    let number = |n: Option<u32>| opt(n, |n| Value::Number(f64::from(n)));
    match b {
        Builtin::HourOf => number(calendar::hour_of(*t, tz)),
        Builtin::WeekdayOf => number(calendar::weekday_of(*t, tz)),
        _ => opt(calendar::date_of(*t, tz), Value::Time),
    }
}
