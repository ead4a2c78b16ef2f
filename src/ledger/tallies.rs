//! Auditing caps and budgets of a day or hour: the coupons each capped campaign and rule
//! issued, counted from the coupons themselves, and the tallies that hold them, against
//! the limits of the rules loaded.

use super::api::Audit;
use super::store::TallyRow;
use crate::check::program::Program;
use crate::runtime::period::{campaign_scope, rule_scope};

pub(super) fn audit(program: &Program, tallies: &[TallyRow], issued: &[TallyRow], a: &mut Audit) {
    for c in &program.campaigns {
        let of_campaign = issued.iter().filter(|t| *t.campaign == *c.id);
        if let Some(cap) = c.cap {
            let n: i64 = of_campaign.clone().map(|t| t.used).sum();
            if n > i64::from(cap) {
                a.caps_exceeded.push(format!("{}: {n} coupons issued, cap {cap}", c.id));
            }
        }
        for r in &c.rules {
            let Some(cap) = r.cap else { continue };
            let scope = rule_scope(&r.name);
            let n: i64 = of_campaign.clone().filter(|t| *t.scope == *scope).map(|t| t.used).sum();
            if n > i64::from(cap) {
                a.caps_exceeded
                    .push(format!("{}/{}: {n} coupons issued, cap {cap}", c.id, r.name));
            }
        }
        for t in tallies.iter().filter(|t| *t.campaign == *c.id) {
            let cap = if *t.scope == *campaign_scope() {
                c.cap
            } else {
                c.rules
                    .iter()
                    .find(|r| *rule_scope(&r.name) == *t.scope)
                    .and_then(|r| r.cap)
            };
            if let Some(cap) = cap
                && t.used > i64::from(cap)
            {
                a.caps_exceeded
                    .push(format!("{} {}: tally {}, cap {cap}", c.id, t.scope, t.used));
            }
            for p in &c.period_budgets {
                let prefix = format!("{}/", p.per.as_str());
                if t.scope.starts_with(&prefix) && t.used > p.amount {
                    a.period_overspent.push(format!(
                        "{} {}: {} fen issued, budget {} fen per {}",
                        c.id,
                        t.scope,
                        t.used,
                        p.amount,
                        p.per.as_str()
                    ));
                }
            }
        }
    }
}
