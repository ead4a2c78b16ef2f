//! Writes a generated event stream for `mintage replay` benchmarks:
//! `cargo run --release --example gen_events -- 1000000 > events.jsonl`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/mod.rs"]
mod support;

use std::io::Write;

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let users: u64 = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let mut r = support::Rng::new(5);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for i in 0..n {
        writeln!(out, "{}", support::stream_line(i, n, users, &mut r)).unwrap();
    }
}
