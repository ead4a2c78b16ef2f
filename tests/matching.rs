//! The indexes are an optimisation only: matching through them must give exactly what
//! checking every rule of the trigger one by one gives.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/mod.rs"]
mod support;

use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::Runtime;
use mintage::runtime::eval::{Ctx, Evaluator, Facts, NoFacts};
use mintage::runtime::event::Event;
use mintage::value::Millis;
use std::sync::Arc;

fn naive(rules: &mintage::runtime::engine::Rules, event: &Event) -> Vec<u32> {
    naive_with(rules, event, &NoFacts)
}

fn naive_with(rules: &mintage::runtime::engine::Rules, event: &Event, facts: &dyn Facts) -> Vec<u32> {
    let compiled = &rules.compiled;
    let ctx = Ctx {
        event,
        now: event.at,
        facts,
        locals: &[],
        offer: None,
        functions: &compiled.program.functions,
        scripts: Some(&rules.scripts),
    };
    let mut eval = Evaluator::new(&compiled.graph);
    let mut out = Vec::new();
    for id in 0..compiled.rules.len() as u32 {
        let r = compiled.rule(id).unwrap();
        let (rn, campaign, rule) = (r.nodes, r.campaign, r.rule);
        if !rule.triggers.contains(&event.kind.name()) {
            continue;
        }
        if let Some((start, end)) = campaign.window
            && (event.at < start || event.at >= end)
        {
            continue;
        }
        let audience = &compiled.campaign(rn.campaign.index()).unwrap().1.audience;
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
            out.push(id);
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

/// Signals and issued coupons that vary with their keys, so that conditions reading
/// state are sometimes true.
struct SomeFacts;

impl Facts for SomeFacts {
    fn signal(&self, name: &str, key: &str) -> Option<f64> {
        (name == "category_heat" && key != "hats").then(|| (key.len() % 10) as f64 / 10.0)
    }
    fn coupons_issued(&self, user: &str, since: Millis, _: Option<&str>) -> u32 {
        (user.len() as u32 + (since / 3_600_000 % 7) as u32) % 5
    }
    fn other_users_on_device(&self, _: &str, _: &str, _: Millis) -> u32 {
        0
    }
}

const CITIES: &[&str] = &["成都", "上海", "杭州"];
const KINDS: &[&str] = &["view_item", "add_to_cart", "app_open"];

/// A condition of every kind matching handles: index keys of every key type, field
/// groups of numbers, money, strings (built-in and declared fields) and booleans with
/// every comparison, conditions that call a script or read state, and lone ones.
fn condition(r: &mut support::Rng) -> String {
    let cat = r.pick(support::CATEGORIES);
    let n = 1 + r.below(9);
    match r.below(22) {
        0 => format!("item.category == \"{cat}\""),
        1 => format!("item.category in [\"{cat}\", \"{}\"]", r.pick(support::CATEGORIES)),
        2 => format!("item.price >= ¥{}", n * 300),
        3 => format!("item.price < ¥{}", n * 600),
        4 => format!("item.price != ¥{}", n * 300),
        5 => format!("item.price == ¥{}", n * 300),
        6 => format!("scores.p_convert < 0.{n}"),
        7 => format!("scores.p_convert >= 0.{n}"),
        8 => format!(
            "user.ltv_tier {} \"{}\"",
            ["==", "!="][r.below(2) as usize],
            r.pick(&["low", "mid", "high"])
        ),
        9 => format!("user.city {} \"{}\"", ["==", "!="][r.below(2) as usize], r.pick(CITIES)),
        10 => format!("item.weight {} {}.5", [">", "<=", "=="][r.below(3) as usize], n),
        11 => format!("user.vip == {}", r.below(2) == 0),
        12 => "user.paid_orders == 0".into(),
        13 => format!("user.paid_orders >= {n}"),
        14 => format!("signal(\"category_heat\", item.category) >= 0.{}", n.min(5)),
        15 => format!("band(item.price) == \"{}\"", ["low", "high"][r.below(2) as usize]),
        16 => format!("coupons_issued({n}d) < {}", n % 4),
        17 => format!("user.registered_at within {}d", n * 20),
        18 => format!("cart.total >= ¥{}", n * 200),
        19 => format!("item.stock_age_days > {}", n * 10),
        20 => "\"vip\" in user.tags".into(),
        _ => format!("item.id == \"i-{n}\""),
    }
}

/// Campaigns with windows that open and close across the events (or span them), audiences of
/// up to two conditions, and rules of zero to seven conditions.
fn varied_rules(campaigns: usize, r: &mut support::Rng) -> String {
    let mut out = String::from(
        "field user.city: string\nfield user.vip: bool\nfield item.weight: number\n\n\
         function band(price: money) -> string {\n  if price >= 1000.0 { \"high\" } else { \"low\" }\n}\n\n",
    );
    for c in 0..campaigns {
        out.push_str(&format!("campaign c{c:04} {{\n"));
        if r.below(6) == 0 {
            out.push_str("  window 2026-01-01 .. 2028-01-01\n");
        } else {
            // From a day in October to December 2026, to the end of that month or into
            // the next.
            let (month, day) = (10 + r.below(3), 1 + r.below(27));
            let end = match (r.below(2), month) {
                (0, _) => format!("2026-{month:02}-28"),
                (_, 12) => format!("2027-01-{:02}", 1 + r.below(28)),
                _ => format!("2026-{:02}-{:02}", month + 1, 1 + r.below(28)),
            };
            out.push_str(&format!(
                "  window 2026-{month:02}-{day:02} 00:00 .. {end} 00:00 Asia/Shanghai\n"
            ));
        }
        let audience: Vec<String> = (0..r.below(3)).map(|_| condition(r)).collect();
        if !audience.is_empty() {
            out.push_str(&format!("  audience {}\n", audience.join(" and ")));
        }
        for k in 0..5 {
            out.push_str(&format!("  rule r{k} {{\n    on {}\n", r.pick(KINDS)));
            let conditions: Vec<String> = (0..r.below(8)).map(|_| condition(r)).collect();
            if !conditions.is_empty() {
                out.push_str(&format!("    when {}\n", conditions.join(" and ")));
            }
            out.push_str("    give amount_off ¥5 min_spend ¥100 valid 48h\n  }\n");
        }
        out.push_str("}\n\n");
    }
    out
}

/// Events between September 2026 and February 2027 that lack fields now and then.
fn varied_event(i: u64, r: &mut support::Rng) -> String {
    let mut user = format!(
        "\"id\":\"u-{}\",\"registered_at\":\"2026-{:02}-10T09:00:00+08:00\",\"paid_orders\":{},\"tags\":{}",
        r.below(1000),
        1 + r.below(12),
        r.below(3),
        ["[]", "[\"vip\"]"][r.below(2) as usize]
    );
    if r.below(4) != 0 {
        user.push_str(&format!(",\"ltv_tier\":\"{}\"", r.pick(&["low", "mid", "high"])));
    }
    if r.below(4) != 0 {
        user.push_str(&format!(",\"city\":\"{}\"", r.pick(CITIES)));
    }
    if r.below(4) != 0 {
        user.push_str(&format!(",\"vip\":{}", r.below(2) == 0));
    }
    let month = ["2026-09", "2026-10", "2026-11", "2026-12", "2027-01", "2027-02"][r.below(6) as usize];
    let mut event = format!(
        "{{\"id\":\"e-{i}\",\"type\":\"{}\",\"at\":\"{month}-{:02}T{:02}:00:00+08:00\",\"user\":{{{user}}}",
        r.pick(KINDS),
        1 + r.below(28),
        r.below(24)
    );
    if r.below(5) != 0 {
        let weight = if r.below(3) == 0 {
            String::new()
        } else {
            format!(",\"weight\":{}.5", r.below(10))
        };
        event.push_str(&format!(
            ",\"item\":{{\"id\":\"i-{}\",\"category\":\"{}\",\"price\":{},\"stock_age_days\":{}{weight}}}",
            1 + r.below(9),
            r.pick(support::CATEGORIES),
            300 * (1 + r.below(9)),
            r.below(100)
        ));
    }
    if r.below(2) == 0 {
        event.push_str(&format!(",\"cart\":{{\"items\":[],\"total\":{}}}", 200 * r.below(10)));
    }
    if r.below(4) != 0 {
        event.push_str(&format!(",\"scores\":{{\"p_convert\":0.{}}}", r.below(10)));
    }
    event.push('}');
    event
}

#[test]
fn every_kind_of_condition_matches_as_checking_every_rule() {
    let mut r = support::Rng::new(42);
    let rules = mintage::load_str("varied.mint", &varied_rules(150, &mut r)).unwrap();
    let mut eval = Evaluator::new(&rules.compiled.graph);
    let mut out = Vec::new();
    let (mut matched, mut wide) = (0, 0);
    for i in 0..3000 {
        let event = Event::from_json(&varied_event(i, &mut r)).unwrap();
        rules.matching(&event, &mut eval, &SomeFacts, &mut out);
        assert_eq!(out, naive_with(&rules, &event, &SomeFacts), "event {i}");
        matched += out.len();
        wide += out
            .iter()
            .filter(|id| rules.compiled.rules[**id as usize].conditions.len() > 4)
            .count();
    }
    assert!(
        matched > 1000 && wide > 0,
        "{matched} matches, {wide} of rules with five or more conditions"
    );
}

/// A rule keyed by each of ten fields, all triggered by the same event type: the event
/// meets eleven lists (with the rules needing no particular value), and every rule
/// issues its coupon.
#[test]
fn rules_keyed_by_many_fields_all_decide() {
    let keys = [
        "item.category == \"bags\"",
        "user.ltv_tier == \"high\"",
        "user.city == \"成都\"",
        "item.id == \"i-1\"",
        "item.seller_id == \"s-1\"",
        "user.paid_orders == 0",
        "item.price == ¥300",
        "user.vip == true",
        "scores.p_convert == 0.5",
        "user.device_id == \"d-1\"",
        "true",
    ];
    let mut text = String::from(
        "field user.city: string\nfield user.vip: bool\n\ncampaign keys {\n  window 2026-11-01 .. 2026-12-01\n",
    );
    for (k, key) in keys.iter().enumerate() {
        text.push_str(&format!(
            "  rule k{k} {{\n    on view_item\n    when {key}\n    give amount_off ¥5 min_spend ¥100 valid 48h\n  }}\n"
        ));
    }
    text.push_str("}\n");
    let rules = Arc::new(mintage::load_str("keys.mint", &text).unwrap());
    let event = Event::from_json(
        r#"{"id":"e","type":"view_item","at":"2026-11-02T10:00:00+08:00","user":{"id":"u","paid_orders":0,"ltv_tier":"high","device_id":"d-1","city":"成都","vip":true},"item":{"id":"i-1","category":"bags","price":300,"seller_id":"s-1"},"scores":{"p_convert":0.5}}"#,
    )
    .unwrap();
    let mut eval = Evaluator::new(&rules.compiled.graph);
    let mut out = Vec::new();
    rules.matching(&event, &mut eval, &NoFacts, &mut out);
    assert_eq!(out, (0..keys.len() as u32).collect::<Vec<_>>());
    let mut rt = Runtime::new(rules, CodeMinter::seeded(1));
    let issued: Vec<String> = rt.decide(&event).coupons.iter().map(|c| c.rule.to_string()).collect();
    assert_eq!(issued, (0..keys.len()).map(|k| format!("k{k}")).collect::<Vec<_>>());
}
