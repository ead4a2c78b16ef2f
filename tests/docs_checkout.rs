//! The worked examples of `docs/checkout.md` are checked: each ```json quote-request
//! block is quoted and the answer must be the ```json quote-answer block after it.
//! `MINTAGE_UPDATE_DOCS=1 cargo test --test docs_checkout` writes the answers in (read
//! them before committing: the prose explains every number). Its `mintage quote`
//! session is run: each ```sh block by `bash -e` in a fresh folder holding `rules/`,
//! and the ```text output or ```json output block after it is what it printed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::checkout::{QuoteRequest, quote};
use std::path::Path;
use std::process::Command;

/// The doc's fenced blocks: (tag, first line of the body, body).
fn blocks(text: &str) -> Vec<(String, usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, usize, String)> = None;
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(tag)) => current = Some((tag.to_string(), i + 1, String::new())),
            (Some(_), Some("")) => out.extend(current.take()),
            (Some((_, _, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

#[test]
fn the_worked_examples_give_the_answers_shown() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/checkout.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let found = blocks(&text);
    let mut updated = text.clone();
    let mut checked = 0;
    for (k, (tag, line, body)) in found.iter().enumerate() {
        if tag != "json quote-request" {
            continue;
        }
        let req: QuoteRequest = serde_json::from_str(body).unwrap_or_else(|e| panic!("line {line}: {e}"));
        let answer = serde_json::to_value(quote(&req).unwrap()).unwrap();
        let (next_tag, next_line, shown) = found
            .get(k + 1)
            .unwrap_or_else(|| panic!("line {line}: no answer after"));
        assert_eq!(
            next_tag, "json quote-answer",
            "line {line}: the block after a request is its answer"
        );
        let pretty = serde_json::to_string_pretty(&answer).unwrap() + "\n";
        if std::env::var_os("MINTAGE_UPDATE_DOCS").is_some() {
            updated = updated.replacen(shown.as_str(), &pretty, 1);
        } else {
            let shown: serde_json::Value =
                serde_json::from_str(shown).unwrap_or_else(|e| panic!("line {next_line}: {e}"));
            assert_eq!(
                shown, answer,
                "line {next_line}: the answer differs; the engine says:\n{pretty}"
            );
        }
        checked += 1;
    }
    if updated != text {
        std::fs::write(&path, updated).unwrap();
    }
    assert!(checked >= 2, "only {checked} worked examples");
}

#[test]
fn the_quote_session_prints_what_the_page_shows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("docs/checkout.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(root.join("rules"), dir.path().join("rules")).unwrap();
    let bin = Path::new(env!("CARGO_BIN_EXE_mintage")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let found = blocks(&text);
    let (mut ran, mut shown) = (0, 0);
    for (k, (tag, line, body)) in found.iter().enumerate() {
        if tag != "sh" {
            continue;
        }
        let out = Command::new("bash")
            .args(["-e", "-c", body])
            .current_dir(dir.path())
            .env("PATH", &path)
            .output()
            .unwrap();
        let printed = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "docs/checkout.md:{line}: the block failed\nstdout: {printed}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
        let Some((next, next_line, want)) = found.get(k + 1) else {
            continue;
        };
        match next.as_str() {
            "text output" => assert_eq!(&printed, want, "docs/checkout.md:{next_line}"),
            "json output" => {
                let want: serde_json::Value = serde_json::from_str(want).unwrap();
                let got: serde_json::Value = serde_json::from_str(&printed)
                    .unwrap_or_else(|e| panic!("docs/checkout.md:{line}: not JSON ({e}): {printed}"));
                assert_eq!(
                    got, want,
                    "docs/checkout.md:{next_line}: the command printed\n{printed}"
                );
            }
            _ => continue,
        }
        shown += 1;
    }
    assert!(ran >= 3 && shown >= 3, "{ran} sh blocks, {shown} outputs");
}
