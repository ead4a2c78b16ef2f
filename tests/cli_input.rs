//! End-to-end tests of the real binary on awkward files and pipes: rule files and input
//! lines that are not UTF-8, byte-order marks, and standard output closed by the reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BOM: &[u8] = b"\xef\xbb\xbf";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn mintage(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(root())
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_str().unwrap().to_string()
}

fn with_bom(text: &str) -> Vec<u8> {
    [BOM, text.as_bytes()].concat()
}

fn example_events() -> String {
    std::fs::read_to_string(root().join("examples/events/new_user.jsonl")).unwrap()
}

#[test]
fn a_rule_file_saved_as_gbk_is_a_rule_error_with_its_line_and_column() {
    let o = mintage(&["check", "tests/cases/check/E019.mint"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a rule error, not an I/O error: {}",
        stderr(&o)
    );
    let err = stderr(&o);
    assert!(err.contains("E019") && err.contains("line 2, column 26"), "{err}");
    assert!(err.contains("save the file as UTF-8") && err.contains("GBK"), "{err}");
    let o = mintage(&["check", "tests/cases/check/E019.mint", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["diagnostics"][0]["code"], "E019");
    assert_eq!(
        (
            v["diagnostics"][0]["line"].as_u64(),
            v["diagnostics"][0]["column"].as_u64()
        ),
        (Some(2), Some(26))
    );
    // Every command that loads rules says the same, and `fmt` leaves the file alone.
    let o = mintage(&[
        "replay",
        "tests/cases/check/E019.mint",
        "--events",
        "examples/events/new_user.jsonl",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E019"), "{}", stderr(&o));
    let dir = tempfile::tempdir().unwrap();
    let gbk = std::fs::read(root().join("tests/cases/check/E019.mint")).unwrap();
    let p = write(dir.path(), "gbk.mint", &gbk);
    let o = mintage(&["fmt", &p]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("E019"), "{}", stderr(&o));
    assert_eq!(
        std::fs::read(&p).unwrap(),
        gbk,
        "fmt never rewrites a file it cannot read"
    );
}

#[test]
fn a_byte_order_mark_is_accepted_in_rule_files_and_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let rules = std::fs::read_to_string(root().join("rules/new_user_ladder.mint")).unwrap();
    let r = write(dir.path(), "ladder.mint", &with_bom(&rules));
    let o = mintage(&["check", &r]);
    assert!(o.status.success(), "{}", stderr(&o));
    let events = write(dir.path(), "events.jsonl", &with_bom(&example_events()));
    let o = mintage(&["replay", &r, "--events", &events, "--seed", "1"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plain = mintage(&[
        "replay",
        "rules/new_user_ladder.mint",
        "--events",
        "examples/events/new_user.jsonl",
        "--seed",
        "1",
    ]);
    assert_eq!(stdout(&o), stdout(&plain), "the BOM changes nothing");
    let first = example_events().lines().next().unwrap().to_string();
    let e = write(dir.path(), "event.json", &with_bom(&first));
    let o = mintage(&["eval", &r, "--event", &e, "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_byte_order_mark_is_accepted_in_the_user_table() {
    let dir = tempfile::tempdir().unwrap();
    let users = std::fs::read_to_string(root().join("examples/users/dormant_sample.jsonl")).unwrap();
    let jsonl = write(dir.path(), "users.jsonl", &with_bom(&users));
    let csv = "id,paid_orders,last_order_at,avg_order_value,scores.p_convert,scores.price_sensitivity,scores.elasticity\n\
               u-1,3,2026-05-01T10:00:00+08:00,2500,0.05,0.3,2.0\n";
    let csv = write(dir.path(), "users.csv", &with_bom(csv));
    for table in [&jsonl, &csv] {
        let o = mintage(&[
            "run",
            "rules/",
            "--campaign",
            "dormant_wakeup",
            "--users",
            table,
            "--now",
            "2026-11-24T00:00:00+08:00",
            "--seed",
            "1",
        ]);
        assert_eq!(o.status.code(), Some(0), "{table}: {}", stderr(&o));
        let first: serde_json::Value = serde_json::from_str(stdout(&o).lines().next().unwrap()).unwrap();
        assert!(first["user_id"].as_str().unwrap().starts_with("u-"), "{first}");
    }
}

#[test]
fn replay_skips_a_line_that_is_not_utf8_and_goes_on() {
    let good = example_events();
    let lines: Vec<&str> = good.lines().collect();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(lines[0].as_bytes());
    // A GBK-encoded city in the second line: `{"city": "北京"}`.
    bytes.extend_from_slice(b"\n{\"id\": \"e-gbk\", \"city\": \"\xb1\xb1\xbe\xa9\"}\n");
    for l in &lines[1..] {
        bytes.extend_from_slice(l.as_bytes());
        bytes.push(b'\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "events.jsonl", &bytes);
    let o = mintage(&["replay", "rules/", "--events", &p, "--seed", "1"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("events.jsonl:2: skipped: the line is not UTF-8 (byte `0xb1` at column 26)"),
        "{err}"
    );
    let all = mintage(&[
        "replay",
        "rules/",
        "--events",
        "examples/events/new_user.jsonl",
        "--seed",
        "1",
    ]);
    assert_eq!(stdout(&o), stdout(&all), "every other line is still decided");
}

#[test]
fn run_skips_a_row_that_is_not_utf8_and_goes_on() {
    let users = std::fs::read_to_string(root().join("examples/users/dormant_sample.jsonl")).unwrap();
    let mut bytes = Vec::new();
    for (i, l) in users.lines().enumerate() {
        if i == 1 {
            bytes.extend_from_slice(b"{\"id\": \"u-\xb1\xb1\", \"paid_orders\": 1}\n");
        }
        bytes.extend_from_slice(l.as_bytes());
        bytes.push(b'\n');
    }
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "users.jsonl", &bytes);
    let summary = dir.path().join("summary.json");
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--users",
        &p,
        "--now",
        "2026-11-24T00:00:00+08:00",
        "--seed",
        "1",
        "--summary",
        summary.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("users.jsonl:2: skipped: the line is not UTF-8"),
        "{}",
        stderr(&o)
    );
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["users_read"], 200, "the other rows are all read");
    // The same in a CSV table.
    let csv = [
        &b"id,paid_orders,last_order_at,avg_order_value,scores.p_convert,scores.price_sensitivity,scores.elasticity\n"
            [..],
        b"u-1,3,2026-05-01T10:00:00+08:00,2500,0.05,0.3,2.0\n",
        b"u-\xb1\xb1,3,2026-05-01T10:00:00+08:00,2500,0.05,0.3,2.0\n",
        b"u-3,3,2026-05-01T10:00:00+08:00,2500,0.05,0.3,2.0\n",
    ]
    .concat();
    let p = write(dir.path(), "users.csv", &csv);
    let o = mintage(&[
        "run",
        "rules/",
        "--campaign",
        "dormant_wakeup",
        "--users",
        &p,
        "--now",
        "2026-11-24T00:00:00+08:00",
    ]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("users.csv:3: skipped: the row is not UTF-8 (field 1)"),
        "{}",
        stderr(&o)
    );
    let users: Vec<String> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["user_id"].to_string())
        .collect();
    assert_eq!(users, ["\"u-1\"", "\"u-3\""]);
}

/// Runs the binary with standard output a pipe whose reader is already gone, as in
/// `mintage … | head -1` once `head` has exited.
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(args)
        .current_dir(root())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

#[test]
fn writing_to_a_closed_pipe_exits_quietly() {
    let commands: &[&[&str]] = &[
        &["explain", "E002"],
        &["explain", "--all"],
        &["check", "rules/", "--format", "json"],
        &["check", "rules/"],
        &["graph", "rules/", "--format", "mermaid"],
        &["graph", "rules/"],
        &["test", "rules/"],
        &["fmt", "--check", "tests/cases/fmt/messy_layout.mint"],
        &[
            "replay",
            "rules/",
            "--events",
            "examples/events/new_user.jsonl",
            "--seed",
            "1",
        ],
        &[
            "run",
            "rules/",
            "--campaign",
            "dormant_wakeup",
            "--users",
            "examples/users/dormant_sample.jsonl",
            "--now",
            "2026-11-24T00:00:00+08:00",
            "--seed",
            "1",
        ],
    ];
    let dir = tempfile::tempdir().unwrap();
    let event = write(
        dir.path(),
        "event.json",
        example_events().lines().next().unwrap().as_bytes(),
    );
    let eval: &[&str] = &["eval", "rules/", "--event", &event, "--seed", "1"];
    for args in commands.iter().chain([&eval]) {
        let o = into_closed_pipe(args);
        let err = stderr(&o);
        assert!(
            !err.contains("panicked") && !err.contains("Broken pipe"),
            "{args:?}: {err}"
        );
        // `fmt --check` on a messy file answers 1 whatever happens to its output.
        let want = if args[0] == "fmt" { 1 } else { 0 };
        assert_eq!(o.status.code(), Some(want), "{args:?}: {err}");
    }
}
