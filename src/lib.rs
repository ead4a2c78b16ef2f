//! Mintage: a campaign-rules engine that mints coupons for consignment marketplaces.
//!
//! The pipeline: rule text is parsed ([`syntax`]), checked into a typed program
//! ([`check`]), compiled into an evaluation graph ([`compile`]) and run ([`runtime`]).
//!
//! ```
//! use mintage::runtime::{codes::CodeMinter, engine::{Rules, Runtime}, event::Event};
//! use std::sync::Arc;
//!
//! let rules = mintage::load_str("welcome.mint", r#"
//! campaign welcome {
//!   window 2026-11-01 .. 2026-12-01 Asia/Shanghai
//!   audience user.paid_orders == 0
//!   rule first_look {
//!     on view_item
//!     once per user
//!     give amount_off ¥10 valid 72h
//!   }
//! }
//! "#).expect("the rules check");
//!
//! // Rules are immutable and shared; each runtime owns its state.
//! let mut runtime = Runtime::new(Arc::new(rules), CodeMinter::seeded(1));
//! let event = Event::from_json(r#"{"id": "e-1", "type": "view_item", "at": "2026-11-02T10:00:00+08:00",
//!   "user": {"id": "u-1", "paid_orders": 0}}"#).expect("a valid event");
//! let decision = runtime.decide(&event);
//! assert_eq!(decision.coupons.len(), 1);
//! assert_eq!(decision.coupons[0].amount, Some(1000)); // fen
//! ```

pub mod analysis;
pub mod check;
pub mod checkout;
pub mod compile;
pub mod consume;
pub mod diagnostic;
pub mod event;
pub mod learning;
pub mod ledger;
pub mod money;
pub mod response;
pub mod rng;
pub mod runtime;
pub mod service;
pub mod simulate;
pub mod source;
pub mod syntax;
pub mod testing;
pub mod value;

use std::path::PathBuf;

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    Load(#[from] check::LoadError),
    /// The rules check but are too large to number (more than `u32::MAX` rules or nodes).
    #[error(transparent)]
    TooLarge(#[from] compile::TooLarge),
    /// A campaign's response model cannot be used (`E023`).
    #[error(transparent)]
    Compile(#[from] compile::CompileError),
    /// The rules have errors, in file order, each with its code, place, message, labels
    /// and help; displayed one line each, `file:line:col: error[CODE]: message`.
    #[error("the rules have {} error(s):\n{}", .0.len(), one_per_line(.0))]
    Invalid(Vec<diagnostic::LocatedDiagnostic>),
}

impl RulesError {
    /// The errors of rules that do not check (none when the files could not be read).
    pub fn diagnostics(&self) -> &[diagnostic::LocatedDiagnostic] {
        match self {
            RulesError::Invalid(errors) => errors,
            RulesError::Load(_) | RulesError::TooLarge(_) | RulesError::Compile(_) => &[],
        }
    }
}

fn one_per_line(errors: &[diagnostic::LocatedDiagnostic]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

fn build(sources: syntax::Sources) -> Result<compile::Rules, RulesError> {
    let checked = check::check(sources, &check::CheckOptions::default());
    match checked.program {
        Some(program) => Ok(compile::Rules::new(program)?),
        None => Err(RulesError::Invalid(
            checked
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| d.locate(&checked.sources))
                .collect(),
        )),
    }
}

/// Loads, checks and compiles rule files (folders mean every `*.mint` in them).
pub fn load(paths: &[PathBuf]) -> Result<compile::Rules, RulesError> {
    build(check::load_paths(paths)?)
}

/// The same from text in memory.
pub fn load_str(name: &str, text: &str) -> Result<compile::Rules, RulesError> {
    if u32::try_from(text.len()).is_err() {
        return Err(check::LoadError::TooLarge(name.into()).into());
    }
    let mut sources = syntax::Sources::default();
    sources.add(name, text);
    build(sources)
}

/// The runtime and embedding guide (`docs/runtime.md`); its Rust examples run as tests.
#[doc = include_str!("../docs/runtime.md")]
pub mod guide {}

/// The ledger guide (`docs/ledger.md`); its Rust example runs as a test.
#[doc = include_str!("../docs/ledger.md")]
pub mod ledger_guide {}

#[cfg(test)]
mod tests {
    #[test]
    fn rules_are_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::runtime::engine::Rules>();
        assert_send_sync::<crate::runtime::engine::Runtime>();
    }
}
