//! `mintage diff` end to end, on the real binary: the seed rules against changed copies of
//! them, over the public scenarios' events; bad lines and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// A copy of `rules/` in its own folder, with `from` replaced by `to` in the ladder.
fn changed_rules(name: &str, from: &str, to: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-diff-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = if path.ends_with("new_user_ladder.mint") {
            assert!(text.contains(from), "{from}");
            text.replace(from, to)
        } else {
            text
        };
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

fn json_diff(new: &Path, events: &str, extra: &[&str]) -> (Value, Output) {
    let mut args = vec![
        "diff",
        "rules/",
        new.to_str().unwrap(),
        "--events",
        events,
        "--format",
        "json",
    ];
    args.extend(extra);
    let o = mintage(&args);
    let v = serde_json::from_slice(&o.stdout).unwrap_or(Value::Null);
    (v, o)
}

fn rule<'a>(v: &'a Value, campaign: &str, rule: &str) -> &'a Value {
    let c = v["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["campaign"] == campaign)
        .unwrap();
    c["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == rule)
        .unwrap()
}

const WELCOME: &str = "tests/stories/ladder_welcome_then_nudge/events.jsonl";
const ARMS: &str = "tests/stories/ladder_experiment_arms/events.jsonl";

#[test]
fn the_same_rules_change_nothing() {
    let (v, o) = json_diff(Path::new("rules/"), WELCOME, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(v["differing_events"], 0);
    assert_eq!(v["users_affected"], 0);
    assert_eq!(v["before"], v["after"]);
    assert_eq!(v["first_differences"], Value::Array(vec![]));
}

#[test]
fn a_bigger_coupon_is_one_removed_and_one_added() {
    let new = changed_rules(
        "bigger",
        "give amount_off ¥10 valid 72h",
        "give amount_off ¥15 valid 72h",
    );
    let (v, o) = json_diff(&new, WELCOME, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        (v["events"].as_u64(), v["differing_events"].as_u64()),
        (Some(4), Some(1))
    );
    assert_eq!(v["users_affected"], 1);
    assert_eq!(
        (v["before"]["face_value"].as_i64(), v["after"]["face_value"].as_i64()),
        (Some(40), Some(45))
    );
    let welcome = rule(&v, "new_user_ladder", "welcome");
    assert_eq!(
        (welcome["added"].as_u64(), welcome["removed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        (
            welcome["face_value_added"].as_i64(),
            welcome["face_value_removed"].as_i64()
        ),
        (Some(15), Some(10))
    );
    let first = &v["first_differences"][0];
    assert_eq!(
        (first["line"].as_u64(), &first["event_id"]),
        (Some(1), &Value::from("lad-1"))
    );
    assert_eq!(first["before"][0]["coupons"][0]["amount"], 10);
    assert_eq!(first["after"][0]["coupons"][0]["amount"], 15);
}

#[test]
fn a_narrower_rule_removes_coupons_and_limit_caps_the_examples() {
    let new = changed_rules(
        "narrower",
        "rule flat_welcome in flat {\n    on view_item\n",
        "rule flat_welcome in flat {\n    on view_item\n    when item.price >= ¥1000\n",
    );
    let (v, o) = json_diff(&new, ARMS, &["--limit", "0"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let flat = rule(&v, "new_user_ladder", "flat_welcome");
    assert_eq!(
        (flat["before"]["coupons"].as_u64(), flat["after"]["coupons"].as_u64()),
        (Some(1), Some(0))
    );
    assert_eq!((flat["added"].as_u64(), flat["removed"].as_u64()), (Some(0), Some(1)));
    assert_eq!(v["users_affected"], 1);
    assert_eq!(v["first_differences"], Value::Array(vec![]));
    let text = mintage(&["diff", "rules/", new.to_str().unwrap(), "--events", ARMS]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("rule flat_welcome: 1 → 0 coupons (+0 added, −1 removed"),
        "{text}"
    );
    assert!(
        text.contains("line 2, event lad-2 (user u-bob):") && text.contains("after: nothing"),
        "{text}"
    );
}

#[test]
fn bad_lines_are_skipped_and_exit_3_after_the_report() {
    let dir = std::env::temp_dir().join(format!("mintage-diff-{}-bad", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let events = dir.join("events.jsonl");
    let good = std::fs::read_to_string(root().join(WELCOME)).unwrap();
    std::fs::write(&events, format!("{{\"type\": 1}}\n{good}not json\n")).unwrap();
    let (v, o) = json_diff(Path::new("rules/"), events.to_str().unwrap(), &[]);
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(v["events"], 4);
    let err = stderr(&o);
    assert!(
        err.contains("events.jsonl:1: skipped:") && err.contains("events.jsonl:6: skipped:"),
        "{err}"
    );
    assert!(err.contains("2 line(s) skipped"), "{err}");
}

#[test]
fn bad_rules_and_missing_files_are_errors() {
    let dir = std::env::temp_dir().join(format!("mintage-diff-{}-broken", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("broken.mint"),
        "campaign c {\n  audience user.paid_order == 0\n}\n",
    )
    .unwrap();
    let o = mintage(&["diff", "rules/", dir.to_str().unwrap(), "--events", WELCOME]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("E002"), "{}", stderr(&o));
    let o = mintage(&["diff", "rules/", "rules/", "--events", "no/such.jsonl"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("cannot read `no/such.jsonl`"), "{}", stderr(&o));
    let o = mintage(&["diff", "rules/"]);
    assert_eq!(o.status.code(), Some(2));
    let o = mintage(&["diff", "rules/", "no/such/rules", "--events", WELCOME]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}
