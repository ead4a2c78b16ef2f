//! `mintage run` within a campaign's cap and its budget of a day or an hour: every coupon
//! of a run is issued at `--now`, so these bound the run; the users past them (in table
//! order) are `suppressed` with `cap`, `budget_day` or `budget_hour`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::process::Command;

/// `dormant_wakeup` with `extra` among its clauses, run over ten users of its `others`
/// segment (¥20 off ¥200 each).
fn run(extra: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/dormant_wakeup.mint")).unwrap();
    let text = text.replace(
        "  budget ¥50_000 expected cost\n",
        &format!("  budget ¥50_000 expected cost\n  {extra}\n"),
    );
    let rules = dir.path().join("rules.mint");
    std::fs::write(&rules, text).unwrap();
    let rows: String = (0..10)
        .map(|i| {
            format!(
                r#"{{"id":"u-{i}","paid_orders":2,"last_order_at":"2026-01-01T00:00:00+08:00","avg_order_value":500,"scores":{{"p_convert":0.1,"price_sensitivity":0.3,"elasticity":2.0}}}}"#
            ) + "\n"
        })
        .collect();
    let users = dir.path().join("users.jsonl");
    std::fs::write(&users, rows).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args([
            "run",
            rules.to_str().unwrap(),
            "--campaign",
            "dormant_wakeup",
            "--users",
        ])
        .arg(&users)
        .args(["--now", "2026-06-01T10:00:00+08:00", "--seed", "1"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// How many decisions issued a coupon, and the reasons of the others.
fn tally(decisions: &[Value]) -> (usize, Vec<String>) {
    let issued = decisions
        .iter()
        .filter(|d| d["coupons"].as_array().is_some_and(|c| !c.is_empty()))
        .count();
    let reasons = decisions
        .iter()
        .flat_map(|d| d["suppressed"].as_array().cloned().unwrap_or_default())
        .map(|s| s["reason"].as_str().unwrap().to_string())
        .collect();
    (issued, reasons)
}

#[test]
fn without_bounds_every_user_gets_the_offer() {
    assert_eq!(tally(&run("")), (10, vec![]));
}

#[test]
fn a_run_issues_no_more_than_the_campaigns_cap() {
    let (issued, reasons) = tally(&run("at most 3 coupons per campaign"));
    assert_eq!(issued, 3);
    assert_eq!(reasons, vec!["cap"; 7]);
}

#[test]
fn a_run_issues_no_more_face_value_than_the_days_and_hours_budgets() {
    let (issued, reasons) = tally(&run("budget ¥100 face value per day"));
    assert_eq!(issued, 5, "¥100 / ¥20");
    assert_eq!(reasons, vec!["budget_day"; 5]);
    let (issued, reasons) = tally(&run("budget ¥100 face value per day\n  budget ¥60 per hour"));
    assert_eq!(issued, 3, "¥60 / ¥20");
    assert_eq!(reasons, vec!["budget_hour"; 7]);
}
