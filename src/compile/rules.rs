//! The rule set a runtime runs: a checked program compiled once, with its script engine
//! and campaign ids, shared read-only by any number of runtimes.

use super::{Compiled, TooLarge, compile};
use crate::check::program::Program;
use crate::response::ResponseModel;
use std::sync::Arc;

/// Why checked rules cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    #[error(transparent)]
    TooLarge(#[from] TooLarge),
    /// A campaign's `response from` file is not a model this build can use (`E023`).
    #[error("error[E023]: campaign `{campaign}`: the response model `{path}` cannot be used: {message}")]
    Response {
        campaign: String,
        path: String,
        message: String,
    },
}

/// Compiled rules, loaded once and shared (read-only) by any number of runtimes.
pub struct Rules {
    pub compiled: Compiled,
    pub scripts: rhai::Engine,
    pub campaign_ids: Vec<Arc<str>>,
    /// Each campaign's response model (`response from`), by campaign index.
    pub responses: Vec<Option<Arc<ResponseModel>>>,
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
    pub fn new(program: Program) -> Result<Rules, CompileError> {
        let campaign_ids = program.campaigns.iter().map(|c| c.id.clone()).collect();
        let responses = program
            .campaigns
            .iter()
            .map(|c| c.response.as_ref().map(|r| response(&c.id, r)).transpose())
            .collect::<Result<_, _>>()?;
        Ok(Rules {
            compiled: compile(program)?,
            scripts: crate::check::script::engine(),
            campaign_ids,
            responses,
        })
    }

    /// No rules at all: for commands that read none (key management, redemption).
    pub fn none() -> Rules {
        Rules {
            compiled: super::compile_empty(),
            scripts: crate::check::script::engine(),
            campaign_ids: Vec::new(),
            responses: Vec::new(),
        }
    }

    /// The checked program the rules were compiled from.
    pub fn program(&self) -> &Program {
        &self.compiled.program
    }
}

/// A campaign's response model, read from the text the checker read; it must be a model
/// of this campaign.
fn response(campaign: &str, r: &crate::check::program::ResponseSource) -> Result<Arc<ResponseModel>, CompileError> {
    let error = |message: String| CompileError::Response {
        campaign: campaign.to_string(),
        path: r.path.display().to_string(),
        message,
    };
    let model = ResponseModel::from_json(&r.text).map_err(|e| error(e.to_string()))?;
    if model.campaign() != campaign {
        return Err(error(format!(
            "it was fitted for campaign `{}`; fit one for `{campaign}` (`mintage fit … --campaign {campaign}`)",
            model.campaign()
        )));
    }
    Ok(Arc::new(model))
}
