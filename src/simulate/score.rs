//! Did an allocation earn? A batch run's coupons judged by the world's truth, beside the
//! two yardsticks of issue #11: the best single uniform coupon (the same option to every
//! eligible user, in table order, until the budget is spent) and the oracle (the
//! allocator run on the true cost and gain of every option of every user's menu).
//!
//! For a user `u` and an offer `o` held for `V` days of a `W`-day window:
//! `p₁ = p_convert(u, o, V, W)`, `p₀ = p_convert(u, none, 0, W)`; the true cost is what the
//! coupon is expected to take off, `p₁ · discount(u, o)`, and the true incremental GMV
//! `p₁ · paid(u, o) − p₀ · paid(u, none)`. Budgets of the yardsticks are of true cost.

use super::World;
use crate::check::program::Validity;
use crate::event::fields::OfferView;
use crate::runtime::allocate::{Menus, allocate};
use crate::runtime::batch::{BatchRun, RowOutcome, user_row_event};
use crate::runtime::decision::{Coupon, Decision};
use crate::runtime::engine::Rules;
use crate::value::builtins::NoFacts;
use crate::value::{Fen, Millis};
use serde::Serialize;
use std::sync::Arc;

const DAY: Millis = 86_400_000;

/// What a set of coupons earns, by the truth.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Earned {
    pub coupons: u64,
    /// Expected discount given, yuan.
    pub cost: f64,
    /// Expected GMV the coupons add, yuan.
    pub incremental_gmv: f64,
    /// `incremental_gmv / cost` (0 with no cost).
    pub per_yuan: f64,
}

impl Earned {
    fn add(&mut self, cost: f64, gain: f64) {
        self.coupons += 1;
        self.cost += cost / 100.0;
        self.incremental_gmv += gain / 100.0;
    }

    fn done(mut self) -> Self {
        self.per_yuan = if self.cost > 0.0 {
            self.incremental_gmv / self.cost
        } else {
            0.0
        };
        self
    }
}

/// The verdict on one run.
#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    /// The budget the yardsticks spend (yuan of true cost): the run's own true cost.
    pub budget: f64,
    pub window_days: u32,
    pub allocation: Earned,
    /// The best uniform coupon: which option, and what it earns.
    pub uniform_option: String,
    pub uniform: Earned,
    pub oracle: Earned,
    /// `allocation.incremental_gmv / uniform.incremental_gmv` at equal budget, per yuan.
    pub vs_uniform: f64,
    /// `allocation.incremental_gmv / oracle.incremental_gmv`.
    pub vs_oracle: f64,
}

/// The true (cost, incremental GMV) of `offer` to `user`, in fen (as floats).
pub fn true_value(world: &World, user: &super::SimUser, offer: &OfferView, valid_days: u32, window: u32) -> (f64, f64) {
    let t = world.truth();
    let p1 = t.p_convert(user, Some(offer), valid_days.min(window), window, false);
    let p0 = t.p_convert(user, None, 0, window, false);
    let with = t.basket(user, Some(offer));
    let without = t.basket(user, None);
    let discount = (with.discount + (without.shipping - with.shipping)).max(0) as f64;
    let cost = p1 * discount;
    let gain = p1 * with.paid() as f64 - p0 * without.paid() as f64;
    (cost, gain)
}

/// A coupon given to a user, as the truth needs it.
#[derive(Debug, Clone)]
pub struct Given {
    pub user: Arc<str>,
    pub offer: OfferView,
    pub valid_days: u32,
}

impl Given {
    /// The coupons of `campaign` in a decision.
    pub fn of(d: &Decision, campaign: &str) -> Vec<Given> {
        let Some(user) = &d.user_id else { return Vec::new() };
        d.coupons
            .iter()
            .filter(|c| &*c.campaign == campaign)
            .map(|c| Given {
                user: user.clone(),
                offer: view(c),
                valid_days: valid_days(c.valid_from, c.valid_until),
            })
            .collect()
    }

    /// The coupons of `campaign` in a decision as `mintage run` prints it.
    pub fn of_json(d: &serde_json::Value, campaign: &str) -> Result<Vec<Given>, String> {
        let Some(user) = d.get("user_id").and_then(|u| u.as_str()) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for c in d.get("coupons").and_then(|c| c.as_array()).into_iter().flatten() {
            if c.get("campaign").and_then(|x| x.as_str()) != Some(campaign) {
                continue;
            }
            let fen = |k: &str| {
                c.get(k)
                    .and_then(serde_json::Value::as_f64)
                    .map(|y| (y * 100.0).round() as Fen)
            };
            let kind = c.get("kind").and_then(|k| k.as_str()).unwrap_or("");
            let kind = crate::syntax::ast::OfferKind::parse(kind)
                .ok_or_else(|| format!("coupon of `{user}` has an unknown kind `{kind}`"))?;
            let time = |k: &str| {
                c.get(k)
                    .and_then(|t| t.as_str())
                    .and_then(|t| crate::value::parse_time(t).ok())
                    .ok_or_else(|| format!("coupon of `{user}` has no readable `{k}`"))
            };
            out.push(Given {
                user: Arc::from(user),
                offer: OfferView {
                    kind: kind.as_str(),
                    amount: fen("amount"),
                    percent: c
                        .get("percent")
                        .and_then(serde_json::Value::as_f64)
                        .map(|p| (p * 100.0).round() as crate::value::BasisPoints),
                    cap: fen("cap"),
                    min_spend: fen("min_spend"),
                    face_value: fen("face_value"),
                },
                valid_days: valid_days(time("valid_from")?, time("valid_until")?),
            });
        }
        Ok(out)
    }
}

fn view(c: &Coupon) -> OfferView {
    OfferView {
        kind: c.kind,
        amount: c.amount,
        percent: c.percent,
        cap: c.cap,
        min_spend: Some(c.min_spend),
        face_value: Some(c.face_value),
    }
}

fn valid_days(from: Millis, until: Millis) -> u32 {
    u32::try_from(((until - from) + DAY - 1) / DAY)
        .unwrap_or(u32::MAX)
        .max(1)
}

/// Judges coupons `given` (a batch run's, of `campaign`) by the truth, and computes the
/// yardsticks over the same users: those of `arms` (every eligible user when empty) at
/// time `now`, for a window of `window` days.
pub fn judge(
    world: &World,
    rules: &Rules,
    campaign: &str,
    arms: &[String],
    now: Millis,
    window: u32,
    given: &[Given],
) -> Result<Verdict, String> {
    let mut allocation = Earned::default();
    for g in given {
        let Some(user) = world.user(&g.user) else {
            return Err(format!(
                "user `{}` is not in the world: judge a run over this world's users",
                g.user
            ));
        };
        let (cost, gain) = true_value(world, user, &g.offer, g.valid_days, window);
        allocation.add(cost, gain);
    }
    let allocation = allocation.done();
    let budget_fen = allocation.cost * 100.0;

    // Every eligible user's menu, with its true values.
    let mut run = BatchRun::new(rules, campaign, now, Some(0)).map_err(|e| e.to_string())?;
    if !arms.is_empty() {
        run.only_arms(arms)?;
    }
    let mut menus: Vec<Vec<(OfferView, f64, f64)>> = Vec::new();
    for (i, user) in world.users().iter().enumerate() {
        let Ok(event) = user_row_event(world.row(user), i as u64 + 1, now) else {
            continue;
        };
        if !matches!(run.add_row(&event, &NoFacts, i as u64), RowOutcome::Eligible) {
            continue;
        }
        let Some(segment) = run.segment_of(&event, &NoFacts) else {
            continue;
        };
        let offers = run.offers_of(segment, &event, &NoFacts);
        let menu = offers
            .iter()
            .map(|o| {
                let days = offer_days(&run, segment, o.offer, window);
                let (cost, gain) = true_value(world, user, &o.view, days, window);
                (o.view.clone(), cost, gain)
            })
            .collect();
        menus.push(menu);
    }

    // The best uniform coupon: each distinct option, to everyone who has it, in order.
    let mut options: Vec<OfferView> = Vec::new();
    for m in &menus {
        for (v, _, _) in m {
            if !options.contains(v) {
                options.push(v.clone());
            }
        }
    }
    let mut uniform = (String::new(), Earned::default().done());
    for option in &options {
        let mut e = Earned::default();
        let mut spent = 0.0;
        for m in &menus {
            let Some((_, cost, gain)) = m.iter().find(|(v, _, _)| v == option) else {
                continue;
            };
            if spent + cost > budget_fen {
                break;
            }
            spent += cost;
            e.add(*cost, *gain);
        }
        let e = e.done();
        if e.incremental_gmv > uniform.1.incremental_gmv || uniform.0.is_empty() {
            uniform = (label(option), e);
        }
    }

    // The oracle: the allocator on the truth.
    let mut truth_menus = Menus::with_capacity(menus.len(), menus.iter().map(Vec::len).sum());
    for m in &menus {
        truth_menus.push_user(m.iter().map(|(_, c, g)| (c.round() as Fen, g.round() as Fen)));
    }
    let chosen = allocate(&truth_menus, budget_fen.round() as Fen);
    let mut oracle = Earned::default();
    for (m, k) in menus.iter().zip(&chosen.choice) {
        if let Some((_, cost, gain)) = k.and_then(|k| m.get(usize::from(k))) {
            oracle.add(*cost, *gain);
        }
    }
    let oracle = oracle.done();
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    Ok(Verdict {
        budget: allocation.cost,
        window_days: window,
        vs_uniform: ratio(allocation.incremental_gmv, uniform.1.incremental_gmv),
        vs_oracle: ratio(allocation.incremental_gmv, oracle.incremental_gmv),
        allocation,
        uniform_option: uniform.0,
        uniform: uniform.1,
        oracle,
    })
}

/// How many days a segment's offer is valid for (the window's, for `until window end`).
fn offer_days(run: &BatchRun<'_>, segment: usize, offer: usize, window: u32) -> u32 {
    let spec = run
        .campaign()
        .batch
        .as_ref()
        .and_then(|b| b.segments.get(segment))
        .and_then(|s| s.offers.get(offer));
    match spec.map(|s| &s.validity) {
        Some(Validity::For(ms)) => valid_days(0, *ms),
        _ => window,
    }
}

/// An option as a marketer reads it: `amount_off ¥20 min_spend ¥100`.
pub fn label(v: &OfferView) -> String {
    let yuan = crate::value::yuan_string;
    let mut s = v.kind.to_string();
    if let Some(a) = v.amount {
        s.push_str(&format!(" ¥{}", yuan(a)));
    }
    if let Some(p) = v.percent {
        s.push_str(&format!(" {}", crate::value::Value::Percent(p)));
    }
    if let Some(c) = v.cap {
        s.push_str(&format!(" cap ¥{}", yuan(c)));
    }
    if let Some(m) = v.min_spend.filter(|m| *m > 0) {
        s.push_str(&format!(" min_spend ¥{}", yuan(m)));
    }
    s
}
