//! Generated users of the seed ladder campaign (`rules/new_user_ladder.mint`, experiment
//! `ladder_v1`: holdout 10 % / ladder 45 % / flat 45 %) with a known true lift per arm, for
//! `gen_outcomes` (event files), `report_vectors` (the gbstats comparison),
//! `analyze_figures` (the 1,000,000-user figure) and the report tests.
//!
//! Each user is assigned the arm the runtime would assign (GrowthBook's hash v2 on the user
//! id, seed `ladder_v1`), is exposed at one `view_item`, converts with the baseline rate
//! times `1 + lift(arm)` (keen users 1.5×, the others 0.5×, so the mean is exact), and
//! pays one or two lognormal orders; some orders fall after the 7-day window and one in a
//! hundred `order_paid` lines is sent twice. The pre-exposure covariate `total_spend`
//! follows the same keenness, so CUPED has something to remove.
// Each example uses a part of it.
#![allow(dead_code)]

pub mod events;

use mintage::analysis::outcomes::{Exposed, Outcomes};
use mintage::runtime::bucket::choose_arm_bp;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

pub const CAMPAIGN: &str = "new_user_ladder";
pub const EXPERIMENT: &str = "ladder_v1";
pub const ARMS: [&str; 3] = ["holdout", "ladder", "flat"];
pub const WEIGHTS_BP: [u32; 3] = [1000, 4500, 4500];
/// Face values of the coupon each arm gets at its first `view_item` (fen): the holdout
/// none, `welcome` ¥10, `flat_welcome` ¥30 with a ¥199 minimum spend.
pub const FACE_FEN: [i64; 3] = [0, 1000, 3000];
pub const MIN_SPEND_FEN: [i64; 3] = [0, 0, 19_900];
/// 2026-11-02 00:00 +08:00, the first exposure.
pub const START_MS: i64 = 1_793_548_800_000;
pub const DAY_MS: i64 = 86_400_000;

/// What to generate.
#[derive(Clone, Debug)]
pub struct Params {
    pub users: u64,
    pub seed: u64,
    /// The baseline (holdout) conversion rate within the window.
    pub conversion: f64,
    /// The true relative lift of conversion per arm (`ARMS` order); the holdout's is 0.
    pub lift: [f64; 3],
    /// Days over which exposures are spread.
    pub days: f64,
    /// How often a coupon holder redeems on an order that meets the minimum spend.
    pub redeem: f64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            users: 10_000,
            seed: 1,
            conversion: 0.08,
            lift: [0.0, 0.25, 0.10],
            days: 40.0,
            redeem: 0.6,
        }
    }
}

/// A seeded random source.
pub struct Random(ChaCha8Rng);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(ChaCha8Rng::seed_from_u64(seed))
    }

    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// One generated order.
#[derive(Clone, Debug, PartialEq)]
pub struct SimOrder {
    pub id: String,
    pub at: i64,
    pub total_fen: i64,
    /// Whether the user's coupon is used on it.
    pub redeems: bool,
    /// Whether its `order_paid` line is sent twice.
    pub duplicated: bool,
}

/// One generated user.
#[derive(Clone, Debug, PartialEq)]
pub struct SimUser {
    pub id: String,
    pub arm: usize,
    pub exposed_at: i64,
    pub registered_at: i64,
    pub total_spend_fen: i64,
    pub ltv_tier: &'static str,
    pub orders: Vec<SimOrder>,
}

fn fen(yuan: f64) -> i64 {
    (yuan * 100.0).round() as i64
}

/// The users, one at a time (a million never sit in memory), in exposure order.
pub fn users(p: &Params) -> impl Iterator<Item = SimUser> + '_ {
    let mut r = Random::new(p.seed);
    let step = (p.days * DAY_MS as f64 / p.users.max(1) as f64) as i64;
    (0..p.users).map(move |i| user(p, i, START_MS + i as i64 * step, &mut r))
}

fn user(p: &Params, i: u64, exposed_at: i64, r: &mut Random) -> SimUser {
    let id = format!("g{}-{i}", p.seed);
    let arm = choose_arm_bp(EXPERIMENT, &id, &WEIGHTS_BP).unwrap_or(0);
    let keen = r.chance(0.5);
    let k = if keen { 1.0 } else { -1.0 };
    let rate = (p.conversion * (1.0 + p.lift[arm]) * (1.0 + 0.5 * k)).clamp(0.0, 1.0);
    let total_spend_fen = fen((4.0 + 0.8 * k + r.normal()).exp());
    let mut orders = Vec::new();
    let has_coupon = FACE_FEN[arm] > 0;
    let mut coupon_left = has_coupon;
    if r.chance(rate) {
        let count = if r.chance(0.2) { 2 } else { 1 };
        for n in 0..count {
            let total_fen = fen((5.0 + 0.4 * k + 0.8 * r.normal()).exp().max(1.0));
            let at = exposed_at + (r.uniform() * 6.9 * DAY_MS as f64) as i64;
            let valid = at - exposed_at < 3 * DAY_MS;
            let redeems = coupon_left && valid && total_fen >= MIN_SPEND_FEN[arm] && r.chance(p.redeem);
            coupon_left &= !redeems;
            orders.push(SimOrder {
                id: format!("o{}-{i}-{n}", p.seed),
                at,
                total_fen,
                redeems,
                duplicated: r.chance(0.01),
            });
        }
    }
    // Some users order after the window too: never attributed.
    if r.chance(0.05) {
        orders.push(SimOrder {
            id: format!("o{}-{i}-late", p.seed),
            at: exposed_at + 7 * DAY_MS + (r.uniform() * 3.0 * DAY_MS as f64) as i64,
            total_fen: fen((5.0 + r.normal()).exp().max(1.0)),
            redeems: false,
            duplicated: false,
        });
    }
    orders.sort_by_key(|o| o.at);
    SimUser {
        id,
        arm,
        exposed_at,
        registered_at: exposed_at - DAY_MS * (1 + (r.uniform() * 25.0) as i64),
        total_spend_fen,
        ltv_tier: if keen { "high" } else { "low" },
        orders,
    }
}

/// The coupon code a generated user's coupon has in [`outcomes`] (the event files carry
/// the codes the runtime minted instead).
pub fn code_of(user: &SimUser) -> String {
    format!("K-{}", user.id)
}

/// The outcomes the runtime will record when it replays `gen_outcomes`' file, built
/// directly: exposure at the first `view_item`, each arm's coupon then, the orders (the
/// duplicated line counted once) and the redemptions at the coupon's face value.
pub fn outcomes(p: &Params) -> Outcomes {
    let mut b = Outcomes::builder();
    for u in users(p) {
        b.expose(Exposed {
            campaign: CAMPAIGN,
            experiment: EXPERIMENT,
            arm: ARMS[u.arm],
            user: &u.id,
            at: u.exposed_at,
            total_spend: u.total_spend_fen,
            fields: &[("ltv_tier", u.ltv_tier)],
        });
        let code = code_of(&u);
        if FACE_FEN[u.arm] > 0 {
            b.issued(CAMPAIGN, Some(ARMS[u.arm]), &u.id, &code, FACE_FEN[u.arm]);
        }
        for o in &u.orders {
            for _ in 0..if o.duplicated { 2 } else { 1 } {
                b.order(&o.id, &u.id, o.at, o.total_fen);
            }
            if o.redeems {
                b.redeemed(&code, Some(FACE_FEN[u.arm]));
            }
        }
    }
    b.build()
}
