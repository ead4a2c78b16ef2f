//! What `mintage fit --db` reads from a ledger: a campaign's decisions, its exposed users
//! as they were at exposure, and their paid orders, as the JSONL lines `mintage fit`
//! reads from files (the decisions as the runtime wrote them, user rows, `order_paid`
//! events). The users come from the exposures' fields, which keep what a response model
//! reads when the campaign explores (see `runtime::exposure::fit_fields`).

use super::outcomes::fields_of;
use super::store::read;
use super::{Ledger, LedgerError};
use crate::runtime::exposure::user_of_fields;
use crate::value::{DAY_MS, time_string, yuan_json};

/// Orders are read this long after each exposure (the fit applies its own window).
const ORDERS_AFTER: i64 = 3660 * DAY_MS;

/// A campaign's lines for a fit.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FitLines {
    pub decisions: Vec<String>,
    pub users: Vec<String>,
    pub orders: Vec<String>,
}

impl Ledger {
    /// The decisions, users and orders of `campaign`'s exposed users, for a fit.
    pub fn fit_lines(&self, campaign: &str) -> Result<FitLines, LedgerError> {
        read(&*self.backend, |tx| {
            let mut out = FitLines::default();
            let mut bad = None;
            tx.exposures_of(campaign, &mut |e| match fields_of(&e.fields) {
                Ok(fields) => out.users.push(user_of_fields(&e.user_id, &fields).to_string()),
                Err(err) => bad = Some(err),
            })?;
            if let Some(err) = bad {
                return Err(err);
            }
            tx.decisions_of(campaign, &mut |body| out.decisions.push(body))?;
            // One exposure per user and campaign (the table's key): each order comes once.
            tx.attributed_orders(campaign, ORDERS_AFTER, &mut |o| {
                let coupons: serde_json::Value =
                    serde_json::from_str(&o.coupons).unwrap_or_else(|_| serde_json::json!([]));
                let event = serde_json::json!({
                    "id": format!("order-{}", o.order_id),
                    "type": "order_paid",
                    "at": time_string(o.at, chrono_tz::UTC),
                    "user": {"id": o.user_id},
                    "order": {"id": o.order_id, "total": yuan_json(o.total), "coupons": coupons},
                });
                out.orders.push(event.to_string());
            })?;
            Ok(out)
        })
    }
}
