//! PostgreSQL for tests: the local server, started if it is down, and a database of the
//! test's own, dropped when the test ends. A server that cannot be reached fails the
//! test: nothing is skipped.
#![allow(dead_code)]

use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const HOST: &str = "127.0.0.1";
const PORT: &str = "5432";
const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn ready() -> bool {
    Command::new("pg_isready")
        .args(["-h", HOST, "-p", PORT, "-t", "2"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The clusters installed (`/etc/postgresql/VERSION/NAME`).
fn clusters() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let Ok(versions) = std::fs::read_dir("/etc/postgresql") else {
        return out;
    };
    for v in versions.flatten() {
        let Ok(names) = std::fs::read_dir(v.path()) else {
            continue;
        };
        for n in names.flatten() {
            out.push((
                v.file_name().to_string_lossy().into_owned(),
                n.file_name().to_string_lossy().into_owned(),
            ));
        }
    }
    out.sort();
    out
}

fn start() -> Vec<String> {
    let mut tried = Vec::new();
    for (version, name) in clusters() {
        let r = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, &name, "start"])
            .output();
        tried.push(format!("pg_ctlcluster {version} {name} start: {r:?}"));
    }
    if !ready() {
        let r = Command::new("service").args(["postgresql", "start"]).output();
        tried.push(format!("service postgresql start: {r:?}"));
    }
    tried
}

/// Makes sure the server answers, starting it once per test binary if needed.
pub fn server() {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let up = UP.get_or_init(|| {
        if ready() {
            return Ok(());
        }
        let tried = start();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if ready() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        Err(format!(
            "PostgreSQL is not reachable at {HOST}:{PORT} and could not be started:\n{}",
            tried.join("\n")
        ))
    });
    if let Err(e) = up {
        panic!("{e}");
    }
}

fn admin() -> postgres::Client {
    postgres::Client::connect(ADMIN_URL, postgres::NoTls).unwrap_or_else(|e| panic!("connect to {ADMIN_URL}: {e}"))
}

/// A database of the test's own, dropped (with any connection still open) on drop.
pub struct TestDb {
    pub name: String,
}

impl TestDb {
    pub fn new() -> TestDb {
        server();
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("randomness: {e}"));
        let name = format!("mintage_test_{}", hex::encode(bytes));
        admin()
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        TestDb { name }
    }

    /// The database's URL, with extra query options (`sync=full`, `pool=4`…).
    pub fn url(&self, options: &str) -> String {
        let base = format!("postgres://postgres@{HOST}:{PORT}/{}", self.name);
        if options.is_empty() {
            base
        } else {
            format!("{base}?{options}")
        }
    }

    /// A plain client on the database, to look behind the ledger.
    pub fn client(&self) -> postgres::Client {
        let url = self.url("");
        postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| panic!("connect to {url}: {e}"))
    }

    /// A number from one query (`SELECT COUNT(*) …`).
    pub fn count(&self, sql: &str) -> i64 {
        self.client()
            .query_one(sql, &[])
            .and_then(|r| r.try_get(0))
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let r = admin().batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        if let Err(e) = r
            && !std::thread::panicking()
        {
            panic!("drop database {}: {e}", self.name);
        }
    }
}
