//! `mintage test` compares every term an `expect` writes: each test below changes one
//! term of a passing expectation and sees the test fail, showing what was issued and the
//! trace.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn mintage_test(name: &str, text: &str) -> Output {
    let dir = std::env::temp_dir().join(format!("mintage-rule-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{name}.mint"));
    std::fs::write(&p, text).unwrap();
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["test", p.to_str().unwrap()])
        .output()
        .unwrap()
}

const RULES: &str = r#"
campaign terms {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule pct {
    on view_item
    when item.category == "bags"
    once per user
    give percent_off 10% cap ¥50 min_spend ¥100 for ["bags", "shoes"] for seller "s-1" valid 7d
      funded platform 50% seller 50%
  }
  rule care {
    on view_item
    when item.category == "watches"
    once per user
    give gift care_kit worth ¥30 min_spend ¥500 valid until window end
  }
  rule auth {
    on view_item
    when item.category == "toys"
    once per user
    give perk free_authentication worth ¥50 valid 30d
  }
  rule ship {
    on view_item
    when item.category == "shoes"
    once per user
    give free_shipping worth ¥10 valid 3d
  }
  rule spend {
    on view_item
    when item.category == "hats"
    once per user
    give threshold spend ¥300 get ¥50 off valid 2d
  }
  rule flat {
    on view_item
    when item.category == "belts"
    once per user
    give amount_off ¥20 for "belts" valid 1d
  }
}

test "every term" {
  user {"id": "u-1"}
  event view_item at 2026-11-02 10:00 {"item": {"id": "i-1", "category": "bags"}}
  expect coupon pct percent_off 10% cap ¥50 min_spend ¥100 for ["shoes", "bags"] for seller "s-1" valid 7d funded platform 50% seller 50%
  event view_item at 2026-11-02 10:01 {"item": {"id": "i-2", "category": "watches"}}
  expect coupon care gift care_kit worth ¥30 min_spend ¥500 valid until window end funded platform 100%
  event view_item at 2026-11-02 10:02 {"item": {"id": "i-3", "category": "toys"}}
  expect coupon auth perk free_authentication worth ¥50 valid 30d
  event view_item at 2026-11-02 10:03 {"item": {"id": "i-4", "category": "shoes"}}
  expect coupon ship free_shipping worth ¥10 valid 3d
  event view_item at 2026-11-02 10:04 {"item": {"id": "i-5", "category": "hats"}}
  expect coupon spend threshold spend ¥300 get ¥50 off valid 2d
  event view_item at 2026-11-02 10:05 {"item": {"id": "i-6", "category": "belts"}}
  expect coupon flat amount_off ¥20 for "belts" valid 1d
}
"#;

#[test]
fn every_written_term_holds() {
    let o = mintage_test("holds", RULES);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}

/// The passing file with `from` replaced by `to` in its first expectation that has it
/// (the rules stay as they are).
fn changed(from: &str, to: &str) -> (String, String) {
    let (rules, test) = RULES.split_at(RULES.find("test \"every term\"").unwrap());
    let line = test
        .lines()
        .find(|l| l.contains("expect") && l.contains(from))
        .unwrap_or_else(|| panic!("no expectation has `{from}`"));
    let wrong = line.replacen(from, to, 1);
    (
        format!("{rules}{}", test.replacen(line, &wrong, 1)),
        wrong.trim().to_string(),
    )
}

/// Changes one term of the passing test and expects a failure that shows the wrong
/// expectation and, instead, the coupon issued (`issued`, in full).
fn fails(name: &str, from: &str, to: &str, issued: &str) {
    let (text, wrong) = changed(from, to);
    let o = mintage_test(name, &text);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{name}: {out}");
    assert!(out.contains(&format!("- {wrong}")), "{name}: {out}");
    assert!(out.contains(&format!("+ {issued}")), "{name}: {out}");
    assert!(
        out.contains("trace:\n      terms/"),
        "{name}: the trace is shown: {out}"
    );
}

const PCT: &str = r#"coupon pct percent_off 10% cap ¥50 min_spend ¥100 for ["bags", "shoes"] for seller "s-1" valid 1w funded platform 50% seller 50%"#;
const CARE: &str = "coupon care gift care_kit worth ¥30 min_spend ¥500 valid until window end funded platform 100%";

#[test]
fn the_kind() {
    fails("kind", "pct percent_off 10%", "pct amount_off ¥10", PCT);
}

#[test]
fn the_percentage() {
    fails("percent", "pct percent_off 10%", "pct percent_off 15%", PCT);
}

#[test]
fn the_amount() {
    fails(
        "amount",
        "flat amount_off ¥20",
        "flat amount_off ¥25",
        "coupon flat amount_off ¥20 for \"belts\" valid 1d funded platform 100%",
    );
}

#[test]
fn the_cap() {
    fails("cap", "cap ¥50 min_spend ¥100 for", "cap ¥60 min_spend ¥100 for", PCT);
}

#[test]
fn the_minimum_spend() {
    fails("min_spend", "min_spend ¥100 for", "min_spend ¥99 for", PCT);
}

#[test]
fn the_category_scope_as_a_set() {
    fails("fewer_categories", r#"for ["shoes", "bags"]"#, r#"for ["bags"]"#, PCT);
    fails(
        "other_categories",
        r#"for ["shoes", "bags"]"#,
        r#"for ["watches"]"#,
        PCT,
    );
    fails(
        "more_categories",
        r#"for ["shoes", "bags"]"#,
        r#"for ["shoes", "bags", "hats"]"#,
        PCT,
    );
}

#[test]
fn the_seller_scope() {
    fails("seller", r#"for seller "s-1""#, r#"for seller "s-2""#, PCT);
}

#[test]
fn the_validity() {
    fails("valid", "valid 7d funded", "valid 6d funded", PCT);
    fails(
        "until_window_end",
        "auth perk free_authentication worth ¥50 valid 30d",
        "auth perk free_authentication worth ¥50 valid until window end",
        "coupon auth perk free_authentication worth ¥50 valid 30d funded platform 100%",
    );
}

#[test]
fn the_funding() {
    fails(
        "funding",
        "funded platform 50% seller 50%",
        "funded platform 10% seller 90%",
        PCT,
    );
    fails("funding_platform", "funded platform 100%", "funded seller 100%", CARE);
}

#[test]
fn a_gifts_item_and_worth() {
    fails("gift_item", "gift care_kit worth ¥30", "gift tote_bag worth ¥30", CARE);
    fails("gift_worth", "gift care_kit worth ¥30", "gift care_kit worth ¥35", CARE);
}

#[test]
fn a_perks_item_and_worth() {
    let issued = "coupon auth perk free_authentication worth ¥50 valid 30d funded platform 100%";
    fails("perk_item", "perk free_authentication", "perk free_polishing", issued);
    fails(
        "perk_worth",
        "free_authentication worth ¥50",
        "free_authentication worth ¥40",
        issued,
    );
}

#[test]
fn free_shipping_worth_and_threshold_spend() {
    fails(
        "shipping_worth",
        "free_shipping worth ¥10",
        "free_shipping worth ¥12",
        "coupon ship free_shipping worth ¥10 valid 3d funded platform 100%",
    );
    fails(
        "threshold_spend",
        "threshold spend ¥300 get ¥50 off",
        "threshold spend ¥200 get ¥50 off",
        "coupon spend threshold spend ¥300 get ¥50 off valid 2d funded platform 100%",
    );
}

#[test]
fn an_expectation_writes_values_not_expressions() {
    let o = mintage_test(
        "not_literal",
        &changed("cap ¥50 min_spend", "cap (¥25 + ¥25) min_spend").0,
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("the cap is not a money literal"), "{out}");
}

#[test]
fn test_times_that_go_backwards_are_an_error_with_the_line() {
    let o = mintage_test(
        "backwards",
        &RULES.replacen("at 2026-11-02 10:03", "at 2026-11-02 09:00", 1),
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("backwards.mint:51:3: `2026-11-02 09:00` is earlier than the step before it (2026-11-02 10:02)"),
        "{out}"
    );
}

const CALENDAR: &str = r#"
campaign evenings {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule late {
    on view_item
    when hour_of(now) >= 20 and weekday_of(now) in [6, 7]
    once per user
    give amount_off ¥10 valid 7d on weekends between 22:00 and 02:00
  }
}

test "evenings" {
  user {"id": "u-1"}
  event view_item at 2026-11-06 21:00 {"item": {"id": "i-1", "category": "bags"}}
  expect nothing
  event view_item at 2026-11-07 21:00 {"item": {"id": "i-1", "category": "bags"}}
  expect coupon late amount_off ¥10 valid 7d on weekends between 22:00 and 02:00
}
"#;

#[test]
fn hour_of_and_weekday_of_decide_and_the_calendar_holds() {
    let o = mintage_test("calendar", CALENDAR);
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn the_calendar_is_compared() {
    let issued = "+ coupon late amount_off ¥10 valid 1w on weekends between 22:00 and 02:00 funded platform 100%";
    for (from, to) in [
        ("on weekends", "on sat"),
        ("between 22:00 and 02:00", "between 22:00 and 01:00"),
        ("on weekends between 22:00 and 02:00", "on weekdays"),
    ] {
        // The rule's own offer stays as it was: change only the expectation.
        let (rules, test) = CALENDAR.split_at(CALENDAR.find("test \"evenings\"").unwrap());
        assert!(test.contains(from));
        let text = format!("{rules}{}", test.replacen(from, to, 1));
        let o = mintage_test("calendar_wrong", &text);
        let out = String::from_utf8_lossy(&o.stdout);
        assert_eq!(o.status.code(), Some(1), "{to}: {out}");
        assert!(out.contains(issued), "{to}: {out}");
    }
}

#[test]
fn a_friday_evening_is_not_the_weekend() {
    let text = CALENDAR.replace("2026-11-07 21:00", "2026-11-06 22:00");
    let o = mintage_test("calendar_friday", &text);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("- expect coupon late"), "{out}");
    assert!(out.contains("`weekday_of(now) in [6, 7]` is false"), "{out}");
}

const BATCH: &str = r#"
campaign winback {
  batch
  budget ¥100 expected cost
  audience user.paid_orders >= 1
  segment others {
    give amount_off ¥10 min_spend ¥100 valid 7d
  }
  model {
    cost = 0.1 * offer.face_value
    gain = 0.05 * user.avg_order_value
  }
}

test "batch" {
  users [
    {"id": "u-1", "paid_orders": 2, "avg_order_value": 300},
    {"id": "u-2", "paid_orders": 0},
    {"id": "u-3", "paid_orders": 1, "avg_order_value": 100}
  ] run at 2026-06-01 09:00 budget ¥BUDGET
  expect "u-1" coupon others amount_off ¥10
  expect "u-3" coupon others amount_off ¥10
}
"#;

#[test]
fn a_batch_in_a_test_is_checked_user_by_user() {
    let out = mintage_test("batch_ok", &BATCH.replace("BUDGET", "100"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    // ¥1 buys one coupon's expected cost, so u-3 (the smaller gain) is left out.
    let out = mintage_test("batch_budget", &BATCH.replace("BUDGET", "1"));
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r#"- expect "u-3" coupon others amount_off ¥10"#),
        "{text}"
    );
    assert!(text.contains(r#"+ "u-3" suppressed others budget"#), "{text}");
    assert!(!text.contains(r#"- expect "u-1""#), "{text}");
    // Expectations name users: the same coupon for another user does not count.
    let out = mintage_test(
        "batch_user",
        &BATCH
            .replace("BUDGET", "100")
            .replace(r#"expect "u-3""#, r#"expect "u-2""#),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(r#"- expect "u-2" coupon others"#) && text.contains(r#"+ "u-3" coupon others"#),
        "{text}"
    );
}
