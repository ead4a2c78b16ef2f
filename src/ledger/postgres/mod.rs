//! The PostgreSQL backend: several service instances sharing one ledger.
//!
//! Transactions run at READ COMMITTED; the guards are in the statements (a budget grows
//! only while it fits, a coupon moves only from the status it was read in), so a row
//! changed by another instance turns into a conflict the ledger retries, never into an
//! overspend. Transactions given the same key (a user, an order) serialize on a
//! transaction-scoped advisory lock, across every process on the database.
//!
//! URL options besides libpq's: `sync=normal|full` (default `normal`: a commit returns
//! once it is in the server's log buffer, so it survives the crash of any client process
//! but a crash of the server itself may lose the last fraction of a second, as SQLite's
//! `normal`; `full` waits for the disk, and since a campaign's budget row stays locked
//! until then, a budgeted campaign then issues at most one coupon per disk flush) and
//! `pool=N`, the most connections this process opens (default 8).
//!
//! `mod.rs` reads the URL, runs the migrations and opens transactions; `pool.rs` keeps
//! the connections; `tx.rs` the statements of one transaction; `sql.rs` their text.

mod pool;
mod sql;
mod tx;

use super::LedgerError;
use super::migrate::{self, Migration, Schema};
use super::store::{Backend, Tx};
use pool::{Pool, db, describe};
use postgres::Client;
use sql::literal;
use std::str::FromStr;
use tx::PgTx;

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "ledger",
        sql: include_str!("../../../migrations/postgres/0001_ledger.sql"),
    },
    Migration {
        version: 2,
        name: "budget_guard",
        sql: include_str!("../../../migrations/postgres/0002_budget_guard.sql"),
    },
    Migration {
        version: 3,
        name: "outcomes",
        sql: include_str!("../../../migrations/postgres/0003_outcomes.sql"),
    },
    Migration {
        version: 4,
        name: "reservations",
        sql: include_str!("../../../migrations/postgres/0004_reservations.sql"),
    },
    Migration {
        version: 5,
        name: "returns",
        sql: include_str!("../../../migrations/postgres/0005_returns.sql"),
    },
    Migration {
        version: 6,
        name: "tallies",
        sql: include_str!("../../../migrations/postgres/0006_tallies.sql"),
    },
    Migration {
        version: 7,
        name: "console",
        sql: include_str!("../../../migrations/postgres/0007_console.sql"),
    },
];

/// Connections a process opens at most, unless the URL says `pool=N`. Callers beyond it
/// wait for a connection. Measured on 2 cores with two instances × 16 threads deciding:
/// 2 to 8 connections per instance gave 4,000–5,000 decisions/s together, 12 to 32 gave
/// 2,000–2,900 (more server processes than cores mostly contend for them). A server
/// further away, where round trips and not its cores bound a connection, wants more.
const POOL: usize = 8;

/// Held (per session) while one process migrates, so two starting at once don't race.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_lock(hashtextextended('mintage schema migrations', 0))";
const MIGRATION_UNLOCK: &str = "SELECT pg_advisory_unlock(hashtextextended('mintage schema migrations', 0))";

pub struct Postgres {
    pool: Pool,
}

/// The server and database a URL names, for messages: never the password.
fn target(config: &postgres::Config) -> String {
    let host = match config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config.get_dbname().or(config.get_user()).unwrap_or("postgres");
    format!("PostgreSQL at {host}:{port}, database `{db}`")
}

/// The driver's configuration and the pool size, from the URL with this backend's own
/// options taken out.
fn parse_url(url: &str) -> Result<(postgres::Config, usize), LedgerError> {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut rest = Vec::new();
    let mut synchronous = "off";
    let mut size = POOL;
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("sync", "normal")) => synchronous = "off",
            Some(("sync", "full")) => synchronous = "on",
            Some(("sync", other)) => {
                return Err(LedgerError::BadUrl(format!(
                    "{base} (`sync={other}`: use `sync=normal` or `sync=full`)"
                )));
            }
            Some(("pool", n)) => {
                size = n.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                    LedgerError::BadUrl(format!("{base} (`pool={n}`: the pool size is a positive number)"))
                })?;
            }
            _ => rest.push(kv),
        }
    }
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut config = postgres::Config::from_str(&url).map_err(|e| LedgerError::BadUrl(format!("{base} ({e})")))?;
    // Generic plans: every statement is prepared once per connection, and planning the
    // write statement each time would cost more than running it (a custom plan is never
    // judged cheaper, as it sees how many rows each array holds). Options in the URL
    // come after these, so they win.
    let ours = format!("-c synchronous_commit={synchronous} -c plan_cache_mode=force_generic_plan");
    let options = match config.get_options() {
        Some(o) if !o.trim().is_empty() => format!("{ours} {o}"),
        _ => ours,
    };
    config.options(&options);
    if config.get_application_name().is_none() {
        config.application_name("mintage");
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    Ok((config, size))
}

/// The migrations in one transaction, on a connection holding the migration lock.
fn migrate_locked(client: &mut Client) -> Result<(), LedgerError> {
    client
        .batch_execute("BEGIN; SET LOCAL client_min_messages = warning")
        .map_err(db)?;
    migrate::run(&mut PgSchema { client }, MIGRATIONS)?;
    client.batch_execute("COMMIT").map_err(db)
}

/// The migration driver's questions, on the migrating transaction.
struct PgSchema<'c> {
    client: &'c mut Client,
}

impl Schema for PgSchema<'_> {
    fn ensure_table(&mut self) -> Result<(), LedgerError> {
        self.client
            .batch_execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations (\
                   version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
            )
            .map_err(db)
    }

    fn current(&mut self) -> Result<u32, LedgerError> {
        let current: i32 = self
            .client
            .query_one("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", &[])
            .and_then(|r| r.try_get(0))
            .map_err(db)?;
        u32::try_from(current).map_err(|_| LedgerError::corrupt(format!("`schema_migrations` holds version {current}")))
    }

    fn apply(&mut self, m: &Migration) -> Result<(), LedgerError> {
        self.client.batch_execute(m.sql).map_err(|e| LedgerError::Migration {
            version: m.version,
            message: describe(&e),
            source: Some(Box::new(e)),
        })
    }

    fn record(&mut self, m: &Migration) -> Result<(), LedgerError> {
        let version = i32::try_from(m.version)
            .map_err(|e| LedgerError::internal_from(&format!("migration number {}", m.version), e))?;
        let now = crate::ledger::clock_ms()?;
        self.client
            .execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                &[&version, &m.name, &now],
            )
            .map(|_| ())
            .map_err(db)
    }
}

impl Postgres {
    /// Connects to the database at `url` (`postgres://user@host:port/db?…`) and applies
    /// pending migrations.
    pub fn open(url: &str) -> Result<Postgres, LedgerError> {
        let (config, size) = parse_url(url)?;
        let backend = Postgres {
            pool: Pool::new(config.clone(), target(&config), size),
        };
        backend.migrate()?;
        Ok(backend)
    }

    fn migrate(&self) -> Result<(), LedgerError> {
        let mut lease = self.pool.get()?;
        let conn = lease.conn()?;
        conn.client.batch_execute(MIGRATION_LOCK).map_err(db)?;
        let result = migrate_locked(&mut conn.client);
        // A failed migration leaves its transaction open: roll it back before unlocking.
        // If either fails the connection is closed, which releases the lock as well.
        let rolled_back = result.is_ok() || conn.client.batch_execute("ROLLBACK").is_ok();
        if rolled_back && conn.client.batch_execute(MIGRATION_UNLOCK).is_ok() {
            lease.reuse();
        }
        result.map_err(|e| match e {
            LedgerError::Database { message, source } => LedgerError::Database {
                message: format!("{}: {message}", self.pool.target()),
                source,
            },
            other => other,
        })
    }

    /// Runs `f` on a transaction opened by `begin`, committing if it succeeds.
    fn run(&self, begin: &str, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>) -> Result<(), LedgerError> {
        loop {
            let mut lease = self.pool.get()?;
            let fresh = lease.fresh();
            let conn = lease.conn()?;
            let mut tx = PgTx::new(conn, begin.to_string());
            let result = f(&mut tx);
            if tx.stale && !fresh {
                // The connection had died while idle and nothing was done: drop it and
                // start over on another (each turn uses up an idle one or makes a new one).
                continue;
            }
            let failed = tx.failed;
            let outcome = match result {
                Ok(()) if !failed => tx.commit(),
                Ok(()) => Err(LedgerError::internal(
                    "a statement failed in a transaction whose work was then reported as done",
                )),
                Err(e) => Err(e),
            };
            // After an error the transaction may still be open (aborted); a ROLLBACK after
            // a failed COMMIT only warns.
            let clean = outcome.is_ok() || !tx.begun() || conn.client.batch_execute("ROLLBACK").is_ok();
            if clean && !conn.client.is_closed() {
                lease.reuse();
            }
            return outcome;
        }
    }
}

impl Backend for Postgres {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn transact(
        &self,
        lock: Option<&str>,
        f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>,
    ) -> Result<(), LedgerError> {
        match lock {
            Some(key) => {
                // PostgreSQL text cannot hold NUL; the key is only hashed, so it is spelled out.
                let key = literal(&key.replace('\0', "\\0")).unwrap_or_default();
                let begin = format!("BEGIN; SELECT pg_advisory_xact_lock(hashtextextended({key}, 0))");
                self.run(&begin, f)
            }
            None => self.run("BEGIN", f),
        }
    }

    fn read(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>) -> Result<(), LedgerError> {
        self.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_migrations_are_numbered() {
        crate::ledger::migrate::tests::assert_numbered(MIGRATIONS);
    }

    #[test]
    fn own_options_are_taken_out_of_the_url() {
        let (c, n) = parse_url("postgres://postgres@127.0.0.1:5432/db?sync=full&pool=4&connect_timeout=3")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n, 4);
        assert_eq!(
            c.get_options(),
            Some("-c synchronous_commit=on -c plan_cache_mode=force_generic_plan")
        );
        assert_eq!(c.get_connect_timeout(), Some(&std::time::Duration::from_secs(3)));
        assert_eq!(target(&c), "PostgreSQL at 127.0.0.1:5432, database `db`");
        assert!(matches!(
            parse_url("postgres://h/db?sync=maybe"),
            Err(LedgerError::BadUrl(_))
        ));
        assert!(matches!(
            parse_url("postgres://h/db?pool=0"),
            Err(LedgerError::BadUrl(_))
        ));
    }
}
