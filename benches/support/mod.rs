//! Generated rule sets and events for benchmarks: campaigns shaped like the Double 11
//! ones (trigger, category, price and tier conditions, several offer kinds), written as
//! rule text so that they load the way a user's files do.
#![allow(dead_code)]

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
const EVENTS: &[&str] = &["view_item", "add_to_cart", "app_open", "cart_abandoned"];
const TIERS: &[&str] = &["low", "mid", "high"];

/// The library's deterministic generator (splitmix64), under the name the generators use.
pub use mintage::rng::SplitMix64 as Rng;

/// `campaigns` campaigns of five rules each.
pub fn rules_text(campaigns: usize, seed: u64) -> String {
    let mut r = Rng::new(seed);
    let mut out = String::with_capacity(campaigns * 900);
    for c in 0..campaigns {
        let day = 1 + r.below(20);
        out.push_str(&format!("campaign gen_{c:05} {{\n"));
        out.push_str(&format!(
            "  window 2026-11-{day:02} 00:00 .. 2027-01-{day:02} 00:00 Asia/Shanghai\n"
        ));
        out.push_str(&format!("  budget ¥{} face value\n", 10_000 + r.below(90_000)));
        // Rules that name a tier use the campaign's, if it has one (no contradictions).
        let mut tier = None;
        match r.below(3) {
            0 => out.push_str("  audience user.paid_orders == 0\n"),
            1 => {
                let t = r.pick(TIERS);
                tier = Some(t);
                out.push_str(&format!("  audience user.ltv_tier == \"{t}\"\n"));
            }
            _ => {}
        }
        for k in 0..5 {
            let trigger = r.pick(EVENTS);
            out.push_str(&format!("\n  rule r{k} {{\n    on {trigger}\n"));
            let (a, b) = (r.pick(CATEGORIES), r.pick(CATEGORIES));
            match r.below(4) {
                0 => out.push_str(&format!(
                    "    when item.category in [\"{a}\", \"{b}\"] and item.price >= ¥{}\n",
                    100 * (1 + r.below(30))
                )),
                1 => out.push_str(&format!(
                    "    when item.category == \"{a}\" and item.stock_age_days > {}\n",
                    10 * (1 + r.below(9))
                )),
                2 => {
                    let (total, picked) = (200 * (1 + r.below(10)), r.pick(TIERS));
                    let t = tier.unwrap_or(picked);
                    out.push_str(&format!(
                        "    when cart.total >= ¥{total} and user.ltv_tier == \"{t}\"\n"
                    ))
                }
                _ => out.push_str(&format!(
                    "    when scores.p_convert < {:.2}\n",
                    0.05 + r.below(20) as f64 / 100.0
                )),
            }
            out.push_str("    once per user\n");
            match r.below(3) {
                0 => out.push_str(&format!(
                    "    give amount_off ¥{} min_spend ¥{} valid 48h\n",
                    5 * (1 + r.below(20)),
                    100 * (1 + r.below(10))
                )),
                1 => out.push_str(&format!(
                    "    give percent_off {}% cap ¥{} valid 24h\n",
                    5 + r.below(20),
                    50 * (1 + r.below(6))
                )),
                _ => out.push_str(&format!(
                    "    give threshold spend ¥{} get ¥{} off valid until window end\n",
                    100 * (2 + r.below(8)),
                    10 * (1 + r.below(10))
                )),
            }
            out.push_str("  }\n");
        }
        out.push_str("}\n\n");
    }
    out
}

/// A ~420-byte event of the contract.
pub fn event_json(i: u64, r: &mut Rng) -> String {
    let kind = r.pick(EVENTS);
    let cat = r.pick(CATEGORIES);
    format!(
        concat!(
            "{{\"id\":\"e-{}\",\"type\":\"{}\",\"at\":\"2026-12-{:02}T{:02}:{:02}:00+08:00\",",
            "\"user\":{{\"id\":\"u-{}\",\"registered_at\":\"2026-10-30T09:00:00+08:00\",\"paid_orders\":{},",
            "\"last_order_at\":null,\"total_spend\":0,\"avg_order_value\":{},\"ltv_tier\":\"{}\",\"device_id\":\"d-{}\",\"tags\":[]}},",
            "\"item\":{{\"id\":\"i-{}\",\"category\":\"{}\",\"price\":{},\"seller_id\":\"s-4\",\"stock_age_days\":{}}},",
            "\"cart\":{{\"items\":[],\"total\":{}}},",
            "\"scores\":{{\"p_convert\":0.{:02},\"price_sensitivity\":0.7,\"elasticity\":2.5,\"fraud_risk\":0.01}}}}"
        ),
        i,
        kind,
        1 + r.below(27),
        r.below(24),
        r.below(60),
        r.below(200_000),
        r.below(3),
        r.below(3000),
        r.pick(TIERS),
        r.below(150_000),
        r.below(100_000),
        cat,
        100 * (1 + r.below(50)),
        r.below(120),
        100 * r.below(30),
        r.below(30)
    )
}

/// A user row for batch runs: mostly dormant buyers with varied order values and scores.
pub fn user_json(i: u64, r: &mut Rng) -> String {
    let paid = r.below(12);
    let last_month = 1 + r.below(12);
    let aov = if r.below(4) == 0 {
        2000 + r.below(6000)
    } else {
        80 + r.below(1900)
    };
    format!(
        concat!(
            "{{\"id\":\"u-{}\",\"registered_at\":\"2024-0{}-15T09:00:00+08:00\",\"paid_orders\":{},",
            "\"last_order_at\":\"2026-{:02}-10T12:00:00+08:00\",\"total_spend\":{},\"avg_order_value\":{},",
            "\"ltv_tier\":\"{}\",\"device_id\":\"d-{}\",\"tags\":[],",
            "\"scores\":{{\"p_convert\":0.{:03},\"price_sensitivity\":0.{:02},\"elasticity\":{}.{},\"fraud_risk\":0.01}}}}"
        ),
        i,
        1 + r.below(9),
        paid,
        last_month,
        paid * aov,
        aov,
        r.pick(TIERS),
        i,
        5 + r.below(250),
        r.below(100),
        r.below(4),
        r.below(10)
    )
}

/// A stream of contract events in time order across November 2026 (both seed campaigns'
/// windows), from `users` shoppers, with occasional signals; roughly 420 bytes a line.
pub fn stream_line(i: u64, total: u64, users: u64, r: &mut Rng) -> String {
    // 2026-11-01T00:00:00+08:00 plus an even spread over 29 days.
    let start = 1_793_462_400_i64;
    let t = start + (i as i64) * (29 * 86_400) / (total.max(1) as i64);
    let at = chrono::DateTime::from_timestamp(t, 0)
        .map(|d| {
            d.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
                .to_rfc3339()
        })
        .unwrap_or_default();
    if r.below(200) == 0 {
        let cat = r.pick(CATEGORIES);
        return format!(
            "{{\"id\":\"s-{i}\",\"type\":\"signal\",\"at\":\"{at}\",\"name\":\"category_heat\",\"key\":\"{cat}\",\"value\":0.{:02}}}",
            r.below(100)
        );
    }
    let kinds = [
        "view_item",
        "view_item",
        "view_item",
        "app_open",
        "add_to_cart",
        "checkout_started",
        "payment_abandoned",
        "order_paid",
        "cart_abandoned",
    ];
    let kind = kinds[r.below(kinds.len() as u64) as usize];
    let u = r.below(users);
    let new_user = u.is_multiple_of(3);
    let cat = r.pick(CATEGORIES);
    let price = 100 * (1 + r.below(60));
    format!(
        concat!(
            "{{\"id\":\"e-{}\",\"type\":\"{}\",\"at\":\"{}\",",
            "\"user\":{{\"id\":\"u-{}\",\"registered_at\":\"{}\",\"paid_orders\":{},\"last_order_at\":null,",
            "\"total_spend\":0,\"avg_order_value\":{},\"ltv_tier\":\"{}\",\"device_id\":\"d-{}\",\"tags\":[]}},",
            "\"item\":{{\"id\":\"i-{}\",\"category\":\"{}\",\"price\":{},\"seller_id\":\"s-{}\",\"stock_age_days\":{}}},",
            "\"cart\":{{\"items\":[],\"total\":{}}},",
            "\"scores\":{{\"p_convert\":0.{:02},\"fraud_risk\":0.0{}}}}}"
        ),
        i,
        kind,
        at,
        u,
        if new_user {
            "2026-10-25T09:00:00+08:00"
        } else {
            "2025-03-01T09:00:00+08:00"
        },
        if new_user { 0 } else { 1 + r.below(20) },
        100 * r.below(40),
        r.pick(TIERS),
        u / 2,
        r.below(500_000),
        cat,
        price,
        r.below(5000),
        r.below(120),
        price * (1 + r.below(3)),
        r.below(40),
        r.below(10)
    )
}
