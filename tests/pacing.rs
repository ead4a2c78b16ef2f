//! `pace evenly` on bursty traffic: a Singles' Day stream whose first hour brings ten
//! times the traffic of the others and whose afternoon goes quiet. The spend never runs
//! ahead of the plan (the budget's share of the hours elapsed), the burst does not eat
//! the day's budget, the quiet hours' unused share carries over, and the campaign spends
//! its whole budget by the end instead of stopping early. The coupons outlive the window,
//! so what is issued is what the budget holds. The test prints the curve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::Runtime;
use mintage::runtime::event::Event;
use mintage::value::{parse_time, time_string};
use std::sync::Arc;

const RULES: &str = r#"
campaign double11_paced {
  window 2026-11-11 00:00 .. 2026-11-12 00:00 Asia/Shanghai
  budget ¥2_400 face value
  pace evenly
  rule flash {
    on view_item
    once per user
    give amount_off ¥10 valid 7d
  }
}
"#;

const HOUR: i64 = 3_600_000;

/// Views in hour `h`: 600 in the first (the midnight rush), 5 in the quiet hours 12 and
/// 13, 60 in every other.
fn views(h: i64) -> i64 {
    match h {
        0 => 600,
        12 | 13 => 5,
        _ => 60,
    }
}

#[test]
fn pacing_follows_the_plan_on_a_bursty_day() {
    let rules = Arc::new(mintage::load_str("paced.mint", RULES).unwrap());
    let mut rt = Runtime::new(rules, CodeMinter::seeded(3));
    let start = parse_time("2026-11-11T00:00:00+08:00").unwrap();
    let budget: i64 = 240_000;
    let (mut user, mut spent) = (0, 0i64);
    let mut curve = Vec::new();
    for h in 0..24 {
        let n = views(h);
        let mut issued_this_hour = 0;
        for k in 0..n {
            user += 1;
            let at = start + h * HOUR + k * HOUR / n;
            let raw = format!(
                r#"{{"id": "e-{user}", "type": "view_item", "at": "{}", "user": {{"id": "u-{user}"}}, "item": {{"id": "i-1", "category": "bags", "price": 500}}}}"#,
                time_string(at, chrono_tz::UTC)
            );
            for d in rt.process(&Event::from_json(&raw).unwrap()) {
                for c in &d.coupons {
                    spent += c.face_value;
                    issued_this_hour += 1;
                }
                for s in &d.suppressed {
                    // The pace withholds, or the budget once it is all spent.
                    let spent_out = &*s.reason == "budget" && spent == budget;
                    assert!(
                        &*s.reason == "pace" || spent_out,
                        "hour {h}: {s:?} with {spent} fen spent"
                    );
                }
            }
        }
        let plan = budget * (h + 1) / 24;
        curve.push((h, issued_this_hour, spent, plan));
        assert!(spent <= plan, "hour {h}: spent {spent} fen, ahead of the plan {plan}");
    }
    eprintln!("hour  coupons  spent (¥)  plan (¥)");
    for (h, n, s, p) in &curve {
        eprintln!("{h:>4}  {n:>7}  {:>9}  {:>8}", s / 100, p / 100);
    }
    let at = |h: usize| curve.get(h).map(|c| c.1).unwrap_or_default();
    assert_eq!(
        at(0),
        10,
        "the midnight rush gets the first hour's share, not the day's"
    );
    assert!(at(12) <= 5 && at(13) <= 5, "quiet hours spend what their traffic asks");
    assert!(
        at(14) > 10,
        "the quiet hours' unused share carries over to the next busy hour"
    );
    assert!(at(23) > 0, "the campaign does not stop early");
    assert_eq!(spent, budget, "the whole budget is spent by the end of the window");
}
