//! The floor: hand-written Rust over a typed event struct. For the seed campaigns, a
//! function with the rules written out as `if`s; for generated rule sets, a linear scan
//! over a vector of rule structs (every rule tested against the event, no index).

use super::Engine;
use crate::spec::{CATEGORIES, Cond, DAY_MS, KINDS, Rule, SCORES, TIERS, Workload};
use serde::Deserialize;
use std::borrow::Cow;

/// The event, typed: enums as small integers with a bit each, money in fen.
#[derive(Clone, Debug, Default)]
pub struct Typed {
    pub kind_bit: u16,
    pub now: i64,
    pub registered_at: i64,
    pub paid_orders: f64,
    pub tier: u8,
    pub category_bit: u32,
    pub price: i64,
    pub stock_age_days: f64,
    pub cart_total: i64,
    pub scores: [f64; 4],
}

#[derive(Deserialize)]
struct EventIn<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    at: Cow<'a, str>,
    #[serde(borrow)]
    user: UserIn<'a>,
    #[serde(default, borrow)]
    item: Option<ItemIn<'a>>,
    #[serde(default)]
    cart: Option<CartIn>,
    #[serde(default)]
    scores: Option<ScoresIn>,
}

#[derive(Deserialize)]
struct UserIn<'a> {
    #[serde(default, borrow)]
    registered_at: Option<Cow<'a, str>>,
    #[serde(default)]
    paid_orders: Option<f64>,
    #[serde(default, borrow)]
    ltv_tier: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ItemIn<'a> {
    #[serde(default, borrow)]
    category: Option<Cow<'a, str>>,
    #[serde(default)]
    price: Option<f64>,
    #[serde(default)]
    stock_age_days: Option<f64>,
}

#[derive(Deserialize)]
struct CartIn {
    #[serde(default)]
    total: Option<f64>,
}

#[derive(Deserialize)]
struct ScoresIn {
    p_convert: Option<f64>,
    price_sensitivity: Option<f64>,
    elasticity: Option<f64>,
    fraud_risk: Option<f64>,
}

fn position(list: &[&str], s: &str) -> Option<usize> {
    list.iter().position(|x| *x == s)
}

fn fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

const NO_TIER: u8 = u8::MAX;

/// Parses an event into the typed struct (missing numbers are NaN, so every comparison
/// with them is false).
pub fn typed(json: &str) -> Option<Typed> {
    let e: EventIn = serde_json::from_str(json).ok()?;
    let time = |s: &str| crate::json::time_ms(s);
    let item = e.item.as_ref();
    let scores = e.scores.as_ref();
    Some(Typed {
        kind_bit: position(KINDS, &e.kind).map_or(0, |i| 1 << i),
        now: time(&e.at)?,
        registered_at: e.user.registered_at.as_deref().and_then(time).unwrap_or(i64::MAX),
        paid_orders: e.user.paid_orders.unwrap_or(f64::NAN),
        tier: e
            .user
            .ltv_tier
            .as_deref()
            .and_then(|t| position(TIERS, t))
            .map_or(NO_TIER, |i| i as u8),
        category_bit: item
            .and_then(|i| i.category.as_deref())
            .and_then(|c| position(CATEGORIES, c))
            .map_or(0, |i| 1 << i),
        price: item.and_then(|i| i.price).map_or(i64::MIN, fen),
        stock_age_days: item.and_then(|i| i.stock_age_days).unwrap_or(f64::NAN),
        cart_total: e.cart.and_then(|c| c.total).map_or(i64::MIN, fen),
        scores: [
            scores.and_then(|s| s.p_convert).unwrap_or(f64::NAN),
            scores.and_then(|s| s.price_sensitivity).unwrap_or(f64::NAN),
            scores.and_then(|s| s.elasticity).unwrap_or(f64::NAN),
            scores.and_then(|s| s.fraud_risk).unwrap_or(f64::NAN),
        ],
    })
}

fn kind(k: &str) -> u16 {
    position(KINDS, k).map_or(0, |i| 1 << i)
}
fn cat(c: &str) -> u32 {
    position(CATEGORIES, c).map_or(0, |i| 1 << i)
}

// ---------------------------------------------------------------- the seed, by hand

struct Seed {
    d11: (i64, i64),
    ladder: (i64, i64),
    view_item: u16,
    app_open: u16,
    add_to_cart: u16,
    cart_abandoned: u16,
    payment_abandoned: u16,
    hot: u32,
    high: u8,
    fraud: usize,
}

impl Seed {
    fn new() -> Seed {
        use crate::spec::shanghai_ms as t;
        Seed {
            d11: (t(2026, 11, 11, 0, 0), t(2026, 11, 12, 0, 0)),
            ladder: (t(2026, 11, 1, 0, 0), t(2027, 1, 1, 0, 0)),
            view_item: kind("view_item"),
            app_open: kind("app_open"),
            add_to_cart: kind("add_to_cart"),
            cart_abandoned: kind("cart_abandoned"),
            payment_abandoned: kind("payment_abandoned"),
            hot: cat("bags") | cat("watches") | cat("sneakers"),
            high: position(TIERS, "high").map_or(NO_TIER, |i| i as u8),
            fraud: position(SCORES, "fraud_risk").unwrap_or(3),
        }
    }

    /// `spec::seed_rules`, written out.
    fn eval(&self, e: &Typed, out: &mut Vec<u32>) {
        out.clear();
        let k = e.kind_bit;
        if e.now >= self.d11.0 && e.now < self.d11.1 {
            if k & (self.app_open | self.view_item) != 0 {
                out.push(0);
            }
            if k == self.view_item && e.category_bit & self.hot != 0 {
                out.push(1);
            }
            if k == self.view_item && e.stock_age_days > 60.0 {
                out.push(2);
            }
            if k == self.cart_abandoned && e.tier == self.high && e.cart_total >= 100_000 {
                out.push(3);
            }
        }
        if e.now >= self.ladder.0
            && e.now < self.ladder.1
            && e.paid_orders == 0.0
            && e.registered_at <= e.now
            && e.now - e.registered_at <= 30 * DAY_MS
        {
            if k == self.view_item {
                out.push(4);
            }
            if k == self.add_to_cart {
                out.push(5);
            }
            if k == self.payment_abandoned {
                out.push(6);
            }
            if k == self.view_item {
                out.push(7);
            }
        }
        if e.scores[self.fraud] >= 0.9 {
            out.push(8);
        }
    }
}

// ---------------------------------------------------------------- generated rules, scanned

/// A rule as a compact struct of thresholds (48 bytes, so that 5,000 rules stay in L2);
/// a condition the rule lacks holds a sentinel that the scan skips.
#[derive(Clone, Debug)]
struct Flat {
    start: i64,
    end: i64,
    score_x: f64,
    price_min: i32,
    cart_min: i32,
    stock_age_over: i32,
    paid_orders: i16,
    registered_days: u16,
    categories: u16,
    kinds: u8,
    tier: u8,
    /// Score index, or `NONE8`; `score_ge` picks `>=` over `<`.
    score: u8,
    score_ge: bool,
}

const NONE32: i32 = i32::MIN;
const NONE16: i16 = i16::MIN;
const NONE8: u8 = u8::MAX;

fn flat(r: &Rule) -> Flat {
    let mut f = Flat {
        start: r.window.map_or(i64::MIN, |w| w.0),
        end: r.window.map_or(i64::MAX, |w| w.1),
        score_x: 0.0,
        price_min: NONE32,
        cart_min: NONE32,
        stock_age_over: NONE32,
        paid_orders: NONE16,
        registered_days: 0,
        categories: u16::MAX,
        kinds: if r.triggers.is_empty() {
            u8::MAX
        } else {
            r.triggers.iter().map(|t| kind(t) as u8).fold(0, |a, b| a | b)
        },
        tier: NO_TIER,
        score: NONE8,
        score_ge: false,
    };
    let score = |s: &str| position(SCORES, s).unwrap_or_else(|| crate::die(&format!("unknown score {s}"))) as u8;
    let small = |x: i64| i32::try_from(x).unwrap_or_else(|_| crate::die("a threshold out of range"));
    for c in &r.conds {
        match c {
            Cond::CategoryIn(v) => f.categories &= v.iter().map(|c| cat(c) as u16).fold(0, |a, b| a | b),
            Cond::PriceGe(y) => f.price_min = f.price_min.max(small(y * 100)),
            Cond::StockAgeGt(d) => f.stock_age_over = f.stock_age_over.max(small(*d)),
            Cond::CartTotalGe(y) => f.cart_min = f.cart_min.max(small(y * 100)),
            Cond::TierEq(t) => f.tier = position(TIERS, t).map_or(NO_TIER - 1, |i| i as u8),
            Cond::PaidOrdersEq(n) => f.paid_orders = i16::try_from(*n).unwrap_or(NONE16 + 1),
            Cond::RegisteredWithinDays(d) => f.registered_days = u16::try_from(*d).unwrap_or(u16::MAX),
            Cond::ScoreLt(s, x) | Cond::ScoreGe(s, x) => {
                if f.score != NONE8 {
                    crate::die("the hand-written scan holds one score condition per rule");
                }
                f.score = score(s);
                f.score_x = *x;
                f.score_ge = matches!(c, Cond::ScoreGe(..));
            }
        }
    }
    f
}

/// Each rule is first tested on its trigger, categories and window together, without
/// branches (`&`, not `&&`: with rules in random order, branching on each test
/// mispredicts on most rules); the few that pass are tested on the rest.
fn scan(rules: &[Flat], e: &Typed, out: &mut Vec<u32>) {
    out.clear();
    let kind = e.kind_bit as u8;
    let category = e.category_bit as u16;
    let registered_ago = if e.registered_at <= e.now {
        e.now - e.registered_at
    } else {
        i64::MAX
    };
    for (i, r) in rules.iter().enumerate() {
        let first = (r.kinds & kind != 0) & (r.categories & category != 0) & (e.now >= r.start) & (e.now < r.end);
        if !first {
            continue;
        }
        let ok = (r.price_min == NONE32 || e.price >= i64::from(r.price_min))
            && (r.cart_min == NONE32 || e.cart_total >= i64::from(r.cart_min))
            && (r.stock_age_over == NONE32 || e.stock_age_days > f64::from(r.stock_age_over))
            && (r.tier == NO_TIER || r.tier == e.tier)
            && (r.paid_orders == NONE16 || e.paid_orders == f64::from(r.paid_orders))
            && (r.registered_days == 0 || registered_ago <= i64::from(r.registered_days) * DAY_MS)
            && (r.score == NONE8 || {
                let v = e.scores[usize::from(r.score & 3)];
                if r.score_ge { v >= r.score_x } else { v < r.score_x }
            });
        if ok {
            out.push(i as u32);
        }
    }
}

enum How {
    Seed(Seed),
    Scan(Vec<Flat>),
}

pub struct Native {
    how: How,
    names: Vec<String>,
}

impl Native {
    pub fn load(w: &Workload) -> (Native, std::time::Duration) {
        let t = std::time::Instant::now();
        let how = if w.fraud_gate.is_some() {
            How::Seed(Seed::new())
        } else {
            How::Scan(w.rules.iter().map(flat).collect())
        };
        let took = t.elapsed();
        (
            Native {
                how,
                names: w.rules.iter().map(|r| r.name.clone()).collect(),
            },
            took,
        )
    }

    /// What the row is called in the table.
    pub fn label(&self) -> &'static str {
        match self.how {
            How::Seed(_) => "hand-written Rust fn",
            How::Scan(_) => "hand-written linear scan",
        }
    }

    #[inline]
    fn run(&self, e: &Typed, out: &mut Vec<u32>) {
        match &self.how {
            How::Seed(s) => s.eval(e, out),
            How::Scan(rules) => scan(rules, e, out),
        }
    }
}

impl Engine for Native {
    type Ctx = Typed;

    fn context(&self, json: &str) -> Typed {
        typed(json).unwrap_or_else(|| crate::die("the typed struct rejects an event"))
    }

    fn eval(&mut self, ctx: &Typed, out: &mut Vec<u32>) {
        self.run(ctx, out);
    }

    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>) {
        match typed(json) {
            Some(e) => self.run(&e, out),
            None => out.clear(),
        }
        crate::json::write_names(buf, &self.names, out);
    }
}
