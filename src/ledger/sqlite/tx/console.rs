//! The console's reads on SQLite: a campaign's activity of the last hours, a user's
//! latest decisions (`migrations/sqlite/0006_console.sql` indexes both).

use super::SqliteTx;
use crate::ledger::LedgerError;
use crate::ledger::sqlite::db;
use crate::ledger::sqlite::sql::Q;
use crate::ledger::store::{Activity, StoredDecision, sql_limit};
use crate::value::Millis;
use rusqlite::params;

impl SqliteTx<'_> {
    pub(super) fn read_activity(&self, campaign: &str, since: Millis) -> Result<Activity, LedgerError> {
        let mut a = Activity::default();
        self.each(Q::ActivityIssued, params![campaign, since], |r| r.get(0), &mut |t| {
            a.issued.push(t)
        })?;
        let mut redeemed = Vec::new();
        self.each(
            Q::ActivityRedeemed,
            params![campaign, since],
            |r| Ok((r.get(0)?, r.get(1)?)),
            &mut |x| redeemed.push(x),
        )?;
        a.redeemed = redeemed;
        let mut withheld = Vec::new();
        self.each(
            Q::ActivityDecisions,
            params![since],
            |r| Ok((r.get(0)?, r.get(1)?)),
            &mut |x| withheld.push(x),
        )?;
        a.withheld = withheld;
        Ok(a)
    }

    pub(super) fn read_user_decisions(&self, user_id: &str, limit: usize) -> Result<Vec<StoredDecision>, LedgerError> {
        let mut statement = self.conn.prepare_cached(Q::UserDecisions.sql()).map_err(db)?;
        let rows = statement
            .query_map(params![user_id, sql_limit(limit)], |r| {
                Ok(StoredDecision {
                    decision_id: r.get(0)?,
                    rules_version: r.get(1)?,
                    body: r.get(2)?,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }
}
