//! Writes a JSONL event file for the seed ladder campaign with a known true lift per arm:
//! each user's first qualifying `view_item` (the exposure), their `order_paid` events with
//! `"order": {"id", "total", "items", "coupons", "shipping"}` and, when a coupon is used,
//! a `coupon_redeemed` with its `discount`. The events are run through the runtime as they
//! are written (`rules/`, the same `--seed` as `mintage replay --seed`), so the coupon codes
//! in the orders are the ones a replay of the file mints.
//!
//! `cargo run --release --example gen_outcomes -- --users 1000000 --seed 7 \
//!    --lift ladder=0.25,flat=0.1 > events.jsonl`
//!
//! Options: `--users N` (≤ 1,000,000; default 10,000), `--seed S` (default 1),
//! `--lift ARM=L,…` (relative conversion lift; default ladder=0.25,flat=0.1),
//! `--conversion P` (the holdout's rate, default 0.08), `--rules DIR` (default `rules`).
//! A summary goes to stderr; the exit code is 1 if the runtime put a user in another arm
//! than the model did.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod outcomes_data;

use outcomes_data::{ARMS, FACE_FEN, Params};
use std::path::PathBuf;

fn args() -> (Params, PathBuf) {
    let mut p = Params::default();
    let mut rules = PathBuf::from("rules");
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("`{flag}` needs a value"));
        match flag.as_str() {
            "--users" => p.users = value.parse().expect("--users takes a number"),
            "--seed" => p.seed = value.parse().expect("--seed takes a number"),
            "--conversion" => p.conversion = value.parse().expect("--conversion takes a rate"),
            "--rules" => rules = PathBuf::from(value),
            "--lift" => {
                for pair in value.split(',') {
                    let (arm, lift) = pair.split_once('=').expect("--lift takes ARM=LIFT,…");
                    let i = ARMS.iter().position(|a| *a == arm).expect("an arm of ladder_v1");
                    p.lift[i] = lift.parse().expect("a lift is a number");
                }
            }
            _ => panic!("unknown option `{flag}`"),
        }
    }
    assert!(p.users <= 1_000_000, "at most 1,000,000 users");
    (p, rules)
}

fn main() {
    let (params, rules_dir) = args();
    let s = outcomes_data::events::write(&params, &rules_dir, std::io::stdout().lock());
    let faces: Vec<String> = ARMS
        .iter()
        .zip(FACE_FEN)
        .map(|(a, f)| format!("{a} ¥{}", f / 100))
        .collect();
    eprintln!(
        "{} lines; users per arm {:?} ({ARMS:?}); coupons {}; true conversion lift {:?}; faces {}; arm mismatches {}",
        s.lines,
        s.exposed,
        s.coupons,
        params.lift,
        faces.join(", "),
        s.arm_mismatches
    );
    if s.arm_mismatches > 0 {
        std::process::exit(1);
    }
}
