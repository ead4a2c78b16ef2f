//! A small pool of connections, each with the statements it has prepared. Connections are
//! made on demand up to a maximum; a caller finding every one busy waits for one to come
//! back. A connection that broke, or that is left in an unknown state (a failed commit or
//! rollback, a panic in the middle of a transaction), is closed instead of returned.

use super::sql::{self, Q};
use crate::ledger::LedgerError;
use postgres::error::SqlState;
use postgres::{Client, Config, NoTls, Statement};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a caller waits for a busy pool before giving up.
const WAIT: Duration = Duration::from_secs(30);

/// A connection and the statements prepared on it.
pub struct Conn {
    pub client: Client,
    statements: [Option<Statement>; sql::COUNT],
}

impl Conn {
    /// The prepared statement for `q`, prepared on first use.
    pub fn statement(&mut self, q: Q) -> Result<Statement, postgres::Error> {
        let slot = self.statements.get_mut(q as usize);
        if let Some(Some(s)) = slot.as_deref() {
            return Ok(s.clone());
        }
        let s = self.client.prepare(q.sql())?;
        if let Some(slot) = slot {
            *slot = Some(s.clone());
        }
        Ok(s)
    }
}

struct State {
    idle: Vec<Conn>,
    /// Connections open, idle or lent.
    open: usize,
}

pub struct Pool {
    config: Config,
    /// The server and database, for messages (never the password).
    target: String,
    max: usize,
    state: Mutex<State>,
    returned: Condvar,
}

/// A connection lent by the pool. Dropping it returns the connection if `reuse` was
/// called since the last statement that could have left it mid-transaction; otherwise
/// the connection is closed (and the server rolls back whatever it held).
pub struct Lease<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
    reusable: bool,
    /// Made for this lease, not taken from the idle list.
    fresh: bool,
}

impl Lease<'_> {
    pub fn conn(&mut self) -> Result<&mut Conn, LedgerError> {
        self.reusable = false;
        self.conn
            .as_mut()
            .ok_or_else(|| LedgerError::internal("the connection was already given back"))
    }

    /// The connection is between transactions again: it may go back to the pool.
    pub fn reuse(&mut self) {
        self.reusable = true;
    }

    /// Made for this lease: a failure on it is not a connection that died while idle.
    pub fn fresh(&self) -> bool {
        self.fresh
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let keep = self.reusable && !conn.client.is_closed() && !std::thread::panicking();
        let closing = {
            let mut state = self.pool.lock();
            if keep {
                state.idle.push(conn);
                None
            } else {
                state.open = state.open.saturating_sub(1);
                Some(conn)
            }
        };
        drop(closing);
        self.pool.returned.notify_one();
    }
}

/// What an error from the server says, for `LedgerError` (the driver's own text is only
/// "db error" for those).
pub fn describe(e: &postgres::Error) -> String {
    if let Some(d) = e.as_db_error() {
        let mut s = format!("{} (SQLSTATE {})", d.message(), d.code().code());
        if let Some(detail) = d.detail() {
            s.push_str(": ");
            s.push_str(detail);
        }
        return s;
    }
    match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    }
}

/// Unique violations (a code or an event id taken by another instance), serialization
/// failures and deadlocks are conflicts, which the ledger retries on fresh state.
pub fn db(e: postgres::Error) -> LedgerError {
    let message = describe(&e);
    match e.code() {
        Some(c)
            if *c == SqlState::UNIQUE_VIOLATION
                || *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED =>
        {
            LedgerError::conflict_from(message, e)
        }
        // Text PostgreSQL cannot store (a NUL character): the input's fault.
        Some(c) if *c == SqlState::CHARACTER_NOT_IN_REPERTOIRE || *c == SqlState::UNTRANSLATABLE_CHARACTER => {
            LedgerError::BadInput(format!("text the database cannot store: {message}"))
        }
        _ => LedgerError::database_from(message, e),
    }
}

impl Drop for Pool {
    /// The synchronous client runs a small runtime of its own to close its connection,
    /// which may not happen on a thread of another runtime (the service's last reference
    /// to the ledger can be dropped on one): the clients are closed on a plain thread.
    fn drop(&mut self) {
        let idle = match self.state.get_mut() {
            Ok(s) => std::mem::take(&mut s.idle),
            Err(poisoned) => std::mem::take(&mut poisoned.into_inner().idle),
        };
        if idle.is_empty() {
            return;
        }
        if let Ok(closer) = std::thread::Builder::new()
            .name("mintage-pg-close".into())
            .spawn(move || drop(idle))
        {
            let _ = closer.join();
        }
    }
}

impl Pool {
    pub fn new(config: Config, target: String, max: usize) -> Pool {
        Pool {
            config,
            target,
            max: max.max(1),
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        }
    }

    pub fn target(&self) -> &str {
        &self.target
    }

    // The state is two plain fields that every critical section leaves consistent, so a
    // panic elsewhere while the lock was held does not make it unusable.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn connect(&self) -> Result<Conn, LedgerError> {
        let client = self.config.connect(NoTls).map_err(|e| {
            LedgerError::database_from(format!("cannot connect to {}: {}", self.target, describe(&e)), e)
        })?;
        Ok(Conn {
            client,
            statements: [const { None }; sql::COUNT],
        })
    }

    /// An idle connection, a new one if fewer than the maximum are open, or the first one
    /// given back.
    pub fn get(&self) -> Result<Lease<'_>, LedgerError> {
        let deadline = Instant::now() + WAIT;
        let mut state = self.lock();
        loop {
            if let Some(conn) = state.idle.pop() {
                if conn.client.is_closed() {
                    state.open = state.open.saturating_sub(1);
                    continue;
                }
                return Ok(Lease {
                    pool: self,
                    conn: Some(conn),
                    reusable: false,
                    fresh: false,
                });
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return match self.connect() {
                    Ok(conn) => Ok(Lease {
                        pool: self,
                        conn: Some(conn),
                        reusable: false,
                        fresh: true,
                    }),
                    Err(e) => {
                        let mut state = self.lock();
                        state.open = state.open.saturating_sub(1);
                        drop(state);
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(LedgerError::database(format!(
                    "all {} connections to {} stayed busy for {} s",
                    self.max,
                    self.target,
                    WAIT.as_secs()
                )));
            }
            state = self
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}
