//! The migration driver both backends share. Migrations are numbered SQL files
//! (`migrations/sqlite/`, `migrations/postgres/`), applied in order, forward only, in
//! one transaction that the backend opens (and holds a lock for, so that two processes
//! starting at once do not both migrate). The order is always the same: read the
//! version the ledger is at, refuse a ledger newer than this build before touching
//! anything, then apply what is missing and record each migration applied.

use super::LedgerError;

/// One migration: its number (from 1, no gaps), a name, and its SQL.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// What the driver asks of a backend, inside the transaction the backend opened.
pub trait Schema {
    /// Creates `schema_migrations (version, name, applied_at)` if it is missing.
    fn ensure_table(&mut self) -> Result<(), LedgerError>;
    /// The highest version recorded (0 for a new ledger).
    fn current(&mut self) -> Result<u32, LedgerError>;
    /// Runs a migration's SQL; an error is reported as that migration's failure.
    fn apply(&mut self, migration: &Migration) -> Result<(), LedgerError>;
    /// Records a migration as applied.
    fn record(&mut self, migration: &Migration) -> Result<(), LedgerError>;
}

/// The newest version `migrations` know.
pub fn newest(migrations: &[Migration]) -> u32 {
    migrations.last().map_or(0, |m| m.version)
}

/// Brings the ledger up to the newest of `migrations`; returns the versions applied. A
/// ledger at a newer version than `migrations` know is refused before anything runs
/// (the backend then rolls its transaction back, so it is left exactly as it was).
pub fn run(schema: &mut dyn Schema, migrations: &[Migration]) -> Result<Vec<u32>, LedgerError> {
    schema.ensure_table()?;
    let current = schema.current()?;
    let known = newest(migrations);
    if current > known {
        return Err(LedgerError::SchemaTooNew { found: current, known });
    }
    let mut applied = Vec::new();
    for m in migrations.iter().filter(|m| m.version > current) {
        schema.apply(m).map_err(|e| match e {
            LedgerError::Migration { .. } => e,
            other => LedgerError::Migration {
                version: m.version,
                message: other.to_string(),
                source: Some(Box::new(other)),
            },
        })?;
        schema.record(m)?;
        applied.push(m.version);
    }
    Ok(applied)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Migrations are numbered from 1 without gaps (the driver compares the highest
    /// number applied with the highest known).
    pub(crate) fn assert_numbered(migrations: &[Migration]) {
        for (i, m) in migrations.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration `{}`", m.name);
            assert!(!m.sql.trim().is_empty(), "migration `{}` is empty", m.name);
        }
    }

    /// A schema in memory that records what the driver asked of it.
    #[derive(Default)]
    struct Fake {
        versions: Vec<u32>,
        calls: Vec<String>,
        fail: Option<u32>,
    }

    impl Schema for Fake {
        fn ensure_table(&mut self) -> Result<(), LedgerError> {
            self.calls.push("ensure".into());
            Ok(())
        }
        fn current(&mut self) -> Result<u32, LedgerError> {
            self.calls.push("current".into());
            Ok(self.versions.iter().copied().max().unwrap_or(0))
        }
        fn apply(&mut self, m: &Migration) -> Result<(), LedgerError> {
            self.calls.push(format!("apply {}", m.version));
            if self.fail == Some(m.version) {
                return Err(LedgerError::database("syntax error"));
            }
            Ok(())
        }
        fn record(&mut self, m: &Migration) -> Result<(), LedgerError> {
            self.calls.push(format!("record {}", m.version));
            self.versions.push(m.version);
            Ok(())
        }
    }

    const THREE: &[Migration] = &[
        Migration {
            version: 1,
            name: "one",
            sql: "a",
        },
        Migration {
            version: 2,
            name: "two",
            sql: "b",
        },
        Migration {
            version: 3,
            name: "three",
            sql: "c",
        },
    ];

    #[test]
    fn what_is_missing_is_applied_in_order() {
        let mut s = Fake {
            versions: vec![1],
            ..Fake::default()
        };
        assert_eq!(run(&mut s, THREE).ok(), Some(vec![2, 3]));
        assert_eq!(
            s.calls,
            ["ensure", "current", "apply 2", "record 2", "apply 3", "record 3"]
        );
        s.calls.clear();
        assert_eq!(run(&mut s, THREE).ok(), Some(vec![]));
        assert_eq!(s.calls, ["ensure", "current"]);
    }

    #[test]
    fn a_newer_schema_is_refused_before_anything_runs() {
        let mut s = Fake {
            versions: vec![1, 4],
            ..Fake::default()
        };
        match run(&mut s, &THREE[..1]) {
            Err(LedgerError::SchemaTooNew { found: 4, known: 1 }) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(s.calls, ["ensure", "current"]);
    }

    #[test]
    fn a_failing_migration_names_itself_and_stops() {
        let mut s = Fake {
            fail: Some(2),
            ..Fake::default()
        };
        match run(&mut s, THREE) {
            Err(LedgerError::Migration {
                version: 2, message, ..
            }) => {
                assert!(message.contains("syntax error"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.calls, ["ensure", "current", "apply 1", "record 1", "apply 2"]);
    }

    #[test]
    fn the_test_migrations_are_numbered() {
        assert_numbered(THREE);
    }
}
