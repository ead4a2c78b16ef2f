//! The SQLite backend: the embedded default. One file, WAL journal; writers take the
//! database lock up front (`BEGIN IMMEDIATE`), so decisions are serialized across threads
//! and processes and a guard never has to fail; reads use their own connections.
//!
//! Group commit: decisions that arrive while another is being written join its
//! transaction, each in a savepoint of its own (a failing one rolls back alone), and the
//! last of the group commits for all; nobody returns before the commit that holds their
//! work. Checkpoints run on a background connection, not in a decision's path.

use super::LedgerError;
use super::api::{CouponState, Scope};
use super::store::{
    Backend, BudgetRow, CampaignCounts, Changes, CouponRow, RedemptionRow, TimerRow, Tx, UserDoc, UserRows,
};
use crate::value::{Fen, Millis};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

const MIGRATIONS: &[(u32, &str, &str)] = &[(1, "ledger", include_str!("../../migrations/sqlite/0001_ledger.sql"))];

/// Decisions written in one transaction at most.
const GROUP_MAX: usize = 64;

/// The writing connection and the state of the group being written.
struct Writer {
    conn: Connection,
    /// A transaction is open and gathering a group.
    open: bool,
    /// The group now open (or last opened), and how many joined it.
    group: u64,
    size: usize,
    /// The last group committed (or rolled back), and its outcome.
    done: u64,
    outcome: Result<(), String>,
}

pub struct Sqlite {
    writer: Mutex<Writer>,
    /// Signalled when a group is committed.
    committed: Condvar,
    /// Threads about to take the writer: the group stays open for them.
    waiting: AtomicUsize,
    stop: Arc<AtomicBool>,
    /// Read connections (none for an in-memory database, whose data only the writer sees).
    readers: Mutex<Vec<Connection>>,
    path: Option<String>,
    synchronous: &'static str,
}

fn db(e: rusqlite::Error) -> LedgerError {
    LedgerError::Database(e.to_string())
}

fn now_ms() -> Millis {
    crate::ledger::clock_ms()
}

impl Sqlite {
    /// `spec`: what follows `sqlite:` — a path, or `:memory:`; `?sync=full` makes every
    /// commit wait for the disk (the default, `normal`, survives a crash of the process
    /// but may lose the last commits on a power cut).
    pub fn open(spec: &str) -> Result<Sqlite, LedgerError> {
        let (path, query) = spec.split_once('?').unwrap_or((spec, ""));
        let mut synchronous = "NORMAL";
        for kv in query.split('&').filter(|s| !s.is_empty()) {
            match kv {
                "sync=full" => synchronous = "FULL",
                "sync=normal" => synchronous = "NORMAL",
                other => {
                    return Err(LedgerError::BadUrl(format!(
                        "sqlite:{spec} (unknown option `{other}`; the one option is `sync=full|normal`)"
                    )));
                }
            }
        }
        if path.is_empty() {
            return Err(LedgerError::BadUrl(format!("sqlite:{spec} (no file name)")));
        }
        let memory = path == ":memory:";
        let conn = Self::connect(if memory { None } else { Some(path) }, synchronous)?;
        if !memory {
            // A background connection copies the WAL back every 200 ms (below), but under
            // a steady stream of writes such a checkpoint never catches up with the end of
            // the WAL, which then grows without bound. The writer itself checkpoints when
            // the WAL passes 2,000 pages (8 MB): between its commits nothing is added, so
            // that checkpoint completes (mostly copied already) and the next transaction
            // rewinds the WAL to its start.
            conn.pragma_update(None, "wal_autocheckpoint", 2000).map_err(db)?;
        }
        let backend = Sqlite {
            writer: Mutex::new(Writer {
                conn,
                open: false,
                group: 0,
                size: 0,
                done: 0,
                outcome: Ok(()),
            }),
            committed: Condvar::new(),
            waiting: AtomicUsize::new(0),
            stop: Arc::new(AtomicBool::new(false)),
            readers: Mutex::new(Vec::new()),
            path: (!memory).then(|| path.to_string()),
            synchronous,
        };
        backend.migrate()?;
        if let Some(path) = &backend.path {
            let conn = Self::connect(Some(path), synchronous)?;
            let stop = backend.stop.clone();
            std::thread::Builder::new()
                .name("mintage-checkpoint".into())
                .spawn(move || checkpoint_loop(conn, stop))
                .map_err(|e| LedgerError::Database(format!("cannot start the checkpoint thread: {e}")))?;
        }
        Ok(backend)
    }

    fn lock(&self) -> Result<MutexGuard<'_, Writer>, LedgerError> {
        self.writer
            .lock()
            .map_err(|_| LedgerError::Database("poisoned lock".into()))
    }

    fn connect(path: Option<&str>, synchronous: &str) -> Result<Connection, LedgerError> {
        let conn = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .map_err(|e| LedgerError::Database(format!("cannot open `{}`: {e}", path.unwrap_or(":memory:"))))?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(db)?;
        if path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
            // A WAL that grew under a burst shrinks back to this at the next reset.
            conn.pragma_update(None, "journal_size_limit", 64 << 20).map_err(db)?;
        }
        conn.pragma_update(None, "synchronous", synchronous).map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        Ok(conn)
    }

    fn migrate(&self) -> Result<(), LedgerError> {
        let mut w = self.lock()?;
        let tx = w
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
        )
        .map_err(db)?;
        let current: u32 = tx
            .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(db)?;
        for (version, name, sql) in MIGRATIONS {
            if *version <= current {
                continue;
            }
            tx.execute_batch(sql).map_err(|e| LedgerError::Migration {
                version: *version,
                message: e.to_string(),
            })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![version, name, now_ms()],
            )
            .map_err(db)?;
        }
        let newest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > newest {
            return Err(LedgerError::Migration {
                version: current,
                message: format!("the ledger is at schema version {current}, newer than this build knows ({newest})"),
            });
        }
        tx.commit().map_err(db)
    }

    fn reader(&self) -> Result<Option<Connection>, LedgerError> {
        let Some(path) = &self.path else { return Ok(None) };
        if let Some(c) = self
            .readers
            .lock()
            .map_err(|_| LedgerError::Database("poisoned lock".into()))?
            .pop()
        {
            return Ok(Some(c));
        }
        Self::connect(Some(path), self.synchronous).map(Some)
    }
}

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn transact(
        &self,
        _lock: Option<&str>,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let taken = self.lock();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let mut w = taken?;
        if !w.open {
            w.conn.execute_batch("BEGIN IMMEDIATE").map_err(db)?;
            w.open = true;
            w.group += 1;
            w.size = 0;
        }
        let mine = w.group;
        let result = match w.conn.execute_batch("SAVEPOINT decision") {
            Ok(()) => {
                let r = f(&mut SqliteTx { conn: &w.conn });
                let end = if r.is_ok() {
                    "RELEASE decision"
                } else {
                    "ROLLBACK TO decision; RELEASE decision"
                };
                match w.conn.execute_batch(end) {
                    Ok(()) => r,
                    Err(e) => r.and(Err(db(e))),
                }
            }
            Err(e) => Err(db(e)),
        };
        w.size += 1;
        if self.waiting.load(Ordering::SeqCst) > 0 && w.size < GROUP_MAX {
            // Someone is about to join: the last of the group commits for everyone.
            while w.done < mine {
                w = self
                    .committed
                    .wait(w)
                    .map_err(|_| LedgerError::Database("poisoned lock".into()))?;
            }
        } else {
            let outcome = w.conn.execute_batch("COMMIT").map_err(|e| e.to_string());
            if outcome.is_err() {
                let _ = w.conn.execute_batch("ROLLBACK");
            }
            w.open = false;
            w.done = mine;
            w.outcome = outcome;
            self.committed.notify_all();
        }
        let committed = match &w.outcome {
            Ok(()) => Ok(()),
            Err(e) => Err(LedgerError::Database(format!("commit failed: {e}"))),
        };
        result.and(committed)
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>) -> Result<(), LedgerError> {
        match self.reader()? {
            Some(mut conn) => {
                let result = {
                    let tx = conn
                        .transaction_with_behavior(TransactionBehavior::Deferred)
                        .map_err(db)?;
                    let r = f(&mut SqliteTx { conn: &tx });
                    let _ = tx.rollback();
                    r
                };
                if let Ok(mut pool) = self.readers.lock()
                    && pool.len() < 8
                {
                    pool.push(conn);
                }
                result
            }
            None => {
                let w = self.lock()?;
                f(&mut SqliteTx { conn: &w.conn })
            }
        }
    }
}

impl Drop for Sqlite {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies the WAL back into the database every 200 ms without blocking writers
/// (`PASSIVE`). The WAL file is then reused from its start rather than truncated: writing
/// over blocks the file already has is far cheaper than growing it again.
fn checkpoint_loop(conn: Connection, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
    }
}

struct SqliteTx<'c> {
    conn: &'c Connection,
}

fn conflict_on_unique(e: rusqlite::Error, what: &str) -> LedgerError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            LedgerError::Conflict(format!("{what}: {e}"))
        }
        _ => db(e),
    }
}

fn coupon_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CouponRow> {
    let status: String = r.get(6)?;
    let status = CouponState::from_stored(&status)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(6, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(CouponRow {
        code: r.get(0)?,
        user_id: r.get(1)?,
        campaign: r.get(2)?,
        rule: r.get(3)?,
        arm: r.get(4)?,
        decision_id: r.get(5)?,
        status,
        issued_at: r.get(7)?,
        valid_from: r.get(8)?,
        valid_until: r.get(9)?,
        face_value: r.get(10)?,
        terms: r.get(11)?,
        coupon: r.get(12)?,
        order_id: r.get(13)?,
    })
}

const COUPON_COLUMNS: &str = "code, user_id, campaign, rule, arm, decision_id, status, issued_at, valid_from, \
     valid_until, face_value, terms, coupon, order_id";

impl Tx for SqliteTx<'_> {
    fn decision_by_event(&mut self, event_id: &str) -> Result<Option<(String, String, String)>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT decision_id, rules_version, body FROM decisions WHERE event_id = ?1 AND trigger = 'event'",
            )
            .and_then(|mut s| {
                s.query_row([event_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(db)
    }

    fn load_user(&mut self, user_id: &str) -> Result<UserRows, LedgerError> {
        let doc: Option<String> = self
            .conn
            .prepare_cached("SELECT state FROM users WHERE user_id = ?1")
            .and_then(|mut s| s.query_row([user_id], |r| r.get(0)).optional())
            .map_err(db)?;
        let doc = match doc {
            Some(text) => Some(
                serde_json::from_str::<UserDoc>(&text)
                    .map_err(|e| LedgerError::Corrupt(format!("state of user `{user_id}`: {e}")))?,
            ),
            None => None,
        };
        let mut s = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COUPON_COLUMNS} FROM coupons WHERE user_id = ?1 AND status = 'issued' ORDER BY issued_at, code"
            ))
            .map_err(db)?;
        let coupons = s
            .query_map([user_id], coupon_row)
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT id, user_id, rule, due, event, holdout, arm, limit_key, limit_until FROM timers \
                 WHERE user_id = ?1 ORDER BY due, id",
            )
            .map_err(db)?;
        let timers = s
            .query_map([user_id], |r| {
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
            })
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        Ok(UserRows { doc, coupons, timers })
    }

    fn load_device(&mut self, device: &str, since: Millis) -> Result<Vec<(String, Millis)>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached("SELECT user_id, last_seen FROM devices WHERE device_id = ?1 AND last_seen >= ?2")
            .map_err(db)?;
        s.query_map(params![device, since], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn load_signals(&mut self) -> Result<Vec<(String, String, f64)>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached("SELECT name, key, value FROM signals")
            .map_err(db)?;
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn load_budgets(&mut self) -> Result<Vec<BudgetRow>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached("SELECT campaign, reserved, spent FROM budgets")
            .map_err(db)?;
        s.query_map([], |r| {
            Ok(BudgetRow {
                campaign: r.get(0)?,
                reserved: r.get(1)?,
                spent: r.get(2)?,
            })
        })
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)
    }

    fn apply(&mut self, ch: &Changes) -> Result<(), LedgerError> {
        let now = now_ms();
        let c = self.conn;
        for d in &ch.decisions {
            c.prepare_cached(
                "INSERT INTO decisions (decision_id, event_id, trigger, user_id, at, rules_version, body, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    d.decision_id,
                    d.event_id,
                    d.trigger,
                    d.user_id,
                    d.at,
                    d.rules_version,
                    d.body,
                    now
                ])
            })
            .map_err(|e| conflict_on_unique(e, "the event was decided meanwhile"))?;
        }
        for b in &ch.budgets {
            c.prepare_cached("INSERT INTO budgets (campaign) VALUES (?1) ON CONFLICT (campaign) DO NOTHING")
                .and_then(|mut s| s.execute([&b.campaign]))
                .map_err(db)?;
            let n = c
                .prepare_cached(
                    "UPDATE budgets SET reserved = reserved + ?2, spent = spent + ?3 \
                     WHERE campaign = ?1 AND (?4 IS NULL OR ?2 <= 0 OR reserved + ?2 <= ?4)",
                )
                .and_then(|mut s| s.execute(params![b.campaign, b.reserved, b.spent, b.limit]))
                .map_err(db)?;
            if n == 0 {
                return Err(LedgerError::Conflict(format!(
                    "budget of `{}` taken meanwhile",
                    b.campaign
                )));
            }
        }
        for (code, from, to) in &ch.coupon_status {
            if !self.set_coupon_status(code, *from, *to, None)? {
                return Err(LedgerError::Conflict(format!("coupon `{code}` changed meanwhile")));
            }
        }
        for k in &ch.new_coupons {
            c.prepare_cached(&format!(
                "INSERT INTO coupons ({COUPON_COLUMNS}, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
            ))
            .and_then(|mut s| {
                s.execute(params![
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
                ])
            })
            .map_err(|e| conflict_on_unique(e, "coupon code taken"))?;
        }
        if let Some((user, doc)) = &ch.user {
            let text = serde_json::to_string(doc).map_err(|e| LedgerError::Database(e.to_string()))?;
            c.prepare_cached(
                "INSERT INTO users (user_id, state, updated_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .and_then(|mut s| s.execute(params![user, text, now]))
            .map_err(db)?;
        }
        for id in &ch.timers_done {
            let n = c
                .prepare_cached("DELETE FROM timers WHERE id = ?1")
                .and_then(|mut s| s.execute([id]))
                .map_err(db)?;
            if n == 0 {
                return Err(LedgerError::Conflict(format!(
                    "timer {id} fired or was cancelled meanwhile"
                )));
            }
        }
        for t in &ch.timers_new {
            c.prepare_cached(
                "INSERT INTO timers (user_id, rule, due, event, holdout, arm, limit_key, limit_until) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    t.user_id,
                    t.rule,
                    t.due,
                    t.event,
                    t.holdout as i64,
                    t.arm,
                    t.limit_key,
                    t.limit_until
                ])
            })
            .map_err(db)?;
        }
        for (device, user, at) in &ch.sightings {
            c.prepare_cached(
                "INSERT INTO devices (device_id, user_id, last_seen) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (device_id, user_id) DO UPDATE SET last_seen = MAX(last_seen, excluded.last_seen)",
            )
            .and_then(|mut s| s.execute(params![device, user, at]))
            .map_err(db)?;
        }
        for (name, key, value, at) in &ch.signals {
            c.prepare_cached(
                "INSERT INTO signals (name, key, value, at) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (name, key) DO UPDATE SET value = excluded.value, at = excluded.at",
            )
            .and_then(|mut s| s.execute(params![name, key, value, at]))
            .map_err(db)?;
        }
        Ok(())
    }

    fn due_users(&mut self, now: Millis, limit: usize) -> Result<Vec<String>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached("SELECT user_id FROM timers WHERE due <= ?1 GROUP BY user_id ORDER BY MIN(due) LIMIT ?2")
            .map_err(db)?;
        s.query_map(params![now, limit as i64], |r| r.get(0))
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn expire_coupons(&mut self, now: Millis, limit: usize) -> Result<Vec<(String, Fen)>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached(
                "UPDATE coupons SET status = 'expired', updated_at = ?1 WHERE code IN \
                 (SELECT code FROM coupons WHERE status = 'issued' AND valid_until <= ?1 LIMIT ?2) \
                 RETURNING campaign, face_value",
            )
            .map_err(db)?;
        s.query_map(params![now, limit as i64], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn prune_devices(&mut self, before: Millis) -> Result<u64, LedgerError> {
        self.conn
            .prepare_cached("DELETE FROM devices WHERE last_seen < ?1")
            .and_then(|mut s| s.execute([before]))
            .map(|n| n as u64)
            .map_err(db)
    }

    fn coupon(&mut self, code: &str, _lock: bool) -> Result<Option<CouponRow>, LedgerError> {
        self.conn
            .prepare_cached(&format!("SELECT {COUPON_COLUMNS} FROM coupons WHERE code = ?1"))
            .and_then(|mut s| s.query_row([code], coupon_row).optional())
            .map_err(db)
    }

    fn set_coupon_status(
        &mut self,
        code: &str,
        from: CouponState,
        to: CouponState,
        order_id: Option<&str>,
    ) -> Result<bool, LedgerError> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE coupons SET status = ?3, order_id = COALESCE(?4, order_id), updated_at = ?5 \
                 WHERE code = ?1 AND status = ?2",
            )
            .and_then(|mut s| s.execute(params![code, from.as_str(), to.as_str(), order_id, now_ms()]))
            .map_err(db)?;
        Ok(n == 1)
    }

    fn order_redemptions(&mut self, order_id: &str) -> Result<Vec<RedemptionRow>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached(
                "SELECT order_id, code, buyer_id, status, discount, platform, seller, response FROM redemptions \
                 WHERE order_id = ?1 ORDER BY created_at, code",
            )
            .map_err(db)?;
        s.query_map([order_id], |r| {
            Ok(RedemptionRow {
                order_id: r.get(0)?,
                code: r.get(1)?,
                buyer_id: r.get(2)?,
                status: r.get(3)?,
                discount: r.get(4)?,
                platform: r.get(5)?,
                seller: r.get(6)?,
                response: r.get(7)?,
            })
        })
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)
    }

    fn put_redemption(&mut self, r: &RedemptionRow) -> Result<(), LedgerError> {
        let now = now_ms();
        self.conn
            .prepare_cached(
                "INSERT INTO redemptions (order_id, code, buyer_id, status, discount, platform, seller, response, \
                 created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) \
                 ON CONFLICT (order_id, code) DO UPDATE SET status = excluded.status, discount = excluded.discount, \
                 platform = excluded.platform, seller = excluded.seller, response = excluded.response, \
                 updated_at = excluded.updated_at",
            )
            .and_then(|mut s| {
                s.execute(params![
                    r.order_id, r.code, r.buyer_id, r.status, r.discount, r.platform, r.seller, r.response, now
                ])
            })
            .map(|_| ())
            .map_err(db)
    }

    fn wallet(&mut self, user_id: &str, now: Millis) -> Result<Vec<CouponRow>, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COUPON_COLUMNS} FROM coupons WHERE user_id = ?1 AND status = 'issued' \
                 AND valid_from <= ?2 AND valid_until > ?2 ORDER BY valid_until, code"
            ))
            .map_err(db)?;
        s.query_map(params![user_id, now], coupon_row)
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn campaign_counts(&mut self, campaign: &str) -> Result<CampaignCounts, LedgerError> {
        let mut s = self
            .conn
            .prepare_cached("SELECT status, arm, COUNT(*) FROM coupons WHERE campaign = ?1 GROUP BY status, arm")
            .map_err(db)?;
        let rows = s
            .query_map([campaign], |r| {
                let status: String = r.get(0)?;
                Ok((status, r.get::<_, Option<String>>(1)?, r.get::<_, i64>(2)?))
            })
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)?;
        let by_status_arm = rows
            .into_iter()
            .map(|(s, arm, n)| Ok((CouponState::from_stored(&s)?, arm, n as u64)))
            .collect::<Result<Vec<_>, LedgerError>>()?;
        let budget = self
            .conn
            .prepare_cached("SELECT campaign, reserved, spent FROM budgets WHERE campaign = ?1")
            .and_then(|mut s| {
                s.query_row([campaign], |r| {
                    Ok(BudgetRow {
                        campaign: r.get(0)?,
                        reserved: r.get(1)?,
                        spent: r.get(2)?,
                    })
                })
                .optional()
            })
            .map_err(db)?;
        let discount_given: Fen = self
            .conn
            .prepare_cached(
                "SELECT COALESCE(SUM(r.discount), 0) FROM redemptions r JOIN coupons c ON c.code = r.code \
                 WHERE c.campaign = ?1 AND r.status = 'committed'",
            )
            .and_then(|mut s| s.query_row([campaign], |r| r.get(0)))
            .map_err(db)?;
        Ok(CampaignCounts {
            by_status_arm,
            budget,
            discount_given,
        })
    }

    fn insert_key(
        &mut self,
        id: &str,
        digest: &str,
        scopes: &[Scope],
        label: &str,
        now: Millis,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                "INSERT INTO api_keys (id, digest, scopes, label, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, digest, Scope::join(scopes), label, now],
            )
            .map(|_| ())
            .map_err(db)
    }

    fn key_scopes(&mut self, digest: &str) -> Result<Option<Vec<Scope>>, LedgerError> {
        let scopes: Option<String> = self
            .conn
            .prepare_cached("SELECT scopes FROM api_keys WHERE digest = ?1 AND revoked_at IS NULL")
            .and_then(|mut s| s.query_row([digest], |r| r.get(0)).optional())
            .map_err(db)?;
        Ok(scopes.map(|s| Scope::split(&s)))
    }

    fn key_count(&mut self) -> Result<u64, LedgerError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NULL", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as u64)
            .map_err(db)
    }

    fn budget_audit(&mut self) -> Result<Vec<(String, Fen, Fen, Fen, Fen)>, LedgerError> {
        let mut s = self
            .conn
            .prepare(
                "SELECT b.campaign, b.reserved, b.spent, \
                 COALESCE((SELECT SUM(face_value) FROM coupons c WHERE c.campaign = b.campaign \
                   AND c.status IN ('issued', 'reserved', 'redeemed')), 0), \
                 COALESCE((SELECT SUM(face_value) FROM coupons c WHERE c.campaign = b.campaign \
                   AND c.status = 'redeemed'), 0) \
                 FROM budgets b ORDER BY b.campaign",
            )
            .map_err(db)?;
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
            .map_err(db)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db)
    }

    fn repeated_coupons(&mut self) -> Result<Vec<(String, String, String, u64)>, LedgerError> {
        let mut s = self
            .conn
            .prepare(
                "SELECT user_id, campaign, rule, COUNT(*) FROM coupons GROUP BY user_id, campaign, rule \
                 HAVING COUNT(*) > 1",
            )
            .map_err(db)?;
        s.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, i64>(3)? as u64))
        })
        .map_err(db)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db)
    }

    fn totals(&mut self) -> Result<(u64, u64, u64), LedgerError> {
        let coupons: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM coupons", [], |r| r.get(0))
            .map_err(db)?;
        let decisions: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM decisions", [], |r| r.get(0))
            .map_err(db)?;
        let dup: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM (SELECT event_id FROM decisions WHERE trigger = 'event' \
                 GROUP BY event_id HAVING COUNT(*) > 1)",
                [],
                |r| r.get(0),
            )
            .map_err(db)?;
        Ok((coupons as u64, decisions as u64, dup as u64))
    }
}
