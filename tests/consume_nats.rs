//! `mintage consume` on the machine's NATS JetStream and PostgreSQL: two consumers share
//! 100,000 events over 8 partitions; one is killed with SIGKILL mid-stream and
//! restarted. Every event is decided exactly once (the ledger keeps one decision per
//! event id, and every event has one), each user's events are decided in their order
//! (a campaign whose coupons depend on the order of a user's own events gives exactly
//! what the in-memory replay gives, and each user's decisions were committed in order),
//! and the budget of another campaign is not overspent (`mintage audit`). NATS and
//! PostgreSQL are started if they are down (`support/nats.rs`, `support/pg.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/nats.rs"]
mod nats;
#[path = "support/pg.rs"]
mod pg;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const EVENTS: usize = 100_000;
const USERS: usize = 5_000;
const PARTITIONS: &str = "8";

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mintage")
}

fn rules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/consume/rules.mint")
}

/// Events of `USERS` users dated over the last two hours, each user's in time order:
/// views, carts and app opens, so that the order campaign's coupons depend on the order.
fn write_events(path: &Path) -> Vec<(String, String)> {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let start = now_ms - 2 * 3_600_000;
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = String::with_capacity(EVENTS * 400);
    let mut ids = Vec::with_capacity(EVENTS);
    for i in 0..EVENTS {
        let user = format!("u-{}", next() % USERS as u64);
        let kind = ["view_item", "view_item", "add_to_cart", "app_open"][(next() % 4) as usize];
        let at = chrono::DateTime::from_timestamp_millis(start + (i as i64) * 60)
            .unwrap()
            .to_rfc3339();
        let id = format!("e-{i}");
        text.push_str(&format!(
            concat!(
                "{{\"id\":\"{}\",\"type\":\"{}\",\"at\":\"{}\",",
                "\"user\":{{\"id\":\"{}\",\"registered_at\":\"2026-01-01T00:00:00+08:00\",\"paid_orders\":0,",
                "\"total_spend\":0,\"ltv_tier\":\"low\",\"device_id\":\"d-{}\",\"tags\":[]}},",
                "\"item\":{{\"id\":\"i-{}\",\"category\":\"bags\",\"price\":1200,\"seller_id\":\"s-1\",\"stock_age_days\":3}},",
                "\"cart\":{{\"items\":[],\"total\":1200}},\"scores\":{{\"p_convert\":0.1,\"fraud_risk\":0.01}}}}\n"
            ),
            id,
            kind,
            at,
            user,
            user,
            next() % 100
        ));
        ids.push((id, user));
    }
    std::fs::write(path, text).unwrap();
    ids
}

struct Consumer {
    name: String,
    args: Vec<String>,
    log: PathBuf,
    child: Option<Child>,
}

impl Consumer {
    fn start(name: &str, db: &str, stream: &str, decisions: &str, dir: &Path) -> Consumer {
        let args = [
            "consume",
            rules().to_str().unwrap(),
            "--db",
            db,
            "--nats",
            nats::URL,
            "--stream",
            stream,
            "--partitions",
            PARTITIONS,
            "--decisions",
            decisions,
            "--name",
            name,
            "--lease",
            "2s",
            "--seed",
            "7",
            "--no-watch",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let mut c = Consumer {
            name: name.to_string(),
            args,
            log: dir.join(format!("{name}.log")),
            child: None,
        };
        c.spawn();
        c
    }

    fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(bin())
            .args(&self.args)
            .env("MINTAGE_LOG", "mintage=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: nothing is let go of, flushed or acknowledged.
    fn kill(&mut self) {
        let mut child = self.child.take().unwrap();
        child.kill().unwrap();
        child.wait().unwrap();
    }

    /// SIGTERM; it lets go of its partitions and exits 0.
    fn stop(&mut self) {
        let mut child = self.child.take().unwrap();
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut status = None;
        while status.is_none() && Instant::now() < deadline {
            status = child.try_wait().unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
        if status.is_none() {
            let _ = child.kill();
        }
        let waited = child.wait().unwrap();
        let status = status.unwrap_or_else(|| panic!("{} did not stop on SIGTERM:\n{}", self.name, self.log()));
        assert!(
            status.success(),
            "{} exited with {status} ({waited}):\n{}",
            self.name,
            self.log()
        );
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Per event id, the order campaign's rules that issued, from decision bodies.
fn issued_in_order(bodies: impl Iterator<Item = Value>) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    for d in bodies {
        if d["trigger"] != "event" {
            continue;
        }
        let rules: BTreeSet<String> = d["coupons"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["campaign"] == "in_order")
            .map(|c| c["rule"].as_str().unwrap().to_string())
            .collect();
        out.insert(d["event_id"].as_str().unwrap().to_string(), rules);
    }
    out
}

#[test]
fn two_consumers_one_killed_decide_every_event_once_in_order_within_budget() {
    nats::server();
    let db = pg::TestDb::new();
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("events.jsonl");
    let ids = write_events(&events);
    let stream = nats::unique("T");
    let decisions = format!("t.{stream}.decisions");
    let url = db.url("");

    let mut a = Consumer::start("a", &url, &stream, &decisions, dir.path());
    let mut b = Consumer::start("b", &url, &stream, &decisions, dir.path());

    // The publisher reads the decisions back as it goes: every event must get one.
    let publisher = Command::new(bin())
        .args([
            "publish",
            "--events",
            events.to_str().unwrap(),
            "--nats",
            nats::URL,
            "--stream",
            &stream,
            "--partitions",
            PARTITIONS,
            "--follow",
            &decisions,
            "--timeout",
            "120s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();

    // Mid-stream, B dies without a word; it comes back a few seconds later.
    let deadline = Instant::now() + Duration::from_secs(600);
    // (Until a consumer has made the ledger's tables, nothing is decided.)
    let decided = || {
        db.client()
            .query_one("SELECT COUNT(*) FROM decisions WHERE trigger = 'event'", &[])
            .map_or(0, |r| r.get::<_, i64>(0))
    };
    while decided() < (EVENTS / 4) as i64 {
        assert!(Instant::now() < deadline, "too slow:\n{}\n{}", a.log(), b.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    b.kill();
    let at_kill = decided();
    assert!(at_kill < EVENTS as i64, "B was killed after the end");
    std::thread::sleep(Duration::from_secs(3));
    b.spawn();

    let out = publisher.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "publish: {stderr}\nA:\n{}\nB:\n{}",
        a.log(),
        b.log()
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["published"], EVENTS, "{report}");
    assert_eq!(report["followed"]["decided"], EVENTS, "{report}");
    assert_eq!(report["followed"]["missing"], 0, "{report}");
    assert_eq!(report["followed"]["refused"], 0, "{report}");
    eprintln!("publish report: {report}");

    // The restarted B took partitions again, and A took B's while it was gone.
    let b_log = b.log();
    assert!(b_log.matches("partition taken").count() >= 2, "{b_log}");
    a.stop();
    b.stop();

    // Exactly once: one decision per event id, and none missing.
    assert_eq!(decided(), EVENTS as i64);
    assert_eq!(
        db.count("SELECT COUNT(DISTINCT event_id) FROM decisions WHERE trigger = 'event'"),
        EVENTS as i64
    );

    // In order: each user's decisions were committed in the order of the user's events…
    let mut client = db.client();
    let rows = client
        .query(
            "SELECT event_id, user_id, created_at, body FROM decisions WHERE trigger = 'event'",
            &[],
        )
        .unwrap();
    let mut committed: BTreeMap<String, i64> = BTreeMap::new();
    let mut bodies = Vec::new();
    for r in &rows {
        let id: String = r.get(0);
        committed.insert(id, r.get(2));
        bodies.push(serde_json::from_str::<Value>(r.get::<_, &str>(3)).unwrap());
    }
    let mut last: BTreeMap<&str, (i64, &str)> = BTreeMap::new();
    for (id, user) in &ids {
        let at = committed[id];
        if let Some((before, prev)) = last.get(user.as_str()) {
            assert!(
                at >= *before,
                "{user}: `{id}` was committed before `{prev}`, which came first"
            );
        }
        last.insert(user, (at, id));
    }
    // …and the campaign that depends on that order gives what the in-memory replay gives.
    let replay = Command::new(bin())
        .args([
            "replay",
            rules().to_str().unwrap(),
            "--events",
            events.to_str().unwrap(),
            "--seed",
            "1",
        ])
        .output()
        .unwrap();
    assert!(replay.status.success(), "{}", String::from_utf8_lossy(&replay.stderr));
    let reference = issued_in_order(
        String::from_utf8_lossy(&replay.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap()),
    );
    let consumed = issued_in_order(bodies.into_iter());
    let differ: Vec<_> = reference
        .iter()
        .filter(|(id, rules)| consumed.get(*id).cloned().unwrap_or_default() != **rules)
        .take(5)
        .collect();
    assert!(
        differ.is_empty(),
        "the order campaign differs from the replay: {differ:?}"
    );
    let coupons = reference.values().filter(|r| !r.is_empty()).count();
    assert!(coupons > 1000, "the order campaign issued only {coupons} coupons");

    // Within budget: ¥300 of ¥10 coupons is 30 coupons, and the audit agrees.
    assert_eq!(db.count("SELECT COUNT(*) FROM coupons WHERE campaign = 'scarce'"), 30);
    let audit = Command::new(bin())
        .args(["audit", rules().to_str().unwrap(), "--db", &url])
        .output()
        .unwrap();
    assert!(
        audit.status.success(),
        "audit: {}{}",
        String::from_utf8_lossy(&audit.stdout),
        String::from_utf8_lossy(&audit.stderr)
    );
    nats::delete_stream(&stream);
}

/// Waits until the consumer's log says it took `n` partitions.
fn wait_for_partitions(c: &Consumer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while c.log().matches("partition taken").count() < n {
        assert!(Instant::now() < deadline, "no partitions taken:\n{}", c.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn event_json(id: &str, user: &str, at: &str) -> String {
    format!(
        concat!(
            "{{\"id\":\"{}\",\"type\":\"view_item\",\"at\":\"{}\",",
            "\"user\":{{\"id\":\"{}\",\"registered_at\":\"2026-01-01T00:00:00+08:00\",\"paid_orders\":0,",
            "\"device_id\":\"d-{}\"}},\"item\":{{\"id\":\"i-1\",\"category\":\"bags\",\"price\":1200}}}}"
        ),
        id, at, user, user
    )
}

#[test]
fn events_that_cannot_be_decided_are_answered_with_an_error_and_not_retried() {
    nats::server();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite:{}", dir.path().join("ledger.db").display());
    let stream = nats::unique("R");
    let subject = stream.to_ascii_lowercase();
    let decisions = format!("t.{stream}.decisions");
    let mut c = Consumer::start("solo", &db, &stream, &decisions, dir.path());
    wait_for_partitions(&c, 8);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let answers: Vec<Value> = runtime.block_on(async {
        use futures_util::StreamExt;
        let client = async_nats::connect(nats::URL).await.unwrap();
        let mut sub = client.subscribe(decisions.clone()).await.unwrap();
        let js = async_nats::jetstream::new(client.clone());
        let now = chrono::Utc::now();
        let right = |user: &str| mintage::consume::partition::of_user(user, 8);
        let sends = [
            (format!("{subject}.0"), "not json at all".to_string()),
            (
                format!("{subject}.{}", (right("u-1") + 1) % 8),
                event_json("wrong", "u-1", &now.to_rfc3339()),
            ),
            (
                format!("{subject}.{}", right("u-2")),
                event_json("future", "u-2", &(now + chrono::Duration::hours(1)).to_rfc3339()),
            ),
            (
                format!("{subject}.{}", right("u-3")),
                event_json("good", "u-3", &now.to_rfc3339()),
            ),
        ];
        for (subject, body) in sends {
            js.publish(subject, body.into()).await.unwrap().await.unwrap();
        }
        let mut got = Vec::new();
        while got.len() < 4 {
            let m = tokio::time::timeout(Duration::from_secs(30), sub.next())
                .await
                .unwrap_or_else(|_| panic!("only {} answers: {got:?}", got.len()))
                .unwrap();
            got.push(serde_json::from_slice::<Value>(&m.payload).unwrap());
        }
        got
    });
    let by_id = |id: Value| {
        answers
            .iter()
            .find(|a| a["event_id"] == id)
            .unwrap_or_else(|| panic!("{answers:?}"))
    };
    assert_eq!(by_id(Value::Null)["error"]["code"], "invalid_event");
    let wrong = by_id("wrong".into());
    assert_eq!(wrong["error"]["code"], "wrong_partition", "{wrong}");
    assert!(
        wrong["error"]["message"]
            .as_str()
            .unwrap()
            .contains("partition by the user id")
    );
    assert_eq!(by_id("future".into())["error"]["code"], "future_event");
    let good = by_id("good".into());
    assert!(good.get("error").is_none(), "{good}");
    assert_eq!(good["decision"]["event_id"], "good");
    assert_eq!(good["decision"]["coupons"][0]["rule"], "first_view", "{good}");
    assert!(good["decided_us"].as_i64().unwrap() >= good["published_us"].as_i64().unwrap());

    // Another partition count on the same stream is refused before anything is read.
    let other = Command::new(bin())
        .args([
            "consume",
            rules().to_str().unwrap(),
            "--db",
            &db,
            "--stream",
            &stream,
            "--partitions",
            "4",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&other.stderr);
    assert_eq!(other.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("made with 8 partitions, not 4"), "{stderr}");
    c.stop();
    assert!(c.log().contains("stopped"));
    nats::delete_stream(&stream);
}

#[test]
fn bad_arguments_and_an_unreachable_server_are_clear_errors() {
    let rules = rules();
    let rules = rules.to_str().unwrap();
    let cases: [(&[&str], &str); 5] = [
        (&["consume", rules, "--stream", "a.b"], "is not a stream name"),
        (&["consume", rules, "--partitions", "0"], "use 1 to 1024"),
        (&["consume", rules, "--name", "a b"], "is not an instance name"),
        (&["consume", rules, "--lease", "100ms"], "from `1s` to `10m`"),
        (
            &[
                "consume",
                rules,
                "--db",
                "sqlite::memory:",
                "--nats",
                "nats://127.0.0.1:1",
            ],
            "cannot connect to NATS at `nats://127.0.0.1:1`",
        ),
    ];
    for (args, expected) in cases {
        let out = Command::new(bin()).args(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let out = Command::new(bin())
        .args(["publish", "--events", "/nonexistent.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot open `/nonexistent.jsonl`"));
}

/// The section of `docs/operations.md` on consuming a stream.
fn operations_section() -> String {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/operations.md")).unwrap();
    let start = text.find("## Consuming a stream").expect("the section");
    let rest = &text[start + 3..];
    let end = rest.find("\n## ").map_or(rest.len(), |e| e + 1);
    rest[..end].to_string()
}

#[test]
fn the_documented_partitions_are_the_ones_computed() {
    let section = operations_section();
    let mut rows = 0;
    for line in section.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = line.split('|').map(|c| c.trim().trim_matches('`')).collect();
        let (user, hash, of8, of16) = (cells[1], cells[2], cells[3], cells[4]);
        assert_eq!(
            format!("{:016x}", mintage::consume::partition::fnv1a(user.as_bytes())),
            hash,
            "{line}"
        );
        assert_eq!(mintage::consume::partition::of_user(user, 8).to_string(), of8, "{line}");
        assert_eq!(
            mintage::consume::partition::of_user(user, 16).to_string(),
            of16,
            "{line}"
        );
        rows += 1;
    }
    assert_eq!(rows, 5);
}

#[test]
fn the_documented_commands_take_the_flags_they_show() {
    let section = operations_section();
    let block = section.split("```sh\n").nth(1).unwrap().split("```").next().unwrap();
    let joined = block.replace("\\\n", " ");
    let mut commands = 0;
    for line in joined.lines().filter(|l| l.trim_start().starts_with("mintage ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let help = Command::new(bin()).args([words[1], "--help"]).output().unwrap();
        assert!(help.status.success(), "{line}");
        let help = String::from_utf8_lossy(&help.stdout);
        for flag in words.iter().filter(|w| w.starts_with("--")) {
            assert!(
                help.contains(&format!("{flag} ")),
                "`{flag}` of `{line}` is not in `mintage {} --help`",
                words[1]
            );
        }
        commands += 1;
    }
    assert_eq!(commands, 2);
}
