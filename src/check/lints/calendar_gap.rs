//! `W012` coupon that may expire before its calendar lets it be used: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{self, CampaignClause, Expr, ExprKind, RuleClause, Validity};
use crate::value::calendar::{Calendar, Clock, DAY_NAMES, capital, days_named};
use crate::value::{Millis, duration_string};

pub const CODE: Code = Code::CalendarGap;

/// `mintage explain W012` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "A coupon's validity is shorter than the longest time its calendar keeps it unusable,
so a coupon issued at the start of that time expires before it can be used once:
`valid 24h on weekends` issued on a Monday ends on Tuesday. Buyers see a coupon they
cannot use.

Make the validity longer than the gap (`valid 7d on weekends`), or issue the coupon only
when it can be used soon (`when weekday_of(now) >= 5`). Rules whose conditions read
`hour_of`, `weekday_of` or `date_of` are not reported: they may already do so.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in cx.campaigns() {
        for clause in &c.clauses {
            match clause {
                CampaignClause::Rule(r) if !reads_calendar(r) => {
                    for rc in &r.clauses {
                        if let RuleClause::Give(o) = rc {
                            offer(o, out);
                        }
                    }
                }
                CampaignClause::Segment(s) => s.offers.iter().for_each(|o| offer(o, out)),
                _ => {}
            }
        }
    }
}

fn offer(o: &ast::Offer, out: &mut Vec<Diagnostic>) {
    let (Some(Validity::For(e)), Some(on)) = (&o.validity, &o.valid_on) else {
        return;
    };
    let ExprKind::Duration(valid) = e.kind else { return };
    let days = on.days.iter().filter_map(|d| days_named(&d.text)).fold(0, |a, b| a | b);
    let between = match &on.between {
        Some((from, until)) => match (Clock::parse(&from.text, false), Clock::parse(&until.text, true)) {
            (Ok(f), Ok(u)) if f != u => Some((f, u)),
            _ => return,
        },
        None => None,
    };
    let calendar = Calendar::new(days, between, chrono_tz::UTC);
    let Some((closed, from)) = calendar.longest_closed() else {
        return;
    };
    let closed_ms = Millis::from(closed) * 60_000;
    if valid > closed_ms {
        return;
    }
    let day = capital(DAY_NAMES.get((from / 1440) as usize).copied().unwrap_or("monday"));
    let at = Clock(u16::try_from(from % 1440).unwrap_or(0));
    out.push(
        Diagnostic::new(
            CODE,
            e.span.to(on.span),
            format!(
                "a coupon valid for {} {} may expire before it can be used",
                duration_string(valid),
                calendar.describe()
            ),
        )
        .label(format!("unusable for {} from {day} {at}", duration_string(closed_ms)))
        .help(format!(
            "make it valid longer than {}, or issue it only when it can be used soon (a `when` on `weekday_of(now)` or `hour_of(now)`)",
            duration_string(closed_ms)
        )),
    );
}

/// Whether a rule's conditions read the calendar (so it may issue only near its hours).
fn reads_calendar(r: &ast::Rule) -> bool {
    r.clauses
        .iter()
        .any(|c| matches!(c, RuleClause::When(e) if calls_calendar(e)))
}

fn calls_calendar(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Call(name, args) => {
            matches!(name.text.as_str(), "hour_of" | "weekday_of" | "date_of") || args.iter().any(calls_calendar)
        }
        ExprKind::List(items) => items.iter().any(calls_calendar),
        ExprKind::Unary(_, a) => calls_calendar(a),
        ExprKind::Binary(_, a, b) => calls_calendar(a) || calls_calendar(b),
        ExprKind::If(c, a, b) => calls_calendar(c) || calls_calendar(a) || calls_calendar(b),
        _ => false,
    }
}
