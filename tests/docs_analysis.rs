//! `docs/analysis.md` is run: its worked example (the ```mint campaign, the ```jsonl
//! outcomes) is analysed and must give the page's ```json report and ```text report
//! blocks; its `mintage diff` example is run on the real binary and must print the page's
//! ```text diff block.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::analysis::outcomes::Exposed;
use mintage::analysis::{Design, Options, Outcomes, analyze, text};
use mintage::check::{CheckOptions, check};
use mintage::syntax::Sources;
use mintage::value::{fen_from_yuan, parse_time};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn page() -> String {
    std::fs::read_to_string(root().join("docs/analysis.md")).unwrap()
}

/// The body of the one fenced block whose info string is `tag`.
fn block(page: &str, tag: &str) -> String {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    for line in page.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(t)) if t == tag => current = Some(String::new()),
            (Some(_), Some("")) => found.extend(current.take()),
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    assert_eq!(found.len(), 1, "one ```{tag} block in docs/analysis.md");
    found.remove(0)
}

fn fen(v: &Value) -> i64 {
    fen_from_yuan(v.as_f64().unwrap()).unwrap()
}

fn outcomes(jsonl: &str) -> Outcomes {
    let mut b = Outcomes::builder();
    for line in jsonl.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let (kind, r) = v.as_object().unwrap().iter().next().unwrap();
        let s = |k: &str| r[k].as_str().unwrap();
        match kind.as_str() {
            "expose" => {
                b.expose(Exposed {
                    campaign: "welcome_test",
                    experiment: "welcome_v1",
                    arm: s("arm"),
                    user: s("user"),
                    at: parse_time(s("at")).unwrap(),
                    total_spend: fen(&r["total_spend"]),
                    fields: &[],
                });
            }
            "order" => {
                b.order(s("id"), s("user"), parse_time(s("at")).unwrap(), fen(&r["total"]));
            }
            "issued" => {
                b.issued(
                    "welcome_test",
                    Some(s("arm")),
                    s("user"),
                    s("code"),
                    fen(&r["face_value"]),
                );
            }
            "redeemed" => {
                b.redeemed(s("code"), r.get("discount").map(fen));
            }
            other => panic!("unknown record `{other}`"),
        }
    }
    b.build()
}

/// Equal, numbers to 1e-12 relative (the page prints them as serde_json does).
fn same(got: &Value, want: &Value, at: &str) {
    match (got, want) {
        (Value::Number(g), Value::Number(w)) => {
            let (g, w) = (g.as_f64().unwrap(), w.as_f64().unwrap());
            assert!(
                (g - w).abs() <= 1e-12 * w.abs().max(1.0),
                "{at}: got {g}, page says {w}"
            );
        }
        (Value::Object(g), Value::Object(w)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(g), keys(w), "{at}: keys");
            for (k, v) in w {
                same(&g[k], v, &format!("{at}.{k}"));
            }
        }
        (Value::Array(g), Value::Array(w)) => {
            assert_eq!(g.len(), w.len(), "{at}: length");
            for (i, (g, w)) in g.iter().zip(w).enumerate() {
                same(g, w, &format!("{at}[{i}]"));
            }
        }
        _ => assert_eq!(got, want, "{at}"),
    }
}

#[test]
fn the_worked_example_is_what_analyze_computes() {
    let page = page();
    let mut sources = Sources::default();
    sources.add("analysis.md".to_string(), block(&page, "mint"));
    let checked = check(sources, &CheckOptions::default());
    let design = Design::of(checked.program.as_ref().unwrap(), None).unwrap();
    let report = analyze(&outcomes(&block(&page, "jsonl")), &design, &Options::default()).unwrap();
    let got = serde_json::to_value(&report).unwrap();
    if std::env::var_os("MINTAGE_PRINT_DOCS").is_some() {
        println!(
            "{}\n{}",
            serde_json::to_string_pretty(&got).unwrap(),
            text::render(&report)
        );
    }
    let want: Value = serde_json::from_str(&block(&page, "json report")).unwrap();
    same(&got, &want, "report");
    assert_eq!(text::render(&report), block(&page, "text report"));
}

#[test]
fn the_diff_example_prints_what_the_page_says() {
    let page = page();
    let dir = std::env::temp_dir().join(format!("mintage-docs-diff-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(root().join("rules")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text.replace("give amount_off ¥10 valid 72h", "give amount_off ¥15 valid 72h");
        std::fs::write(dir.join(path.file_name().unwrap()), text).unwrap();
    }
    let events = Path::new("tests/stories/ladder_welcome_then_nudge/events.jsonl");
    let o = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args([
            "diff",
            "rules/",
            dir.to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
        ])
        .args(["--limit", "1"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success());
    let printed = String::from_utf8_lossy(&o.stdout);
    assert_eq!(printed, block(&page, "text diff"));
}

#[test]
fn the_analyze_example_prints_what_the_page_says() {
    let page = page();
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, block(&page, "jsonl analyze")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["analyze", "rules/", "--events", events.to_str().unwrap()])
        .args(["--seed", "1", "--baseline", "ladder"])
        .current_dir(root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(String::from_utf8_lossy(&o.stdout), block(&page, "text analyze"));
}
