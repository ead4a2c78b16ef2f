//! The real `mintage serve` binary for tests that cross process boundaries: started on a
//! ledger, its address read from its log, then killed (SIGKILL) or stopped (SIGTERM); and
//! a small HTTP/1.1 client with keep-alive, enough for the JSON the service speaks (a
//! test must not wait on a connection per request, and the service answers with a
//! `Content-Length`).
#![allow(dead_code)]

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A key with scopes `decide,redeem` made by `mintage keys add` (which also applies the
/// migrations, so that services started next do not race to make the first admin key).
pub fn key(db: &str) -> String {
    key_with(db, "decide,redeem")
}

/// A key with the given scopes (`admin` to send ticks, which move the service's clock).
pub fn key_with(db: &str, scopes: &str) -> String {
    let made = Command::new(env!("CARGO_BIN_EXE_mintage"))
        .args(["keys", "add", "--scope", scopes, "--label", "durability", "--db", db])
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("mintage keys add: {e}"));
    assert!(
        made.status.success(),
        "mintage keys add --db {db}: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    String::from_utf8_lossy(&made.stdout).trim().to_string()
}

/// A running `mintage serve`.
pub struct Served {
    child: Option<Child>,
    pub address: String,
    /// The last lines of its log, for failure messages.
    log: Arc<Mutex<VecDeque<String>>>,
}

const LOG_LINES: usize = 200;

/// ANSI colour codes out of a log line.
fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Starts `mintage serve RULES… --db DB --listen 127.0.0.1:0 EXTRA…` and waits (up to
/// 60 s) for the line that says where it listens. Per-request logs are filtered out: a
/// load test would fill the pipe with them.
pub fn start(rules: &[PathBuf], db: &str, extra: &[&str]) -> Served {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mintage"));
    command.arg("serve");
    command.args(rules);
    command
        .args(["--db", db, "--listen", "127.0.0.1:0"])
        .args(extra)
        .current_dir(root())
        .env("MINTAGE_LOG", "warn,mintage::service::server=info")
        .env("NO_COLOR", "1")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap_or_else(|e| panic!("mintage serve: {e}"));
    let Some(stderr) = child.stderr.take() else {
        panic!("mintage serve: no stderr")
    };
    let log = Arc::new(Mutex::new(VecDeque::new()));
    let (send, lines): (_, Receiver<String>) = channel();
    let kept = log.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let line = plain(&line);
            if let Ok(mut kept) = kept.lock() {
                if kept.len() == LOG_LINES {
                    kept.pop_front();
                }
                kept.push_back(line.clone());
            }
            // The receiver is gone once the service is up; keep draining the pipe.
            let _ = send.send(line);
        }
    });
    let mut served = Served {
        child: Some(child),
        address: String::new(),
        log,
    };
    loop {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => {
                if let Some(rest) = line.split("address=").nth(1) {
                    served.address = rest.split_whitespace().next().unwrap_or_default().to_string();
                    return served;
                }
            }
            Err(_) => panic!("mintage serve did not start:\n{}", served.log_tail()),
        }
    }
}

impl Served {
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map_or(0, Child::id)
    }

    pub fn log_tail(&self) -> String {
        self.log
            .lock()
            .map(|l| l.iter().cloned().collect::<Vec<_>>().join("\n"))
            .unwrap_or_default()
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM, then the exit status within 30 s (SIGKILL and a panic after that).
    pub fn stop(&mut self) -> ExitStatus {
        let Some(mut child) = self.child.take() else {
            panic!("the service was already stopped")
        };
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
        for _ in 0..300 {
            if let Ok(Some(status)) = child.try_wait() {
                return status;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the service did not stop on SIGTERM:\n{}", self.log_tail());
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One keep-alive connection to the service, reopened after an error.
pub struct Client {
    pub address: String,
    key: String,
    stream: Option<BufReader<TcpStream>>,
}

impl Client {
    pub fn new(address: &str, key: &str) -> Client {
        Client {
            address: address.to_string(),
            key: key.to_string(),
            stream: None,
        }
    }

    /// Points the client at another address (a restarted service).
    pub fn retarget(&mut self, address: &str) {
        if self.address != address {
            self.address = address.to_string();
            self.stream = None;
        }
    }

    pub fn post(&mut self, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        self.request("POST", path, body)
    }

    pub fn get(&mut self, path: &str) -> std::io::Result<(u16, String)> {
        self.request("GET", path, "")
    }

    /// One request; on any error the connection is dropped, so the next call opens a new
    /// one.
    pub fn request(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let answer = self.exchange(method, path, body);
        if answer.is_err() {
            self.stream = None;
        }
        answer
    }

    fn exchange(&mut self, method: &str, path: &str, body: &str) -> std::io::Result<(u16, String)> {
        let stream = match &mut self.stream {
            Some(s) => s,
            None => {
                let s = TcpStream::connect(&self.address)?;
                s.set_read_timeout(Some(Duration::from_secs(60)))?;
                s.set_nodelay(true)?;
                self.stream.insert(BufReader::new(s))
            }
        };
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: mintage\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            self.key,
            body.len()
        );
        stream.get_mut().write_all(request.as_bytes())?;
        let broken = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string());
        let mut line = String::new();
        if stream.read_line(&mut line)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "connection closed",
            ));
        }
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| broken(&format!("status line `{}`", line.trim_end())))?;
        let mut length = None;
        let mut close = false;
        loop {
            line.clear();
            if stream.read_line(&mut line)? == 0 {
                return Err(broken("headers cut short"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                let name = name.trim().to_ascii_lowercase();
                if name == "content-length" {
                    length = value.trim().parse::<usize>().ok();
                } else if name == "connection" && value.trim().eq_ignore_ascii_case("close") {
                    close = true;
                }
            }
        }
        let length = length.ok_or_else(|| broken("no Content-Length"))?;
        let mut bytes = vec![0u8; length];
        stream.read_exact(&mut bytes)?;
        if close {
            self.stream = None;
        }
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
}
