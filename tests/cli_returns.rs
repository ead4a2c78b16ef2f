//! `mintage return` runs the real binary on a SQLite ledger: a return answered on stdout
//! (exit 0), one the ledger refuses with its reason on stderr (exit 1), bad arguments and
//! an unreachable ledger (exit 2). The whole session, with its numbers, is in
//! docs/checkout.md (Returns), run by `tests/docs_checkout.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn mintage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mintage runs")
}

const EVENT: &str = r#"{"id": "e-1", "type": "view_item", "at": "2026-11-11T10:00:00+08:00", "user": {"id": "u-1", "registered_at": "2026-11-05T09:00:00+08:00", "paid_orders": 0, "device_id": "d-1"}, "item": {"id": "i-1", "category": "bags", "price": 1280, "seller_id": "s-4", "stock_age_days": 90}, "scores": {"fraud_risk": 0.01}}"#;

const ORDER: &str = r#"{"id": "o-1", "buyer_id": "u-1", "items": [{"id": "bag", "category": "bags", "price": 450, "seller_id": "s-4", "qty": 2}]}"#;

#[test]
fn a_return_answers_refuses_or_fails_with_its_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("events.jsonl"), format!("{EVENT}\n")).unwrap();
    std::fs::write(d.join("order.json"), ORDER).unwrap();
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let db = "sqlite:ledger.db";
    let out = mintage(
        d,
        &[
            "replay",
            rules.to_str().unwrap(),
            "--events",
            "events.jsonl",
            "--seed",
            "1",
            "--db",
            db,
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decision: Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = decision["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "hot_category")
        .map(|c| c["code"].as_str().unwrap().to_string())
        .unwrap();
    let at = "2026-11-11T12:00:00+08:00";
    let out = mintage(
        d,
        &[
            "redeem",
            "--db",
            db,
            "--code",
            &code,
            "--order",
            "order.json",
            "--at",
            at,
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // One of the two bags: half of the 10% on ¥900, by funder.
    let back = [
        "return",
        "--db",
        db,
        "--order",
        "o-1",
        "--return-id",
        "r-1",
        "--lines",
        "bag:1",
        "--at",
        at,
    ];
    let out = mintage(d, &back);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["clawback"], 45);
    assert_eq!(
        (answer["platform"].clone(), answer["seller"].clone()),
        (Value::from(31.5), Value::from(13.5))
    );
    assert_eq!(answer["refund"], 405);

    let out = mintage(
        d,
        &[
            "return",
            "--db",
            db,
            "--order",
            "o-1",
            "--return-id",
            "r-2",
            "--lines",
            "bag:2",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line `bag` has 1 of 2 units left to return, not 2 (over_return)"),
        "{err}"
    );

    let out = mintage(
        d,
        &[
            "return",
            "--db",
            db,
            "--order",
            "o-1",
            "--return-id",
            "r-2",
            "--lines",
            "bag:x",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("whole number of units"));
    let out = mintage(
        d,
        &["return", "--db", "mysql://x", "--order", "o-1", "--return-id", "r-2"],
    );
    assert_eq!(out.status.code(), Some(2));
}
