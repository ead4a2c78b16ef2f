//! Criterion benchmarks of the rule language's costs: checking a 10,000-rule file and
//! evaluating events against 1,000 loaded campaigns (context pre-built: events are parsed
//! before timing), plus the seed rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/mod.rs"]
mod support;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use mintage::check::{CheckOptions, check};
use mintage::runtime::engine::Rules;
use mintage::runtime::eval::{Evaluator, NoFacts};
use mintage::runtime::event::Event;
use mintage::syntax::Sources;
use std::hint::black_box;

fn load(text: &str) -> Rules {
    let mut sources = Sources::default();
    sources.add("generated.mint", text.to_string());
    let checked = check(sources, &CheckOptions::default());
    let program = checked
        .program
        .unwrap_or_else(|| panic!("{:?}", checked.diagnostics.first().map(|d| d.message.clone())));
    Rules::new(program).unwrap()
}

fn events(n: u64) -> Vec<Event> {
    let mut r = support::Rng::new(7);
    (0..n)
        .map(|i| Event::from_json(&support::event_json(i, &mut r)).unwrap())
        .collect()
}

fn bench_check(c: &mut Criterion) {
    let text = support::rules_text(2_000, 1); // 10,000 rules
    let mut g = c.benchmark_group("check");
    g.sample_size(10);
    g.bench_function("10000_rules", |b| {
        b.iter(|| {
            let mut sources = Sources::default();
            sources.add("generated.mint", text.clone());
            black_box(check(sources, &CheckOptions::default()).diagnostics.len())
        })
    });
    g.finish();
}

fn bench_eval(c: &mut Criterion) {
    let evs = events(1_000);
    let mut g = c.benchmark_group("evaluate_event");
    for campaigns in [10usize, 100, 1_000] {
        let rules = load(&support::rules_text(campaigns, 1));
        let mut eval = Evaluator::new(&rules.compiled.graph);
        let mut out = Vec::new();
        let mut i = 0;
        g.bench_with_input(BenchmarkId::new("campaigns", campaigns), &campaigns, |b, _| {
            b.iter(|| {
                let e = &evs[i % evs.len()];
                i += 1;
                rules.matching(e, &mut eval, &NoFacts, &mut out);
                black_box(out.len())
            })
        });
    }
    let seed_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/rules");
    let program = check(
        mintage::check::load_paths(&[seed_dir.into()]).unwrap(),
        &CheckOptions::default(),
    )
    .program
    .unwrap();
    let rules = Rules::new(program).unwrap();
    let mut eval = Evaluator::new(&rules.compiled.graph);
    let mut out = Vec::new();
    let seed_event = Event::from_json(r#"{"id":"e","type":"view_item","at":"2026-11-11T10:00:00+08:00","user":{"id":"u-1","registered_at":"2026-11-01T09:00:00+08:00","paid_orders":0,"ltv_tier":"high","device_id":"d-1"},"item":{"id":"i","category":"bags","price":1280,"seller_id":"s","stock_age_days":70},"scores":{"fraud_risk":0.01}}"#).unwrap();
    g.bench_function("seed_rules", |b| {
        b.iter(|| {
            rules.matching(&seed_event, &mut eval, &NoFacts, &mut out);
            black_box(out.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench_check, bench_eval);
criterion_main!(benches);
