//! Embedding Mintage in a service: load the rules once, share them across worker
//! threads, give each worker the users of its shard (their state lives with the worker),
//! decide events, fire timers on a clock, and plan a batch campaign.
//!
//! `cargo run --example embed`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::runtime::batch::plan;
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::Runtime;
use mintage::runtime::eval::NoFacts;
use mintage::runtime::event::Event;
use std::sync::Arc;
use std::sync::mpsc;

fn event(id: &str, kind: &str, at: &str, user: &str) -> Event {
    Event::from_json(&format!(
        r#"{{"id":"{id}","type":"{kind}","at":"{at}","user":{{"id":"{user}","registered_at":"2026-10-28T09:00:00+08:00","paid_orders":0,"device_id":"d-{user}"}},"item":{{"id":"i-1","category":"shoes","price":600}},"scores":{{"fraud_risk":0.01}}}}"#
    ))
    .expect("a valid event")
}

fn main() {
    // 1. Load once: rules are immutable and `Send + Sync`.
    let rules = Arc::new(mintage::load(&["rules".into()]).unwrap_or_else(|e| panic!("{e}")));

    // 2. Workers own a shard of users each; events for a user always go to its shard, so a
    //    user's limits, timers and coupons are never shared between threads.
    let shards = 2;
    let mut senders = Vec::new();
    let (results_tx, results_rx) = mpsc::channel();
    let mut workers = Vec::new();
    for shard in 0..shards {
        let (tx, rx) = mpsc::channel::<Event>();
        senders.push(tx);
        let rules = rules.clone();
        let results = results_tx.clone();
        workers.push(std::thread::spawn(move || {
            let mut runtime = Runtime::new(rules, CodeMinter::seeded(100 + shard as u64));
            for e in rx {
                let decision = runtime.decide(&e);
                for d in runtime.take_fired().into_iter().chain(std::iter::once(decision)) {
                    if !d.is_empty() {
                        results.send((shard, d)).expect("collector alive");
                    }
                }
            }
            // On shutdown a service would fire what is due and persist the rest.
            for d in runtime.tick(mintage::value::parse_time("2026-11-02T13:00:00+08:00").expect("time")) {
                results.send((shard, d)).expect("collector alive");
            }
        }));
    }
    drop(results_tx);
    let stream = [
        event("e-1", "view_item", "2026-11-02T10:00:00+08:00", "u-ann"),
        event("e-2", "view_item", "2026-11-02T10:01:00+08:00", "u-bob"),
        event("e-3", "add_to_cart", "2026-11-02T10:05:00+08:00", "u-ann"),
    ];
    for e in stream {
        let user = e.user.as_ref().map(|u| u.id.clone()).unwrap_or_default();
        let shard = mintage::runtime::bucket::fnv1a32(user.as_bytes()) as usize % shards;
        senders[shard].send(e).expect("worker alive");
    }
    drop(senders);
    for w in workers {
        w.join().expect("worker finished");
    }
    for (shard, d) in results_rx {
        for c in &d.coupons {
            println!(
                "shard {shard}: {} gets {} {} ({}), code {}",
                d.user_id.as_deref().unwrap_or("?"),
                c.campaign,
                c.rule,
                c.kind,
                c.code
            );
        }
        for r in &d.revoked {
            println!("shard {shard}: revoked {} ({})", r.code, r.reason);
        }
    }

    // 3. A batch campaign over users in memory.
    let now = mintage::value::parse_time("2026-11-24T00:00:00+08:00").expect("time");
    let users: Vec<Event> = (0..1000)
        .map(|i| {
            let row = format!(
                r#"{{"id":"u-{i}","paid_orders":3,"last_order_at":"2026-06-01T10:00:00+08:00","avg_order_value":{},"scores":{{"p_convert":0.05,"price_sensitivity":0.{},"elasticity":2.0}}}}"#,
                200 + (i * 37) % 3000,
                (i * 7) % 100
            );
            mintage::runtime::batch::user_event(&row, i, now).expect("a valid row")
        })
        .collect();
    let plan = plan(
        &rules,
        "dormant_wakeup",
        &users,
        now,
        Some(200_000), // fen: ¥2,000
        &mut CodeMinter::seeded(7),
        &NoFacts,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "batch: {} eligible, {} offered, expected cost ¥{}, expected gain ¥{}",
        plan.summary.eligible, plan.summary.offered, plan.summary.expected_cost, plan.summary.expected_gain
    );
}
