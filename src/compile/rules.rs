//! The rule set a runtime runs: a checked program compiled once, with its script engine
//! and campaign ids, shared read-only by any number of runtimes.

use super::{Compiled, TooLarge, compile};
use crate::check::program::Program;
use std::sync::Arc;

/// Compiled rules, loaded once and shared (read-only) by any number of runtimes.
pub struct Rules {
    pub compiled: Compiled,
    pub scripts: rhai::Engine,
    pub campaign_ids: Vec<Arc<str>>,
}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rules")
            .field("campaigns", &self.campaign_ids)
            .field("rules", &self.compiled.rules.len())
            .field("nodes", &self.compiled.graph.len())
            .finish()
    }
}

impl Rules {
    /// Compiles a checked program (an error only for one too large to number).
    pub fn new(program: Program) -> Result<Rules, TooLarge> {
        let campaign_ids = program.campaigns.iter().map(|c| c.id.clone()).collect();
        Ok(Rules {
            compiled: compile(program)?,
            scripts: crate::check::script::engine(),
            campaign_ids,
        })
    }

    /// No rules at all: for commands that read none (key management, redemption).
    pub fn none() -> Rules {
        Rules {
            compiled: super::compile_empty(),
            scripts: crate::check::script::engine(),
            campaign_ids: Vec::new(),
        }
    }

    /// The checked program the rules were compiled from.
    pub fn program(&self) -> &Program {
        &self.compiled.program
    }
}
