//! The outcome tables on SQLite (`migrations/sqlite/0002_outcomes.sql`): rows are written
//! only if new (first exposure, first order id, first redemption win).

use super::{SqliteTx, status};
use crate::ledger::LedgerError;
use crate::ledger::sqlite::db;
use crate::ledger::sqlite::sql::Q;
use crate::ledger::store::{ExposureRow, IssuedRow, OrderRow, OutcomeChanges};
use crate::value::Millis;
use rusqlite::params;

impl SqliteTx<'_> {
    pub(super) fn apply_outcomes(&self, ch: &OutcomeChanges) -> Result<(), LedgerError> {
        for e in &ch.exposures {
            self.execute(
                Q::InsertExposure,
                params![
                    e.campaign,
                    e.user_id,
                    e.experiment,
                    e.arm,
                    e.at,
                    e.total_spend,
                    e.fields
                ],
            )?;
        }
        for o in &ch.orders {
            self.execute(
                Q::InsertOrder,
                params![o.order_id, o.user_id, o.at, o.total, o.shipping, o.coupons, o.items],
            )?;
        }
        for r in &ch.redeemed {
            self.execute(Q::InsertRedeemed, params![r.code, r.discount, r.at])?;
        }
        Ok(())
    }

    pub(super) fn exposed(&self, user_id: &str) -> Result<Vec<String>, LedgerError> {
        self.rows(Q::ExposedCampaigns, [user_id], |r| r.get(0))
    }

    /// Runs `q` and hands each row to `each`, one at a time (a campaign may have a million).
    pub(super) fn each<T>(
        &self,
        q: Q,
        params: impl rusqlite::Params,
        read: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        each: &mut dyn FnMut(T),
    ) -> Result<(), LedgerError> {
        let mut statement = self.conn.prepare_cached(q.sql()).map_err(db)?;
        let mut rows = statement.query(params).map_err(db)?;
        while let Some(row) = rows.next().map_err(db)? {
            each(read(row).map_err(db)?);
        }
        Ok(())
    }

    pub(super) fn exposures(&self, campaign: &str, each: &mut dyn FnMut(ExposureRow)) -> Result<(), LedgerError> {
        let read = |r: &rusqlite::Row<'_>| {
            Ok(ExposureRow {
                campaign: r.get(0)?,
                experiment: r.get(1)?,
                arm: r.get(2)?,
                user_id: r.get(3)?,
                at: r.get(4)?,
                total_spend: r.get(5)?,
                fields: r.get(6)?,
            })
        };
        self.each(Q::ExposuresOf, [campaign], read, each)
    }

    pub(super) fn decisions(&self, campaign: &str, each: &mut dyn FnMut(String)) -> Result<(), LedgerError> {
        self.each(Q::DecisionsOf, [campaign], |r| r.get(0), each)
    }

    pub(super) fn orders(
        &self,
        campaign: &str,
        window: Millis,
        each: &mut dyn FnMut(OrderRow),
    ) -> Result<(), LedgerError> {
        let read = |r: &rusqlite::Row<'_>| {
            Ok(OrderRow {
                order_id: r.get(0)?,
                user_id: r.get(1)?,
                at: r.get(2)?,
                total: r.get(3)?,
                shipping: r.get(4)?,
                coupons: r.get(5)?,
                items: r.get(6)?,
            })
        };
        self.each(Q::AttributedOrders, params![campaign, window], read, each)
    }

    pub(super) fn coupons(&self, campaign: &str, each: &mut dyn FnMut(IssuedRow)) -> Result<(), LedgerError> {
        let read = |r: &rusqlite::Row<'_>| {
            Ok(IssuedRow {
                code: r.get(0)?,
                user_id: r.get(1)?,
                arm: r.get(2)?,
                face_value: r.get(3)?,
                status: status(r, 4)?,
                discount: r.get(5)?,
            })
        };
        self.each(Q::CouponsOf, [campaign], read, each)
    }
}
