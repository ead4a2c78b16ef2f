//! Allocation alone: 1,000,000 users with five-offer menus from the brief's response
//! model, at a budget that binds. Prints the gain as a share of the LP bound once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use mintage::runtime::allocate::{Menus, allocate, lp_bound};
use std::hint::black_box;

fn population(n: usize) -> Menus {
    let mut state = 42u64;
    let mut unit = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut m = Menus::with_capacity(n, n * 5);
    for _ in 0..n {
        let (aov, p0, e) = (100.0 + unit() * 4900.0, 0.01 + unit() * 0.29, 0.5 + unit() * 3.5);
        let menu: Vec<(i64, i64)> = [10.0, 15.0, 20.0, 25.0, 30.0]
            .iter()
            .map(|pct: &f64| {
                let v = (pct / 100.0 * aov).min(150.0);
                let p = (p0 * (e * v / aov).exp()).min(0.95);
                (
                    ((p * v) * 100.0).round() as i64,
                    (((p - p0) * aov) * 100.0).round() as i64,
                )
            })
            .collect();
        m.push_user(menu);
    }
    m
}

fn bench_allocate(c: &mut Criterion) {
    let menus = population(1_000_000);
    let full = allocate(&menus, i64::MAX / 4).total_cost;
    let budget = full * 3 / 10;
    let a = allocate(&menus, budget);
    let bound = lp_bound(&menus, budget);
    eprintln!(
        "1,000,000 users x 5 offers, budget {:.0} yuan: gain {:.6} % of the LP bound, cost {} <= budget {}",
        budget as f64 / 100.0,
        100.0 * a.total_gain as f64 / bound,
        a.total_cost,
        budget
    );
    let mut g = c.benchmark_group("allocate");
    g.sample_size(10);
    g.bench_function("1M_users_5_offers", |b| {
        b.iter(|| black_box(allocate(&menus, budget).total_gain))
    });
    g.finish();
}

criterion_group!(benches, bench_allocate);
criterion_main!(benches);
