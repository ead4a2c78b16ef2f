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
