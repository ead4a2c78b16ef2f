//! Timing: per-event latencies (median, p99) and throughput over a time budget.

use std::hint::black_box;
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub events_per_s: f64,
    pub median_ns: f64,
    pub p99_ns: f64,
    /// Events per timed sample: 1 unless an event takes under a microsecond, when
    /// consecutive events are timed together and the sample is their mean.
    pub batch: usize,
}

pub struct Budget {
    pub time: Duration,
    pub min_samples: usize,
    /// Stop even below `min_samples` past this.
    pub hard: Duration,
}

/// Runs `f(i)` over event indexes `0..n` round and round within the budget.
pub fn measure(n: usize, budget: &Budget, mut f: impl FnMut(usize)) -> Stats {
    let n = n.max(1);
    // Warm up and estimate, to choose the batch.
    let warm = n.min(32);
    let t = Instant::now();
    for i in 0..warm {
        f(i);
    }
    let est = t.elapsed().as_nanos() as f64 / warm as f64;
    let batch = if est < 1_000.0 {
        ((1_000.0 / est.max(1.0)).ceil() as usize).clamp(1, 1_000)
    } else {
        1
    };
    let mut samples: Vec<f64> = Vec::with_capacity(4096);
    let mut total = Duration::ZERO;
    let mut events = 0u64;
    let mut i = 0usize;
    let start = Instant::now();
    loop {
        let t = Instant::now();
        for _ in 0..batch {
            f(i);
            i += 1;
            if i == n {
                i = 0;
            }
        }
        let dt = t.elapsed();
        total += dt;
        events += batch as u64;
        samples.push(dt.as_nanos() as f64 / batch as f64);
        let elapsed = start.elapsed();
        if (elapsed >= budget.time && samples.len() >= budget.min_samples) || elapsed >= budget.hard {
            break;
        }
    }
    black_box(&samples);
    samples.sort_by(f64::total_cmp);
    let q = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize];
    Stats {
        events_per_s: events as f64 / total.as_secs_f64().max(1e-12),
        median_ns: q(0.5),
        p99_ns: q(0.99),
        batch,
    }
}

pub fn fmt_ns(ns: f64) -> String {
    let us = ns / 1_000.0;
    if us < 1.0 {
        format!("{us:.3} µs")
    } else if us < 10.0 {
        format!("{us:.2} µs")
    } else if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 10_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else if us < 1_000_000.0 {
        format!("{:.1} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1_000_000.0)
    }
}

pub fn fmt_rate(r: f64) -> String {
    if r >= 1e6 {
        format!("{:.2} M", r / 1e6)
    } else if r >= 1e3 {
        format!("{:.1} k", r / 1e3)
    } else if r >= 10.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

pub fn fmt_ratio(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}×")
    } else if x >= 10.0 {
        format!("{x:.1}×")
    } else {
        format!("{x:.2}×")
    }
}
