//! Checkout: the best combination of a wallet of 30 coupons for an order of 20 lines
//! (issue 12's target: under 1 ms). The wallet is what a Singles' Day buyer holds: store-
//! wide thresholds and percentages, category and seller coupons (several of one rule,
//! some stackable), exclusive ones, free shipping, gifts and a campaign cap.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use mintage::checkout::{Coupon, Funding, Kind, Line, Order, QuoteRequest, Time, quote};
use mintage::value::{Percent, Yuan};
use std::hint::black_box;

const CATEGORIES: &[&str] = &["bags", "shoes", "watches", "beauty", "books"];
const SELLERS: &[&str] = &["s-1", "s-2", "s-3", "s-4"];

fn request() -> QuoteRequest {
    let mut state = 7u64;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) % n
    };
    let lines = (0..20)
        .map(|i| Line {
            id: format!("l{i}"),
            category: Some(CATEGORIES[next(5) as usize].to_string()),
            price: Yuan(1_000 + next(60_000) as i64),
            qty: 1 + next(2) as u32,
            seller_id: Some(SELLERS[next(4) as usize].to_string()),
            on_sale: next(5) == 0,
        })
        .collect();
    let mut wallet = Vec::new();
    for i in 0..30 {
        let campaign = format!("c{}", i % 6);
        let rule = format!("r{}", next(3));
        let kind = match next(10) {
            0..=3 => Kind::AmountOff,
            4..=6 => Kind::PercentOff,
            7 => Kind::Threshold,
            8 => Kind::FreeShipping,
            _ => Kind::Gift,
        };
        let mut c = Coupon::new(&format!("MNT-{i:02}"), &campaign, &rule, kind);
        c.amount = Some(Yuan(500 + 500 * next(20) as i64));
        c.percent = Some(Percent(500 + 500 * next(4) as i64));
        c.cap = Some(Yuan(5_000 + 1_000 * next(10) as i64));
        c.min_spend = Yuan(10_000 * next(30) as i64);
        match next(4) {
            0 => c.categories = vec![CATEGORIES[next(5) as usize].to_string()],
            1 => c.seller = Some(SELLERS[next(4) as usize].to_string()),
            _ => {}
        }
        c.valid_until = Some(Time(2_000_000 + next(1_000) as i64));
        c.funding = Funding {
            platform: Percent(10_000 - 1_000 * next(6) as i64),
            seller: Percent(0),
        };
        c.funding.seller = Percent(10_000 - c.funding.platform.0);
        c.stackable = next(3) == 0;
        c.exclusive = next(15) == 0;
        if next(6) == 0 {
            c.exclusive_with = vec![format!("c{}.r{}", next(6), next(3))];
        }
        c.not_on_sale = next(4) == 0;
        if i % 6 == 0 {
            c.campaign_cap = Some(Yuan::whole(300));
        }
        if kind == Kind::Gift {
            c.gift = Some("tote".into());
        }
        wallet.push(c);
    }
    QuoteRequest {
        order: Order {
            id: "o-1".into(),
            buyer_id: "u-1".into(),
            lines,
            shipping: Yuan(1_200),
        },
        wallet,
        at: Time(1_000_000),
    }
}

/// Nanoseconds this thread has run on a CPU (Linux), so that the figure can be read
/// apart from time spent waiting for a core on a shared machine.
fn on_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn bench_quote(c: &mut Criterion) {
    let req = request();
    let plan = mintage::checkout::plan::Plan::new(&req).unwrap();
    let best = mintage::checkout::search::best(&plan);
    let q = quote(&req).unwrap();
    println!(
        "30 coupons × 20 lines: {} usable discount coupons, {} chosen, ¥{} off, {} search nodes",
        plan.discounts.len(),
        q.coupons.len(),
        mintage::value::yuan_string(q.discount.0),
        best.nodes
    );
    let runs = 2_000u32;
    let (t0, c0) = (std::time::Instant::now(), on_cpu_ns());
    for _ in 0..runs {
        black_box(quote(black_box(&req)).unwrap());
    }
    if let (Some(c0), Some(c1)) = (c0, on_cpu_ns()) {
        println!(
            "one quote: {:.1} µs on a CPU, {:.1} µs wall ({runs} runs)",
            (c1 - c0) as f64 / f64::from(runs) / 1e3,
            t0.elapsed().as_secs_f64() * 1e6 / f64::from(runs)
        );
    }
    c.bench_function("checkout quote, 30 coupons × 20 lines", |b| {
        b.iter(|| quote(black_box(&req)).unwrap())
    });
    // The parts of it: checking the order and wallet, then the search alone.
    c.bench_function("checkout plan", |b| {
        b.iter(|| mintage::checkout::plan::Plan::new(black_box(&req)).unwrap())
    });
    c.bench_function("checkout search", |b| {
        b.iter(|| mintage::checkout::search::best(black_box(&plan)))
    });
}

criterion_group!(benches, bench_quote);
criterion_main!(benches);
