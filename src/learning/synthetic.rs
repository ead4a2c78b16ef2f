//! Synthetic randomized decisions from a known logistic truth, for the tests and the
//! figure (`examples/fit_figures.rs`): a user table, a run's decisions (20 % held out,
//! 70 % given one of `percent_off 10 %, 20 %, 30 %` at random, 10 % chosen and so not
//! trained on) and the orders that followed, as JSONL in the files' real formats.
//!
//! The truth: `logit P(order) = −2 + 2·(p_base − 0.5) + treated·0.1 + d·(0.3 + 1.5·ps)`
//! with `p_base`, `ps` (`scores.price_sensitivity`) uniform on `[0, 1]` and `d` the
//! model's depth curve of the percent ([`crate::response::features::depth_curve`]); an order's value is the user's average order value × `e^{N(0, 0.3²)}`.

use crate::rng::SplitMix64;
use crate::value::{DAY_MS, Millis, time_string};
use std::io::Write;

pub const CAMPAIGN: &str = "learn";
/// 2026-11-20 10:00 in Shanghai.
pub const AT: Millis = 1_795_140_000_000;
pub const DEPTHS: [i64; 3] = [10, 20, 30];

/// The truth's coefficients, on the raw scores.
pub const INTERCEPT: f64 = -3.0;
pub const P_BASE: f64 = 2.0;
pub const TREATED: f64 = 0.1;
pub const DEPTH: f64 = 0.3;
pub const DEPTH_PS: f64 = 1.5;

/// The true P(order) of a user with scores `p_base`, `ps` at `depth` (none: no coupon).
pub fn truth(p_base: f64, ps: f64, depth: Option<f64>) -> f64 {
    let z = INTERCEPT
        + P_BASE * p_base
        + depth.map_or(0.0, |d| {
            TREATED + crate::response::features::depth_curve(d) * (DEPTH + DEPTH_PS * ps)
        });
    1.0 / (1.0 + (-z).exp())
}

fn normal(rng: &mut SplitMix64) -> f64 {
    // Box–Muller.
    let u1 = rng.unit().max(1e-12);
    let u2 = rng.unit();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Writes `n` users, their decisions and orders.
pub fn write(
    n: usize,
    seed: u64,
    users: &mut impl Write,
    decisions: &mut impl Write,
    orders: &mut impl Write,
) -> std::io::Result<()> {
    let mut rng = SplitMix64::new(seed);
    let tz = chrono_tz::Asia::Shanghai;
    let at = time_string(AT, tz);
    let tiers = ["low", "mid", "high"];
    for i in 0..n {
        let p_base = rng.unit();
        let ps = rng.unit();
        let paid = 1 + rng.below(20);
        let aov = (300.0 * (0.6 * normal(&mut rng)).exp()).round().max(20.0);
        let last = AT - (30 + rng.below(400) as i64) * DAY_MS;
        let registered = last - (rng.below(1500) as i64) * DAY_MS;
        let tier = tiers.get(rng.below(3) as usize).copied().unwrap_or("mid");
        let aov_field = if rng.below(20) == 0 {
            String::new()
        } else {
            format!(",\"avg_order_value\":{aov}")
        };
        writeln!(
            users,
            "{{\"id\":\"u-{i}\",\"registered_at\":\"{}\",\"paid_orders\":{paid},\"last_order_at\":\"{}\",\"total_spend\":{}{aov_field},\"ltv_tier\":\"{tier}\",\"tags\":[],\"scores\":{{\"p_base\":{p_base:.6},\"price_sensitivity\":{ps:.6}}}}}",
            time_string(registered, tz),
            time_string(last, tz),
            aov * paid as f64
        )?;
        let arm = rng.below(10);
        let option = rng.below(3) as usize;
        let pct = DEPTHS.get(option).copied().unwrap_or(10);
        let coupon = |random: bool, arm: &str| {
            format!(
                "{{\"code\":\"C{i}\",\"campaign\":\"{CAMPAIGN}\",\"rule\":\"everyone\",\"kind\":\"percent_off\",\"amount\":null,\"percent\":{pct},\"cap\":100000,\"min_spend\":0,\"face_value\":{},\"arm\":\"{arm}\",\"segment\":\"everyone\",\"option\":{option}{}}}",
                pct * 3,
                if random { ",\"random\":true" } else { "" }
            )
        };
        let (coupons, suppressed, depth) = match arm {
            0 | 1 => (
                String::new(),
                format!(
                    "{{\"campaign\":\"{CAMPAIGN}\",\"rule\":\"everyone\",\"reason\":\"holdout\",\"arm\":\"holdout\"}}"
                ),
                None,
            ),
            9 => (coupon(false, "main"), String::new(), Some(pct as f64 / 100.0)),
            _ => (coupon(true, "explore"), String::new(), Some(pct as f64 / 100.0)),
        };
        writeln!(
            decisions,
            "{{\"at\":\"{at}\",\"trigger\":\"batch\",\"event_id\":\"row-{}\",\"user_id\":\"u-{i}\",\"coupons\":[{coupons}],\"revoked\":[],\"actions\":[],\"suppressed\":[{suppressed}]}}",
            i + 1
        )?;
        let ordered = rng.unit() < truth(p_base, ps, depth);
        let total = (aov * (0.3 * normal(&mut rng)).exp() * 100.0).round() / 100.0;
        // An order in the week after, or (as noise) one three weeks later.
        let when = if ordered {
            Some(AT + (rng.unit() * 6.0 * DAY_MS as f64) as i64)
        } else if rng.below(10) == 0 {
            Some(AT + 21 * DAY_MS)
        } else {
            None
        };
        if let Some(t) = when {
            writeln!(
                orders,
                "{{\"id\":\"o-{i}\",\"type\":\"order_paid\",\"at\":\"{}\",\"user\":{{\"id\":\"u-{i}\"}},\"order\":{{\"id\":\"o-{i}\",\"total\":{total}}}}}",
                time_string(t, tz)
            )?;
        }
    }
    Ok(())
}

/// Writes `n` users' files (seed `seed`) into `dir` as `users.jsonl`, `decisions.jsonl`
/// and `orders.jsonl`, and fits them (a week's window, ridge 1): a model to try the
/// response with, for tests, benchmarks and examples.
pub fn write_and_fit(dir: &std::path::Path, n: usize, seed: u64) -> Result<super::Fitted, super::FitError> {
    let path = |name: &str| dir.join(name);
    let create = |name: &str| {
        std::fs::File::create(path(name))
            .map(std::io::BufWriter::new)
            .map_err(|e| super::FitError::read(&path(name), &e))
    };
    let (mut u, mut d, mut o) = (
        create("users.jsonl")?,
        create("decisions.jsonl")?,
        create("orders.jsonl")?,
    );
    let written = write(n, seed, &mut u, &mut d, &mut o).and_then(|()| {
        u.flush()?;
        d.flush()?;
        o.flush()
    });
    written.map_err(|e| super::FitError::read(dir, &e))?;
    drop((u, d, o));
    super::fit(&super::Inputs {
        campaign: CAMPAIGN.into(),
        decisions: path("decisions.jsonl").into(),
        users: path("users.jsonl").into(),
        orders: path("orders.jsonl").into(),
        window: 7 * DAY_MS,
        l2: 1.0,
        fitted_at: 0,
    })
}
