//! Group commit on SQLite's one writing connection. Decisions that arrive while another
//! is being written join its transaction, each in a savepoint of its own (a failing one
//! rolls back alone), and the last of the group commits for all; nobody returns before
//! the commit that holds their work. A lone decision commits at once, so grouping costs
//! nothing when the ledger is quiet and saves a disk flush per decision when it is busy.

use super::db;
use super::tx::SqliteTx;
use crate::ledger::LedgerError;
use crate::ledger::store::Tx;
use rusqlite::Connection;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

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
    /// The last group committed (or rolled back), and its outcome (shared by every
    /// member of the group, hence the `Arc`).
    done: u64,
    outcome: Result<(), Arc<rusqlite::Error>>,
}

pub struct Group {
    writer: Mutex<Writer>,
    /// Signalled when a group is committed.
    committed: Condvar,
    /// Threads about to take the writer: the group stays open for them.
    waiting: AtomicUsize,
}

impl Group {
    pub fn new(conn: Connection) -> Group {
        Group {
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
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, Writer>, LedgerError> {
        self.writer.lock().map_err(|_| LedgerError::poisoned("SQLite writer"))
    }

    /// Runs `f` on the writing connection, between groups' statements (migrations, and
    /// reads of an in-memory database, whose data only this connection sees).
    pub fn with_writer<T>(&self, f: impl FnOnce(&mut Connection) -> Result<T, LedgerError>) -> Result<T, LedgerError> {
        let mut w = self.lock()?;
        f(&mut w.conn)
    }

    /// Runs `f` in a savepoint of the group now open (opening one if none is), and
    /// returns once the group is committed.
    pub fn transact(&self, f: &mut dyn FnMut(&mut dyn Tx) -> Result<(), LedgerError>) -> Result<(), LedgerError> {
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
                    .map_err(|_| LedgerError::poisoned("SQLite writer"))?;
            }
        } else {
            let outcome = w.conn.execute_batch("COMMIT").map_err(Arc::new);
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
            Err(e) => Err(LedgerError::database_from(format!("commit failed: {e}"), e.clone())),
        };
        result.and(committed)
    }
}
