//! The README is run: every command of its ```sh blocks runs with the real binary in a
//! scratch copy of `rules/` and `examples/` (so files it writes, such as `mintage.db`,
//! land there) and must succeed; every ```json block is the file the text before it
//! names; every ```mint block checks clean. `cargo` lines run their `mintage` part
//! (`cargo test` is this very run and is skipped); `serve` is started, answers
//! `/health`, and is stopped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fenced blocks: (tag, body, line of the fence, the prose line before it).
fn blocks(text: &str) -> Vec<(String, String, usize, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, String, usize, String)> = None;
    let mut prose = String::new();
    for (i, line) in text.lines().enumerate() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(tag)) => current = Some((tag.to_string(), String::new(), i + 1, prose.clone())),
            (Some(_), Some("")) => out.extend(current.take()),
            (Some((_, body, _, _)), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, None) if !line.trim().is_empty() => prose = line.to_string(),
            _ => {}
        }
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The words of a command line, without its comment; `None` for lines that run nothing
/// here (comments, `cargo test`).
fn words(line: &str) -> Option<Vec<String>> {
    let code = line.split(" #").next().unwrap_or("").trim();
    if code.is_empty() || code.starts_with('#') {
        return None;
    }
    let mut w: Vec<String> = code.split_whitespace().map(str::to_string).collect();
    if w.first().is_some_and(|x| x == "cargo") {
        if w.get(1).is_some_and(|x| x == "test") {
            return None;
        }
        let dashes = w
            .iter()
            .position(|x| x == "--")
            .unwrap_or_else(|| panic!("`{line}`: no `--`"));
        w.drain(..=dashes);
        w.insert(0, "mintage".into());
    }
    assert_eq!(
        w.first().map(String::as_str),
        Some("mintage"),
        "`{line}` is not a mintage command"
    );
    w.remove(0);
    Some(w)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `serve`, waits for `/health` to answer, stops it.
fn serve_once(mut args: Vec<String>, dir: &Path) {
    let addr = format!("127.0.0.1:{}", free_port());
    args.extend(["--listen".into(), addr.clone(), "--no-watch".into()]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(&args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut up = false;
    while Instant::now() < deadline && !up {
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            use std::io::{Read, Write};
            let _ = write!(s, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            up = answer.starts_with("HTTP/1.1 200");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "`mintage {}` did not answer /health", args.join(" "));
}

#[test]
fn every_readme_command_runs() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let dir = std::env::temp_dir().join(format!("mintage-readme-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&root().join("rules"), &dir.join("rules"));
    copy_dir(&root().join("examples"), &dir.join("examples"));
    let mut ran = 0;
    for (tag, body, line, _) in blocks(&text) {
        if tag != "sh" {
            continue;
        }
        for cmd in body.lines() {
            let Some(args) = words(cmd) else { continue };
            ran += 1;
            if args.first().is_some_and(|a| a == "serve") {
                serve_once(args, &dir);
                continue;
            }
            let out = Command::new(env!("CARGO_BIN_EXE_mintage"))
                .args(&args)
                .current_dir(&dir)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "README.md:{line}: `{cmd}` exited {:?}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    assert!(ran >= 12, "only {ran} README commands found");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn readme_json_is_the_file_it_names() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut seen = 0;
    for (tag, body, line, prose) in blocks(&text) {
        if tag != "json" {
            continue;
        }
        let name = prose
            .split('`')
            .skip(1)
            .step_by(2)
            .find(|w| w.ends_with(".json"))
            .unwrap_or_else(|| panic!("README.md:{line}: the line before a json block names its file"));
        let file: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root().join(name)).unwrap()).unwrap();
        let shown: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(shown, file, "README.md:{line}: the block differs from `{name}`");
        seen += 1;
    }
    assert!(seen >= 2);
}

#[test]
fn readme_campaigns_check_clean() {
    let text = std::fs::read_to_string(root().join("README.md")).unwrap();
    let mut seen = 0;
    for (tag, body, line, _) in blocks(&text) {
        if tag != "mint" {
            continue;
        }
        let mut sources = mintage::syntax::Sources::default();
        sources.add(format!("README.md:{line}"), body);
        let checked = mintage::check::check(sources, &mintage::check::CheckOptions::default());
        let errors: Vec<String> = checked
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.one_line(&checked.sources))
            .collect();
        assert!(errors.is_empty(), "README.md:{line}: {errors:#?}");
        seen += 1;
    }
    assert!(seen >= 1);
}
