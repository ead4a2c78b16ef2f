//! The machine's NATS server (with JetStream), started if it is down.

use std::net::TcpStream;
use std::process::Command;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const URL: &str = "nats://127.0.0.1:4222";

fn ready() -> bool {
    TcpStream::connect_timeout(&"127.0.0.1:4222".parse().unwrap(), Duration::from_millis(500)).is_ok()
}

/// Makes sure the server answers, starting it once per test binary if needed (never a
/// silent skip: a test that needs it fails, saying what was tried).
pub fn server() {
    static UP: OnceLock<Result<(), String>> = OnceLock::new();
    let up = UP.get_or_init(|| {
        if ready() {
            return Ok(());
        }
        let _ = std::fs::create_dir_all("/var/lib/nats-server");
        let started = Command::new("start-stop-daemon")
            .args([
                "--start",
                "--oknodo",
                "--background",
                "--exec",
                "/usr/sbin/nats-server",
                "--",
                "-a",
                "127.0.0.1",
                "-p",
                "4222",
                "-js",
                "-sd",
                "/var/lib/nats-server",
                "-l",
                "/var/log/nats-server.log",
            ])
            .output();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if ready() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(format!(
            "NATS is not reachable at {URL} and could not be started (start-stop-daemon … nats-server -js: {started:?})"
        ))
    });
    if let Err(e) = up {
        panic!("{e}");
    }
}

/// A name no other run uses: for a stream, its subjects and its decisions.
pub fn unique(prefix: &str) -> String {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes).unwrap_or_else(|e| panic!("randomness: {e}"));
    format!("{prefix}{}", hex::encode(bytes))
}

/// Deletes a test's stream and its group's bucket (they are kept on disk otherwise).
pub fn delete_stream(name: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = async_nats::connect(URL).await.unwrap();
        let js = async_nats::jetstream::new(client);
        let _ = js.delete_stream(name).await;
        let _ = js.delete_stream(format!("KV_mintage_{name}")).await;
    });
}
