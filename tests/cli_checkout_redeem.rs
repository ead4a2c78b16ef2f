//! `mintage redeem --codes A,B --order ORDER.json` on a SQLite ledger seeded by `mintage
//! replay --db`: every code of a checkout order held together with the checkout
//! engine's split (exit 0), none held when one is refused (exit 1, each code's reason),
//! bad input refused with exit 2; then the reservation committed and the audit clean.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn mintage(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("mintage runs")
}

const EVENT: &str = r#"{"id": "e-1", "type": "view_item", "at": "2026-11-11T10:00:00+08:00",
 "user": {"id": "u-1", "registered_at": "2026-11-05T09:00:00+08:00", "paid_orders": 0, "device_id": "d-1"},
 "item": {"id": "i-1", "category": "bags", "price": 1280, "seller_id": "s-4", "stock_age_days": 90},
 "scores": {"fraud_risk": 0.01}}"#;

const ORDER: &str = r#"{"id": "o-1", "buyer_id": "u-1", "shipping": 10,
 "lines": [{"id": "bag", "category": "bags", "price": 450, "seller_id": "s-4"},
           {"id": "shoes", "category": "shoes", "price": 120, "seller_id": "s-2", "on_sale": true}]}"#;
const NOON: &str = "2026-11-11T12:00:00+08:00";

/// u-1's coupons as (rule, code), from a replay into the ledger `db` in `dir`.
fn seed(dir: &Path, db: &str) -> Vec<(String, String)> {
    let events = dir.join("events.jsonl");
    std::fs::write(&events, EVENT.replace('\n', "") + "\n").unwrap();
    let rules = root().join("rules");
    let args = [
        "replay",
        rules.to_str().unwrap(),
        "--events",
        events.to_str().unwrap(),
        "--seed",
        "1",
        "--db",
        db,
    ];
    let out = mintage(dir, &args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let decision: Value = serde_json::from_slice(&out.stdout).unwrap();
    decision["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["rule"].as_str().unwrap().into(), c["code"].as_str().unwrap().into()))
        .collect()
}

fn answer(out: &Output, exit: i32) -> Value {
    assert_eq!(
        out.status.code(),
        Some(exit),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_codes_of_an_order_are_held_together_or_not_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let coupons = seed(dir.path(), &db);
    let code = |rule: &str| {
        coupons
            .iter()
            .find(|(r, _)| r == rule)
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| panic!("no {rule} coupon: {coupons:?}"))
    };
    let order = dir.path().join("order.json");
    std::fs::write(&order, ORDER).unwrap();
    let order = order.to_str().unwrap();
    let redeem = |codes: &str, extra: &[&str]| {
        let mut args = vec!["redeem", "--db", &db, "--codes", codes, "--order", order, "--at", NOON];
        args.extend(extra);
        mintage(dir.path(), &args)
    };

    // The combination a quote chooses, reserved together: ¥105 off.
    let three = [code("hot_category"), code("welcome"), code("base")].join(",");
    let held = answer(&redeem(&three, &["--reserve"]), 0);
    assert_eq!(held["accepted"], true, "{held}");
    assert_eq!(held["status"], "reserved");
    assert_eq!(held["discount"], 105);
    let bags = &held["codes"][0];
    assert_eq!(bags["code"], code("hot_category").as_str());
    assert_eq!(bags["settlement"]["discount"], 45);
    assert_eq!(bags["settlement"]["seller"], 13.5);

    // A code the quote leaves out (`overstock` needs a larger spend): nothing is held.
    let other = ORDER.replace("\"o-1\"", "\"o-2\"");
    let other_path = dir.path().join("other.json");
    std::fs::write(&other_path, other).unwrap();
    let args = [
        "redeem",
        "--db",
        &db,
        "--codes",
        &code("overstock"),
        "--order",
        other_path.to_str().unwrap(),
        "--at",
        NOON,
    ];
    let refused = answer(&mintage(dir.path(), &args), 1);
    assert_eq!(refused["accepted"], false, "{refused}");
    assert_eq!(refused["codes"][0]["reason"], "min_spend", "{refused}");
    let again = answer(&redeem(&format!("{},{}", code("overstock"), code("overstock")), &[]), 1);
    assert_eq!(again["codes"][1]["reason"], "duplicate_code", "{again}");

    // Bad input: exit 2 and a message naming it.
    let empty = redeem("", &[]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&empty.stderr).contains("`--codes`"),
        "{empty:?}"
    );

    // Paid: the reservation is committed, and the sums agree.
    let paid = answer(&mintage(dir.path(), &["redeem", "--db", &db, "--commit", "o-1"]), 0);
    let statuses: Vec<&str> = paid["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["redeemed", "redeemed", "redeemed"], "{paid}");
    let rules = root().join("rules");
    let audit = mintage(dir.path(), &["audit", rules.to_str().unwrap(), "--db", &db]);
    assert_eq!(
        audit.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&audit.stdout)
    );
}
