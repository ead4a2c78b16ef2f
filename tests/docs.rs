//! Every example in `docs/` is checked: ```mint blocks must check without errors,
//! ```mint-error CODE blocks must produce that code; `docs/diagnostics.md` must be what
//! the code registry generates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::check::{CheckOptions, check};
use mintage::syntax::Sources;
use std::path::Path;

fn blocks(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(tag)) if tag.starts_with("mint") => current = Some((tag.to_string(), String::new(), i + 1)),
            (Some(_), Some("")) => out.extend(current.take()),
            (Some((_, body, _)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn every_doc_example_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut count = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (tag, body, line) in blocks(&text) {
            count += 1;
            let mut sources = Sources::default();
            sources.add(format!("{}:{line}", path.display()), body.clone());
            let checked = check(sources, &CheckOptions::default());
            let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
            match tag.strip_prefix("mint-error ") {
                Some(code) => assert!(
                    codes.contains(&code),
                    "{}:{line}: expected {code}, got {codes:?}",
                    path.display()
                ),
                None => {
                    let errors: Vec<String> = checked
                        .diagnostics
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| d.one_line(&checked.sources))
                        .collect();
                    assert!(errors.is_empty(), "{}:{line}: {errors:#?}", path.display());
                    assert_eq!(
                        mintage::syntax::format::format(&body),
                        body,
                        "{}:{line}: not in `mintage fmt` layout",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(count >= 10, "only {count} examples found");
}

#[test]
fn diagnostics_page_matches_the_registry() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/diagnostics.md");
    let want = mintage::check::reference::markdown();
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    if have != want && std::env::var_os("MINTAGE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    assert!(
        have == want,
        "docs/diagnostics.md is out of date: run `MINTAGE_UPDATE_DOCS=1 cargo test --test docs`"
    );
}

#[test]
fn doc_tests_in_rule_language_pass() {
    // The `test` blocks of the docs run too.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/language.md")).unwrap();
    for (tag, body, line) in blocks(&text) {
        if tag != "mint" || !body.contains("test \"") {
            continue;
        }
        let mut sources = Sources::default();
        sources.add(format!("language.md:{line}"), body);
        let program = check(sources, &CheckOptions::default()).program.unwrap();
        for outcome in mintage::testing::run_all(&program).unwrap() {
            assert!(outcome.passed(), "{}: {:#?}", outcome.name, outcome.failures);
        }
    }
}
