//! The ledger from the command line: `replay --db` keeps state between runs, `redeem`
//! checks a code against an order, `audit` checks the sums.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output};

fn mintage(args: &[&str], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mintage"));
    cmd.args(args);
    match stdin {
        Some(text) => {
            use std::io::Write;
            let mut child = cmd
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("mintage runs");
            child
                .stdin
                .take()
                .expect("stdin")
                .write_all(text.as_bytes())
                .expect("write");
            child.wait_with_output().expect("mintage ends")
        }
        None => cmd.output().expect("mintage runs"),
    }
}

const EVENT: &str = r#"{"id":"e-1","type":"view_item","at":"2026-11-11T10:00:00+08:00","user":{"id":"u-1","registered_at":"2026-11-05T09:00:00+08:00","paid_orders":0,"ltv_tier":"low","device_id":"d-1"},"item":{"id":"i-1","category":"bags","price":1280,"seller_id":"s-4","stock_age_days":10},"scores":{"p_convert":0.1,"fraud_risk":0.01}}"#;

#[test]
fn replay_through_the_ledger_then_redeem_and_audit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite:{}", dir.path().join("l.db").display());
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, format!("{EVENT}\n")).expect("write");
    let ev = events.to_str().expect("utf-8 path");
    let first = mintage(&["replay", "rules", "--events", ev, "--seed", "1", "--db", &db], None);
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let out = String::from_utf8_lossy(&first.stdout).to_string();
    let decision: serde_json::Value = serde_json::from_str(out.lines().next().expect("a decision")).expect("json");
    let base = decision["coupons"]
        .as_array()
        .expect("coupons")
        .iter()
        .find(|c| c["rule"] == "base")
        .and_then(|c| c["code"].as_str())
        .expect("the base coupon")
        .to_string();
    // The same event again: the ledger answers with the first decision, no new coupon.
    let again = mintage(&["replay", "rules", "--events", ev, "--seed", "1", "--db", &db], None);
    assert_eq!(String::from_utf8_lossy(&again.stdout), out);

    let order =
        r#"{"id":"o-1","buyer_id":"u-1","items":[{"id":"i-1","category":"bags","price":400,"seller_id":"s-4"}]}"#;
    let small =
        r#"{"id":"o-2","buyer_id":"u-1","items":[{"id":"i-1","category":"bags","price":100,"seller_id":"s-4"}]}"#;
    let at = "2026-11-11T12:00:00+08:00";
    let refused = mintage(
        &["redeem", "--db", &db, "--code", &base, "--order", "-", "--at", at],
        Some(small),
    );
    assert_eq!(refused.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&refused.stdout).expect("json");
    assert_eq!(r["reason"], "min_spend");
    let ok = mintage(
        &[
            "redeem",
            "--db",
            &db,
            "--code",
            &base.to_lowercase(),
            "--order",
            "-",
            "--at",
            at,
        ],
        Some(order),
    );
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    let r: serde_json::Value = serde_json::from_slice(&ok.stdout).expect("json");
    assert_eq!(r["settlement"]["discount"], 50.0);
    assert_eq!(r["status"], "redeemed");

    let audit = mintage(&["audit", "rules", "--db", &db], None);
    assert!(audit.status.success(), "{}", String::from_utf8_lossy(&audit.stdout));
    let a: serde_json::Value = serde_json::from_slice(&audit.stdout).expect("json");
    assert_eq!(a["decisions"], 1);

    let back = mintage(&["redeem", "--db", &db, "--rollback", "o-1", "--at", at], None);
    assert!(back.status.success());
    let b: serde_json::Value = serde_json::from_slice(&back.stdout).expect("json");
    assert_eq!(b["coupons"][0]["status"], "issued");
}

#[test]
fn bad_input_to_redeem_is_explained() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite:{}", dir.path().join("l.db").display());
    let out = mintage(
        &["redeem", "--db", &db, "--code", "MNT-X", "--order", "-"],
        Some("{\"id\": 1}"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not an order"), "{err}");
    let out = mintage(&["redeem", "--db", "mysql://x", "--commit", "o-1"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown database URL"));
}

/// The rules versions of the decisions `replay --db` logged in an SQLite ledger.
fn logged_versions(path: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).expect("open");
    let mut s = conn
        .prepare("SELECT DISTINCT rules_version FROM decisions ORDER BY 1")
        .expect("select");
    s.query_map([], |r| r.get(0))
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn the_same_rules_in_another_default_zone_are_another_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, format!("{EVENT}\n")).expect("write");
    let ev = events.to_str().expect("utf-8 path");
    let mut versions = Vec::new();
    for (name, zone) in [("a", "Asia/Shanghai"), ("b", "Asia/Shanghai"), ("c", "UTC")] {
        let path = dir.path().join(format!("{name}.db"));
        let db = format!("sqlite:{}", path.display());
        let run = mintage(
            &[
                "replay", "rules", "--events", ev, "--seed", "1", "--db", &db, "--zone", zone,
            ],
            None,
        );
        assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
        let logged = logged_versions(&path);
        assert_eq!(logged.len(), 1, "{logged:?}");
        versions.push(logged[0].clone());
    }
    assert_eq!(versions[0], versions[1], "the same files in the same zone");
    assert_ne!(versions[0], versions[2], "the same files in another zone");
}

#[test]
fn serve_survives_a_closed_stderr_when_it_makes_the_first_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = format!("sqlite:{}", dir.path().join("l.db").display());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    // Standard error is a pipe nobody reads any more, as after `mintage serve 2>&1 | head`.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["serve", "rules", "--db", &db, "--listen", &listen, "--no-watch"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(writer)
        .spawn()
        .expect("mintage serve");
    // It makes the admin key (and writes its banner) before it binds the port, so an
    // answer on the port means it got past the banner.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let answered = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            panic!("mintage serve ended with {status}");
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(&listen) {
            use std::io::{Read, Write};
            // A connection reset while the service starts is tried again: if the service
            // died instead, `try_wait` above says so on the next round.
            let mut answer = String::new();
            let asked = stream
                .write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .and_then(|()| stream.read_to_string(&mut answer));
            if asked.is_ok() {
                break answer;
            }
        }
        assert!(std::time::Instant::now() < deadline, "mintage serve did not listen");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(answered.starts_with("HTTP/1.1 200"), "{answered}");
}
