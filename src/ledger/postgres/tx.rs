//! The ledger's statements on one PostgreSQL transaction, with the guards of the SQLite
//! backend: a budget grows only while it fits, a coupon moves only from the status it
//! was read in, a timer is deleted only once. A guard that fails is a conflict.

use super::pool::{Conn, db};
use super::sql::{Q, literal};
use crate::ledger::LedgerError;
use crate::ledger::api::{CouponState, Scope};
use crate::ledger::keys::KeyDigest;
use crate::ledger::store::{
    BudgetAudit, BudgetDelta, BudgetRow, CampaignCounts, Changes, CouponRow, ExpiredCoupon, ExposureRow, IssuedRow,
    NewKeyRow, OrderRow, RedemptionRow, RepeatedCoupons, ReturnRow, Sighting, SignalRow, StatusCount, StoredDecision,
    TallyRow, TimerRow, Totals, Tx, UserDoc, UserRows, sql_limit,
};
use crate::value::Millis;
use postgres::Row;
use postgres::error::Severity;
use postgres::types::{FromSql, ToSql};

mod console;
mod outcomes;

type Params<'a> = [&'a (dyn ToSql + Sync)];

/// One transaction's statements. `failed` records that a statement failed (the server
/// then refuses everything until rollback, and a `COMMIT` would quietly roll back), so
/// the caller never reports such a transaction as committed.
pub struct PgTx<'c> {
    conn: &'c mut Conn,
    /// The `BEGIN` (with the advisory lock) not sent yet: it goes before the first
    /// statement, so a transaction that reads nothing costs nothing.
    begin: Option<String>,
    /// The first round trip failed on a connection that had been idle: it died meanwhile
    /// (a server restart, say), nothing was done on it, and the caller may start over on
    /// another one.
    pub stale: bool,
    pub failed: bool,
    /// Budgets and signals read with the user's working set, for the `load_budgets` and
    /// `load_signals` calls that follow it; dropped on any write.
    budgets: Option<Vec<BudgetRow>>,
    signals: Option<Vec<SignalRow>>,
    /// Custom plans were asked for in this transaction (see `custom_plans`).
    custom: bool,
    /// Statements held back until the commit (`defer_budget`).
    deferred: Vec<String>,
}

/// Column `i`: one that does not convert (a `NULL`, a wrong type) is data this build
/// cannot read.
fn get<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<T, LedgerError> {
    row.try_get(i)
        .map_err(|e| LedgerError::corrupt_from(&format!("column {i} of a row"), e))
}

/// An aggregated column: `NULL` when the table had no rows.
fn array<'a, T: FromSql<'a>>(row: &'a Row, i: usize) -> Result<Vec<T>, LedgerError> {
    Ok(get::<Option<Vec<T>>>(row, i)?.unwrap_or_default())
}

fn count(row: &Row, i: usize) -> Result<u64, LedgerError> {
    crate::ledger::store::count(get::<i64>(row, i)?)
}

fn now_ms() -> Result<Millis, LedgerError> {
    crate::ledger::clock_ms()
}

fn coupon_row(r: &Row) -> Result<CouponRow, LedgerError> {
    let status: String = get(r, 6)?;
    Ok(CouponRow {
        code: get(r, 0)?,
        user_id: get(r, 1)?,
        campaign: get(r, 2)?,
        rule: get(r, 3)?,
        arm: get(r, 4)?,
        decision_id: get(r, 5)?,
        status: CouponState::from_stored(&status)?,
        issued_at: get(r, 7)?,
        valid_from: get(r, 8)?,
        valid_until: get(r, 9)?,
        face_value: get(r, 10)?,
        terms: get(r, 11)?,
        coupon: get(r, 12)?,
        order_id: get(r, 13)?,
    })
}

fn tally_row(r: &Row) -> Result<TallyRow, LedgerError> {
    Ok(TallyRow {
        campaign: get(r, 0)?,
        scope: get(r, 1)?,
        used: get(r, 2)?,
    })
}

fn budget_row(r: &Row) -> Result<BudgetRow, LedgerError> {
    Ok(BudgetRow {
        campaign: get(r, 0)?,
        reserved: get(r, 1)?,
        spent: get(r, 2)?,
    })
}

impl<'c> PgTx<'c> {
    pub fn new(conn: &'c mut Conn, begin: String) -> PgTx<'c> {
        PgTx {
            conn,
            begin: Some(begin),
            stale: false,
            failed: false,
            budgets: None,
            signals: None,
            custom: false,
            deferred: Vec::new(),
        }
    }

    /// Sessions run generic plans (see `parse_url`). Statements that select a range of
    /// times (those of `tick`, a wallet) need a plan made for the time given (an index
    /// scan when few rows are due, which is nearly always), so their transaction asks for
    /// custom plans.
    fn custom_plans(&mut self) -> Result<(), LedgerError> {
        if !self.custom {
            self.send_before(None, "SET LOCAL plan_cache_mode = force_custom_plan")?;
            self.custom = true;
        }
        Ok(())
    }

    fn fail(&mut self, e: postgres::Error) -> LedgerError {
        self.failed = true;
        db(e)
    }

    fn query(&mut self, q: Q, params: &Params<'_>) -> Result<Vec<Row>, LedgerError> {
        self.send_before(Some(q), "")?;
        let result = self.conn.statement(q).and_then(|s| self.conn.client.query(&s, params));
        result.map_err(|e| self.fail(e))
    }

    fn query_opt(&mut self, q: Q, params: &Params<'_>) -> Result<Option<Row>, LedgerError> {
        self.send_before(Some(q), "")?;
        let result = self
            .conn
            .statement(q)
            .and_then(|s| self.conn.client.query_opt(&s, params));
        result.map_err(|e| self.fail(e))
    }

    fn query_one(&mut self, q: Q, params: &Params<'_>) -> Result<Row, LedgerError> {
        self.send_before(Some(q), "")?;
        let result = self
            .conn
            .statement(q)
            .and_then(|s| self.conn.client.query_one(&s, params));
        result.map_err(|e| self.fail(e))
    }

    fn execute(&mut self, q: Q, params: &Params<'_>) -> Result<u64, LedgerError> {
        self.send_before(Some(q), "")?;
        let result = self
            .conn
            .statement(q)
            .and_then(|s| self.conn.client.execute(&s, params));
        result.map_err(|e| self.fail(e))
    }

    /// A budget change, held back to travel with the `COMMIT` (or a statement that reads
    /// budgets before it): the campaign's row is locked from this statement to the
    /// commit, and every issuing decision needs it.
    fn defer_budget(&mut self, b: &BudgetDelta) -> Result<(), LedgerError> {
        let Some(campaign) = literal(&b.campaign) else {
            // Text PostgreSQL cannot hold: the statement will say so.
            return self
                .execute(Q::Budget, &[&b.campaign, &b.reserved, &b.spent, &b.limit])
                .map(|_| ());
        };
        let limit = b.limit.map_or_else(|| "NULL".to_string(), |l| l.to_string());
        self.deferred.push(format!(
            "SELECT mintage_budget({campaign}, {}, {}, {limit})",
            b.reserved, b.spent
        ));
        Ok(())
    }

    /// Sends what must precede statement `q` (or `then`, a statement sent as text), in
    /// one round trip: the `BEGIN` the first time, and the held-back budget changes if
    /// `q` reads budgets (others do not wait for them, so no row lock is taken early).
    fn send_before(&mut self, q: Option<Q>, then: &str) -> Result<(), LedgerError> {
        let first = self.begin.is_some();
        let mut parts: Vec<String> = self.begin.take().into_iter().collect();
        if q.is_some_and(Q::reads_budgets) && !self.deferred.is_empty() {
            parts.append(&mut self.deferred);
        }
        if !then.is_empty() {
            parts.push(then.to_string());
        }
        if parts.is_empty() {
            return Ok(());
        }
        let result = self.conn.client.batch_execute(&parts.join("; "));
        result.map_err(|e| if first { self.fail_first(e) } else { self.fail(e) })
    }

    /// A failure of the first round trip: one that never reached the server's SQL, or the
    /// notice of a server that ended the session (`FATAL`, as on a restart), means the
    /// connection was dead before this transaction touched it.
    fn fail_first(&mut self, e: postgres::Error) -> LedgerError {
        self.stale = self.conn.client.is_closed()
            || e.as_db_error()
                .is_none_or(|d| matches!(d.parsed_severity(), Some(Severity::Fatal | Severity::Panic)));
        self.fail(e)
    }

    /// The transaction is open on the server.
    pub fn begun(&self) -> bool {
        self.begin.is_none()
    }

    /// Commits, with the held-back statements in the same round trip. On an error the
    /// transaction may still be open (aborted): the caller rolls back.
    pub fn commit(&mut self) -> Result<(), LedgerError> {
        let mut parts: Vec<String> = self.begin.take().into_iter().collect();
        if !parts.is_empty() && self.deferred.is_empty() {
            // Nothing was read or written.
            return Ok(());
        }
        parts.append(&mut self.deferred);
        parts.push("COMMIT".into());
        self.conn.client.batch_execute(&parts.join("; ")).map_err(db)
    }
}

/// Element `i` of an aggregated column (the columns of one aggregate pass line up).
fn at<T: Clone>(column: &[T], i: usize) -> Result<T, LedgerError> {
    column
        .get(i)
        .cloned()
        .ok_or_else(|| LedgerError::corrupt("a user's rows came back as columns of different lengths"))
}

fn coupons_of(row: &Row, user_id: &str) -> Result<Vec<CouponRow>, LedgerError> {
    let code: Vec<String> = array(row, 1)?;
    let campaign: Vec<String> = array(row, 2)?;
    let rule: Vec<String> = array(row, 3)?;
    let arm: Vec<Option<String>> = array(row, 4)?;
    let decision_id: Vec<String> = array(row, 5)?;
    let issued_at: Vec<i64> = array(row, 6)?;
    let valid_from: Vec<i64> = array(row, 7)?;
    let valid_until: Vec<i64> = array(row, 8)?;
    let face_value: Vec<i64> = array(row, 9)?;
    let terms: Vec<String> = array(row, 10)?;
    let coupon: Vec<String> = array(row, 11)?;
    let order_id: Vec<Option<String>> = array(row, 12)?;
    let mut rows = (0..code.len())
        .map(|i| {
            Ok(CouponRow {
                code: at(&code, i)?,
                user_id: user_id.to_string(),
                campaign: at(&campaign, i)?,
                rule: at(&rule, i)?,
                arm: at(&arm, i)?,
                decision_id: at(&decision_id, i)?,
                status: CouponState::Issued,
                issued_at: at(&issued_at, i)?,
                valid_from: at(&valid_from, i)?,
                valid_until: at(&valid_until, i)?,
                face_value: at(&face_value, i)?,
                terms: at(&terms, i)?,
                coupon: at(&coupon, i)?,
                order_id: at(&order_id, i)?,
            })
        })
        .collect::<Result<Vec<_>, LedgerError>>()?;
    rows.sort_by(|a, b| (a.issued_at, &a.code).cmp(&(b.issued_at, &b.code)));
    Ok(rows)
}

fn timers_of(row: &Row, user_id: &str) -> Result<Vec<TimerRow>, LedgerError> {
    let id: Vec<i64> = array(row, 13)?;
    let rule: Vec<String> = array(row, 14)?;
    let due: Vec<i64> = array(row, 15)?;
    let event: Vec<String> = array(row, 16)?;
    let holdout: Vec<bool> = array(row, 17)?;
    let arm: Vec<Option<String>> = array(row, 18)?;
    let limit_key: Vec<String> = array(row, 19)?;
    let limit_until: Vec<i64> = array(row, 20)?;
    let mut rows = (0..id.len())
        .map(|i| {
            Ok(TimerRow {
                id: at(&id, i)?,
                user_id: user_id.to_string(),
                rule: at(&rule, i)?,
                due: at(&due, i)?,
                event: at(&event, i)?,
                holdout: at(&holdout, i)?,
                arm: at(&arm, i)?,
                limit_key: at(&limit_key, i)?,
                limit_until: at(&limit_until, i)?,
            })
        })
        .collect::<Result<Vec<_>, LedgerError>>()?;
    rows.sort_by_key(|t| (t.due, t.id));
    Ok(rows)
}

fn budgets_of(row: &Row) -> Result<Vec<BudgetRow>, LedgerError> {
    let campaign: Vec<String> = array(row, 21)?;
    let reserved: Vec<i64> = array(row, 22)?;
    let spent: Vec<i64> = array(row, 23)?;
    (0..campaign.len())
        .map(|i| {
            Ok(BudgetRow {
                campaign: at(&campaign, i)?,
                reserved: at(&reserved, i)?,
                spent: at(&spent, i)?,
            })
        })
        .collect()
}

fn signals_of(row: &Row) -> Result<Vec<SignalRow>, LedgerError> {
    let name: Vec<String> = array(row, 24)?;
    let key: Vec<String> = array(row, 25)?;
    let value: Vec<f64> = array(row, 26)?;
    (0..name.len())
        .map(|i| {
            Ok(SignalRow {
                name: at(&name, i)?,
                key: at(&key, i)?,
                value: at(&value, i)?,
            })
        })
        .collect()
}

fn signal_row(r: &Row) -> Result<SignalRow, LedgerError> {
    Ok(SignalRow {
        name: get(r, 0)?,
        key: get(r, 1)?,
        value: get(r, 2)?,
    })
}

impl Tx for PgTx<'_> {
    fn activity(&mut self, campaign: &str, since: Millis) -> Result<crate::ledger::store::Activity, LedgerError> {
        self.read_activity(campaign, since)
    }

    fn user_decisions(&mut self, user_id: &str, limit: usize) -> Result<Vec<StoredDecision>, LedgerError> {
        self.read_user_decisions(user_id, limit)
    }

    fn decision_by_event(&mut self, event_id: &str) -> Result<Option<StoredDecision>, LedgerError> {
        match self.query_opt(Q::DecisionByEvent, &[&event_id])? {
            Some(r) => Ok(Some(StoredDecision {
                decision_id: get(&r, 0)?,
                rules_version: get(&r, 1)?,
                body: get(&r, 2)?,
            })),
            None => Ok(None),
        }
    }

    fn load_user(&mut self, user_id: &str) -> Result<UserRows, LedgerError> {
        let row = self.query_one(Q::LoadUser, &[&user_id])?;
        let doc = match get::<Option<String>>(&row, 0)? {
            Some(text) => Some(
                serde_json::from_str::<UserDoc>(&text)
                    .map_err(|e| LedgerError::corrupt_from(&format!("state of user `{user_id}`"), e))?,
            ),
            None => None,
        };
        let coupons = coupons_of(&row, user_id)?;
        let timers = timers_of(&row, user_id)?;
        self.budgets = Some(budgets_of(&row)?);
        self.signals = Some(signals_of(&row)?);
        Ok(UserRows { doc, coupons, timers })
    }

    fn load_device(&mut self, device: &str, since: Millis) -> Result<Vec<Sighting>, LedgerError> {
        self.query(Q::LoadDevice, &[&device, &since])?
            .iter()
            .map(|r| {
                Ok(Sighting {
                    user_id: get(r, 0)?,
                    last_seen: get(r, 1)?,
                })
            })
            .collect()
    }

    fn load_signals(&mut self) -> Result<Vec<SignalRow>, LedgerError> {
        if let Some(s) = self.signals.take() {
            return Ok(s);
        }
        self.query(Q::LoadSignals, &[])?.iter().map(signal_row).collect()
    }

    fn load_budgets(&mut self) -> Result<Vec<BudgetRow>, LedgerError> {
        if let Some(b) = self.budgets.take() {
            return Ok(b);
        }
        self.query(Q::LoadBudgets, &[])?.iter().map(budget_row).collect()
    }

    fn load_tallies(&mut self, keys: &[(String, String)]) -> Result<Vec<TallyRow>, LedgerError> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let (campaigns, scopes): (Vec<String>, Vec<String>) = keys.iter().cloned().unzip();
        self.query(Q::LoadTallies, &[&campaigns, &scopes])?
            .iter()
            .map(tally_row)
            .collect()
    }

    fn all_tallies(&mut self) -> Result<Vec<TallyRow>, LedgerError> {
        self.query(Q::AllTallies, &[])?.iter().map(tally_row).collect()
    }

    fn issued_by_rule(&mut self) -> Result<Vec<TallyRow>, LedgerError> {
        self.query(Q::IssuedByRule, &[])?.iter().map(tally_row).collect()
    }

    fn apply(&mut self, ch: &Changes) -> Result<(), LedgerError> {
        self.budgets = None;
        self.signals = None;
        let now = now_ms()?;
        for d in &ch.decisions {
            self.execute(
                Q::InsertDecision,
                &[
                    &d.decision_id,
                    &d.event_id,
                    &d.trigger,
                    &d.user_id,
                    &d.at,
                    &d.rules_version,
                    &d.body,
                    &now,
                ],
            )?;
        }
        // Coupons first, budgets last: expiry and redemption lock rows in that order too.
        for (code, from, to) in &ch.coupon_status {
            if !self.set_coupon_status(code, *from, *to, None)? {
                return Err(LedgerError::conflict(format!("coupon `{code}` changed meanwhile")));
            }
        }
        for k in &ch.new_coupons {
            self.execute(
                Q::InsertCoupon,
                &[
                    &k.code,
                    &k.user_id,
                    &k.campaign,
                    &k.rule,
                    &k.arm,
                    &k.decision_id,
                    &k.status.as_str(),
                    &k.issued_at,
                    &k.valid_from,
                    &k.valid_until,
                    &k.face_value,
                    &k.terms,
                    &k.coupon,
                    &k.order_id,
                    &now,
                ],
            )?;
        }
        if let Some((user, doc)) = &ch.user {
            let text = serde_json::to_string(doc)
                .map_err(|e| LedgerError::internal_from("cannot encode a user's state", e))?;
            self.execute(Q::UpsertUser, &[user, &text, &now])?;
        }
        for id in &ch.timers_done {
            if self.execute(Q::DeleteTimer, &[id])? == 0 {
                return Err(LedgerError::conflict(format!(
                    "timer {id} fired or was cancelled meanwhile"
                )));
            }
        }
        for t in &ch.timers_new {
            self.execute(
                Q::InsertTimer,
                &[
                    &t.user_id,
                    &t.rule,
                    &t.due,
                    &t.event,
                    &t.holdout,
                    &t.arm,
                    &t.limit_key,
                    &t.limit_until,
                ],
            )?;
        }
        for (device, user, at) in &ch.sightings {
            self.execute(Q::UpsertDevice, &[device, user, at])?;
        }
        for (name, key, value, at) in &ch.signals {
            self.execute(Q::UpsertSignal, &[name, key, value, at])?;
        }
        // Tallies after coupons and before budgets (held for the commit), sorted: every
        // writer locks them in one order.
        for t in &ch.tallies {
            if self.execute(Q::Tally, &[&t.campaign, &t.scope, &t.delta, &t.limit])? == 0 {
                return Err(LedgerError::conflict(format!(
                    "`{}` of `{}` taken meanwhile",
                    t.scope, t.campaign
                )));
            }
        }
        let mut budgets: Vec<&BudgetDelta> = ch.budgets.iter().collect();
        budgets.sort_by(|a, b| a.campaign.cmp(&b.campaign));
        self.apply_outcomes(&ch.outcomes)?;
        for b in budgets {
            self.defer_budget(b)?;
        }
        Ok(())
    }

    fn due_users(&mut self, now: Millis, max: usize) -> Result<Vec<String>, LedgerError> {
        self.custom_plans()?;
        self.query(Q::DueUsers, &[&now, &sql_limit(max)])?
            .iter()
            .map(|r| get(r, 0))
            .collect()
    }

    fn next_due(&mut self) -> Result<Option<Millis>, LedgerError> {
        match self.query(Q::NextDue, &[])?.first() {
            Some(row) => get(row, 0),
            None => Ok(None),
        }
    }

    fn expire_coupons(&mut self, now: Millis, max: usize) -> Result<Vec<ExpiredCoupon>, LedgerError> {
        self.budgets = None;
        self.custom_plans()?;
        self.query(Q::ExpireCoupons, &[&now, &sql_limit(max)])?
            .iter()
            .map(|r| {
                Ok(ExpiredCoupon {
                    campaign: get(r, 0)?,
                    face_value: get(r, 1)?,
                })
            })
            .collect()
    }

    fn prune_devices(&mut self, before: Millis) -> Result<u64, LedgerError> {
        self.custom_plans()?;
        self.execute(Q::PruneDevices, &[&before])
    }

    fn coupon(&mut self, code: &str, lock: bool) -> Result<Option<CouponRow>, LedgerError> {
        let q = if lock { Q::CouponForUpdate } else { Q::Coupon };
        self.query_opt(q, &[&code])?.as_ref().map(coupon_row).transpose()
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
            &[&code, &from.as_str(), &to.as_str(), &order_id, &now],
        )?;
        Ok(n == 1)
    }

    fn order_redemptions(&mut self, order_id: &str) -> Result<Vec<RedemptionRow>, LedgerError> {
        self.query(Q::OrderRedemptions, &[&order_id])?
            .iter()
            .map(redemption_row)
            .collect()
    }

    fn lapsed_reservations(&mut self, now: Millis, limit: usize) -> Result<Vec<RedemptionRow>, LedgerError> {
        let limit = sql_limit(limit);
        self.query(Q::LapsedReservations, &[&now, &limit])?
            .iter()
            .map(redemption_row)
            .collect()
    }

    fn order_returns(&mut self, order_id: &str) -> Result<Vec<ReturnRow>, LedgerError> {
        self.query(Q::OrderReturns, &[&order_id])?
            .iter()
            .map(|r| {
                Ok(ReturnRow {
                    order_id: get(r, 0)?,
                    return_id: get(r, 1)?,
                    lines: get(r, 2)?,
                    answer: get(r, 3)?,
                    created_at: get(r, 4)?,
                })
            })
            .collect()
    }

    fn insert_return(&mut self, r: &ReturnRow) -> Result<(), LedgerError> {
        self.execute(
            Q::InsertReturn,
            &[&r.order_id, &r.return_id, &r.lines, &r.answer, &r.created_at],
        )
        .map(|_| ())
    }

    fn put_redemption(&mut self, r: &RedemptionRow) -> Result<(), LedgerError> {
        let now = now_ms()?;
        self.execute(
            Q::PutRedemption,
            &[
                &r.order_id,
                &r.code,
                &r.buyer_id,
                &r.status,
                &r.discount,
                &r.platform,
                &r.seller,
                &r.response,
                &now,
                &r.reserved_until,
            ],
        )
        .map(|_| ())
    }

    fn wallet(&mut self, user_id: &str, now: Millis) -> Result<Vec<CouponRow>, LedgerError> {
        self.custom_plans()?;
        self.query(Q::Wallet, &[&user_id, &now])?
            .iter()
            .map(coupon_row)
            .collect()
    }

    fn campaign_counts(&mut self, campaign: &str) -> Result<CampaignCounts, LedgerError> {
        let mut by_status_arm = Vec::new();
        for r in self.query(Q::CouponsByStatusArm, &[&campaign])? {
            let status: String = get(&r, 0)?;
            by_status_arm.push(StatusCount {
                status: CouponState::from_stored(&status)?,
                arm: get(&r, 1)?,
                count: count(&r, 2)?,
            });
        }
        let budget = self
            .query_opt(Q::CampaignBudget, &[&campaign])?
            .as_ref()
            .map(budget_row)
            .transpose()?;
        let discount_given = get(&self.query_one(Q::DiscountGiven, &[&campaign])?, 0)?;
        Ok(CampaignCounts {
            by_status_arm,
            budget,
            discount_given,
        })
    }

    fn insert_key(&mut self, k: &NewKeyRow<'_>) -> Result<(), LedgerError> {
        self.execute(
            Q::InsertKey,
            &[
                &k.id,
                &k.digest.as_str(),
                &Scope::join(k.scopes),
                &k.label,
                &k.created_at,
            ],
        )
        .map(|_| ())
    }

    fn key_scopes(&mut self, digest: &KeyDigest) -> Result<Option<Vec<Scope>>, LedgerError> {
        match self.query_opt(Q::KeyScopes, &[&digest.as_str()])? {
            Some(r) => Ok(Some(Scope::split(&get::<String>(&r, 0)?))),
            None => Ok(None),
        }
    }

    fn key_count(&mut self) -> Result<u64, LedgerError> {
        count(&self.query_one(Q::KeyCount, &[])?, 0)
    }

    fn budget_audit(&mut self) -> Result<Vec<BudgetAudit>, LedgerError> {
        self.query(Q::BudgetAudit, &[])?
            .iter()
            .map(|r| {
                Ok(BudgetAudit {
                    campaign: get(r, 0)?,
                    reserved: get(r, 1)?,
                    spent: get(r, 2)?,
                    held: get(r, 3)?,
                    redeemed: get(r, 4)?,
                })
            })
            .collect()
    }

    fn repeated_coupons(&mut self) -> Result<Vec<RepeatedCoupons>, LedgerError> {
        self.query(Q::RepeatedCoupons, &[])?
            .iter()
            .map(|r| {
                Ok(RepeatedCoupons {
                    user_id: get(r, 0)?,
                    campaign: get(r, 1)?,
                    rule: get(r, 2)?,
                    coupons: count(r, 3)?,
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
        let r = self.query_one(Q::Totals, &[])?;
        Ok(Totals {
            coupons: count(&r, 0)?,
            decisions: count(&r, 1)?,
            duplicate_events: count(&r, 2)?,
            unbalanced_redemptions: count(&r, 3)?,
        })
    }
}

fn redemption_row(r: &Row) -> Result<RedemptionRow, LedgerError> {
    Ok(RedemptionRow {
        order_id: get(r, 0)?,
        code: get(r, 1)?,
        buyer_id: get(r, 2)?,
        status: get(r, 3)?,
        discount: get(r, 4)?,
        platform: get(r, 5)?,
        seller: get(r, 6)?,
        response: get(r, 7)?,
        reserved_until: get(r, 8)?,
    })
}
