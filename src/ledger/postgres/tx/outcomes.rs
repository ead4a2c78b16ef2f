//! The outcome tables on PostgreSQL (`migrations/postgres/0003_outcomes.sql`): rows are
//! written only if new (first exposure, first order id, first redemption win).

use super::{PgTx, get};
use crate::ledger::LedgerError;
use crate::ledger::api::CouponState;
use crate::ledger::postgres::sql::Q;
use crate::ledger::store::{ExposureRow, IssuedRow, OrderRow, OutcomeChanges};
use crate::value::Millis;

impl PgTx<'_> {
    pub(super) fn apply_outcomes(&mut self, ch: &OutcomeChanges) -> Result<(), LedgerError> {
        for e in &ch.exposures {
            self.execute(
                Q::InsertExposure,
                &[
                    &e.campaign,
                    &e.user_id,
                    &e.experiment,
                    &e.arm,
                    &e.at,
                    &e.total_spend,
                    &e.fields,
                ],
            )?;
        }
        for o in &ch.orders {
            self.execute(
                Q::InsertOrder,
                &[
                    &o.order_id,
                    &o.user_id,
                    &o.at,
                    &o.total,
                    &o.shipping,
                    &o.coupons,
                    &o.items,
                ],
            )?;
        }
        for r in &ch.redeemed {
            self.execute(Q::InsertRedeemed, &[&r.code, &r.discount, &r.at])?;
        }
        Ok(())
    }

    pub(super) fn exposed(&mut self, user_id: &str) -> Result<Vec<String>, LedgerError> {
        self.query(Q::ExposedCampaigns, &[&user_id])?
            .iter()
            .map(|r| get(r, 0))
            .collect()
    }

    pub(super) fn exposures(&mut self, campaign: &str, each: &mut dyn FnMut(ExposureRow)) -> Result<(), LedgerError> {
        for r in self.query(Q::ExposuresOf, &[&campaign])? {
            each(ExposureRow {
                campaign: get(&r, 0)?,
                experiment: get(&r, 1)?,
                arm: get(&r, 2)?,
                user_id: get(&r, 3)?,
                at: get(&r, 4)?,
                total_spend: get(&r, 5)?,
                fields: get(&r, 6)?,
            });
        }
        Ok(())
    }

    pub(super) fn decisions(&mut self, campaign: &str, each: &mut dyn FnMut(String)) -> Result<(), LedgerError> {
        for r in self.query(Q::DecisionsOf, &[&campaign])? {
            each(get(&r, 0)?);
        }
        Ok(())
    }

    pub(super) fn orders(
        &mut self,
        campaign: &str,
        window: Millis,
        each: &mut dyn FnMut(OrderRow),
    ) -> Result<(), LedgerError> {
        for r in self.query(Q::AttributedOrders, &[&campaign, &window])? {
            each(OrderRow {
                order_id: get(&r, 0)?,
                user_id: get(&r, 1)?,
                at: get(&r, 2)?,
                total: get(&r, 3)?,
                shipping: get(&r, 4)?,
                coupons: get(&r, 5)?,
                items: get(&r, 6)?,
            });
        }
        Ok(())
    }

    pub(super) fn coupons(&mut self, campaign: &str, each: &mut dyn FnMut(IssuedRow)) -> Result<(), LedgerError> {
        for r in self.query(Q::CouponsOf, &[&campaign])? {
            let status: String = get(&r, 4)?;
            each(IssuedRow {
                code: get(&r, 0)?,
                user_id: get(&r, 1)?,
                arm: get(&r, 2)?,
                face_value: get(&r, 3)?,
                status: CouponState::from_stored(&status)?,
                discount: get(&r, 5)?,
            });
        }
        Ok(())
    }
}
