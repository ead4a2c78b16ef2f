//! Why the ledger could not do what was asked, sorted by whose fault it is and what the
//! caller can do about it: the caller's input, the database (retry), data this build
//! cannot read, the operating system's randomness, or a mistake of ours.
//!
//! Each message is complete on its own (what failed and the driver's own words), since
//! the command line and the service show only the message; the driver's error is kept as
//! the `source` as well, for a program that wants to look at it (an SQLite result code,
//! a PostgreSQL SQLSTATE).

/// An underlying error kept as a source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Why the ledger could not do what was asked. Bad input from a client is not an error
/// here: it is an answer (`RedeemOutcome` with a reason) or rejected before the ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The `--db` URL is not one the ledger knows.
    #[error("unknown database URL `{0}`: use `sqlite:PATH` or `postgres://…`")]
    BadUrl(String),
    /// The request is not one the ledger can act on (a bad time, an event without the
    /// user its type needs): the caller's input, not the database, is at fault.
    #[error("{0}")]
    BadInput(String),
    /// The ledger will not do it as things stand (`reason`: `reservation_expired`,
    /// `bad_order`): the caller's request is well formed, the state refuses it.
    #[error("{message}")]
    Refused { reason: &'static str, message: String },
    /// The database failed, is unreachable or stayed busy: worth a retry later.
    #[error("database error: {message}")]
    Database {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// A guarded write found the row changed by another transaction; retried internally,
    /// reported only when retries run out.
    #[error("the ledger stayed busy: {message}")]
    Conflict {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// A migration of the schema failed (and was rolled back).
    #[error("migration {version} failed: {message}")]
    Migration {
        version: u32,
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The ledger was migrated by a newer build; it is left as it is.
    #[error(
        "the ledger's schema is at version {found}, newer than this build knows ({known}): \
         open it with the version of mintage that migrated it, or a newer one (nothing was changed)"
    )]
    SchemaTooNew { found: u32, known: u32 },
    /// Data in the ledger that this version cannot read.
    #[error("corrupt ledger data: {message}")]
    Corrupt {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
    /// The operating system gave no randomness (for a coupon code generator or an API key).
    #[error("no randomness from the operating system for {what}: {source}")]
    Entropy {
        what: &'static str,
        #[source]
        source: BoxError,
    },
    /// A mistake of ours (an invariant that did not hold, a value we could not encode).
    #[error("internal ledger error: {message}")]
    Internal {
        message: String,
        #[source]
        source: Option<BoxError>,
    },
}

impl LedgerError {
    /// The database failed, without an underlying error to keep (a pool that stayed busy).
    pub fn database(message: impl Into<String>) -> LedgerError {
        LedgerError::Database {
            message: message.into(),
            source: None,
        }
    }

    /// The database failed with `source`; `message` says what failed and how.
    pub fn database_from(message: impl Into<String>, source: impl Into<BoxError>) -> LedgerError {
        LedgerError::Database {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    pub fn conflict(message: impl Into<String>) -> LedgerError {
        LedgerError::Conflict {
            message: message.into(),
            source: None,
        }
    }

    pub fn conflict_from(message: impl Into<String>, source: impl Into<BoxError>) -> LedgerError {
        LedgerError::Conflict {
            message: message.into(),
            source: Some(source.into()),
        }
    }

    /// Stored data that cannot be read, without an underlying error.
    pub fn corrupt(message: impl Into<String>) -> LedgerError {
        LedgerError::Corrupt {
            message: message.into(),
            source: None,
        }
    }

    /// Stored data (`what`) that did not decode: the message is `what: why`.
    pub fn corrupt_from<E: std::error::Error + Send + Sync + 'static>(what: &str, source: E) -> LedgerError {
        LedgerError::Corrupt {
            message: format!("{what}: {source}"),
            source: Some(Box::new(source)),
        }
    }

    pub fn entropy<E: std::error::Error + Send + Sync + 'static>(what: &'static str, source: E) -> LedgerError {
        LedgerError::Entropy {
            what,
            source: Box::new(source),
        }
    }

    pub fn internal(message: impl Into<String>) -> LedgerError {
        LedgerError::Internal {
            message: message.into(),
            source: None,
        }
    }

    /// A value of ours that could not be handled (`what`): the message is `what: why`.
    pub fn internal_from<E: std::error::Error + Send + Sync + 'static>(what: &str, source: E) -> LedgerError {
        LedgerError::Internal {
            message: format!("{what}: {source}"),
            source: Some(Box::new(source)),
        }
    }

    /// A lock whose holder panicked (`what` names it).
    pub fn poisoned(what: &str) -> LedgerError {
        LedgerError::internal(format!("the {what} lock was poisoned by a panic"))
    }
}
