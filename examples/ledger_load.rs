//! Decisions per second through the durable ledger, in process (no HTTP): a JSONL event
//! file fed by N threads to one `Ledger`.
//!
//! ```sh
//! cargo run --release --example gen_events -- 100000 > /tmp/ev100k.jsonl
//! cargo run --release --example ledger_load -- sqlite:/tmp/load.db /tmp/ev100k.jsonl 4
//! ```

use mintage::ledger::{Ledger, LedgerOptions, VersionedRules};
use mintage::runtime::event::Event;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, events, threads] = args.as_slice() else {
        return Err("usage: ledger_load DB_URL EVENTS.jsonl THREADS".into());
    };
    let threads: usize = threads.parse()?;
    let rules = mintage::load(&[PathBuf::from("rules")])?;
    let ledger = Arc::new(Ledger::open(
        url,
        VersionedRules {
            rules: Arc::new(rules),
            version: "r-load".into(),
        },
        LedgerOptions::default(),
    )?);
    let text = std::fs::read_to_string(events)?;
    let lines: Arc<Vec<String>> = Arc::new(
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(String::from)
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..threads {
        let (ledger, lines, next) = (ledger.clone(), lines.clone(), next.clone());
        handles.push(std::thread::spawn(move || -> Result<Vec<f64>, String> {
            let mut lat = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(raw) = lines.get(i) else { break };
                let event = Event::from_json(raw).map_err(|e| e.to_string())?;
                let t = Instant::now();
                ledger.decide(&event, raw).map_err(|e| e.to_string())?;
                lat.push(t.elapsed().as_secs_f64() * 1e3);
            }
            Ok(lat)
        }));
    }
    let mut lat = Vec::new();
    for h in handles {
        lat.extend(h.join().map_err(|_| "a thread panicked")??);
    }
    let secs = start.elapsed().as_secs_f64();
    lat.sort_by(f64::total_cmp);
    let pct = |p: f64| lat.get(((lat.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0.0);
    println!(
        "{} decisions in {secs:.2} s: {:.0}/s; latency p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms ({} threads, {})",
        lat.len(),
        lat.len() as f64 / secs,
        pct(0.5),
        pct(0.99),
        pct(1.0),
        threads,
        ledger.backend_name()
    );
    let audit = ledger.audit()?;
    println!(
        "audit: {} coupons, {} decisions, overspent {:?}, budget mismatches {:?}, duplicates {}",
        audit.coupons, audit.decisions, audit.overspent, audit.budget_mismatches, audit.duplicate_decisions
    );
    Ok(())
}
