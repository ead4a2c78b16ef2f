//! The console's reads on PostgreSQL: a campaign's activity of the last hours, a user's
//! latest decisions (`migrations/postgres/0007_console.sql` indexes both).

use super::{PgTx, get};
use crate::ledger::LedgerError;
use crate::ledger::postgres::sql::Q;
use crate::ledger::store::{Activity, StoredDecision, sql_limit};
use crate::value::Millis;

impl PgTx<'_> {
    pub(super) fn read_activity(&mut self, campaign: &str, since: Millis) -> Result<Activity, LedgerError> {
        let mut a = Activity::default();
        for r in self.query(Q::ActivityIssued, &[&campaign, &since])? {
            a.issued.push(get(&r, 0)?);
        }
        for r in self.query(Q::ActivityRedeemed, &[&campaign, &since])? {
            a.redeemed.push((get(&r, 0)?, get(&r, 1)?));
        }
        for r in self.query(Q::ActivityDecisions, &[&since])? {
            a.withheld.push((get(&r, 0)?, get(&r, 1)?));
        }
        Ok(a)
    }

    pub(super) fn read_user_decisions(
        &mut self,
        user_id: &str,
        limit: usize,
    ) -> Result<Vec<StoredDecision>, LedgerError> {
        let limit = sql_limit(limit);
        let rows = self.query(Q::UserDecisions, &[&user_id, &limit])?;
        rows.iter()
            .map(|r| {
                Ok(StoredDecision {
                    decision_id: get(r, 0)?,
                    rules_version: get(r, 1)?,
                    body: get(r, 2)?,
                })
            })
            .collect()
    }
}
