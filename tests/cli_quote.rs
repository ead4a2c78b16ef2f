//! `mintage quote` on a SQLite ledger seeded by `mintage replay --db`: the wallet quoted
//! as JSON and as text, typed codes the buyer cannot use answered with their reason, and
//! bad input refused with exit code 2 and a message naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
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

fn view(id: &str, at: &str, user: &str, stock_age_days: u32) -> String {
    serde_json::json!({
        "id": id, "type": "view_item", "at": at,
        "user": {"id": user, "registered_at": "2026-11-05T09:00:00+08:00", "paid_orders": 0, "device_id": format!("d-{user}")},
        "item": {"id": "i-1", "category": "bags", "price": 1280, "seller_id": "s-4", "stock_age_days": stock_age_days},
        "scores": {"fraud_risk": 0.01},
    })
    .to_string()
}

/// A ledger in a fresh folder with Singles' Day coupons for `u-1` and `u-2`; the folder,
/// the ledger's URL, and each user's coupons as (rule, code).
struct Seeded {
    dir: tempfile::TempDir,
    db: String,
    coupons: Vec<(String, String, String)>,
}

impl Seeded {
    fn new() -> Seeded {
        let dir = tempfile::tempdir().unwrap();
        let db = format!("sqlite:{}", dir.path().join("ledger.db").display());
        let events = dir.path().join("events.jsonl");
        let lines = [
            view("e-1", "2026-11-11T10:00:00+08:00", "u-1", 90),
            view("e-2", "2026-11-11T10:05:00+08:00", "u-2", 10),
        ];
        std::fs::write(&events, lines.join("\n") + "\n").unwrap();
        let rules = root().join("rules");
        let out = mintage(
            dir.path(),
            &[
                "replay",
                rules.to_str().unwrap(),
                "--events",
                events.to_str().unwrap(),
                "--seed",
                "1",
                "--db",
                &db,
            ],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let mut coupons = Vec::new();
        for line in String::from_utf8(out.stdout).unwrap().lines() {
            let decision: Value = serde_json::from_str(line).unwrap();
            for c in decision["coupons"].as_array().unwrap() {
                let field = |k: &str| c[k].as_str().unwrap().to_string();
                coupons.push((
                    decision["user_id"].as_str().unwrap().into(),
                    field("rule"),
                    field("code"),
                ));
            }
        }
        Seeded { dir, db, coupons }
    }

    fn code(&self, user: &str, rule: &str) -> String {
        self.coupons
            .iter()
            .find(|(u, r, _)| u == user && r == rule)
            .map(|(_, _, c)| c.clone())
            .unwrap_or_else(|| panic!("no {rule} coupon for {user}: {:?}", self.coupons))
    }

    fn order(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn quote(&self, order: &Path, extra: &[&str]) -> Output {
        let mut args = vec!["quote", "--db", &self.db, "--order", order.to_str().unwrap()];
        args.extend(extra);
        mintage(self.dir.path(), &args)
    }
}

const ORDER: &str = r#"{"id": "o-1", "buyer_id": "u-1", "shipping": 10,
 "lines": [{"id": "bag", "category": "bags", "price": 450, "seller_id": "s-4"},
           {"id": "shoes", "category": "shoes", "price": 120, "seller_id": "s-2", "on_sale": true}]}"#;
const NOON: &str = "2026-11-11T12:00:00+08:00";

fn json(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_wallet_is_quoted_as_json_and_as_text() {
    let s = Seeded::new();
    let order = s.order("order.json", ORDER);
    let answer = json(&s.quote(&order, &["--at", NOON]));
    assert_eq!(answer["at"], "2026-11-11T04:00:00Z");
    assert_eq!(answer["discount"], 105);
    assert_eq!(answer["total"], 475);
    let chosen: Vec<&str> = answer["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["rule"].as_str().unwrap())
        .collect();
    assert_eq!(chosen, ["hot_category", "welcome", "base"]);
    let bags = &answer["coupons"][0];
    assert_eq!(bags["discount"], 45);
    assert_eq!(
        bags["funding"],
        serde_json::json!({"platform": 31.5, "seller": 13.5, "sellers": [{"seller_id": "s-4", "amount": 13.5}]})
    );
    assert_eq!(answer["not_chosen"][0]["code"], s.code("u-1", "overstock").as_str());
    assert_eq!(answer["not_chosen"][0]["reason"], "min_spend");

    // From standard input, as text: the same quote.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["quote", "--db", &s.db, "--order", "-", "--at", NOON, "--format", "text"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(&mut child.stdin.take().unwrap(), ORDER.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "order o-1: ¥570 + shipping ¥10, ¥105 off, pays ¥475 (at 2026-11-11T04:00:00Z)"
    );
    let base = s.code("u-1", "base");
    assert!(
        text.contains(&format!(
            "  {base} double11.base threshold: ¥50 off\n    lines: bag ¥38.57, shoes ¥11.43\n"
        )),
        "{text}"
    );
    assert!(text.contains("  shoes: ¥120 - ¥13.72 = ¥106.28 ("), "{text}");
    assert!(text.contains("not chosen:\n"), "{text}");
}

#[test]
fn codes_the_buyer_cannot_use_are_answered_not_refused() {
    let s = Seeded::new();
    let order = s.order("order.json", ORDER);
    let welcome = s.code("u-1", "welcome");
    let base = s.code("u-1", "base");
    let others = s.code("u-2", "base");
    // A code with a right check character that no coupon has.
    let unknown = mintage::runtime::codes::CodeMinter::seeded(424_242).mint();
    assert!(s.coupons.iter().all(|(_, _, c)| *c != unknown));
    let codes = [welcome.to_lowercase(), base.clone(), others.clone(), unknown.clone()].join(",");
    // Two days later: the welcome coupon is still valid, Singles' Day's have ended.
    let answer = json(&s.quote(&order, &["--codes", &codes, "--at", "2026-11-13T12:00:00+08:00"]));
    assert_eq!(answer["coupons"][0]["code"], welcome.as_str());
    assert_eq!(answer["coupons"].as_array().unwrap().len(), 1);
    let mut reasons: Vec<(String, String)> = answer["not_chosen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["code"].as_str().unwrap().into(), n["reason"].as_str().unwrap().into()))
        .collect();
    reasons.sort();
    let mut want = vec![
        (base, "expired".to_string()),
        (others, "not_owner".into()),
        (unknown, "unknown_code".into()),
    ];
    want.sort();
    assert_eq!(reasons, want);
}

/// Exit code 2 and the message on stderr, nothing on stdout.
fn refused(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr.clone()).unwrap()
}

#[test]
fn bad_input_is_explained_with_exit_code_2() {
    let s = Seeded::new();
    for (text, wanted) in [
        ("{\"id\": \"o-1\"", "`bad.json`"),
        (
            r#"{"id": "o-1", "buyer_id": "u-1", "lines": [{"id": "l", "price": 1.005}]}"#,
            "`bad.json` at `lines[0].price`",
        ),
        (
            r#"{"id": "o-1", "buyer_id": "u-1", "lines": [{"id": "l", "price": 1, "quantity": 2}]}"#,
            "`bad.json` at `lines[0].quantity`",
        ),
        (
            r#"{"id": "o-1", "buyer_id": "u-1", "lines": [{"id": "l", "price": 1}, {"id": "l", "price": 2}]}"#,
            "`bad.json` at `lines[1].id`: another line has the id `l`",
        ),
        (
            r#"{"id": "o-1", "buyer_id": "u-1", "lines": []}"#,
            "`bad.json` at `lines`",
        ),
    ] {
        let order = s.order("bad.json", text);
        let message = refused(&s.quote(&order, &[]));
        let wanted = wanted.replace("`bad.json`", &format!("`{}`", order.display()));
        assert!(message.starts_with(&format!("error: {wanted}")), "{text}: {message}");
        assert!(message.contains("help: the order is `{"), "{message}");
    }
    let order = s.order("order.json", ORDER);
    let message = refused(&s.quote(&order, &["--at", "yesterday"]));
    assert!(message.starts_with("error: `--at`: `yesterday` is not"), "{message}");
    assert!(!message.contains("help"), "{message}");
    let message = refused(&s.quote(&order, &["--codes", "A,,B"]));
    assert!(message.starts_with("error: `--codes`: the code is empty"), "{message}");
    let message = refused(&s.quote(&s.dir.path().join("missing.json"), &[]));
    assert!(message.starts_with("error: cannot read `"), "{message}");
}
