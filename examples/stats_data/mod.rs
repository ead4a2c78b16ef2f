//! Generated experiment data for the statistics examples (`stats_vectors`, `coverage`):
//! seeded users with a known truth per arm, summed the way an analysis streams them.
// Each example uses a part of it.
#![allow(dead_code)]

use mintage::analysis::stats::ArmSums;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{Rng, SeedableRng};

/// A seeded random source with the few distributions the data needs.
pub struct Random(ChaCha8Rng);

impl Random {
    pub fn new(seed: u64) -> Random {
        Random(ChaCha8Rng::seed_from_u64(seed))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// Uniform in [0, 1), 53 bits.
    pub fn uniform(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n
    }

    /// Standard normal (Box–Muller; one of the pair is enough here).
    pub fn normal(&mut self) -> f64 {
        let u = 1.0 - self.uniform();
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.uniform() < p
    }
}

/// One arm's truth: its conversion rate and the factor on order values.
#[derive(Clone, Copy, Debug)]
pub struct Arm {
    pub conversion: f64,
    pub order_factor: f64,
}

/// Users of a marketplace: half are keen (h = +1), half not (h = −1). A keen user converts
/// 1.5× as often, spends e^0.5 more per order, and spent more before exposure (the
/// covariate), so CUPED has something to remove. Order values are lognormal (heavy tails).
#[derive(Clone, Copy, Debug)]
pub struct World {
    pub log_order: f64,
    pub order_spread: f64,
    pub log_spend: f64,
    pub spend_spread: f64,
}

impl Default for World {
    fn default() -> Self {
        World {
            log_order: 4.0,
            order_spread: 1.0,
            log_spend: 5.0,
            spend_spread: 1.2,
        }
    }
}

/// One user's outcomes.
#[derive(Clone, Copy, Debug)]
pub struct User {
    pub converted: f64,
    pub gmv: f64,
    pub spend_before: f64,
}

impl World {
    pub fn user(&self, arm: Arm, r: &mut Random) -> User {
        let keen = if r.chance(0.5) { 1.0 } else { -1.0 };
        let converted = r.chance(arm.conversion * (1.0 + 0.5 * keen));
        let gmv = if converted {
            arm.order_factor * (self.log_order + 0.5 * keen + self.order_spread * r.normal()).exp()
        } else {
            0.0
        };
        let spend_before = (self.log_spend + 0.8 * keen + self.spend_spread * r.normal()).exp();
        User {
            converted: if converted { 1.0 } else { 0.0 },
            gmv,
            spend_before,
        }
    }

    /// The true conversion rate of an arm.
    pub fn true_conversion(&self, arm: Arm) -> f64 {
        arm.conversion
    }

    /// The true mean GMV per user: `p f e^(μ + σ²/2) · ½ (1.5 e^0.5 + 0.5 e^−0.5)`.
    pub fn true_gmv(&self, arm: Arm) -> f64 {
        let keen_mix = 0.5 * (1.5 * 0.5f64.exp() + 0.5 * (-0.5f64).exp());
        arm.conversion * arm.order_factor * (self.log_order + 0.5 * self.order_spread.powi(2)).exp() * keen_mix
    }

    /// `n` users of an arm, summed for conversion and for GMV, both with the spend before
    /// exposure as covariate.
    pub fn arm_sums(&self, arm: Arm, n: u64, r: &mut Random) -> (ArmSums, ArmSums) {
        let (mut conversion, mut gmv) = (ArmSums::default(), ArmSums::default());
        for _ in 0..n {
            let u = self.user(arm, r);
            conversion.push(u.converted, u.spend_before);
            gmv.push(u.gmv, u.spend_before);
        }
        (conversion, gmv)
    }
}
