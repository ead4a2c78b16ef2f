//! Writes generated campaigns (five rules each) for benchmarks:
//! `cargo run --release --example gen_rules -- 2000 > /tmp/10k_rules.mint`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/mod.rs"]
mod support;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(100);
    print!("{}", support::rules_text(n, 1));
}
