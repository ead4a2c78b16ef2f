//! The SQLite backend: the embedded default. One file, WAL journal; writers take the
//! database lock up front (`BEGIN IMMEDIATE`), so decisions are serialized across threads
//! and processes and a guard never has to fail; reads use their own connections.
//! Decisions are written in groups (`group.rs`); checkpoints run on a background
//! connection, not in a decision's path.
//!
//! `mod.rs` opens the file and runs the migrations; `group.rs` is the writer and its
//! group commit; `tx.rs` the statements of one transaction; `sql.rs` their text.

mod group;
mod sql;
mod tx;

use super::LedgerError;
use super::migrate::{self, Migration, Schema};
use super::store::{Backend, Tx};
use group::Group;
use rusqlite::{Connection, TransactionBehavior, params};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use tx::SqliteTx;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "ledger",
        sql: include_str!("../../../migrations/sqlite/0001_ledger.sql"),
    },
    Migration {
        version: 2,
        name: "outcomes",
        sql: include_str!("../../../migrations/sqlite/0002_outcomes.sql"),
    },
    Migration {
        version: 3,
        name: "reservations",
        sql: include_str!("../../../migrations/sqlite/0003_reservations.sql"),
    },
    Migration {
        version: 4,
        name: "returns",
        sql: include_str!("../../../migrations/sqlite/0004_returns.sql"),
    },
    Migration {
        version: 5,
        name: "tallies",
        sql: include_str!("../../../migrations/sqlite/0005_tallies.sql"),
    },
    Migration {
        version: 6,
        name: "console",
        sql: include_str!("../../../migrations/sqlite/0006_console.sql"),
    },
];

pub struct Sqlite {
    writer: Group,
    stop: Arc<AtomicBool>,
    /// Read connections (none for an in-memory database, whose data only the writer sees).
    readers: Mutex<Vec<Connection>>,
    path: Option<String>,
    synchronous: &'static str,
}

/// An error of the driver as the ledger's: a value that does not convert (a column of
/// the wrong type, a status this build does not know) is data it cannot read; anything
/// else is the database failing.
fn db(e: rusqlite::Error) -> LedgerError {
    match e {
        rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::IntegralValueOutOfRange(..) => LedgerError::corrupt_from("a row", e),
        e => LedgerError::database_from(e.to_string(), e),
    }
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
            writer: Group::new(conn),
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
                .map_err(|e| LedgerError::internal_from("cannot start the checkpoint thread", e))?;
        }
        Ok(backend)
    }

    fn connect(path: Option<&str>, synchronous: &str) -> Result<Connection, LedgerError> {
        let conn = match path {
            Some(p) => Connection::open(p),
            None => Connection::open_in_memory(),
        }
        .map_err(|e| LedgerError::database_from(format!("cannot open `{}`: {e}", path.unwrap_or(":memory:")), e))?;
        conn.busy_timeout(std::time::Duration::from_secs(30)).map_err(db)?;
        if path.is_some() {
            conn.pragma_update(None, "journal_mode", "WAL").map_err(db)?;
            // A WAL that grew under a burst shrinks back to this at the next reset.
            conn.pragma_update(None, "journal_size_limit", 64 << 20).map_err(db)?;
            // Reads of large tables (an analysis of a million exposures) map the file
            // instead of copying every page through `read` (7 % of such a read).
            conn.pragma_update(None, "mmap_size", 256i64 << 20).map_err(db)?;
        }
        conn.pragma_update(None, "synchronous", synchronous).map_err(db)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(db)?;
        Ok(conn)
    }

    /// The migrations, in one `IMMEDIATE` transaction: it takes the database's write
    /// lock before reading the version, so two processes opening the file at once
    /// migrate one after the other. Dropped without a commit on any error.
    fn migrate(&self) -> Result<(), LedgerError> {
        self.writer.with_writer(|conn| {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(db)?;
            migrate::run(&mut SqliteSchema { conn: &tx }, MIGRATIONS)?;
            tx.commit().map_err(db)
        })
    }

    fn reader(&self) -> Result<Option<Connection>, LedgerError> {
        let Some(path) = &self.path else { return Ok(None) };
        let idle = self
            .readers
            .lock()
            .map_err(|_| LedgerError::poisoned("SQLite readers"))?
            .pop();
        match idle {
            Some(c) => Ok(Some(c)),
            None => Self::connect(Some(path), self.synchronous).map(Some),
        }
    }
}

/// The migration driver's questions, on the migrating transaction.
struct SqliteSchema<'c> {
    conn: &'c Connection,
}

impl Schema for SqliteSchema<'_> {
    fn ensure_table(&mut self) -> Result<(), LedgerError> {
        self.conn
            .execute_batch(
                "CREATE TABLE IF NOT EXISTS schema_migrations (
                    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
            )
            .map_err(db)
    }

    fn current(&mut self) -> Result<u32, LedgerError> {
        self.conn
            .query_row("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(db)
    }

    fn apply(&mut self, m: &Migration) -> Result<(), LedgerError> {
        self.conn.execute_batch(m.sql).map_err(|e| LedgerError::Migration {
            version: m.version,
            message: e.to_string(),
            source: Some(Box::new(e)),
        })
    }

    fn record(&mut self, m: &Migration) -> Result<(), LedgerError> {
        let now = super::clock_ms()?;
        self.conn
            .execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
                params![m.version, m.name, now],
            )
            .map(|_| ())
            .map_err(db)
    }
}

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    /// One writer for every process, so no lock is needed besides the database's.
    fn transact(
        &self,
        _lock: Option<&str>,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        self.writer.transact(f)
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
            None => self.writer.with_writer(|conn| f(&mut SqliteTx { conn: &*conn })),
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

#[cfg(test)]
mod tests {
    #[test]
    fn the_migrations_are_numbered() {
        crate::ledger::migrate::tests::assert_numbered(super::MIGRATIONS);
    }
}
