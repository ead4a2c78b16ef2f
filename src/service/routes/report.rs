//! `GET /v1/campaigns/{id}/report`: the experiment report of a campaign from the
//! ledger's recorded outcomes, the same JSON as `mintage analyze --format json`.
//! Query parameters: `baseline`, `by` (`user.FIELD`), `sequential`, `cuped`.

use crate::analysis::design::window_of;
use crate::analysis::stats::Settings;
use crate::analysis::{AnalysisError, Design, Options, Report, analyze};
use crate::service::AppState;
use crate::service::errors::ApiError;
use axum::Json;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::Deserialize;

/// The query string.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    baseline: Option<String>,
    by: Option<String>,
    #[serde(default)]
    sequential: bool,
    #[serde(default)]
    cuped: bool,
}

fn analysis_error(e: &AnalysisError) -> ApiError {
    let message = format!("{e} ({}); {}", e.code(), e.help());
    match e {
        AnalysisError::UnknownCampaign(_) => ApiError::not_found("unknown_campaign", message),
        AnalysisError::NoExperiment(_) => ApiError::not_found("no_experiment", message),
        // The arm is part of what the request names, like the campaign: an arm the
        // experiment lacks is a report that does not exist, not a malformed request.
        AnalysisError::UnknownBaseline { .. } => ApiError::not_found("unknown_arm", message),
        _ => ApiError::bad_request("bad_query", message),
    }
}

pub async fn report(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let Path(campaign) = path?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("bad_query", e.body_text()))?;
    let rules = state.ledger.rules().rules;
    let program = rules.program();
    let design = Design::of(program, Some(&campaign)).map_err(|e| analysis_error(&e))?;
    let mut settings = Settings::default();
    settings.sequential = q.sequential;
    settings.cuped = q.cuped;
    let options = Options {
        baseline: q.baseline,
        by: q.by,
        settings,
    };
    let window = window_of(program, &campaign);
    let outcomes = state
        .ledger_call(move |ledger| ledger.outcomes(&campaign, window))
        .await?;
    analyze(&outcomes, &design, &options)
        .map(Json)
        .map_err(|e| analysis_error(&e))
}
