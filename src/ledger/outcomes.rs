//! Outcomes in the ledger, for experiment analysis: the exposures a decision recorded
//! (first wins per campaign and user), paid orders (once per order id) and the discount
//! `coupon_redeemed` events gave, written with the decision's transaction; and the reads
//! that fill an analysis [`OutcomesBuilder`] for one campaign.

use super::api::CouponState;
use super::store::{Tx, read};
use super::{Ledger, LedgerError};
use crate::analysis::OutcomesBuilder;
use crate::analysis::outcomes::{Exposed, InvalidWindow};
use crate::runtime::engine::Rules;
use crate::runtime::exposure::Recorded;
use crate::value::{Fen, Millis};
use std::sync::Arc;

/// An exposure row.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRow {
    pub campaign: String,
    pub experiment: String,
    pub arm: String,
    pub user_id: String,
    pub at: Millis,
    pub total_spend: Fen,
    /// The user's fields at exposure, a JSON object of strings.
    pub fields: String,
}

/// A paid order row.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRow {
    pub order_id: String,
    pub user_id: String,
    pub at: Millis,
    pub total: Fen,
    pub shipping: Option<Fen>,
    /// Codes used, a JSON list.
    pub coupons: String,
    /// The order's items as the event wrote them (JSON).
    pub items: String,
}

/// The discount a `coupon_redeemed` event gave (`None`: it said none).
#[derive(Debug, Clone, PartialEq)]
pub struct RedeemedRow {
    pub code: String,
    pub discount: Option<Fen>,
    pub at: Millis,
}

/// A campaign's coupon as analysis reads it: the discount is the committed settlement's
/// (`mintage redeem`, `POST /v1/redeem`), else the `coupon_redeemed` event's.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuedRow {
    pub code: String,
    pub user_id: String,
    pub arm: Option<String>,
    pub face_value: Fen,
    pub status: CouponState,
    pub discount: Option<Fen>,
}

/// What one transaction adds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OutcomeChanges {
    pub exposures: Vec<ExposureRow>,
    pub orders: Vec<OrderRow>,
    pub redeemed: Vec<RedeemedRow>,
}

impl OutcomeChanges {
    pub fn is_empty(&self) -> bool {
        self.exposures.is_empty() && self.orders.is_empty() && self.redeemed.is_empty()
    }
}

/// The rows of what a recording runtime kept during one decision.
pub fn changes(rules: &Rules, recorded: &Recorded) -> OutcomeChanges {
    let program = &rules.compiled.program;
    let exposures = recorded.exposures.iter().filter_map(|e| {
        let c = program.campaigns.get(e.campaign as usize)?;
        let x = c.experiment.as_ref()?;
        let fields: serde_json::Map<String, serde_json::Value> = e
            .fields
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string().into()))
            .collect();
        Some(ExposureRow {
            campaign: c.id.to_string(),
            experiment: x.name.to_string(),
            arm: x.arms.get(e.arm as usize)?.name.to_string(),
            user_id: e.user.to_string(),
            at: e.at,
            total_spend: e.total_spend,
            fields: serde_json::Value::Object(fields).to_string(),
        })
    });
    let orders = recorded.orders.iter().map(|o| OrderRow {
        order_id: o.order.id.to_string(),
        user_id: o.user.to_string(),
        at: o.at,
        total: o.order.total,
        shipping: o.order.shipping,
        coupons: serde_json::Value::from(o.order.coupons.clone()).to_string(),
        items: o.order.items.clone(),
    });
    let redeemed = recorded.redemptions.iter().map(|r| RedeemedRow {
        code: r.code.clone(),
        discount: r.discount,
        at: r.at,
    });
    OutcomeChanges {
        exposures: exposures.collect(),
        orders: orders.collect(),
        redeemed: redeemed.collect(),
    }
}

/// Fields as stored back into pairs.
pub(super) fn fields_of(text: &str) -> Result<Vec<(String, String)>, LedgerError> {
    let v: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| LedgerError::corrupt_from("the fields of an exposure", e))?;
    Ok(v.into_iter()
        .map(|(k, v)| {
            let text = v.as_str().map_or_else(|| v.to_string(), str::to_string);
            (k, text)
        })
        .collect())
}

/// Fills `b` with `campaign`'s exposures, the orders attributed to them (within
/// `window` of exposure), its coupons and their redemptions.
pub fn fill(tx: &mut dyn Tx, campaign: &str, window: Millis, b: &mut OutcomesBuilder) -> Result<(), LedgerError> {
    b.window(window)
        .map_err(|InvalidWindow| LedgerError::internal("an attribution window of zero"))?;
    let mut bad = None;
    tx.exposures_of(campaign, &mut |e| match fields_of(&e.fields) {
        Ok(fields) => {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            b.expose(Exposed {
                campaign: &e.campaign,
                experiment: &e.experiment,
                arm: &e.arm,
                user: &e.user_id,
                at: e.at,
                total_spend: e.total_spend,
                fields: &fields,
            });
        }
        Err(err) => bad = Some(err),
    })?;
    if let Some(err) = bad {
        return Err(err);
    }
    tx.attributed_orders(campaign, window, &mut |o| {
        b.order(&o.order_id, &o.user_id, o.at, o.total);
    })?;
    tx.coupons_of(campaign, &mut |c| {
        b.issued(campaign, c.arm.as_deref(), &c.user_id, &c.code, c.face_value);
        if c.status == CouponState::Redeemed {
            b.redeemed(&c.code, c.discount);
        }
    })?;
    Ok(())
}

impl Ledger {
    /// The outcomes of `campaign` for analysis, its orders counted within `window` of
    /// exposure.
    pub fn outcomes(&self, campaign: &str, window: Millis) -> Result<crate::analysis::Outcomes, LedgerError> {
        let campaign: Arc<str> = Arc::from(campaign);
        let outcomes = read(&*self.backend, |tx| {
            let mut b = OutcomesBuilder::default();
            fill(tx, &campaign, window, &mut b)?;
            Ok(b.build())
        })?;
        Ok(outcomes)
    }
}
