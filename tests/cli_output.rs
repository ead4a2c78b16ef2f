//! End-to-end tests of what the real binary prints: the graph in the rule language's
//! words, and decision times in their campaign's zone.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(root())
        .env_remove("MINTAGE_ZONE")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// The labels of a drawing: what is between `["` and `"]` (mermaid) or in `label="…"`.
fn labels(text: &str, open: &str, close: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            let start = l.find(open)? + open.len();
            let end = l.rfind(close)?;
            l.get(start..end).map(str::to_string)
        })
        .collect()
}

/// A Rust name leaking into a label: `UserPaidOrders`, `Score('fraud_risk')`, `Duration(…)`.
fn looks_like_rust(label: &str) -> bool {
    let camel =
        |w: &str| w.chars().skip(1).any(|c| c.is_ascii_uppercase()) && w.chars().any(|c| c.is_ascii_lowercase());
    let words = label.split(|c: char| !c.is_ascii_alphanumeric());
    let variant = |w: &str| w.starts_with(|c: char| c.is_ascii_uppercase()) && label.contains(&format!("{w}("));
    label.contains('\'') || words.clone().any(camel) || words.into_iter().any(variant)
}

#[test]
fn the_graph_speaks_the_rule_language() {
    let mermaid = stdout(&mintage(&["graph", "rules/", "--format", "mermaid"]));
    let dot = stdout(&mintage(&["graph", "rules/"]));
    let m = labels(&mermaid, "[\"", "\"]");
    let d = labels(&dot, "label=\"", "\"]");
    for want in [
        "user.paid_orders",
        "24h",
        "¥1000",
        "coupons_issued(24h)",
        "other_users_on_device(30d)",
    ] {
        assert!(m.iter().any(|l| l == want), "mermaid lacks `{want}`: {m:#?}");
        assert!(d.iter().any(|l| l == want), "dot lacks `{want}`: {d:#?}");
    }
    // Strings keep their double quotes, escaped as each format wants.
    assert!(
        m.iter().any(|l| l == "coupons_issued(30d, #quot;dormant_wakeup#quot;)"),
        "{m:#?}"
    );
    assert!(
        d.iter().any(|l| l == r#"coupons_issued(30d, \"dormant_wakeup\")"#),
        "{d:#?}"
    );
    assert!(m.iter().any(|l| l == "batch dormant_wakeup") && m.iter().any(|l| l == "segment price_sensitive"));
    for l in m.iter().chain(&d) {
        assert!(!looks_like_rust(l), "a Rust name in the drawing: `{l}`");
    }
}

const ZONES: &str = r#"
campaign east {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule ten {
    on view_item
    once per user
    give amount_off ¥10 valid 24h
  }
}

campaign west {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 America/New_York
  rule five {
    on view_item, add_to_cart
    once per user
    give amount_off ¥5 valid 24h
  }
  rule later {
    on app_open
    wait 1h
    once per user
    give amount_off ¥1 valid 24h
  }
}

campaign nowhere {
  window 2026-11-01 00:00 .. 2026-12-01 00:00
  rule welcome {
    on checkout_started
    once per user
    give amount_off ¥2 valid 24h
  }
}
"#;

fn event(kind: &str, id: &str, at: &str) -> String {
    format!(r#"{{"id":"{id}","type":"{kind}","at":"{at}","user":{{"id":"u-1","paid_orders":1,"device_id":"d-1"}}}}"#)
}

fn replay(
    events: &[String],
    extra: &[&str],
    env: Option<(&str, &str)>,
) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("zones.mint");
    std::fs::write(&rules, ZONES).unwrap();
    let file = dir.path().join("events.jsonl");
    std::fs::write(&file, events.join("\n")).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mintage"));
    cmd.args([
        "replay",
        rules.to_str().unwrap(),
        "--events",
        file.to_str().unwrap(),
        "--seed",
        "1",
    ])
    .args(extra)
    .env_remove("MINTAGE_ZONE");
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    let decisions = stdout(&o).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (
        o.status.code(),
        decisions,
        String::from_utf8_lossy(&o.stderr).to_string(),
    )
}

#[test]
fn decisions_print_times_in_their_campaigns_zone() {
    // Only `west` (New York) reacts to `add_to_cart`: the decision is written in its zone.
    let (_, d, err) = replay(&[event("add_to_cart", "e-1", "2026-11-02T10:00:00+08:00")], &[], None);
    assert_eq!(d.len(), 1, "{err}");
    assert_eq!(d[0]["at"], "2026-11-01T21:00:00-05:00");
    assert_eq!(d[0]["coupons"][0]["valid_until"], "2026-11-02T21:00:00-05:00");
    // Both react to `view_item`: each coupon in its campaign's zone, `at` in the first's.
    let (_, d, _) = replay(&[event("view_item", "e-2", "2026-11-02T10:00:00+08:00")], &[], None);
    let coupons = d[0]["coupons"].as_array().unwrap();
    assert_eq!(
        (coupons[0]["campaign"].as_str(), coupons[1]["campaign"].as_str()),
        (Some("east"), Some("west"))
    );
    assert_eq!(d[0]["at"], "2026-11-02T10:00:00+08:00");
    assert_eq!(coupons[0]["valid_from"], "2026-11-02T10:00:00+08:00");
    assert_eq!(coupons[1]["valid_from"], "2026-11-01T21:00:00-05:00");
    // A timer's decision, as before, in its campaign's zone.
    let (_, d, _) = replay(
        &[
            event("app_open", "e-3", "2026-11-02T10:00:00+08:00"),
            event("checkout_started", "e-4", "2026-11-02T12:00:00+08:00"),
        ],
        &[],
        None,
    );
    assert_eq!(
        (d[0]["trigger"].as_str(), d[0]["at"].as_str()),
        (Some("timer"), Some("2026-11-01T22:00:00-05:00"))
    );
}

#[test]
fn the_default_zone_is_a_setting() {
    // `nowhere` names no zone: its window and times are in the default zone. At
    // 02:00 in Shanghai on 1 November its window is open there, not yet in UTC.
    let early = [event("checkout_started", "e-1", "2026-11-01T02:00:00+08:00")];
    let (code, d, err) = replay(&early, &[], None);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(d[0]["coupons"][0]["valid_until"], "2026-11-02T02:00:00+08:00");
    let (_, d, _) = replay(&early, &["--zone", "UTC"], None);
    assert!(d.is_empty(), "the window opens at midnight UTC: {d:?}");
    let later = [event("checkout_started", "e-1", "2026-11-02T10:00:00+08:00")];
    let (_, d, _) = replay(&later, &["--zone", "UTC"], None);
    assert_eq!(d[0]["at"], "2026-11-02T02:00:00Z");
    let (_, d, _) = replay(&later, &[], Some(("MINTAGE_ZONE", "Europe/Berlin")));
    assert_eq!(d[0]["coupons"][0]["valid_from"], "2026-11-02T03:00:00+01:00");
    // A zone that does not exist is a usage error that says what to write.
    let (code, _, err) = replay(&later, &["--zone", "Asia/Shangai"], None);
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown time zone `Asia/Shangai`; did you mean `Asia/Shanghai`?"),
        "{err}"
    );
    let (code, _, err) = replay(&later, &[], Some(("MINTAGE_ZONE", "Mars/Olympus")));
    assert_eq!(code, Some(2));
    assert!(
        err.contains("unknown time zone `Mars/Olympus`") && err.contains("MINTAGE_ZONE"),
        "{err}"
    );
}

#[test]
fn fmt_rewrites_a_one_line_file_with_one_clause_per_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one_line.mint");
    let text = "campaign c { window 2026-11-01 .. 2026-12-01 # the month\n rule a { on view_item once per user give amount_off ¥10 valid 72h } }\n";
    std::fs::write(&p, text).unwrap();
    let path = p.to_str().unwrap();
    let o = mintage(&["fmt", "--check", path]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&p).unwrap(), text, "--check writes nothing");
    assert!(mintage(&["fmt", path]).status.success());
    let want = "campaign c {\n  window 2026-11-01 .. 2026-12-01 # the month\n  rule a {\n    on view_item\n    once per user\n    give amount_off ¥10 valid 72h\n  }\n}\n";
    assert_eq!(std::fs::read_to_string(&p).unwrap(), want);
    assert!(mintage(&["fmt", "--check", path]).status.success());
}

#[test]
fn fmt_help_says_it_rewrites_files_in_place() {
    for help in ["-h", "--help"] {
        let out = stdout(&mintage(&["fmt", help]));
        assert!(out.contains("in place"), "{out}");
        assert!(out.contains("--check") && out.contains("Write nothing"), "{out}");
    }
    assert!(stdout(&mintage(&["--help"])).contains("Rewrite rule files in place"));
}
