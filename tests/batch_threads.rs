//! `mintage run --threads N` gives the same decisions, messages, summary and exit code with
//! any number of threads: a table of several chunks with a byte-order mark, blank lines,
//! bad rows, a line that is not UTF-8, a user twice in chunks far apart, a line longer
//! than a chunk and no newline at the end; and a CSV table. A full disk under the
//! decisions (written on a thread of their own) is one error and exit code 2.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mintage-batch-threads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn row(i: usize) -> String {
    let aov = 100 + (i * 37) % 3000;
    format!(
        concat!(
            "{{\"id\":\"u-{}\",\"registered_at\":\"2024-01-15T09:00:00+08:00\",\"paid_orders\":{},",
            "\"last_order_at\":\"2026-0{}-10T12:00:00+08:00\",\"avg_order_value\":{},\"ltv_tier\":\"mid\",",
            "\"tags\":[],\"scores\":{{\"p_convert\":0.0{},\"price_sensitivity\":0.{},\"elasticity\":{}.5}}}}"
        ),
        i,
        i % 5,
        1 + i % 5,
        aov,
        1 + i % 9,
        i % 10,
        i % 4
    )
}

struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    summary: Value,
}

fn run(users: &Path, threads: usize) -> Ran {
    let summary = dir().join(format!(
        "summary-{threads}-{}.json",
        users.file_name().unwrap().to_string_lossy()
    ));
    let o = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["run", "rules/", "--campaign", "dormant_wakeup", "--users"])
        .arg(users)
        .args(["--now", "2026-06-01T00:00:00+08:00", "--seed", "7", "--budget", "3000"])
        .args(["--threads", &threads.to_string(), "--summary"])
        .arg(&summary)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let mut summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    summary.as_object_mut().unwrap().remove("timings_ms");
    Ran {
        code: o.status.code(),
        stdout: String::from_utf8(o.stdout).unwrap(),
        stderr: String::from_utf8(o.stderr).unwrap(),
        summary,
    }
}

fn same_with_any_threads(users: &Path) -> Ran {
    let one = run(users, 1);
    for threads in [2, 3, 8] {
        let other = run(users, threads);
        assert_eq!(other.code, one.code, "exit code with {threads} threads");
        assert_eq!(other.stderr, one.stderr, "messages with {threads} threads");
        assert_eq!(other.summary, one.summary, "summary with {threads} threads");
        assert!(other.stdout == one.stdout, "decisions differ with {threads} threads");
    }
    one
}

#[test]
fn a_jsonl_table_of_many_chunks_gives_the_same_run_with_any_number_of_threads() {
    let mut bytes = "\u{feff}".as_bytes().to_vec();
    let mut text = String::new();
    for i in 0..12_000 {
        match i {
            17 | 9_000 => text.push('\n'),
            // A line longer than a chunk (a megabyte): read whole, a user like any other.
            4_001 => {
                let long = row(i).replace("\"u-4001\"", "\"u-long\"");
                let _ = writeln!(text, "{{\"note\":\"{}\",{}", "x".repeat(1_500_000), &long[1..]);
            }
            5_000 => text.push_str("{\"id\": \"u-bad\", \"paid_orders\": \"many\"}\n"),
            // The same user as line 2: skipped, with both lines named.
            11_000 => {
                let _ = writeln!(text, "{}", row(0));
            }
            _ => {
                let _ = writeln!(text, "{}", row(i));
            }
        }
        if i == 7_000 {
            bytes.extend_from_slice(text.as_bytes());
            text.clear();
            bytes.extend_from_slice(b"{\"id\": \"u-\xff\"}\n");
        }
    }
    bytes.extend_from_slice(text.as_bytes());
    // No newline after the last row.
    bytes.extend_from_slice(row(20_001).as_bytes());
    let users = dir().join("users.jsonl");
    std::fs::write(&users, &bytes).unwrap();
    let ran = same_with_any_threads(&users);
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert_eq!(ran.summary["users_read"], 11_997, "{}", ran.summary);
    for said in [
        "users.jsonl:5001: skipped:",
        "users.jsonl:7002: skipped: the line is not UTF-8",
        "users.jsonl:11002: skipped: user `u-0` is already on line 1",
        "3 line(s) skipped",
    ] {
        assert!(ran.stderr.contains(said), "no `{said}` in:\n{}", ran.stderr);
    }
    let decisions: Vec<Value> = ran.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(decisions.iter().any(|d| d["user_id"] == "u-long"));
    assert!(decisions.iter().any(|d| d["user_id"] == "u-20001"));
    assert!(decisions.iter().any(|d| !d["coupons"].as_array().unwrap().is_empty()));
}

#[test]
fn a_csv_table_gives_the_same_run_with_any_number_of_threads() {
    let mut text = String::from(
        "id,registered_at,paid_orders,last_order_at,avg_order_value,ltv_tier,scores.p_convert,scores.price_sensitivity,scores.elasticity\n",
    );
    for i in 0..10_000 {
        let aov = 100 + (i * 37) % 3000;
        match i {
            3_000 => text.push_str("u-bad,2024-01-15T09:00:00+08:00,-1,2026-02-10T12:00:00+08:00,100,mid,0.1,0.5,1\n"),
            6_000 => text.push_str("u-short,2024-01-15\n"),
            _ => {
                let _ = writeln!(
                    text,
                    "u-{i},2024-01-15T09:00:00+08:00,{},2026-0{}-10T12:00:00+08:00,{aov},mid,0.0{},0.{},{}.5",
                    i % 5,
                    1 + i % 5,
                    1 + i % 9,
                    i % 10,
                    i % 4
                );
            }
        }
    }
    let users = dir().join("users.csv");
    std::fs::write(&users, text).unwrap();
    let ran = same_with_any_threads(&users);
    assert_eq!(ran.code, Some(3), "{}", ran.stderr);
    assert!(
        ran.stderr.contains("users.csv:3002: skipped: column `paid_orders`"),
        "{}",
        ran.stderr
    );
    assert!(
        ran.stderr.contains("users.csv:6002: skipped: bad CSV row"),
        "{}",
        ran.stderr
    );
    assert_eq!(ran.summary["users_read"], 9_998, "{}", ran.summary);
}

#[test]
fn a_full_disk_under_the_decisions_is_an_error_said_once() {
    let text: String = (0..5_000).map(|i| row(i) + "\n").collect();
    let users = dir().join("full.jsonl");
    std::fs::write(&users, text).unwrap();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["run", "rules/", "--campaign", "dormant_wakeup", "--users"])
        .arg(&users)
        .args(["--now", "2026-06-01T00:00:00+08:00", "--seed", "7"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(full)
        .output()
        .unwrap();
    let err = String::from_utf8(o.stderr).unwrap();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.matches("error: cannot write to standard output").count(),
        1,
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}
