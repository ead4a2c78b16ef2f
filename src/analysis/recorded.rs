//! Outcomes from a runtime that recorded them (`Runtime::record_outcomes`) over its
//! in-memory state: the exposures and orders it kept, the campaign's coupons from the
//! users' state, and the discounts of the redemptions that settled them.

use super::outcomes::{Exposed, InvalidWindow, Outcomes, OutcomesBuilder};
use crate::runtime::engine::Rules;
use crate::runtime::exposure::Recorded;
use crate::runtime::state::{CouponStatus, MemoryState};
use crate::value::{Fen, Millis};
use foldhash::{HashMap, HashMapExt};
use std::sync::Arc;

/// One of the campaign's coupons: user, code, face value, redeemed.
type CouponOf = (Arc<str>, String, Fen, bool);

fn coupons_of(state: &MemoryState, ci: u32) -> Vec<CouponOf> {
    let mut out = Vec::new();
    for (user, u) in &state.users {
        for c in u.coupons.iter().filter(|k| k.campaign == ci) {
            let redeemed = c.status == CouponStatus::Redeemed;
            out.push((user.clone(), c.code.clone(), c.face_value, redeemed));
        }
    }
    out
}

fn index_of(rules: &Rules, campaign: &str) -> Option<u32> {
    let campaigns = rules.compiled.program.campaigns.iter().zip(0u32..);
    campaigns
        .filter(|(c, _)| c.experiment.is_some())
        .find(|(c, _)| &*c.id == campaign)
        .map(|(_, i)| i)
}

/// `campaign`'s outcomes in `state`, orders counted within `window` of exposure. A
/// campaign not in the rules, or without an experiment, has none.
pub fn outcomes_of(
    rules: &Rules,
    state: &MemoryState,
    campaign: &str,
    window: Millis,
) -> Result<Outcomes, InvalidWindow> {
    let (Some(ci), Some(recorded)) = (index_of(rules, campaign), state.recorded.as_deref()) else {
        return empty(window);
    };
    build(rules, recorded, coupons_of(state, ci), ci, window)
}

/// The same, taking the state: everything but the outcomes is freed while they are
/// built (on a thread of its own: freeing a million users' state takes seconds), so that
/// a replay of a million users does not hold both at once.
pub fn into_outcomes(
    rules: &Rules,
    mut state: MemoryState,
    campaign: &str,
    window: Millis,
) -> Result<Outcomes, InvalidWindow> {
    let (Some(ci), Some(recorded)) = (index_of(rules, campaign), state.recorded.take()) else {
        return empty(window);
    };
    let coupons = coupons_of(&state, ci);
    let freeing = std::thread::Builder::new()
        .name("mintage-free".into())
        .spawn(move || drop(state));
    let outcomes = build(rules, &recorded, coupons, ci, window);
    std::thread::spawn(move || drop(recorded));
    // Not waited for: the caller goes on while the memory is given back.
    drop(freeing);
    outcomes
}

fn empty(window: Millis) -> Result<Outcomes, InvalidWindow> {
    let mut b = OutcomesBuilder::default();
    b.window(window)?;
    Ok(b.build())
}

fn build(
    rules: &Rules,
    recorded: &Recorded,
    coupons: Vec<CouponOf>,
    ci: u32,
    window: Millis,
) -> Result<Outcomes, InvalidWindow> {
    let exposed = recorded.exposures.iter().filter(|e| e.campaign == ci).count();
    let mut b = OutcomesBuilder::default();
    b.window(window)?;
    b.reserve(exposed, recorded.orders.len(), coupons.len());
    let Some(c) = rules.compiled.program.campaigns.get(ci as usize) else {
        return Ok(b.build());
    };
    let Some(x) = &c.experiment else {
        return Ok(b.build());
    };
    let campaign = &*c.id;
    let mut arms = HashMap::with_capacity(exposed);
    for e in recorded.exposures.iter().filter(|e| e.campaign == ci) {
        let Some(arm) = x.arms.get(e.arm as usize) else {
            continue;
        };
        arms.insert(e.user.clone(), arm.name.clone());
        let fields: Vec<(&str, &str)> = e.fields.iter().map(|(n, v)| (&**n, &**v)).collect();
        b.expose(Exposed {
            campaign,
            experiment: &x.name,
            arm: &arm.name,
            user: &e.user,
            at: e.at,
            total_spend: e.total_spend,
            fields: &fields,
        });
    }
    for o in &recorded.orders {
        if arms.contains_key(&o.user) {
            b.order(&o.order.id, &o.user, o.at, o.order.total);
        }
    }
    let discounts: HashMap<&str, Option<Fen>> = recorded
        .redemptions
        .iter()
        .map(|r| (r.code.as_str(), r.discount))
        .collect();
    for (user, code, face_value, redeemed) in coupons {
        let arm = arms.get(&user).map(|a| &**a);
        b.issued(campaign, arm, &user, &code, face_value);
        if redeemed {
            b.redeemed(&code, discounts.get(code.as_str()).copied().flatten());
        }
    }
    Ok(b.build())
}
