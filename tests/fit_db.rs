//! `mintage fit --db`: an event rule explores (`random offer`) through `replay --db`, the
//! orders that follow are replayed into the same ledger, and the fit from the ledger is
//! the fit from the files the replay printed (the same decisions, the users as their
//! events carried them, the same orders), on SQLite and PostgreSQL. The ledger keeps
//! what the model reads at exposure, the event's `scores` included.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Output};

const RULES: &str = r#"campaign wake {
  window 2026-11-01 .. 2026-12-31 Asia/Shanghai
  experiment depth by user.id measure 14d {
    arm holdout 20% holds out
    arm explore 80% random offer
  }

  rule welcome {
    on view_item
    once per user
    give percent_off one of 10%, 20%, 30% cap ¥100 valid 7d
  }
}
"#;

const USERS: u64 = 3000;

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .output()
        .expect("mintage runs")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A deterministic unit number from `i` and a salt.
fn unit(i: u64, salt: u64) -> f64 {
    let mut z = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ salt.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

fn user(i: u64) -> Value {
    json!({
        "id": format!("u-{i}"),
        "registered_at": "2025-01-01T00:00:00+08:00",
        "paid_orders": 1 + i % 7,
        "total_spend": 100 + (i % 13) * 40,
        "avg_order_value": 80 + (i % 11) * 10,
        "last_order_at": "2026-06-01T00:00:00+08:00",
    })
}

/// Each user's view (their scores beside the user, as events carry them).
fn views(dir: &Path) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..USERS {
        let e = json!({
            "id": format!("v-{i}"), "type": "view_item",
            "at": format!("2026-11-02T{:02}:{:02}:00+08:00", 8 + i / 600, (i / 10) % 60),
            "user": user(i),
            "scores": {"price_sensitivity": (unit(i, 1) * 1000.0).round() / 1000.0},
        });
        text.push_str(&format!("{e}\n"));
    }
    let path = dir.join("views.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

/// The users' orders in the week after their view: more likely with a deeper coupon, the
/// more so the more price sensitive; an order with a coupon lists its code.
fn orders(dir: &Path, decisions: &str) -> std::path::PathBuf {
    let mut text = String::new();
    for (n, line) in decisions.lines().enumerate() {
        let d: Value = serde_json::from_str(line).unwrap();
        let i: u64 = d["user_id"].as_str().unwrap().trim_start_matches("u-").parse().unwrap();
        let coupon = d["coupons"].as_array().unwrap().first().cloned();
        let depth = coupon.as_ref().map_or(0.0, |c| c["percent"].as_f64().unwrap() / 100.0);
        let ps = unit(i, 1);
        let z = -2.0 + depth * (1.0 + 6.0 * ps);
        if unit(i, 2) >= 1.0 / (1.0 + (-z).exp()) {
            continue;
        }
        let price = 80.0 + (i % 11) as f64 * 10.0;
        let (total, codes) = match &coupon {
            Some(c) => (price * (1.0 - depth), vec![c["code"].clone()]),
            None => (price, vec![]),
        };
        let e = json!({
            "id": format!("o-{n}"), "type": "order_paid",
            "at": format!("2026-11-{:02}T12:00:00+08:00", 3 + i % 6),
            "user": {"id": format!("u-{i}")},
            "order": {"id": format!("o-{n}"), "total": (total * 100.0).round() / 100.0, "coupons": codes},
        });
        text.push_str(&format!("{e}\n"));
    }
    let path = dir.join("orders.jsonl");
    std::fs::write(&path, text).unwrap();
    path
}

fn model(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Explores into the ledger `db`, fits from it and from the files; returns both models.
fn both(dir: &Path, db: &str) -> (Value, Value) {
    let rules = dir.join("wake.mint");
    std::fs::write(&rules, RULES).unwrap();
    let rules = rules.to_str().unwrap();
    let views = views(dir);
    let decisions = ok(&mintage(&[
        "replay",
        rules,
        "--events",
        views.to_str().unwrap(),
        "--db",
        db,
    ]));
    let orders = orders(dir, &decisions);
    ok(&mintage(&[
        "replay",
        rules,
        "--events",
        orders.to_str().unwrap(),
        "--db",
        db,
    ]));
    let decisions_file = dir.join("decisions.jsonl");
    std::fs::write(&decisions_file, &decisions).unwrap();
    let users_file = dir.join("users.jsonl");
    let users: String = (0..USERS)
        .map(|i| {
            let mut u = user(i);
            u["scores"] = json!({"price_sensitivity": (unit(i, 1) * 1000.0).round() / 1000.0});
            format!("{u}\n")
        })
        .collect();
    std::fs::write(&users_file, users).unwrap();
    let from_db = dir.join("db.json");
    let from_files = dir.join("files.json");
    let common = ["fit", rules, "--campaign", "wake", "--format", "json", "--out"];
    let mut args = common.to_vec();
    args.extend([from_db.to_str().unwrap(), "--db", db]);
    ok(&mintage(&args));
    let mut args = common.to_vec();
    args.extend([
        from_files.to_str().unwrap(),
        "--decisions",
        decisions_file.to_str().unwrap(),
        "--users",
        users_file.to_str().unwrap(),
        "--orders",
        orders.to_str().unwrap(),
    ]);
    ok(&mintage(&args));
    (model(&from_db), model(&from_files))
}

fn assert_same_fit(db: &Value, files: &Value) {
    for key in ["random", "holdout", "skipped", "orders", "ordered", "train", "test"] {
        assert_eq!(db["fitted_on"][key], files["fitted_on"][key], "{key}");
    }
    // The ledger also holds the (empty) decisions of the order events.
    let count = |m: &Value, k: &str| m["fitted_on"][k].as_u64().unwrap();
    assert_eq!(
        count(db, "decisions"),
        count(files, "decisions") + count(files, "orders")
    );
    assert!(
        db["fitted_on"]["random"].as_u64().unwrap() > 2000,
        "{}",
        db["fitted_on"]
    );
    assert!(
        db["fitted_on"]["holdout"].as_u64().unwrap() > 400,
        "{}",
        db["fitted_on"]
    );
    // The same columns (their means and spreads summed in another order).
    let (a, b) = (db["columns"].as_array().unwrap(), files["columns"].as_array().unwrap());
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert_eq!((&x["column"], &x["source"]), (&y["column"], &y["source"]));
        for k in ["mean", "sd"] {
            let (x, y) = (x[k].as_f64().unwrap_or(0.0), y[k].as_f64().unwrap_or(0.0));
            assert!((x - y).abs() <= 1e-9 * x.abs().max(1.0), "{k}: {x} vs {y}");
        }
    }
    assert!(
        db["columns"].to_string().contains("scores.price_sensitivity"),
        "the event's scores reach the model: {}",
        db["columns"]
    );
    for part in ["order", "value"] {
        let (a, b) = (db[part].as_array().unwrap(), files[part].as_array().unwrap());
        assert_eq!(a.len(), b.len(), "{part}");
        for (x, y) in a.iter().zip(b) {
            assert_eq!(x["name"], y["name"]);
            let (x, y) = (x["value"].as_f64().unwrap(), y["value"].as_f64().unwrap());
            assert!((x - y).abs() < 1e-6, "{part}: {x} vs {y}");
        }
    }
    // The uplift grows with price sensitivity, as the orders were drawn.
    let slope = db["order"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "depth*scores.price_sensitivity")
        .unwrap()["value"]
        .as_f64()
        .unwrap();
    assert!(slope > 0.0, "{slope}");
}

#[test]
fn a_fit_from_a_sqlite_ledger_is_the_fit_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let (db, files) = both(dir.path(), &db);
    assert_same_fit(&db, &files);
}

#[test]
fn a_fit_from_a_postgres_ledger_is_the_fit_from_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let pg = pg::TestDb::new();
    let (db, files) = both(dir.path(), &pg.url(""));
    assert_same_fit(&db, &files);
}

#[test]
fn files_and_a_ledger_do_not_mix() {
    let out = mintage(&[
        "fit",
        "examples/learning_loop/",
        "--campaign",
        "dormant_learn",
        "--db",
        "sqlite::memory:",
        "--users",
        "u.jsonl",
        "--out",
        "m.json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot be used with"));
}
