//! `docs/ledger.md` is run: its `sh` blocks in order by `bash -e` in a fresh folder (with
//! `mintage` on the `PATH`), and each `json` block must equal what the block before printed
//! (`"…"` matches any value).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn blocks(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String)> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(tag)) => current = Some((tag.to_string(), String::new())),
            (Some(_), Some("")) => out.extend(current.take()),
            (Some((_, body)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            _ => {}
        }
    }
    out
}

fn matches(want: &Value, got: &Value) -> bool {
    match (want, got) {
        (Value::String(s), _) if s == "…" => true,
        (Value::Object(w), Value::Object(g)) => w.iter().all(|(k, v)| g.get(k).is_some_and(|x| matches(v, x))),
        (Value::Array(w), Value::Array(g)) => w.len() == g.len() && w.iter().zip(g).all(|(a, b)| matches(a, b)),
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        _ => want == got,
    }
}

#[test]
fn the_ledger_page_runs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("docs/ledger.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for name in ["rules", "examples"] {
        std::os::unix::fs::symlink(root.join(name), dir.path().join(name)).unwrap();
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_mintage")).parent().unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut last = String::new();
    let mut ran = 0;
    for (tag, body) in blocks(&text) {
        match tag.as_str() {
            "sh" => {
                let out = Command::new("bash")
                    .args(["-e", "-c", &body])
                    .current_dir(dir.path())
                    .env("PATH", &path)
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "docs/ledger.md block failed:\n{body}\nstdout: {}\nstderr: {}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                last = String::from_utf8_lossy(&out.stdout).to_string();
                ran += 1;
            }
            "json" => {
                let want: Value = serde_json::from_str(&body).unwrap();
                let got: Value = serde_json::from_str(&last)
                    .unwrap_or_else(|e| panic!("the block before {body} did not print JSON ({e}): {last}"));
                assert!(
                    matches(&want, &got),
                    "docs/ledger.md shows\n{body}\nbut the command printed\n{last}"
                );
            }
            _ => {}
        }
    }
    assert!(ran >= 3, "only {ran} sh blocks");
}
