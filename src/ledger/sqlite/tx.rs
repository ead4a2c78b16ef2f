//! The ledger's statements on one SQLite transaction (or savepoint, in a group commit),
//! with the guards PostgreSQL has as well: a budget grows only while it fits, a coupon
//! moves only from the status it was read in, a timer is deleted only once. A guard that
//! fails is a conflict (which, with SQLite's single writer, only a bug can cause).

use super::db;
use super::sql::Q;
use crate::ledger::LedgerError;
use crate::ledger::api::{CouponState, Scope};
use crate::ledger::keys::KeyDigest;
use crate::ledger::store::{
    BudgetAudit, BudgetRow, CampaignCounts, Changes, CouponRow, ExpiredCoupon, ExposureRow, IssuedRow, NewKeyRow,
    OrderRow, RedemptionRow, RepeatedCoupons, ReturnRow, Sighting, SignalRow, StatusCount, StoredDecision, TallyRow,
    TimerRow, Totals, Tx, UserDoc, UserRows, count, sql_limit,
};
use crate::value::Millis;
use rusqlite::{Connection, OptionalExtension, Params, Row, params};

mod console;
mod outcomes;

pub struct SqliteTx<'c> {
    pub conn: &'c Connection,
}

fn now_ms() -> Result<Millis, LedgerError> {
    crate::ledger::clock_ms()
}

/// A unique index that refused a row: another decision got there first.
fn conflict_on_unique(e: rusqlite::Error, what: &str) -> LedgerError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            LedgerError::conflict_from(format!("{what}: {e}"), e)
        }
        _ => db(e),
    }
}

fn coupon_row(r: &Row<'_>) -> rusqlite::Result<CouponRow> {
    Ok(CouponRow {
        code: r.get(0)?,
        user_id: r.get(1)?,
        campaign: r.get(2)?,
        rule: r.get(3)?,
        arm: r.get(4)?,
        decision_id: r.get(5)?,
        status: status(r, 6)?,
        issued_at: r.get(7)?,
        valid_from: r.get(8)?,
        valid_until: r.get(9)?,
        face_value: r.get(10)?,
        terms: r.get(11)?,
        coupon: r.get(12)?,
        order_id: r.get(13)?,
    })
}

/// A coupon status column: one this build does not know is a conversion failure, which
/// [`db`] reports as corrupt data.
fn status(r: &Row<'_>, i: usize) -> rusqlite::Result<CouponState> {
    let text: String = r.get(i)?;
    CouponState::from_stored(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
}

fn tally_row(r: &Row<'_>) -> rusqlite::Result<TallyRow> {
    Ok(TallyRow {
        campaign: r.get(0)?,
        scope: r.get(1)?,
        used: r.get(2)?,
    })
}

fn budget_row(r: &Row<'_>) -> rusqlite::Result<BudgetRow> {
    Ok(BudgetRow {
        campaign: r.get(0)?,
        reserved: r.get(1)?,
        spent: r.get(2)?,
    })
}

fn timer_row(r: &Row<'_>) -> rusqlite::Result<TimerRow> {
    Ok(TimerRow {
        id: r.get(0)?,
        user_id: r.get(1)?,
        rule: r.get(2)?,
        due: r.get(3)?,
        event: r.get(4)?,
        holdout: r.get::<_, i64>(5)? != 0,
        arm: r.get(6)?,
        limit_key: r.get(7)?,
        limit_until: r.get(8)?,
    })
}

fn redemption_row(r: &Row<'_>) -> rusqlite::Result<RedemptionRow> {
    Ok(RedemptionRow {
        order_id: r.get(0)?,
        code: r.get(1)?,
        buyer_id: r.get(2)?,
        status: r.get(3)?,
        discount: r.get(4)?,
        platform: r.get(5)?,
        seller: r.get(6)?,
        response: r.get(7)?,
        reserved_until: r.get(8)?,
    })
}

impl SqliteTx<'_> {
    /// Every row `q` selects, each read by `read`.
    fn rows<T>(
        &self,
        q: Q,
        params: impl Params,
        read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, LedgerError> {
        let mut statement = self.conn.prepare_cached(q.sql()).map_err(db)?;
        let rows = statement.query_map(params, read).map_err(db)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(db)
    }

    /// The one row `q` selects, if any.
    fn row<T>(
        &self,
        q: Q,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, LedgerError> {
        let mut statement = self.conn.prepare_cached(q.sql()).map_err(db)?;
        statement.query_row(params, read).optional().map_err(db)
    }

    /// The one row an aggregate (`COUNT`, `SUM`) always selects.
    fn one<T>(
        &self,
        q: Q,
        params: impl Params,
        read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, LedgerError> {
        let mut statement = self.conn.prepare_cached(q.sql()).map_err(db)?;
        statement.query_row(params, read).map_err(db)
    }

    /// Runs `q`; how many rows it changed. `fail` turns its error into the ledger's.
    fn run(
        &self,
        q: Q,
        params: impl Params,
        fail: impl FnOnce(rusqlite::Error) -> LedgerError,
    ) -> Result<usize, LedgerError> {
        let mut statement = self.conn.prepare_cached(q.sql()).map_err(db)?;
        statement.execute(params).map_err(fail)
    }

    fn execute(&self, q: Q, params: impl Params) -> Result<usize, LedgerError> {
        self.run(q, params, db)
    }
}

impl Tx for SqliteTx<'_> {
    fn activity(&mut self, campaign: &str, since: Millis) -> Result<crate::ledger::store::Activity, LedgerError> {
        self.read_activity(campaign, since)
    }

    fn user_decisions(&mut self, user_id: &str, limit: usize) -> Result<Vec<StoredDecision>, LedgerError> {
        self.read_user_decisions(user_id, limit)
    }

    fn decision_by_event(&mut self, event_id: &str) -> Result<Option<StoredDecision>, LedgerError> {
        self.row(Q::DecisionByEvent, [event_id], |r| {
            Ok(StoredDecision {
                decision_id: r.get(0)?,
                rules_version: r.get(1)?,
                body: r.get(2)?,
            })
        })
    }

    fn load_user(&mut self, user_id: &str) -> Result<UserRows, LedgerError> {
        let doc = match self.row(Q::UserState, [user_id], |r| r.get::<_, String>(0))? {
            Some(text) => Some(
                serde_json::from_str::<UserDoc>(&text)
                    .map_err(|e| LedgerError::corrupt_from(&format!("state of user `{user_id}`"), e))?,
            ),
            None => None,
        };
        let coupons = self.rows(Q::UserCoupons, [user_id], coupon_row)?;
        let timers = self.rows(Q::UserTimers, [user_id], timer_row)?;
        Ok(UserRows { doc, coupons, timers })
    }

    fn load_device(&mut self, device: &str, since: Millis) -> Result<Vec<Sighting>, LedgerError> {
        self.rows(Q::LoadDevice, params![device, since], |r| {
            Ok(Sighting {
                user_id: r.get(0)?,
                last_seen: r.get(1)?,
            })
        })
    }

    fn load_signals(&mut self) -> Result<Vec<SignalRow>, LedgerError> {
        self.rows(Q::LoadSignals, [], |r| {
            Ok(SignalRow {
                name: r.get(0)?,
                key: r.get(1)?,
                value: r.get(2)?,
            })
        })
    }

    fn load_budgets(&mut self) -> Result<Vec<BudgetRow>, LedgerError> {
        self.rows(Q::LoadBudgets, [], budget_row)
    }

    fn load_tallies(&mut self, keys: &[(String, String)]) -> Result<Vec<TallyRow>, LedgerError> {
        let mut out = Vec::new();
        for (campaign, scope) in keys {
            out.extend(self.row(Q::LoadTally, params![campaign, scope], tally_row)?);
        }
        Ok(out)
    }

    fn all_tallies(&mut self) -> Result<Vec<TallyRow>, LedgerError> {
        self.rows(Q::AllTallies, [], tally_row)
    }

    fn issued_by_rule(&mut self) -> Result<Vec<TallyRow>, LedgerError> {
        self.rows(Q::IssuedByRule, [], tally_row)
    }

    fn apply(&mut self, ch: &Changes) -> Result<(), LedgerError> {
        let now = now_ms()?;
        for d in &ch.decisions {
            self.run(
                Q::InsertDecision,
                params![
                    d.decision_id,
                    d.event_id,
                    d.trigger,
                    d.user_id,
                    d.at,
                    d.rules_version,
                    d.body,
                    now
                ],
                |e| conflict_on_unique(e, "the event was decided meanwhile"),
            )?;
        }
        for b in &ch.budgets {
            self.execute(Q::EnsureBudget, [&b.campaign])?;
            if self.execute(Q::Budget, params![b.campaign, b.reserved, b.spent, b.limit])? == 0 {
                return Err(LedgerError::conflict(format!(
                    "budget of `{}` taken meanwhile",
                    b.campaign
                )));
            }
        }
        for t in &ch.tallies {
            if self.execute(Q::Tally, params![t.campaign, t.scope, t.delta, t.limit])? == 0 {
                return Err(LedgerError::conflict(format!(
                    "`{}` of `{}` taken meanwhile",
                    t.scope, t.campaign
                )));
            }
        }
        for (code, from, to) in &ch.coupon_status {
            if !self.set_coupon_status(code, *from, *to, None)? {
                return Err(LedgerError::conflict(format!("coupon `{code}` changed meanwhile")));
            }
        }
        for k in &ch.new_coupons {
            self.run(
                Q::InsertCoupon,
                params![
                    k.code,
                    k.user_id,
                    k.campaign,
                    k.rule,
                    k.arm,
                    k.decision_id,
                    k.status.as_str(),
                    k.issued_at,
                    k.valid_from,
                    k.valid_until,
                    k.face_value,
                    k.terms,
                    k.coupon,
                    k.order_id,
                    now
                ],
                |e| conflict_on_unique(e, "coupon code taken"),
            )?;
        }
        if let Some((user, doc)) = &ch.user {
            let text = serde_json::to_string(doc)
                .map_err(|e| LedgerError::internal_from("cannot encode a user's state", e))?;
            self.execute(Q::UpsertUser, params![user, text, now])?;
        }
        for id in &ch.timers_done {
            if self.execute(Q::DeleteTimer, [id])? == 0 {
                return Err(LedgerError::conflict(format!(
                    "timer {id} fired or was cancelled meanwhile"
                )));
            }
        }
        for t in &ch.timers_new {
            self.execute(
                Q::InsertTimer,
                params![
                    t.user_id,
                    t.rule,
                    t.due,
                    t.event,
                    i64::from(t.holdout),
                    t.arm,
                    t.limit_key,
                    t.limit_until
                ],
            )?;
        }
        for (device, user, at) in &ch.sightings {
            self.execute(Q::UpsertDevice, params![device, user, at])?;
        }
        for (name, key, value, at) in &ch.signals {
            self.execute(Q::UpsertSignal, params![name, key, value, at])?;
        }
        self.apply_outcomes(&ch.outcomes)
    }

    fn due_users(&mut self, now: Millis, limit: usize) -> Result<Vec<String>, LedgerError> {
        self.rows(Q::DueUsers, params![now, sql_limit(limit)], |r| r.get(0))
    }

    fn next_due(&mut self) -> Result<Option<Millis>, LedgerError> {
        self.one(Q::NextDue, [], |r| r.get(0))
    }

    fn expire_coupons(&mut self, now: Millis, limit: usize) -> Result<Vec<ExpiredCoupon>, LedgerError> {
        self.rows(Q::ExpireCoupons, params![now, sql_limit(limit)], |r| {
            Ok(ExpiredCoupon {
                campaign: r.get(0)?,
                face_value: r.get(1)?,
            })
        })
    }

    fn prune_devices(&mut self, before: Millis) -> Result<u64, LedgerError> {
        let n = self.execute(Q::PruneDevices, [before])?;
        u64::try_from(n).map_err(|e| LedgerError::internal_from("rows deleted", e))
    }

    fn coupon(&mut self, code: &str, _lock: bool) -> Result<Option<CouponRow>, LedgerError> {
        // The writer holds the whole database: every row is locked already.
        self.row(Q::Coupon, [code], coupon_row)
    }

    fn set_coupon_status(
        &mut self,
        code: &str,
        from: CouponState,
        to: CouponState,
        order_id: Option<&str>,
    ) -> Result<bool, LedgerError> {
        let now = now_ms()?;
        let n = self.execute(
            Q::SetCouponStatus,
            params![code, from.as_str(), to.as_str(), order_id, now],
        )?;
        Ok(n == 1)
    }

    fn order_redemptions(&mut self, order_id: &str) -> Result<Vec<RedemptionRow>, LedgerError> {
        self.rows(Q::OrderRedemptions, [order_id], redemption_row)
    }

    fn put_redemption(&mut self, r: &RedemptionRow) -> Result<(), LedgerError> {
        let now = now_ms()?;
        self.execute(
            Q::PutRedemption,
            params![
                r.order_id,
                r.code,
                r.buyer_id,
                r.status,
                r.discount,
                r.platform,
                r.seller,
                r.response,
                now,
                r.reserved_until
            ],
        )
        .map(|_| ())
    }

    fn lapsed_reservations(&mut self, now: Millis, limit: usize) -> Result<Vec<RedemptionRow>, LedgerError> {
        self.rows(Q::LapsedReservations, params![now, sql_limit(limit)], redemption_row)
    }

    fn order_returns(&mut self, order_id: &str) -> Result<Vec<ReturnRow>, LedgerError> {
        self.rows(Q::OrderReturns, [order_id], |r| {
            Ok(ReturnRow {
                order_id: r.get(0)?,
                return_id: r.get(1)?,
                lines: r.get(2)?,
                answer: r.get(3)?,
                created_at: r.get(4)?,
            })
        })
    }

    fn insert_return(&mut self, r: &ReturnRow) -> Result<(), LedgerError> {
        self.execute(
            Q::InsertReturn,
            params![r.order_id, r.return_id, r.lines, r.answer, r.created_at],
        )
        .map(|_| ())
    }

    fn wallet(&mut self, user_id: &str, now: Millis) -> Result<Vec<CouponRow>, LedgerError> {
        self.rows(Q::Wallet, params![user_id, now], coupon_row)
    }

    fn campaign_counts(&mut self, campaign: &str) -> Result<CampaignCounts, LedgerError> {
        let rows = self.rows(Q::CouponsByStatusArm, [campaign], |r| {
            Ok((status(r, 0)?, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
        })?;
        let by_status_arm = rows
            .into_iter()
            .map(|(status, arm, n)| {
                Ok(StatusCount {
                    status,
                    arm,
                    count: count(n)?,
                })
            })
            .collect::<Result<Vec<_>, LedgerError>>()?;
        Ok(CampaignCounts {
            by_status_arm,
            budget: self.row(Q::CampaignBudget, [campaign], budget_row)?,
            discount_given: self.one(Q::DiscountGiven, [campaign], |r| r.get(0))?,
        })
    }

    fn insert_key(&mut self, k: &NewKeyRow<'_>) -> Result<(), LedgerError> {
        self.execute(
            Q::InsertKey,
            params![k.id, k.digest.as_str(), Scope::join(k.scopes), k.label, k.created_at],
        )
        .map(|_| ())
    }

    fn key_scopes(&mut self, digest: &KeyDigest) -> Result<Option<Vec<Scope>>, LedgerError> {
        let scopes = self.row(Q::KeyScopes, [digest.as_str()], |r| r.get::<_, String>(0))?;
        Ok(scopes.map(|s| Scope::split(&s)))
    }

    fn key_count(&mut self) -> Result<u64, LedgerError> {
        count(self.one(Q::KeyCount, [], |r| r.get(0))?)
    }

    fn budget_audit(&mut self) -> Result<Vec<BudgetAudit>, LedgerError> {
        self.rows(Q::BudgetAudit, [], |r| {
            Ok(BudgetAudit {
                campaign: r.get(0)?,
                reserved: r.get(1)?,
                spent: r.get(2)?,
                held: r.get(3)?,
                redeemed: r.get(4)?,
            })
        })
    }

    fn repeated_coupons(&mut self) -> Result<Vec<RepeatedCoupons>, LedgerError> {
        let rows = self.rows(Q::RepeatedCoupons, [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)?))
        })?;
        rows.into_iter()
            .map(|(user_id, campaign, rule, n)| {
                Ok(RepeatedCoupons {
                    user_id,
                    campaign,
                    rule,
                    coupons: count(n)?,
                })
            })
            .collect()
    }

    fn exposed_campaigns(&mut self, user_id: &str) -> Result<Vec<String>, LedgerError> {
        self.exposed(user_id)
    }

    fn exposures_of(&mut self, campaign: &str, each: &mut dyn FnMut(ExposureRow)) -> Result<(), LedgerError> {
        self.exposures(campaign, each)
    }

    fn attributed_orders(
        &mut self,
        campaign: &str,
        window: Millis,
        each: &mut dyn FnMut(OrderRow),
    ) -> Result<(), LedgerError> {
        self.orders(campaign, window, each)
    }

    fn decisions_of(&mut self, campaign: &str, each: &mut dyn FnMut(String)) -> Result<(), LedgerError> {
        self.decisions(campaign, each)
    }

    fn coupons_of(&mut self, campaign: &str, each: &mut dyn FnMut(IssuedRow)) -> Result<(), LedgerError> {
        self.coupons(campaign, each)
    }

    fn totals(&mut self) -> Result<Totals, LedgerError> {
        let (coupons, decisions, dup, unbalanced) = self.one(Q::Totals, [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        Ok(Totals {
            coupons: count(coupons)?,
            decisions: count(decisions)?,
            duplicate_events: count(dup)?,
            unbalanced_redemptions: count(unbalanced)?,
        })
    }
}
