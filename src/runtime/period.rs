//! Calendar periods of `per day`, `per week` and `per month` limits, in a campaign's zone.

use crate::check::program::{BudgetPeriod, Campaign, Rule};
use crate::compile::Key;
use crate::value::{Fen, Millis};
use std::sync::Arc;

/// The scope a tally counts under: `campaign` (its cap), `rule/NAME` (a rule's cap),
/// `day/2026-11-11` and `hour/2026-11-11T10+08:00` (budgets of the calendar day and
/// hour in the campaign's zone; the hour keeps its offset, so the two 01:00 hours of a
/// night that turns the clocks back stay apart).
pub fn campaign_scope() -> Arc<str> {
    Arc::from("campaign")
}

pub fn rule_scope(rule: &str) -> Arc<str> {
    Arc::from(format!("rule/{rule}"))
}

pub fn budget_scope(per: BudgetPeriod, at: Millis, tz: chrono_tz::Tz) -> Arc<str> {
    let Some(t) = chrono::DateTime::from_timestamp_millis(at) else {
        return Arc::from(per.as_str());
    };
    let local = t.with_timezone(&tz);
    let key = match per {
        BudgetPeriod::Day => local.format("%Y-%m-%d"),
        BudgetPeriod::Hour => local.format("%Y-%m-%dT%H%:z"),
    };
    Arc::from(format!("{}/{key}", per.as_str()))
}

/// One bound an issue at `at` must fit: the scope it counts under, what it adds there
/// (a coupon under a cap, its face value under a period budget), and the limit.
#[derive(Debug, Clone)]
pub struct Bound {
    pub scope: Arc<str>,
    pub adds: i64,
    pub limit: i64,
    pub kind: BoundKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoundKind {
    PeriodBudget(BudgetPeriod),
    CampaignCap,
    RuleCap,
}

/// The bounds a coupon of `face` issued by `rule` at `at` must fit, in the order they are
/// checked: the day's and hour's budgets, the campaign's cap, the rule's cap.
pub fn bounds(campaign: &Campaign, rule: &Rule, face: Fen, at: Millis) -> Vec<Bound> {
    let mut out = Vec::new();
    for p in &campaign.period_budgets {
        out.push(Bound {
            scope: budget_scope(p.per, at, campaign.tz),
            adds: face,
            limit: p.amount,
            kind: BoundKind::PeriodBudget(p.per),
        });
    }
    if let Some(cap) = campaign.cap {
        out.push(Bound {
            scope: campaign_scope(),
            adds: 1,
            limit: i64::from(cap),
            kind: BoundKind::CampaignCap,
        });
    }
    if let Some(cap) = rule.cap {
        out.push(Bound {
            scope: rule_scope(&rule.name),
            adds: 1,
            limit: i64::from(cap),
            kind: BoundKind::RuleCap,
        });
    }
    out
}

/// `pace evenly`: how much of `budget` may be reserved at `at`, its share of the window
/// up to the end of `at`'s hour in the campaign's zone (all of it from the window's last
/// hour on). `None` if the campaign has no window.
pub fn paced(campaign: &Campaign, budget: Fen, at: Millis) -> Option<Fen> {
    use chrono::Offset;
    let (start, end) = campaign.window?;
    let offset = chrono::DateTime::from_timestamp_millis(at).map_or(0, |t| {
        i64::from(t.with_timezone(&campaign.tz).offset().fix().local_minus_utc()) * 1000
    });
    let hour = crate::value::HOUR_MS;
    let hour_end = ((at + offset).div_euclid(hour) + 1) * hour - offset;
    if end <= start || hour_end >= end {
        return Some(budget);
    }
    let share = i128::from(budget) * i128::from((hour_end - start).max(0)) / i128::from(end - start);
    Some(Fen::try_from(share).unwrap_or(budget))
}

/// Every scope a decision at one of `times` may count under for `campaign`, so that a
/// durable store can read just those.
pub fn scopes(campaign: &Campaign, times: &[Millis]) -> Vec<Arc<str>> {
    let mut out = Vec::new();
    if campaign.cap.is_some() {
        out.push(campaign_scope());
    }
    for r in &campaign.rules {
        if r.cap.is_some() {
            out.push(rule_scope(&r.name));
        }
    }
    for p in &campaign.period_budgets {
        for t in times {
            out.push(budget_scope(p.per, *t, campaign.tz));
        }
    }
    out.sort();
    out.dedup();
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Millis {
        crate::value::parse_time(text).unwrap_or(0)
    }

    #[test]
    fn budget_periods_are_the_zones_calendar_day_and_hour() {
        let tz: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
        // 23:30 UTC is already the next day, 07:30, in Shanghai.
        let t = at("2026-11-10T23:30:00Z");
        assert_eq!(&*budget_scope(BudgetPeriod::Day, t, tz), "day/2026-11-11");
        assert_eq!(&*budget_scope(BudgetPeriod::Hour, t, tz), "hour/2026-11-11T07+08:00");
    }

    #[test]
    fn the_two_hours_of_a_night_that_turns_the_clocks_back_stay_apart() {
        let tz: chrono_tz::Tz = chrono_tz::Europe::Berlin;
        let first = budget_scope(BudgetPeriod::Hour, at("2026-10-25T00:30:00Z"), tz);
        let second = budget_scope(BudgetPeriod::Hour, at("2026-10-25T01:30:00Z"), tz);
        assert_eq!(&*first, "hour/2026-10-25T02+02:00");
        assert_eq!(&*second, "hour/2026-10-25T02+01:00");
    }
}
