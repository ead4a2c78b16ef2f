//! Custom functions run sandboxed: a runaway loop is stopped by the operation limit (its
//! condition is then false), `eval` is not available, and Rhai errors are diagnostics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::Runtime;
use mintage::runtime::event::Event;
use std::sync::Arc;

fn campaign(function: &str) -> String {
    format!(
        "{function}\n\ncampaign c {{\n  window 2026-11-01 .. 2026-12-01\n  rule r {{\n    on view_item\n    when f(item.price) > 1\n    once per user\n    give amount_off ¥1 valid 1h\n  }}\n}}\n"
    )
}

fn view() -> Event {
    Event::from_json(r#"{"id":"e","type":"view_item","at":"2026-11-02T10:00:00+08:00","user":{"id":"u"},"item":{"id":"i","category":"bags","price":500}}"#).unwrap()
}

#[test]
fn a_working_function_decides() {
    let rules = mintage::load_str("f.mint", &campaign("function f(p: money) -> number {\n  p / 100.0\n}")).unwrap();
    let mut rt = Runtime::new(Arc::new(rules), CodeMinter::seeded(1));
    assert_eq!(rt.decide(&view()).coupons.len(), 1);
}

#[test]
fn a_runaway_function_is_stopped_and_its_condition_is_false() {
    let rules = mintage::load_str(
        "f.mint",
        &campaign("function f(p: money) -> number {\n  loop { p += 1.0; }\n  p\n}"),
    )
    .unwrap();
    let mut rt = Runtime::new(Arc::new(rules), CodeMinter::seeded(1));
    // The call returns (the operation limit ended the loop) and the rule does not match.
    assert!(rt.decide(&view()).coupons.is_empty());
}

#[test]
fn eval_is_not_available_and_errors_are_diagnostics() {
    let err = mintage::load_str(
        "f.mint",
        &campaign("function f(p: money) -> number {\n  eval(\"1 + 1\")\n}"),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("E011") && text.contains("f.mint:2"), "{text}");
}
