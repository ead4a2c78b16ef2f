#[path = "../benches/support/mod.rs"]
mod support;
use mintage::check::{CheckOptions, check};
use mintage::runtime::engine::Rules;
use mintage::runtime::eval::{Evaluator, NoFacts};
use mintage::runtime::event::Event;
use mintage::syntax::Sources;
fn main() {
    let mut sources = Sources::default();
    sources.add("g.mint", support::rules_text(1000, 1));
    let rules = Rules::new(check(sources, &CheckOptions::default()).program.unwrap());
    let c = &rules.compiled;
    let mut r = support::Rng::new(7);
    let evs: Vec<Event> = (0..1000).map(|i| Event::from_json(&support::event_json(i, &mut r)).unwrap()).collect();
    let mut total_cand = 0; let mut total_match = 0; let mut in_window = 0;
    let mut eval = Evaluator::new(&c.graph); let mut out = Vec::new();
    for e in &evs {
        let idx = c.triggers.get(&e.kind).unwrap();
        let cat = e.item.as_ref().and_then(|i| i.category.clone()).unwrap();
        let n = idx.any.len() + idx.by_category.get(&cat).map_or(0, |v| v.len());
        total_cand += n;
        for id in idx.any.iter().chain(idx.by_category.get(&cat).into_iter().flatten()) { let (s,en) = c.hot.rule_window[*id as usize]; if e.at >= s && e.at < en { in_window += 1; } }
        rules.matching(e, &mut eval, &NoFacts, &mut out); total_match += out.len();
    }
    println!("nodes {} shared {} candidates/event {} in-window {} matched/event {}", c.graph.len(), c.graph.shared_hits, total_cand / 1000, in_window/1000, total_match / 1000);
}
