//! The sessions of `docs/simulator.md` and `docs/learning.md` are run: each ```sh block by `bash -e` in one fresh
//! folder holding `examples/` and `rules/` (the blocks follow each other, as a reader
//! types them), and the ```text output or ```json output block after it must be what it
//! printed. `MINTAGE_UPDATE_DOCS=1 cargo test --test docs_simulator` writes what they
//! print into the page (read it before committing: the prose explains the numbers).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

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
fn the_simulator_session_prints_what_the_page_shows() {
    session("docs/simulator.md", 3, 2);
}

/// The explore → fit → allocate → verify walk-through of `docs/learning.md`.
#[test]
fn the_learning_session_prints_what_the_page_shows() {
    session("docs/learning.md", 4, 4);
}

/// Runs the ```sh blocks of `name` in order in one folder; each ```text output or ```json
/// output block after one must be what it printed; at least `min_ran` blocks ran and
/// `min_shown` outputs were compared.
fn session(name: &str, min_ran: usize, min_shown: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let page = root.join(name);
    let text = std::fs::read_to_string(&page).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for linked in ["examples", "rules"] {
        std::os::unix::fs::symlink(root.join(linked), dir.path().join(linked)).unwrap();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_mintage")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let update = std::env::var_os("MINTAGE_UPDATE_DOCS").is_some();
    let mut updated = text.clone();
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
            "{name}:{line}: the block failed\nstdout: {printed}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        ran += 1;
        let Some((next, next_line, want)) = found.get(k + 1) else {
            continue;
        };
        if !matches!(next.as_str(), "text output" | "json output") {
            continue;
        }
        shown += 1;
        if update {
            let fence = format!("```{next}\n{want}```");
            updated = updated.replacen(&fence, &format!("```{next}\n{printed}```"), 1);
            continue;
        }
        if next == "text output" {
            assert_eq!(&printed, want, "{name}:{next_line}");
        } else {
            let want: serde_json::Value = serde_json::from_str(want).unwrap();
            let got: serde_json::Value =
                serde_json::from_str(&printed).unwrap_or_else(|e| panic!("{name}:{line}: not JSON ({e}): {printed}"));
            assert_eq!(got, want, "{name}:{next_line}: the command printed\n{printed}");
        }
    }
    if update && updated != text {
        std::fs::write(&page, updated).unwrap();
    }
    assert!(
        ran >= min_ran && shown >= min_shown,
        "{name}: {ran} sh blocks, {shown} outputs"
    );
}
