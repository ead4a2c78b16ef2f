//! The campaign logic every engine evaluates, in one neutral form: rules as lists of
//! conditions over the event contract. Each engine's rule text (Mintage's `.mint`, rhai
//! scripts, CEL programs, a JDM decision table, Cedar policies) is written from this form,
//! so that they all say the same thing.

use chrono::{FixedOffset, TimeZone};

/// Shanghai is UTC+8 all year (no daylight saving time).
pub fn shanghai_ms(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> i64 {
    FixedOffset::east_opt(8 * 3600)
        .and_then(|tz| tz.with_ymd_and_hms(y, mo, d, h, mi, 0).single())
        .map(|t| t.timestamp_millis())
        .expect("valid date")
}

pub const DAY_MS: i64 = 86_400_000;

/// One condition; money is in whole yuan, as rule authors write it.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// `item.category == a` (one value) or `item.category in [a, b, …]`.
    CategoryIn(Vec<&'static str>),
    PriceGe(i64),
    StockAgeGt(i64),
    CartTotalGe(i64),
    TierEq(&'static str),
    PaidOrdersEq(i64),
    /// `user.registered_at within Nd`: registered at or before now, at most N days ago.
    RegisteredWithinDays(i64),
    /// `scores.NAME < x`; `x` has at most two decimals.
    ScoreLt(&'static str, f64),
    ScoreGe(&'static str, f64),
}

/// A rule as every engine sees it: triggers (empty: any event), the campaign's window
/// `[start, end)` in UTC ms, and all conditions (the campaign's audience, then the rule's).
#[derive(Clone, Debug)]
pub struct Rule {
    pub name: String,
    pub triggers: Vec<&'static str>,
    pub window: Option<(i64, i64)>,
    pub conds: Vec<Cond>,
}

/// A campaign as the generator writes it.
#[derive(Clone, Debug)]
pub struct Campaign {
    pub id: String,
    /// `(start, end)` as written in `.mint` (`2026-11-05 00:00`) and in UTC ms.
    pub window_text: (String, String),
    pub window: (i64, i64),
    pub audience: Vec<Cond>,
    pub rules: Vec<(String, Vec<&'static str>, Vec<Cond>, String)>,
}

pub struct Workload {
    pub name: String,
    pub campaigns: usize,
    /// In the order every engine reports them: index = rule id of the comparison.
    pub rules: Vec<Rule>,
    /// The rule text Mintage loads: files (seed) or generated text.
    pub mint: Vec<(String, String)>,
    pub events: Vec<String>,
    /// Whether a risk policy's fraud gate is one of the rules (the seed workload).
    pub fraud_gate: Option<u32>,
}

pub const CATEGORIES: &[&str] = &[
    "bags",
    "watches",
    "sneakers",
    "jewelry",
    "shoes",
    "coats",
    "dresses",
    "belts",
    "scarves",
    "sunglasses",
    "wallets",
    "hats",
];
pub const TIERS: &[&str] = &["low", "mid", "high"];
/// Event types the generated rules trigger on.
pub const GEN_EVENTS: &[&str] = &["view_item", "add_to_cart", "app_open", "cart_abandoned"];
/// Every event type the events carry, for typed contexts.
pub const KINDS: &[&str] = &[
    "view_item",
    "add_to_cart",
    "app_open",
    "cart_abandoned",
    "checkout_started",
    "payment_abandoned",
    "order_paid",
];
pub const SCORES: &[&str] = &["p_convert", "price_sensitivity", "elasticity", "fraud_risk"];

/// The library's deterministic generator (splitmix64), under the name the generators use.
pub use mintage::rng::SplitMix64 as Rng;

// ---------------------------------------------------------------- the seed campaigns

/// The seed files' event rules and the risk policy's fraud gate, as every engine states
/// them. `rules/double11.mint`, `rules/new_user_ladder.mint` and `rules/risk.mint` are the
/// source; this must say the same (the outputs are checked equal before timing).
pub fn seed_rules() -> Vec<Rule> {
    let d11 = Some((shanghai_ms(2026, 11, 11, 0, 0), shanghai_ms(2026, 11, 12, 0, 0)));
    let ladder = Some((shanghai_ms(2026, 11, 1, 0, 0), shanghai_ms(2027, 1, 1, 0, 0)));
    let new_user = vec![Cond::PaidOrdersEq(0), Cond::RegisteredWithinDays(30)];
    let rule = |name: &str, triggers: &[&'static str], window, conds: Vec<Cond>| Rule {
        name: name.to_string(),
        triggers: triggers.to_vec(),
        window,
        conds,
    };
    vec![
        rule("double11.base", &["app_open", "view_item"], d11, vec![]),
        rule(
            "double11.hot_category",
            &["view_item"],
            d11,
            vec![Cond::CategoryIn(vec!["bags", "watches", "sneakers"])],
        ),
        rule("double11.overstock", &["view_item"], d11, vec![Cond::StockAgeGt(60)]),
        rule(
            "double11.vip_rescue",
            &["cart_abandoned"],
            d11,
            vec![Cond::TierEq("high"), Cond::CartTotalGe(1000)],
        ),
        rule("new_user_ladder.welcome", &["view_item"], ladder, new_user.clone()),
        rule("new_user_ladder.cart_nudge", &["add_to_cart"], ladder, new_user.clone()),
        rule(
            "new_user_ladder.last_call",
            &["payment_abandoned"],
            ladder,
            new_user.clone(),
        ),
        rule("new_user_ladder.flat_welcome", &["view_item"], ladder, new_user),
        rule("risk.fraud_score", &[], None, vec![Cond::ScoreGe("fraud_risk", 0.9)]),
    ]
}

pub fn seed_workload(root: &std::path::Path, events: usize) -> Workload {
    let mint = ["double11.mint", "new_user_ladder.mint", "risk.mint"]
        .iter()
        .map(|f| {
            let path = root.join("rules").join(f);
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| crate::die(&format!("cannot read {}: {e}", path.display())));
            (format!("rules/{f}"), text)
        })
        .collect();
    let rules = seed_rules();
    let fraud_gate = rules
        .iter()
        .position(|r| r.name == "risk.fraud_score")
        .map(|i| i as u32);
    let mut r = Rng::new(11);
    // Half the events fall on Singles' Day, the rest across November.
    let events = (0..events as u64)
        .map(|i| {
            let at = if r.below(2) == 0 {
                shanghai_ms(2026, 11, 11, 0, 0) + (r.below(DAY_MS as u64) as i64)
            } else {
                shanghai_ms(2026, 11, 1, 0, 0) + (r.below(30 * DAY_MS as u64) as i64)
            };
            event_json(i, at, KINDS, &mut r)
        })
        .collect();
    Workload {
        name: "seed campaigns".into(),
        campaigns: 3,
        rules,
        mint,
        events,
        fraud_gate,
    }
}

// ---------------------------------------------------------------- generated campaigns

/// `n` campaigns of five rules shaped like the Double 11 ones: a trigger, a category set,
/// price, stock-age and cart thresholds, a tier, a conversion score; a window; an audience
/// for two thirds of them.
pub fn generate(n: usize, seed: u64) -> Vec<Campaign> {
    let mut r = Rng::new(seed);
    (0..n)
        .map(|c| {
            let day = 1 + r.below(20) as u32;
            let window_text = (format!("2026-11-{day:02} 00:00"), format!("2027-01-{day:02} 00:00"));
            let window = (shanghai_ms(2026, 11, day, 0, 0), shanghai_ms(2027, 1, day, 0, 0));
            let mut tier = None;
            let audience = match r.below(3) {
                0 => vec![Cond::PaidOrdersEq(0)],
                1 => {
                    let t = r.pick(TIERS);
                    tier = Some(t);
                    vec![Cond::TierEq(t)]
                }
                _ => vec![],
            };
            let rules = (0..5)
                .map(|k| {
                    let mut triggers = vec![r.pick(GEN_EVENTS)];
                    if r.below(5) == 0 {
                        let t = r.pick(GEN_EVENTS);
                        if !triggers.contains(&t) {
                            triggers.push(t);
                        }
                    }
                    let (a, b) = (r.pick(CATEGORIES), r.pick(CATEGORIES));
                    let conds = match r.below(4) {
                        0 => {
                            let set = if a == b { vec![a] } else { vec![a, b] };
                            vec![Cond::CategoryIn(set), Cond::PriceGe(100 * (1 + r.below(30) as i64))]
                        }
                        1 => vec![
                            Cond::CategoryIn(vec![a]),
                            Cond::StockAgeGt(10 * (1 + r.below(9) as i64)),
                        ],
                        2 => {
                            let (total, picked) = (200 * (1 + r.below(10) as i64), r.pick(TIERS));
                            vec![Cond::CartTotalGe(total), Cond::TierEq(tier.unwrap_or(picked))]
                        }
                        _ => {
                            let p = format!("{:.2}", 0.05 + r.below(20) as f64 / 100.0);
                            vec![Cond::ScoreLt("p_convert", p.parse().unwrap_or(0.1))]
                        }
                    };
                    let give = match r.below(3) {
                        0 => format!(
                            "give amount_off ¥{} min_spend ¥{} valid 48h",
                            5 * (1 + r.below(20)),
                            100 * (1 + r.below(10))
                        ),
                        1 => format!(
                            "give percent_off {}% cap ¥{} valid 24h",
                            5 + r.below(20),
                            50 * (1 + r.below(6))
                        ),
                        _ => format!(
                            "give threshold spend ¥{} get ¥{} off valid until window end",
                            100 * (2 + r.below(8)),
                            10 * (1 + r.below(10))
                        ),
                    };
                    (format!("r{k}"), triggers, conds, give)
                })
                .collect();
            Campaign {
                id: format!("gen_{c:05}"),
                window_text,
                window,
                audience,
                rules,
            }
        })
        .collect()
}

pub fn generated_workload(n: usize, events: usize) -> Workload {
    let campaigns = generate(n, 1);
    let mint = vec![("generated.mint".to_string(), mint_text(&campaigns))];
    let rules = campaigns
        .iter()
        .flat_map(|c| {
            c.rules.iter().map(move |(name, triggers, conds, _)| Rule {
                name: format!("{}.{name}", c.id),
                triggers: triggers.clone(),
                window: Some(c.window),
                // A condition the audience already states is stated once.
                conds: c.audience.iter().chain(conds).fold(Vec::new(), |mut v: Vec<Cond>, x| {
                    if !v.contains(x) {
                        v.push(x.clone());
                    }
                    v
                }),
            })
        })
        .collect();
    let mut r = Rng::new(7);
    // Across and beyond the campaigns' windows (2026-11-01 .. 2027-01-20).
    let start = shanghai_ms(2026, 10, 28, 0, 0);
    let events = (0..events as u64)
        .map(|i| {
            let at = start + r.below(90 * DAY_MS as u64) as i64;
            event_json(i, at, KINDS, &mut r)
        })
        .collect();
    Workload {
        name: format!("{} campaigns", thousands(n)),
        campaigns: n,
        rules,
        mint,
        events,
        fraud_gate: None,
    }
}

// ---------------------------------------------------------------- rule texts

pub fn mint_cond(c: &Cond) -> String {
    match c {
        Cond::CategoryIn(v) if v.len() == 1 => format!("item.category == \"{}\"", v[0]),
        Cond::CategoryIn(v) => format!("item.category in [{}]", quoted(v)),
        Cond::PriceGe(y) => format!("item.price >= ¥{y}"),
        Cond::StockAgeGt(d) => format!("item.stock_age_days > {d}"),
        Cond::CartTotalGe(y) => format!("cart.total >= ¥{y}"),
        Cond::TierEq(t) => format!("user.ltv_tier == \"{t}\""),
        Cond::PaidOrdersEq(n) => format!("user.paid_orders == {n}"),
        Cond::RegisteredWithinDays(d) => format!("user.registered_at within {d}d"),
        Cond::ScoreLt(s, x) => format!("scores.{s} < {x:.2}"),
        Cond::ScoreGe(s, x) => format!("scores.{s} >= {x:.2}"),
    }
}

pub fn quoted(v: &[&str]) -> String {
    v.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", ")
}

/// The campaigns as a rule author writes them.
pub fn mint_text(campaigns: &[Campaign]) -> String {
    let mut out = String::with_capacity(campaigns.len() * 900);
    for c in campaigns {
        out.push_str(&format!("campaign {} {{\n", c.id));
        out.push_str(&format!(
            "  window {} .. {} Asia/Shanghai\n",
            c.window_text.0, c.window_text.1
        ));
        out.push_str("  budget ¥50_000 face value\n");
        if !c.audience.is_empty() {
            let a: Vec<String> = c.audience.iter().map(mint_cond).collect();
            out.push_str(&format!("  audience {}\n", a.join(" and ")));
        }
        for (name, triggers, conds, give) in &c.rules {
            out.push_str(&format!("\n  rule {name} {{\n    on {}\n", triggers.join(", ")));
            if !conds.is_empty() {
                let w: Vec<String> = conds.iter().map(mint_cond).collect();
                out.push_str(&format!("    when {}\n", w.join(" and ")));
            }
            out.push_str(&format!("    once per user\n    {give}\n  }}\n"));
        }
        out.push_str("}\n\n");
    }
    out
}

// ---------------------------------------------------------------- events

fn rfc3339(ms: i64) -> String {
    let tz = FixedOffset::east_opt(8 * 3600).expect("offset");
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M:%S%:z").to_string())
        .unwrap_or_default()
}

/// A ~420-byte event of the integration contract.
pub fn event_json(i: u64, at: i64, kinds: &[&str], r: &mut Rng) -> String {
    let kind = r.pick(kinds);
    let cat = r.pick(CATEGORIES);
    // A third of the users are new (no paid order, registered days before the event).
    let new_user = r.below(3) == 0;
    let registered = if new_user {
        at - (1 + r.below(45) as i64) * DAY_MS
    } else {
        shanghai_ms(2025, 3, 1, 9, 0)
    };
    let paid = if new_user { 0 } else { 1 + r.below(20) };
    let fraud = if r.below(20) == 0 {
        90 + r.below(10)
    } else {
        r.below(30)
    };
    format!(
        concat!(
            "{{\"id\":\"e-{}\",\"type\":\"{}\",\"at\":\"{}\",",
            "\"user\":{{\"id\":\"u-{}\",\"registered_at\":\"{}\",\"paid_orders\":{},",
            "\"last_order_at\":null,\"total_spend\":{},\"avg_order_value\":{},\"ltv_tier\":\"{}\",\"device_id\":\"d-{}\",\"tags\":[]}},",
            "\"item\":{{\"id\":\"i-{}\",\"category\":\"{}\",\"price\":{},\"seller_id\":\"s-4\",\"stock_age_days\":{}}},",
            "\"cart\":{{\"items\":[],\"total\":{}}},",
            "\"scores\":{{\"p_convert\":0.{:02},\"price_sensitivity\":0.7,\"elasticity\":2.5,\"fraud_risk\":0.{:02}}}}}"
        ),
        i,
        kind,
        rfc3339(at),
        r.below(200_000),
        rfc3339(registered),
        paid,
        paid * 300,
        r.below(3000),
        r.pick(TIERS),
        r.below(150_000),
        r.below(100_000),
        cat,
        100 * (1 + r.below(50)),
        r.below(120),
        100 * r.below(30),
        r.below(30),
        fraud,
    )
}

/// `10000` as `10,000`.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
