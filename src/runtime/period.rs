//! Calendar periods of `per day`, `per week` and `per month` limits, in a campaign's zone.

use crate::compile::Key;
use crate::value::Millis;

/// The calendar period `at` falls in, in the campaign's zone, and when it ends.
pub(super) fn period_key(k: &Key, at: Millis, tz: chrono_tz::Tz) -> (String, Millis) {
    use chrono::{Datelike, Days, Months, NaiveDate, TimeZone};
    let Some(t) = chrono::DateTime::from_timestamp_millis(at) else {
        return (String::new(), Millis::MAX);
    };
    let date = t.with_timezone(&tz).date_naive();
    let (key, next): (String, Option<NaiveDate>) = match k {
        Key::Day => (date.format("%Y-%m-%d").to_string(), date.checked_add_days(Days::new(1))),
        Key::Week => {
            let w = date.iso_week();
            let monday = date.checked_sub_days(Days::new(u64::from(date.weekday().num_days_from_monday())));
            (
                format!("{}-W{:02}", w.year(), w.week()),
                monday.and_then(|m| m.checked_add_days(Days::new(7))),
            )
        }
        _ => (
            date.format("%Y-%m").to_string(),
            date.with_day(1).and_then(|d| d.checked_add_months(Months::new(1))),
        ),
    };
    let end = next
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .and_then(|n| tz.from_local_datetime(&n).earliest())
        .map_or(Millis::MAX, |e| e.timestamp_millis());
    (key, end)
}
