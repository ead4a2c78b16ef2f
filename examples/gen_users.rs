//! Writes a generated user table for `mintage run` (JSONL, or CSV with `--csv`):
//! `cargo run --release --example gen_users -- 1000000 > users.jsonl`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/mod.rs"]
mod support;

use std::io::Write;

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut r = support::Rng::new(11);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for i in 0..n {
        writeln!(out, "{}", support::user_json(i, &mut r)).unwrap();
    }
}
