//! Real-time depth choice (issue 11: "in microseconds"): an event rule with a `one of`
//! menu of three depths in a campaign with a fitted response model picks the option of
//! highest `gain − λ·cost` at the moment of the event. Measured: valuing one user's
//! three options with the model, and whole decisions with the choice against the same
//! rule with one fixed offer (a menu needs something to choose: E015).
//!
//! `cargo bench --bench choose`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mintage::learning::synthetic;
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::{Rules, Runtime};
use mintage::runtime::event::Event;
use std::hint::black_box;
use std::sync::Arc;

const DECISIONS: usize = 100;

fn rules_text(response: bool) -> String {
    format!(
        r#"campaign {} {{
  window 2026-11-01 .. 2026-12-31 Asia/Shanghai
  {}

  rule welcome {{
    on view_item
    give percent_off {} cap ¥1000 valid 7d
  }}
}}
"#,
        synthetic::CAMPAIGN,
        if response {
            "response from \"model.json\"\n  price λ 2"
        } else {
            ""
        },
        if response { "one of 10%, 20%, 30%" } else { "10%" }
    )
}

/// The rules with a response fitted on 20,000 synthetic decisions, and without one.
fn setup(dir: &std::path::Path) -> (Arc<Rules>, Arc<Rules>) {
    let path = |name: &str| dir.join(name);
    let fitted = synthetic::write_and_fit(dir, 20_000, 1).unwrap();
    std::fs::write(path("model.json"), serde_json::to_string(&fitted.model).unwrap()).unwrap();
    let load = |name: &str, response: bool| {
        std::fs::write(path(name), rules_text(response)).unwrap();
        Arc::new(mintage::load(&[path(name)]).unwrap())
    };
    (load("with.mint", true), load("without.mint", false))
}

fn events() -> Vec<Event> {
    (0..DECISIONS)
        .map(|i| {
            let ps = (i as f64 * 0.37) % 1.0;
            Event::from_json(&format!(
                r#"{{"id":"e-{i}","type":"view_item","at":"2026-11-20T10:00:00+08:00","user":{{"id":"u-{i}","registered_at":"2024-01-01T00:00:00+08:00","paid_orders":{},"last_order_at":"2026-06-01T00:00:00+08:00","total_spend":{},"avg_order_value":{},"ltv_tier":"mid"}},"scores":{{"p_base":0.5,"price_sensitivity":{ps:.3}}}}}"#,
                1 + i % 9,
                500 + i * 7,
                100 + i % 400
            ))
            .unwrap()
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (with, without) = setup(dir.path());
    let model = with.responses.first().cloned().flatten().expect("a response model");
    let events = events();
    let user = events[7].user.clone().unwrap();
    let options: Vec<_> = model.options.iter().map(|o| o.view()).collect();
    let now = events[7].at;
    c.bench_function("value three options", |b| {
        b.iter(|| {
            for o in &options {
                black_box(model.value(black_box(&user), now, o));
            }
        })
    });
    let mut group = c.benchmark_group(format!("{DECISIONS} decisions"));
    for (name, rules) in [("with the response", &with), ("one fixed offer", &without)] {
        group.bench_function(name, |b| {
            b.iter_batched(
                || Runtime::new(rules.clone(), CodeMinter::seeded(1)),
                |mut runtime| {
                    for e in &events {
                        black_box(runtime.decide(e));
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
