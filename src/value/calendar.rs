//! Times on the calendar of a zone: the hour, ISO weekday and day of an instant
//! (`hour_of`, `weekday_of`, `date_of`), and the days of the week and hours of the day a
//! coupon may be used (`valid 7d on weekends between 20:00 and 23:00`).

use super::Millis;
use chrono::{Datelike, NaiveTime, TimeZone, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The names of the days, Monday first (ISO: Monday is 1, Sunday is 7).
pub const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The day a word of `on …` names: `weekends` and `weekdays` name several.
pub fn days_named(word: &str) -> Option<u8> {
    match word {
        "weekends" => Some(0b110_0000),
        "weekdays" => Some(0b001_1111),
        _ => DAY_NAMES
            .iter()
            .position(|d| *d == word || d.get(..3) == Some(word))
            .map(|i| 1 << i),
    }
}

fn local(ms: Millis, tz: chrono_tz::Tz) -> Option<chrono::DateTime<chrono_tz::Tz>> {
    chrono::DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&tz))
}

/// The hour of `ms` in `tz`, 0 to 23.
pub fn hour_of(ms: Millis, tz: chrono_tz::Tz) -> Option<u32> {
    local(ms, tz).map(|t| t.hour())
}

/// The ISO weekday of `ms` in `tz`: 1 (Monday) to 7 (Sunday).
pub fn weekday_of(ms: Millis, tz: chrono_tz::Tz) -> Option<u32> {
    local(ms, tz).map(|t| t.weekday().number_from_monday())
}

/// The start of the day of `ms` in `tz`: 00:00 there, as a date literal reads (the earlier
/// of two midnights; where a clock change skips midnight, the day's first instant).
pub fn date_of(ms: Millis, tz: chrono_tz::Tz) -> Option<Millis> {
    let day = local(ms, tz)?.date_naive();
    let mut at = day.and_time(NaiveTime::MIN);
    // A skipped midnight: the day begins when the clock resumes, within the day; find the
    // first minute that exists, then the second the clock resumed at (before 1972 some
    // zones' offsets were not whole minutes).
    for _ in 0..(24 * 60) {
        if let Some(t) = tz.from_local_datetime(&at).earliest() {
            let mut start = t.timestamp_millis();
            while local(start - 1000, tz).is_some_and(|p| p.date_naive() == day) {
                start -= 1000;
            }
            return Some(start);
        }
        at += chrono::TimeDelta::minutes(1);
    }
    None
}

/// A time of day in minutes, written `HH:MM`; `24:00` is the end of the day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Clock(pub u16);

impl Clock {
    /// `20:00` (seconds, if written, must be `00`); `24:00` only when `end`.
    pub fn parse(text: &str, end: bool) -> Result<Clock, String> {
        let mut parts = text.split(':');
        let mut num = |max: u16| parts.next().and_then(|p| p.parse::<u16>().ok()).filter(|n| *n <= max);
        let (Some(h), Some(m)) = (num(24), num(59)) else {
            return Err(format!("`{text}` is not a time of day"));
        };
        if parts.next().is_some_and(|s| s != "00") {
            return Err(format!("`{text}` has seconds: a coupon's hours are whole minutes"));
        }
        let c = Clock(h * 60 + m);
        match c.0 {
            1440 if end => Ok(c),
            0..1440 => Ok(c),
            _ => Err(format!("`{text}` is not a time of day")),
        }
    }
}

impl std::fmt::Display for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl Serialize for Clock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Clock {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Clock, D::Error> {
        let s = String::deserialize(d)?;
        Clock::parse(&s, true).map_err(serde::de::Error::custom)
    }
}

/// When a coupon may be used, in its campaign's zone: on some days of the week, between
/// two times of day (`[from, until)`; `until` before `from` runs across midnight, and that
/// night belongs to the day it starts on), or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// The days (`"saturday"`, …), Monday first; empty: every day.
    #[serde(default, skip_serializing_if = "Vec::is_empty", deserialize_with = "day_names")]
    pub days: Vec<String>,
    /// `[from, until]` as `"HH:MM"`; none: all day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<(Clock, Clock)>,
    /// The IANA zone the days and hours are in (the campaign's).
    #[serde(with = "zone")]
    pub zone: chrono_tz::Tz,
}

/// Days as the JSON writes them: full lowercase names only.
fn day_names<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let days = Vec::<String>::deserialize(d)?;
    match days.iter().find(|x| !DAY_NAMES.contains(&x.as_str())) {
        Some(bad) => Err(serde::de::Error::custom(format!(
            "`{bad}` is not a day: write `monday` … `sunday`"
        ))),
        None => Ok(days),
    }
}

mod zone {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(tz: &chrono_tz::Tz, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(tz.name())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<chrono_tz::Tz, D::Error> {
        let s = String::deserialize(d)?;
        super::super::parse_zone(&s).map_err(serde::de::Error::custom)
    }
}

impl Calendar {
    /// The calendar of a day set (bit 0 Monday … bit 6 Sunday; 0 or all: every day).
    pub fn new(days: u8, between: Option<(Clock, Clock)>, zone: chrono_tz::Tz) -> Calendar {
        let days = if days & 0x7f == 0x7f {
            Vec::new()
        } else {
            (0..7)
                .filter(|i| days & (1 << i) != 0)
                .filter_map(|i| DAY_NAMES.get(i).map(|d| d.to_string()))
                .collect()
        };
        Calendar { days, between, zone }
    }

    fn day_bits(&self) -> u8 {
        if self.days.is_empty() {
            return 0x7f;
        }
        self.days.iter().filter_map(|d| days_named(d)).fold(0, |a, b| a | b)
    }

    /// Whether the coupon may be used at `ms`.
    pub fn allows(&self, ms: Millis) -> bool {
        let Some(t) = local(ms, self.zone) else { return false };
        let minute = u16::try_from(t.hour() * 60 + t.minute()).unwrap_or(0);
        self.open_at(t.weekday().num_days_from_monday(), minute)
    }

    /// Whether the coupon may be used on `day` (0 Monday … 6 Sunday) at `minute` of it.
    pub fn open_at(&self, day: u32, minute: u16) -> bool {
        let mut day = day % 7;
        if let Some((from, until)) = self.between {
            let inside = if from <= until {
                (from.0..until.0).contains(&minute)
            } else if minute >= from.0 {
                true
            } else if minute < until.0 {
                // After midnight: the night belongs to the day before.
                day = (day + 6) % 7;
                true
            } else {
                false
            };
            if !inside {
                return false;
            }
        }
        self.day_bits() & (1 << day) != 0
    }

    /// The longest time in a week the coupon may not be used, in minutes, and the
    /// minute of the week it starts at (0: Monday 00:00); `None` if it is always open.
    pub fn longest_closed(&self) -> Option<(u32, u32)> {
        const WEEK: u32 = 7 * 24 * 60;
        let open = |m: u32| self.open_at(m / 1440, u16::try_from(m % 1440).unwrap_or(0));
        let (mut best, mut run, mut start) = (None::<(u32, u32)>, 0u32, 0u32);
        // Two weeks, so that a gap across Sunday midnight is measured whole.
        for m in 0..2 * WEEK {
            if open(m % WEEK) {
                run = 0;
                continue;
            }
            if run == 0 {
                start = m % WEEK;
            }
            run += 1;
            if best.is_none_or(|(b, _)| run > b) {
                best = Some((run.min(WEEK), start));
            }
        }
        best
    }

    /// When it may be used, in the words of the rules: `on weekends between 20:00 and
    /// 23:00`, `on monday, friday`.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        match self.day_bits() {
            0x7f => {}
            0b110_0000 => out.push_str("on weekends"),
            0b001_1111 => out.push_str("on weekdays"),
            _ => {
                out.push_str("on ");
                out.push_str(&self.days.join(", "));
            }
        }
        if let Some((from, until)) = self.between {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("between {from} and {until}"));
        }
        out
    }

    /// Why `ms` is outside the calendar, for `not_valid_now`: "the coupon is valid on
    /// weekends (Asia/Shanghai); it is Wednesday 14:05".
    pub fn refusal(&self, ms: Millis) -> String {
        let now = local(ms, self.zone).map_or_else(
            || format!("@{ms}ms"),
            |t| {
                let day = DAY_NAMES
                    .get(t.weekday().num_days_from_monday() as usize)
                    .map_or_else(String::new, |d| capital(d));
                format!("{day} {:02}:{:02}", t.hour(), t.minute())
            },
        );
        format!(
            "the coupon is valid {} ({}); it is {now}",
            self.describe(),
            self.zone.name()
        )
    }
}

/// `monday` → `Monday`.
pub fn capital(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Millis {
        chrono::DateTime::parse_from_rfc3339(text).map_or(0, |t| t.timestamp_millis())
    }

    #[test]
    fn across_midnight_belongs_to_the_day_it_starts() {
        let tz = chrono_tz::Asia::Shanghai;
        let fri_night = Calendar::new(1 << 4, Some((Clock(22 * 60), Clock(2 * 60))), tz);
        assert!(fri_night.allows(at("2026-11-13T23:00:00+08:00"))); // Friday
        assert!(fri_night.allows(at("2026-11-14T01:59:00+08:00"))); // Saturday, still Friday's night
        assert!(!fri_night.allows(at("2026-11-14T02:00:00+08:00"))); // the end is exclusive
        assert!(!fri_night.allows(at("2026-11-14T23:00:00+08:00"))); // Saturday night
        assert!(!fri_night.allows(at("2026-11-13T01:00:00+08:00"))); // Thursday's night
    }

    #[test]
    fn the_longest_closed_stretch() {
        let tz = chrono_tz::UTC;
        // Weekends: closed from Monday 00:00 for five days.
        assert_eq!(
            Calendar::new(0b110_0000, None, tz).longest_closed(),
            Some((5 * 1440, 0))
        );
        // Friday nights 22:00 to 02:00: closed from Saturday 02:00 for a week less 4h.
        let fri = Calendar::new(1 << 4, Some((Clock(22 * 60), Clock(120))), tz);
        assert_eq!(fri.longest_closed(), Some((7 * 1440 - 240, 5 * 1440 + 120)));
        assert_eq!(Calendar::new(0x7f, None, tz).longest_closed(), None);
    }

    #[test]
    fn reads_back_what_it_writes_and_refuses_unknown_days() {
        let c = Calendar::new(0b110_0000, Some((Clock(1200), Clock(120))), chrono_tz::Asia::Shanghai);
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"days":["saturday","sunday"],"between":["20:00","02:00"],"zone":"Asia/Shanghai"}"#
        );
        assert_eq!(serde_json::from_str::<Calendar>(&json).ok(), Some(c));
        let bad = r#"{"days":["sat"],"zone":"Asia/Shanghai"}"#;
        assert!(serde_json::from_str::<Calendar>(bad).is_err());
        let bad = r#"{"between":["20:00","25:00"],"zone":"Asia/Shanghai"}"#;
        assert!(serde_json::from_str::<Calendar>(bad).is_err());
    }

    #[test]
    fn describes_itself() {
        let tz = chrono_tz::Asia::Shanghai;
        let c = Calendar::new(0b110_0000, None, tz);
        assert_eq!(
            c.refusal(at("2026-11-11T14:05:00+08:00")),
            "the coupon is valid on weekends (Asia/Shanghai); it is Wednesday 14:05"
        );
        let c = Calendar::new(0b001_0001, Some((Clock(1200), Clock(1440))), tz);
        assert_eq!(c.describe(), "on monday, friday between 20:00 and 24:00");
        assert_eq!(Clock::parse("24:00", false).ok(), None);
        assert_eq!(Clock::parse("7:5", false).ok(), Some(Clock(425)));
    }
}
