//! The figure of `mintage fit`: N synthetic randomized decisions (with their users and
//! orders, `mintage::learning::synthetic`) written to a temporary folder, then fitted;
//! prints the wall time of the fit and the peak resident memory (VmHWM).
//!
//! `cargo run --release --example fit_figures -- 1000000` (target: under 30 s, 2 GB).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use mintage::learning::{Inputs, fit, synthetic};
use std::io::BufWriter;
use std::time::Instant;

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = |name: &str| dir.path().join(name);
    let create = |name: &str| BufWriter::new(std::fs::File::create(path(name)).expect("a file"));
    let (mut u, mut d, mut o) = (create("users.jsonl"), create("decisions.jsonl"), create("orders.jsonl"));
    let started = Instant::now();
    synthetic::write(n, 1, &mut u, &mut d, &mut o).expect("written");
    drop((u, d, o));
    let written = started.elapsed();
    let started = Instant::now();
    let fitted = fit(&Inputs {
        campaign: synthetic::CAMPAIGN.into(),
        decisions: path("decisions.jsonl").into(),
        users: path("users.jsonl").into(),
        orders: path("orders.jsonl").into(),
        window: 7 * mintage::value::DAY_MS,
        l2: 1.0,
        fitted_at: 0,
    })
    .expect("a fit");
    let took = started.elapsed();
    let m = &fitted.model;
    println!("decisions {n} (written in {:.1} s)", written.as_secs_f64());
    println!(
        "fit {:.2} s, peak RSS {} MB",
        took.as_secs_f64(),
        peak_rss_kb().unwrap_or(0) / 1024
    );
    println!(
        "train {} test {}; log-loss {:.4} (base {:.4}); qini {:.4}; newton {} iterations",
        m.fitted_on.train,
        m.fitted_on.test,
        m.metrics.log_loss,
        m.metrics.base_log_loss,
        m.metrics.qini,
        m.metrics.iterations
    );
}
