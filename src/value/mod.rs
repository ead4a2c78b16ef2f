//! Values that rules compute with. Money is exact (integer fen), percentages are exact
//! (basis points: hundredths of a percent), times are UTC milliseconds; only model scores
//! and ratios are floating point.

pub mod builtins;
pub mod calendar;
pub mod ops;

use chrono::Datelike;
use std::fmt;
use std::sync::Arc;

/// The zone of campaigns whose window names none, of risk checks and test steps, and of
/// decisions that name no campaign, unless `--zone` or `MINTAGE_ZONE` says otherwise.
pub const DEFAULT_ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// An IANA zone name (`Asia/Shanghai`, `UTC`), with the closest known name if it is not one.
pub fn parse_zone(name: &str) -> Result<chrono_tz::Tz, String> {
    name.trim().parse::<chrono_tz::Tz>().map_err(|_| {
        let names = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name());
        match crate::diagnostic::did_you_mean(name.trim(), names) {
            Some(s) => format!("unknown time zone `{name}`; did you mean `{s}`?"),
            None => format!("unknown time zone `{name}`; use an IANA name such as `Asia/Shanghai` or `UTC`"),
        }
    })
}

/// Fen (1/100 yuan).
pub type Fen = i64;
/// Hundredths of a percent: `1500` is 15 %.
pub type BasisPoints = i64;
/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// A field the event did not carry. Any condition that reads it is false.
    #[default]
    Missing,
    Bool(bool),
    Number(f64),
    Money(Fen),
    Percent(BasisPoints),
    Duration(Millis),
    Time(Millis),
    Str(Arc<str>),
    List(Arc<[Value]>),
}

impl Value {
    pub fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub fn is_missing(&self) -> bool {
        matches!(self, Value::Missing)
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The value as a float, for model arithmetic (money in yuan, percent as a fraction).
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Money(f) => Some(*f as f64 / 100.0),
            Value::Percent(bp) => Some(*bp as f64 / 10_000.0),
            Value::Duration(ms) => Some(*ms as f64),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Missing => f.write_str("missing"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Money(fen) => write!(f, "¥{}", yuan_string(*fen)),
            Value::Percent(bp) => write!(f, "{}%", fixed_string(*bp, 2)),
            Value::Duration(ms) => f.write_str(&duration_string(*ms)),
            // Without a campaign at hand a time is written in UTC; traces use `display_in`.
            Value::Time(ms) => f.write_str(&time_string(*ms, chrono_tz::UTC)),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{v}")?;
                }
                f.write_str("]")
            }
        }
    }
}

impl Value {
    /// The value as `Display` writes it, but a time in the given zone.
    pub fn display_in(&self, tz: chrono_tz::Tz) -> String {
        match self {
            Value::Time(ms) => time_string(*ms, tz),
            other => other.to_string(),
        }
    }
}

/// `1990` fen → `"19.9"`; whole yuan print without decimals.
pub fn yuan_string(fen: Fen) -> String {
    fixed_string(fen, 2)
}

fn fixed_string(v: i64, decimals: u32) -> String {
    let scale = 10_i64.pow(decimals);
    let sign = if v < 0 { "-" } else { "" };
    let a = v.unsigned_abs();
    let whole = a / scale as u64;
    let frac = a % scale as u64;
    if frac == 0 {
        format!("{sign}{whole}")
    } else {
        let s = format!("{frac:0width$}", width = decimals as usize);
        format!("{sign}{whole}.{}", s.trim_end_matches('0'))
    }
}

/// Money as every JSON answer writes it (decisions, settlements, stats, audits, batch
/// summaries, alert details): a number of yuan, an integer when whole (`10`, never
/// `10.0`), else with its one or two decimals (`12.5`, `19.99`). Read back from a JSON
/// number with at most two decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Yuan(pub Fen);

/// A percentage as every JSON answer writes it: a number of percent (`30`, `12.5`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Percent(pub BasisPoints);

/// `hundredths` / 100 as a JSON number: an integer when whole. The float of a number with
/// at most two decimals prints as exactly those decimals.
fn hundredths_json<S: serde::Serializer>(hundredths: i64, s: S) -> Result<S::Ok, S::Error> {
    if hundredths % 100 == 0 {
        s.serialize_i64(hundredths / 100)
    } else {
        s.serialize_f64(hundredths as f64 / 100.0)
    }
}

impl serde::Serialize for Yuan {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        hundredths_json(self.0, s)
    }
}

impl serde::Serialize for Percent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        hundredths_json(self.0, s)
    }
}

impl<'de> serde::Deserialize<'de> for Yuan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let yuan = f64::deserialize(d)?;
        fen_from_yuan(yuan)
            .map(Yuan)
            .ok_or_else(|| serde::de::Error::custom(format!("`{yuan}` is not an amount with at most two decimals")))
    }
}

impl<'de> serde::Deserialize<'de> for Percent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pct = f64::deserialize(d)?;
        fen_from_yuan(pct)
            .map(Percent)
            .ok_or_else(|| serde::de::Error::custom(format!("`{pct}` is not a percentage with at most two decimals")))
    }
}

impl Yuan {
    /// Whole yuan, for tests and literals: `Yuan::whole(10)` is ¥10.
    pub fn whole(yuan: i64) -> Yuan {
        Yuan(yuan.saturating_mul(100))
    }
}

/// Money as a JSON value, written as [`Yuan`] writes it.
pub fn yuan_json(fen: Fen) -> serde_json::Value {
    serde_json::to_value(Yuan(fen)).unwrap_or(serde_json::Value::Null)
}

/// A percentage as a JSON value, written as [`Percent`] writes it.
pub fn percent_json(bp: BasisPoints) -> serde_json::Value {
    serde_json::to_value(Percent(bp)).unwrap_or(serde_json::Value::Null)
}

/// Reads a JSON number of yuan into fen; `None` if it has more than two decimals or is
/// out of range.
pub fn fen_from_yuan(yuan: f64) -> Option<Fen> {
    if !yuan.is_finite() || yuan.abs() > 9.0e12 {
        return None;
    }
    let scaled = yuan * 100.0;
    let rounded = scaled.round();
    if yuan.abs() < 1e9 {
        // A JSON number is parsed to the nearest float, so allow that float's rounding
        // error (relative), far below the tenth of a fen a third decimal adds.
        if (scaled - rounded).abs() > 1e-9_f64.max(scaled.abs() * 1e-14) {
            return None;
        }
    } else if format!("{yuan}")
        .split_once('.')
        .is_some_and(|(_, decimals)| decimals.len() > 2)
    {
        // Past a billion yuan that error nears a tenth of a fen: the float's shortest
        // decimal form (what the client wrote, in the fewest digits) is read instead.
        return None;
    }
    Some(rounded as Fen)
}

/// Rounds a float amount in yuan to the nearest fen (half away from zero).
pub fn fen_round(yuan: f64) -> Fen {
    if yuan.is_finite() {
        (yuan * 100.0).round() as Fen
    } else {
        0
    }
}

/// `amount × percent`, rounded half up to the fen, exactly.
pub fn percent_of(bp: BasisPoints, fen: Fen) -> Fen {
    let product = i128::from(fen) * i128::from(bp);
    let q = (product + 5_000 * product.signum()) / 10_000;
    i64::try_from(q).unwrap_or(if q > 0 { i64::MAX } else { i64::MIN })
}

pub fn duration_string(ms: Millis) -> String {
    let units = [
        (7 * DAY_MS, "w"),
        (DAY_MS, "d"),
        (HOUR_MS, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ];
    if ms == 0 {
        return "0s".into();
    }
    let mut rest = ms.abs();
    let mut out = String::from(if ms < 0 { "-" } else { "" });
    for (size, unit) in units {
        // Prefer `30d` over `4w2d`.
        if unit == "w" && rest % size != 0 {
            continue;
        }
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    if rest > 0 {
        out.push_str(&format!("{rest}ms"));
    }
    out
}

/// The earliest time Mintage reads: 1970-01-01T00:00:00Z.
pub const EARLIEST_TIME: Millis = 0;
/// The latest: 9998-12-31T23:59:59.999Z. A time up to it prints with a four-digit year in
/// every zone (the largest offset is +14:00), as RFC 3339 requires.
pub const LATEST_TIME: Millis = 253_370_764_799_999;
/// The range in words, for error messages and help texts.
pub const TIME_RANGE: &str = "from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z (UTC)";

/// Whether a time is one Mintage reads (and so can write back exactly).
pub fn time_in_range(ms: Millis) -> bool {
    (EARLIEST_TIME..=LATEST_TIME).contains(&ms)
}

/// RFC 3339 in the given zone, with its offset (formatted by hand: this runs once or
/// twice per coupon written, and strftime's pattern parsing dominated it). RFC 3339
/// offsets are whole minutes: where a zone's offset is not (local mean time before
/// 1972, such as Monrovia's -00:44:30), the time is written in UTC, so that it reads
/// back as the same instant.
pub fn time_string(ms: Millis, tz: chrono_tz::Tz) -> String {
    thread_local! {
        // The last time written, per thread: a batch run's decisions all carry the same.
        static LAST: std::cell::RefCell<Option<(Millis, chrono_tz::Tz, String)>> = const { std::cell::RefCell::new(None) };
    }
    let cached = LAST.with(|last| match &*last.borrow() {
        Some((m, z, text)) if *m == ms && *z == tz => Some(text.clone()),
        _ => None,
    });
    if let Some(text) = cached {
        return text;
    }
    let text = format_time(ms, tz);
    LAST.with(|last| *last.borrow_mut() = Some((ms, tz, text.clone())));
    text
}

fn format_time(ms: Millis, tz: chrono_tz::Tz) -> String {
    use chrono::{Datelike, Offset, TimeZone, Timelike};
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return format!("@{ms}ms");
    };
    let offset = tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc();
    let offset = if offset % 60 == 0 { offset } else { 0 };
    let local = t.naive_utc() + chrono::TimeDelta::seconds(i64::from(offset));
    let mut out = String::with_capacity(29);
    push_padded(&mut out, local.year().unsigned_abs(), 4);
    out.push('-');
    push_padded(&mut out, local.month(), 2);
    out.push('-');
    push_padded(&mut out, local.day(), 2);
    out.push('T');
    push_padded(&mut out, local.hour(), 2);
    out.push(':');
    push_padded(&mut out, local.minute(), 2);
    out.push(':');
    push_padded(&mut out, local.second(), 2);
    let millis = ms.rem_euclid(1000);
    if millis != 0 {
        out.push('.');
        push_padded(&mut out, u32::try_from(millis).unwrap_or(0), 3);
    }
    if offset == 0 {
        out.push('Z');
    } else {
        out.push(if offset < 0 { '-' } else { '+' });
        let m = offset.unsigned_abs() / 60;
        push_padded(&mut out, m / 60, 2);
        out.push(':');
        push_padded(&mut out, m % 60, 2);
    }
    out
}

fn push_padded(out: &mut String, v: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut n = v;
    let mut i = buf.len();
    while n > 0 && i > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = (buf.len() - width.min(buf.len())).min(i);
    for b in &buf[start..] {
        out.push(char::from(*b));
    }
}

/// Parses RFC 3339 with an offset into UTC milliseconds, within [`TIME_RANGE`] (a time
/// outside it could not be written back as it was read). Digits past the millisecond
/// are dropped. The common shape `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)` is read directly
/// (three times per event); any other goes through chrono, which also gives the error
/// message.
pub fn parse_time(text: &str) -> Result<Millis, String> {
    let ms = match parse_time_fast(text.as_bytes()) {
        Some(ms) => ms,
        None => chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp_millis())
            .map_err(|e| format!("`{text}` is not an RFC 3339 time with offset ({e})"))?,
    };
    if !time_in_range(ms) {
        return Err(format!("`{text}` is out of range: times run {TIME_RANGE}"));
    }
    Ok(ms)
}

fn digits(b: &[u8], from: usize, n: usize) -> Option<i64> {
    let mut v = 0i64;
    for c in b.get(from..from + n)? {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + i64::from(c - b'0');
    }
    Some(v)
}

fn parse_time_fast(b: &[u8]) -> Option<Millis> {
    if b.len() < 20
        || b.get(4) != Some(&b'-')
        || b.get(7) != Some(&b'-')
        || !matches!(b.get(10), Some(b'T' | b't'))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (year, month, day) = (digits(b, 0, 4)?, digits(b, 5, 2)?, digits(b, 8, 2)?);
    let (hour, minute, second) = (digits(b, 11, 2)?, digits(b, 14, 2)?, digits(b, 17, 2)?);
    if !(1..=12).contains(&month) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let frac = b.get(start..i)?;
        if frac.is_empty() {
            return None;
        }
        for (k, c) in frac.iter().take(3).enumerate() {
            millis += i64::from(c - b'0') * [100, 10, 1][k];
        }
    }
    let offset_minutes = match b.get(i)? {
        b'Z' | b'z' if b.len() == i + 1 => 0,
        sign @ (b'+' | b'-') if b.len() == i + 6 && b.get(i + 3) == Some(&b':') => {
            let m = digits(b, i + 1, 2)? * 60 + digits(b, i + 4, 2)?;
            if *sign == b'-' { -m } else { m }
        }
        _ => return None,
    };
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::try_from(year).ok()?,
        u32::try_from(month).ok()?,
        u32::try_from(day).ok()?,
    )?;
    let days = i64::from(date.num_days_from_ce()) - 719_163; // days from 0001-01-01 to 1970-01-01
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1000 + millis)
}

/// `deserialize_with` for a count that may be `null` (or absent, with `#[serde(default)]`).
pub fn optional_count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    #[derive(serde::Deserialize)]
    struct Count(#[serde(deserialize_with = "count")] u32);
    Ok(<Option<Count> as serde::Deserialize>::deserialize(d)?.map(|c| c.0))
}

/// `deserialize_with` for a count: a JSON integer, which JSON Schema also writes as a
/// number with no fraction (`3.0`), from 0 to `u32::MAX`.
pub fn count<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = u32;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a whole number from 0 to 4294967295")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Unsigned(v), &self))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u32, E> {
            u32::try_from(v).map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<u32, E> {
            if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
                // INVARIANT: whole and within u32's range, checked just above.
                return Ok(v as u32);
            }
            Err(E::invalid_value(serde::de::Unexpected::Float(v), &self))
        }
    }
    d.deserialize_any(V)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn money_prints_like_the_contract() {
        assert_eq!(yuan_string(1990), "19.9");
        assert_eq!(yuan_string(3000), "30");
        assert_eq!(yuan_string(5), "0.05");
        assert_eq!(yuan_string(-150), "-1.5");
        assert_eq!(yuan_json(1990).to_string(), "19.9");
        assert_eq!(yuan_json(3000).to_string(), "30");
        assert_eq!(serde_json::to_string(&Yuan(1000)).ok().as_deref(), Some("10"));
        assert_eq!(serde_json::to_string(&Yuan(1250)).ok().as_deref(), Some("12.5"));
        assert_eq!(serde_json::to_string(&Percent(1250)).ok().as_deref(), Some("12.5"));
        assert_eq!(serde_json::from_str::<Yuan>("10.0").ok(), Some(Yuan(1000)));
        assert!(serde_json::from_str::<Yuan>("10.005").is_err());
    }

    #[test]
    fn large_amounts_keep_to_two_decimals() {
        assert_eq!(fen_from_yuan(791_889_293_125.02), Some(79_188_929_312_502));
        assert_eq!(fen_from_yuan(-791_889_293_125.023_4), None);
        assert_eq!(fen_from_yuan(8_999_999_999_999.99), Some(899_999_999_999_999));
        assert_eq!(fen_from_yuan(1_000_000_000.005), None);
        assert_eq!(fen_from_yuan(0.07), Some(7));
        assert_eq!(fen_from_yuan(1.000_000_000_1), None);
    }

    #[test]
    fn percent_of_rounds_half_up() {
        assert_eq!(percent_of(1500, 66_600), 9_990);
        assert_eq!(percent_of(1000, 5), 1); // 0.5 fen → 1
        assert_eq!(percent_of(1000, 4), 0);
    }

    #[test]
    fn times_print_like_rfc3339() {
        let t = parse_time("2026-11-02T10:00:00+08:00").unwrap();
        assert_eq!(time_string(t, chrono_tz::Asia::Shanghai), "2026-11-02T10:00:00+08:00");
        assert_eq!(time_string(t, chrono_tz::UTC), "2026-11-02T02:00:00Z");
        assert_eq!(
            time_string(t + 5, chrono_tz::America::St_Johns),
            "2026-11-01T22:30:00.005-03:30"
        );
    }

    #[test]
    fn durations_print_canonically() {
        assert_eq!(duration_string(72 * HOUR_MS), "3d");
        assert_eq!(duration_string(30 * DAY_MS), "30d");
        assert_eq!(duration_string(14 * DAY_MS), "2w");
        assert_eq!(duration_string(90 * 60_000), "1h30m");
    }

    proptest! {
        #[test]
        fn yuan_round_trips_through_json(fen in -900_000_000_000_000i64..900_000_000_000_000i64) {
            let json = yuan_json(fen);
            let back = fen_from_yuan(json.as_f64().unwrap_or(f64::NAN));
            prop_assert_eq!(back, Some(fen));
        }

        #[test]
        fn percent_of_is_exact_and_bounded(bp in 0i64..=10_000, fen in 0i64..1_000_000_000) {
            let v = percent_of(bp, fen);
            prop_assert!(v <= fen);
            let exact = fen as i128 * bp as i128;
            prop_assert!((v as i128 * 10_000 - exact).abs() <= 5_000);
        }

        #[test]
        fn fast_time_parsing_agrees_with_chrono(ms in 0i64..4_000_000_000_000i64, off in -14i32*60..14*60, frac in 0usize..4) {
            let tz = chrono::FixedOffset::east_opt(off * 60).unwrap();
            let t = chrono::DateTime::from_timestamp_millis(ms).unwrap().with_timezone(&tz);
            let fmt = match frac { 0 => "%Y-%m-%dT%H:%M:%S%:z", 1 => "%Y-%m-%dT%H:%M:%S%.3f%:z", 2 => "%Y-%m-%dT%H:%M:%S%.6fZ", _ => "%Y-%m-%dT%H:%M:%S%.f%:z" };
            let text = t.format(fmt).to_string();
            let text = if frac == 2 { t.with_timezone(&chrono::Utc).format(fmt).to_string() } else { text };
            let want = chrono::DateTime::parse_from_rfc3339(&text).map(|t| t.timestamp_millis()).ok();
            prop_assert_eq!(parse_time(&text).ok(), want, "{}", text);
        }

        #[test]
        fn odd_time_strings_never_panic(text in "\\PC{0,40}") {
            let _ = parse_time(&text);
        }

        #[test]
        fn times_round_trip(ms in 0i64..4_000_000_000_000i64) {
            let s = time_string(ms, chrono_tz::Asia::Shanghai);
            prop_assert_eq!(parse_time(&s), Ok(ms));
        }

        /// Times written with any offset, in and around the range (and far outside it):
        /// every one that is accepted prints, in every zone a rule can name, as RFC 3339
        /// that reads back as the same instant.
        #[test]
        fn accepted_times_print_back_exactly_in_every_zone(
            ms in prop_oneof![
                -62_135_596_800_000i64..253_402_300_799_999i64,
                (EARLIEST_TIME - DAY_MS)..(EARLIEST_TIME + 3 * 365 * DAY_MS),
                (LATEST_TIME - 2 * DAY_MS)..(LATEST_TIME + 2 * DAY_MS),
            ],
            off in -(23 * 60 + 59)..(23 * 60 + 59),
        ) {
            let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else { return Ok(()) };
            let Some(fixed) = chrono::FixedOffset::east_opt(off * 60) else { return Ok(()) };
            let text = t.with_timezone(&fixed).format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string();
            let Ok(read) = parse_time(&text) else {
                prop_assert!(!time_in_range(ms), "{} refused", text);
                return Ok(());
            };
            prop_assert_eq!(read, ms, "{}", text);
            for tz in chrono_tz::TZ_VARIANTS {
                let printed = time_string(read, tz);
                prop_assert!(chrono::DateTime::parse_from_rfc3339(&printed).is_ok(), "{} in {}: {}", text, tz, printed);
                prop_assert_eq!(parse_time(&printed), Ok(read), "{} in {}: {}", text, tz, printed);
            }
        }
    }

    #[test]
    fn times_outside_the_range_are_refused() {
        for text in [
            "9999-12-31T23:59:59Z",
            "9999-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "1970-01-01T07:59:59+08:00",
        ] {
            let e = parse_time(text).err().unwrap_or_default();
            assert!(e.contains("out of range") && e.contains(TIME_RANGE), "{text}: {e}");
        }
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Ok(EARLIEST_TIME));
        assert_eq!(parse_time("9998-12-31T23:59:59.999Z"), Ok(LATEST_TIME));
        assert_eq!(parse_time("9999-01-01T13:59:59.999+14:00"), Ok(LATEST_TIME));
        assert_eq!(
            time_string(LATEST_TIME, chrono_tz::Pacific::Kiritimati),
            "9999-01-01T13:59:59.999+14:00"
        );
    }

    #[test]
    fn zones_with_seconds_in_their_offset_print_in_utc() {
        // Monrovia kept local mean time (-00:44:30) until 1972.
        let t = parse_time("1971-06-01T12:00:00Z").unwrap();
        assert_eq!(time_string(t, chrono_tz::Africa::Monrovia), "1971-06-01T12:00:00Z");
        let later = parse_time("1973-06-01T12:00:00Z").unwrap();
        assert_eq!(time_string(later, chrono_tz::Africa::Monrovia), "1973-06-01T12:00:00Z");
        assert_eq!(time_string(t, chrono_tz::Asia::Shanghai), "1971-06-01T20:00:00+08:00");
    }
}
