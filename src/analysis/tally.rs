//! One pass over a campaign's outcomes into per-arm sums: each exposed user's attributed
//! orders become a conversion (0/1) and a GMV, pushed with the user's covariate into the
//! kernel's [`ArmSums`]; the campaign's coupons are counted to the arm (and group) of the
//! user they were issued to. Users are visited once and not kept.

use super::design::Design;
use super::outcomes::{CampaignExposures, Outcomes};
use super::stats::ArmSums;
use crate::value::Fen;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// One arm's sums and counts.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ArmTally {
    /// 1 for a user with at least one attributed order, else 0; covariate in yuan.
    pub conversion: ArmSums,
    /// The user's attributed GMV in yuan; covariate in yuan.
    pub gmv: ArmSums,
    pub converted: u64,
    /// Attributed GMV, exactly.
    pub gmv_fen: i128,
    pub issued: u64,
    pub redeemed: u64,
    /// Discount given on redeemed coupons, exactly.
    pub cost_fen: i128,
}

impl ArmTally {
    pub fn users(&self) -> u64 {
        self.gmv.n
    }
}

/// The value of the `--by` field of a group; `None` for users without it.
pub type GroupKey = Option<Arc<str>>;

/// The tallies of one campaign, per declared arm (in the design's order).
#[derive(Clone, Debug, Default)]
pub struct Tallies {
    pub arms: Vec<ArmTally>,
    /// Per value of the `--by` field, when asked.
    pub groups: BTreeMap<GroupKey, Vec<ArmTally>>,
    /// Exposed users of arms the rules no longer declare.
    pub undeclared: BTreeMap<String, u64>,
    /// The campaign's coupons issued to users with no exposure.
    pub unexposed_coupons: u64,
}

fn yuan(fen: i128) -> f64 {
    fen as f64 / 100.0
}

/// Per exposure (in the campaign's order): attributed GMV in fen and whether any order.
fn attributed(outcomes: &Outcomes, c: &CampaignExposures) -> Vec<(i128, bool)> {
    let mut per_user = vec![(0i128, false); c.exposures.len()];
    for order in outcomes.orders() {
        let Some(i) = c.of_user(&order.user) else { continue };
        let (Some(e), Some(slot)) = (c.exposures.get(i), per_user.get_mut(i)) else {
            continue;
        };
        if outcomes.attributed(e.at, order.at) {
            slot.0 += i128::from(order.total);
            slot.1 = true;
        }
    }
    per_user
}

/// Sums `campaign`'s outcomes per arm of `design`, and per value of the user field `by`.
pub fn tally(outcomes: &Outcomes, design: &Design, by: Option<&str>) -> Tallies {
    let n_arms = design.arms.len();
    let mut t = Tallies {
        arms: vec![ArmTally::default(); n_arms],
        ..Tallies::default()
    };
    let Some(c) = outcomes.campaign(&design.campaign) else {
        return t;
    };
    let arm_of: HashMap<&str, usize> = design.arms.iter().enumerate().map(|(i, a)| (&*a.name, i)).collect();
    // Per exposure: its arm index, or `None` for an undeclared arm.
    let mut arm_index = Vec::with_capacity(c.exposures.len());
    for (e, (gmv_fen, converted)) in c.exposures.iter().zip(attributed(outcomes, c)) {
        let Some(&arm) = arm_of.get(&*e.arm) else {
            *t.undeclared.entry(e.arm.to_string()).or_default() += 1;
            arm_index.push(None);
            continue;
        };
        arm_index.push(Some(arm));
        let covariate = yuan(i128::from(e.total_spend));
        let add = |tally: &mut ArmTally| {
            tally.conversion.push(if converted { 1.0 } else { 0.0 }, covariate);
            tally.gmv.push(yuan(gmv_fen), covariate);
            tally.converted += u64::from(converted);
            tally.gmv_fen += gmv_fen;
        };
        if let Some(tally) = t.arms.get_mut(arm) {
            add(tally);
        }
        if let Some(field) = by {
            let group = t
                .groups
                .entry(e.field(field).cloned())
                .or_insert_with(|| vec![ArmTally::default(); n_arms]);
            if let Some(tally) = group.get_mut(arm) {
                add(tally);
            }
        }
    }
    for (code, coupon) in outcomes.issued() {
        if *coupon.campaign != *design.campaign {
            continue;
        }
        let exposed = c
            .of_user(&coupon.user)
            .and_then(|i| Some((i, arm_index.get(i).copied()??)));
        let Some((i, arm)) = exposed else {
            t.unexposed_coupons += 1;
            continue;
        };
        let cost: Option<Fen> = outcomes.redemption(code).map(|d| d.unwrap_or(coupon.face_value));
        let add = |tally: &mut ArmTally| {
            tally.issued += 1;
            if let Some(cost) = cost {
                tally.redeemed += 1;
                tally.cost_fen += i128::from(cost);
            }
        };
        if let Some(tally) = t.arms.get_mut(arm) {
            add(tally);
        }
        if let Some(field) = by {
            let key = c.exposures.get(i).and_then(|e| e.field(field).cloned());
            if let Some(tally) = t.groups.get_mut(&key).and_then(|g| g.get_mut(arm)) {
                add(tally);
            }
        }
    }
    t
}
