//! The indexes are an optimisation only: matching through them must give exactly what
//! checking every rule of the trigger one by one gives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/mod.rs"]
mod support;

use mintage::runtime::eval::{Ctx, Evaluator, NoFacts};
use mintage::runtime::event::Event;

fn naive(rules: &mintage::runtime::engine::Rules, event: &Event) -> Vec<u32> {
    let compiled = &rules.compiled;
    let ctx = Ctx {
        event,
        now: event.at,
        facts: &NoFacts,
        locals: &[],
        offer: None,
        functions: &compiled.program.functions,
        scripts: Some(&rules.scripts),
    };
    let mut eval = Evaluator::new(&compiled.graph);
    let mut out = Vec::new();
    for (id, rn) in compiled.rules.iter().enumerate() {
        let campaign = &compiled.program.campaigns[rn.campaign];
        let rule = &campaign.rules[rn.rule];
        if !rule.triggers.contains(&event.kind) {
            continue;
        }
        if let Some((start, end)) = campaign.window
            && (event.at < start || event.at >= end)
        {
            continue;
        }
        let audience = &compiled.campaigns[rn.campaign].audience;
        // Plain evaluation, without the grouped comparisons that `truth` uses.
        let holds = |eval: &mut Evaluator, node| {
            matches!(
                eval.eval(&compiled.graph, node, &ctx),
                mintage::value::Value::Bool(true)
            )
        };
        if audience
            .iter()
            .chain(rn.conditions.iter())
            .all(|c| holds(&mut eval, c.node))
        {
            out.push(id as u32);
        }
    }
    out
}

#[test]
fn indexed_matching_equals_checking_every_rule() {
    for (campaigns, seed) in [(30, 1), (200, 2)] {
        let rules = mintage::load_str("generated.mint", &support::rules_text(campaigns, seed)).unwrap();
        let mut r = support::Rng::new(seed + 10);
        let mut eval = Evaluator::new(&rules.compiled.graph);
        let mut out = Vec::new();
        let mut matched = 0;
        for i in 0..500 {
            let event = Event::from_json(&support::event_json(i, &mut r)).unwrap();
            rules.matching(&event, &mut eval, &NoFacts, &mut out);
            assert_eq!(out, naive(&rules, &event), "event {i}");
            matched += out.len();
        }
        assert!(matched > 0, "the generated events should match some rules");
    }
}

#[test]
fn seed_rules_match_the_same_way() {
    let rules = mintage::load(&[concat!(env!("CARGO_MANIFEST_DIR"), "/rules").into()]).unwrap();
    let mut r = support::Rng::new(3);
    let mut eval = Evaluator::new(&rules.compiled.graph);
    let mut out = Vec::new();
    for i in 0..2000 {
        let event = Event::from_json(&support::stream_line(i, 2000, 300, &mut r)).unwrap();
        rules.matching(&event, &mut eval, &NoFacts, &mut out);
        assert_eq!(out, naive(&rules, &event), "event {i}");
    }
}
