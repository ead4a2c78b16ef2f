//! A batch segment's coupon carries every term its offer wrote, exactly as an event
//! rule's coupon of the same offer does: `mintage run` against `mintage replay`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap()
}

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-batch-terms-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The same three offers, given by event rules and by batch segments (the first as a
/// menu the model resolves to 10 %). Validities are durations: a batch campaign has no
/// window to end with.
const RULES: &str = r#"
campaign live {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  funding platform 70% seller 30% for category coupons
  rule sneakers {
    on view_item
    when user.ltv_tier == "high"
    once per user
    give percent_off 10% cap ¥100 min_spend ¥300 for "sneakers" valid 7d
  }
  rule care {
    on view_item
    when user.ltv_tier == "mid"
    once per user
    give gift care_kit worth ¥30 min_spend ¥500 for ["bags", "watches"] for seller "s-8848" valid 3d
      funded platform 40% seller 60%
  }
  rule own {
    on view_item
    when user.ltv_tier == "low"
    once per user
    give amount_off ¥20 min_spend ¥200 for seller "s-8848" valid 2d
  }
}

campaign wave {
  batch
  budget ¥10_000 expected cost
  funding platform 70% seller 30% for category coupons
  segment sneakers when user.ltv_tier == "high" {
    give percent_off one of 20%, 10% cap ¥100 min_spend ¥300 for "sneakers" valid 7d
  }
  segment care when user.ltv_tier == "mid" {
    give gift care_kit worth ¥30 min_spend ¥500 for ["bags", "watches"] for seller "s-8848" valid 3d
      funded platform 40% seller 60%
  }
  segment own {
    give amount_off ¥20 min_spend ¥200 for seller "s-8848" valid 2d
  }
  model {
    cost = 0.5 * offer.face_value
    gain = if offer.kind == "percent_off" then (if offer.percent > 15% then ¥1 else ¥10) else ¥10
  }
  maximize gain
}
"#;

/// Every term of a coupon: what is not the code, the issuing rule or the moment.
fn terms(c: &Value) -> Value {
    let mut t = c.clone();
    let m = t.as_object_mut().unwrap();
    for k in [
        "code",
        "campaign",
        "rule",
        "valid_from",
        "valid_until",
        "expected_cost",
        "expected_gain",
        "segment",
        // Which option of a menu: the batch side's first offer is a menu, the event's not.
        "option",
    ] {
        m.remove(k);
    }
    let from = mintage::value::parse_time(c["valid_from"].as_str().unwrap()).unwrap();
    let until = mintage::value::parse_time(c["valid_until"].as_str().unwrap()).unwrap();
    m.insert("valid_for_ms".into(), Value::from(until - from));
    t
}

fn by_user(stdout: &[u8]) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .flat_map(|d| {
            let user = d["user_id"].as_str().unwrap().to_string();
            d["coupons"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| (user.clone(), terms(c)))
                .collect::<Vec<_>>()
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn batch_coupons_carry_every_term_event_coupons_do() {
    let rules = temp("terms.mint", RULES);
    let rules = rules.to_str().unwrap();
    let users = [("u-high", "high"), ("u-mid", "mid"), ("u-low", "low")];
    let table: String = users
        .iter()
        .map(|(id, tier)| format!("{{\"id\":\"{id}\",\"ltv_tier\":\"{tier}\",\"avg_order_value\":500}}\n"))
        .collect();
    let events: String = users
        .iter()
        .enumerate()
        .map(|(i, (id, tier))| {
            format!(
                "{{\"id\":\"e-{i}\",\"type\":\"view_item\",\"at\":\"2026-11-02T10:00:00+08:00\",\"user\":{{\"id\":\"{id}\",\"ltv_tier\":\"{tier}\"}},\"item\":{{\"id\":\"i-1\",\"category\":\"sneakers\",\"price\":900,\"seller_id\":\"s-8848\"}}}}\n"
            )
        })
        .collect();
    let table = temp("users.jsonl", &table);
    let events = temp("events.jsonl", &events);
    let run = mintage(&[
        "run",
        rules,
        "--campaign",
        "wave",
        "--users",
        table.to_str().unwrap(),
        "--now",
        "2026-11-02T10:00:00+08:00",
        "--seed",
        "1",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", String::from_utf8_lossy(&run.stderr));
    let replay = mintage(&["replay", rules, "--events", events.to_str().unwrap(), "--seed", "1"]);
    assert_eq!(
        replay.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let (batch, live) = (by_user(&run.stdout), by_user(&replay.stdout));
    assert_eq!(batch.len(), 3, "{batch:#?}");
    assert_eq!(batch, live, "batch coupons (left) and event coupons (right) differ");
    // Not equal by both being empty: the scopes are there.
    let scope = |user: &str| batch.iter().find(|(u, _)| u == user).unwrap().1.clone();
    assert_eq!(scope("u-high")["categories"], serde_json::json!(["sneakers"]));
    assert_eq!(scope("u-high")["percent"], 10);
    assert_eq!(scope("u-mid")["seller"], "s-8848");
    assert_eq!(
        scope("u-low")["funding"],
        serde_json::json!({"platform": 0, "seller": 100})
    );
}
