//! Hot reload: the rule files are read and checked before anything changes; rules with
//! errors are not swapped in (the service keeps the old ones and reports why at
//! `GET /v1/rules` and in the log). Reloads come from `POST /v1/admin/reload`, SIGHUP,
//! and a watcher that compares the files' modification times every second.
//!
//! The rules version, in every decision, is a digest of the files' names and text and
//! of the default zone (`ledger::rules_version`).

use super::AppState;
use super::errors::ApiError;
use crate::check::{self, CheckOptions};
use crate::diagnostic::JsonDiagnostic;
use crate::ledger::{Ledger, VersionedRules, rules_version_with_models};
use crate::runtime::engine::Rules;
use crate::value::Millis;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// What one reload did.
#[derive(Debug, Clone, Serialize)]
pub struct ReloadReport {
    /// RFC 3339, UTC.
    pub at: String,
    /// `api`, `signal` or `watch`.
    pub trigger: &'static str,
    /// `reloaded`, `unchanged` or `failed`.
    pub result: &'static str,
    /// The version of the files read (`null` when they could not be read).
    pub version: Option<String>,
    /// Why the files could not be read, or how many errors they have; after a reload,
    /// the aggregates over past events it starts empty, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Errors and warnings of the check.
    pub diagnostics: Vec<JsonDiagnostic>,
}

impl ReloadReport {
    pub fn failed(&self) -> bool {
        self.result == "failed"
    }
}

/// The rule paths, the version being served and the last reload.
pub struct Reloader {
    paths: Vec<PathBuf>,
    /// The default zone the rules are checked with (`mintage serve --zone`).
    zone: chrono_tz::Tz,
    state: Mutex<State>,
}

struct State {
    version: String,
    loaded_at: String,
    last: Option<ReloadReport>,
    seen: Fingerprint,
    /// The response models the served rules read (watched with the rule files).
    models: Vec<PathBuf>,
}

/// What `GET /v1/rules` shows.
#[derive(Debug, Clone, Serialize)]
pub struct RulesStatus {
    pub version: String,
    pub loaded_at: String,
    pub paths: Vec<String>,
    pub last_reload: Option<ReloadReport>,
}

/// (file, modification time, length) of every rule file, in walk order.
type Fingerprint = Vec<(PathBuf, Option<SystemTime>, u64)>;

impl Reloader {
    /// Loads and checks the rules at start; errors (one line per diagnostic) stop the
    /// service from starting.
    pub fn start(paths: Vec<PathBuf>, now: Millis) -> Result<(Reloader, VersionedRules), Vec<String>> {
        Reloader::start_in_zone(paths, crate::value::DEFAULT_ZONE, now)
    }

    /// The same with another default zone for the rules.
    pub fn start_in_zone(
        paths: Vec<PathBuf>,
        zone: chrono_tz::Tz,
        now: Millis,
    ) -> Result<(Reloader, VersionedRules), Vec<String>> {
        let sources = check::load_paths(&paths).map_err(|e| vec![e.to_string()])?;
        let checked = check::check(sources, &CheckOptions { now: None, zone });
        let Some(program) = checked.program else {
            let lines = checked.diagnostics.iter().filter(|d| d.is_error());
            return Err(lines.map(|d| d.one_line(&checked.sources)).collect());
        };
        let rules = Arc::new(Rules::new(program).map_err(|e| vec![e.to_string()])?);
        let version = rules_version_with_models(&checked.sources, &rules, zone);
        let models = model_paths(&rules);
        let seen = fingerprint(&paths, &models);
        let rules = VersionedRules {
            rules,
            version: version.clone(),
        };
        let state = State {
            version,
            loaded_at: rfc3339(now),
            last: None,
            seen,
            models,
        };
        let reloader = Reloader {
            paths,
            zone,
            state: Mutex::new(state),
        };
        Ok((reloader, rules))
    }

    pub fn status(&self) -> RulesStatus {
        let state = self.lock();
        RulesStatus {
            version: state.version.clone(),
            loaded_at: state.loaded_at.clone(),
            paths: self.paths.iter().map(|p| p.display().to_string()).collect(),
            last_reload: state.last.clone(),
        }
    }

    pub fn version(&self) -> String {
        self.lock().version.clone()
    }

    /// True when a rule file, or a response model the rules read, was added, removed or
    /// modified since the last reload.
    pub fn files_changed(&self) -> bool {
        let state = self.lock();
        fingerprint(&self.paths, &state.models) != state.seen
    }

    /// Reads and checks the files; swaps them in if they have no errors. Blocks (reads
    /// files, checks, and hands the rules to the ledger); reloads run one at a time.
    pub fn reload(&self, ledger: &Ledger, trigger: &'static str, now: Millis) -> ReloadReport {
        let mut state = self.lock();
        state.seen = fingerprint(&self.paths, &state.models);
        let report = self.try_reload(&mut state, ledger, trigger, now);
        match report.result {
            "failed" => {
                tracing::warn!(
                    trigger,
                    serving = %state.version,
                    message = report.message.as_deref().unwrap_or(""),
                    "rules not reloaded: the service keeps the rules it has"
                );
                for d in report
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == crate::diagnostic::Severity::Error)
                {
                    tracing::warn!("{}:{}:{}: error[{}]: {}", d.file, d.line, d.column, d.code, d.message);
                }
            }
            "reloaded" => tracing::info!(trigger, version = %state.version, "rules reloaded"),
            _ => tracing::debug!(trigger, version = %state.version, "rules unchanged"),
        }
        state.last = Some(report.clone());
        report
    }

    fn try_reload(&self, state: &mut State, ledger: &Ledger, trigger: &'static str, now: Millis) -> ReloadReport {
        let mut report = ReloadReport {
            at: rfc3339(now),
            trigger,
            result: "failed",
            version: None,
            message: None,
            diagnostics: Vec::new(),
        };
        let sources = match check::load_paths(&self.paths) {
            Ok(s) => s,
            Err(e) => {
                report.message = Some(e.to_string());
                return report;
            }
        };
        let options = CheckOptions {
            now: None,
            zone: self.zone,
        };
        let checked = check::check(sources, &options);
        report.diagnostics = checked
            .diagnostics
            .iter()
            .map(|d| d.to_json(&checked.sources))
            .collect();
        let Some(program) = checked.program else {
            let errors = checked.diagnostics.iter().filter(|d| d.is_error()).count();
            report.message = Some(format!(
                "the rules have {errors} error(s); still serving {}",
                state.version
            ));
            return report;
        };
        let rules = match Rules::new(program) {
            Ok(rules) => rules,
            Err(e) => {
                report.message = Some(format!("{e}; still serving {}", state.version));
                return report;
            }
        };
        // The version covers the rule files and the models they read: a model fitted
        // again is a reload, the same files and models are not.
        let version = rules_version_with_models(&checked.sources, &rules, self.zone);
        report.version = Some(version.clone());
        let models = model_paths(&rules);
        if models != state.models {
            state.models = models;
            state.seen = fingerprint(&self.paths, &state.models);
        }
        if version == state.version {
            report.result = "unchanged";
            report.diagnostics.clear();
            return report;
        }
        // Aggregates the old rules did not keep have no past: they count from now on.
        let before = ledger.rules();
        let kept = &before.rules.compiled.program.aggregates;
        let fresh: Vec<String> = rules
            .compiled
            .program
            .aggregates
            .iter()
            .filter(|a| !kept.iter().any(|k| k.key == a.key))
            .map(|a| format!("`{}`", a.key))
            .collect();
        if !fresh.is_empty() {
            let text = format!(
                "these aggregates are new to the rules and count the users' events from now on: {}",
                fresh.join(", ")
            );
            tracing::warn!(version = %version, "{text}");
            report.message = Some(text);
        }
        ledger.set_rules(VersionedRules {
            rules: Arc::new(rules),
            version: version.clone(),
        });
        state.version = version;
        state.loaded_at = report.at.clone();
        report.result = "reloaded";
        report
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Reloads on the blocking pool and counts the result (`mintage_rules_reloads_total`).
pub async fn reload_now(state: &AppState, trigger: &'static str) -> Result<ReloadReport, ApiError> {
    let now = state.now();
    let report = state
        .blocking(move |shared| shared.reloader.reload(&shared.ledger, trigger, now))
        .await?;
    state.metrics.inc("mintage_rules_reloads_total", &[report.result]);
    Ok(report)
}

/// UTC milliseconds as RFC 3339 (`2026-11-02T04:00:00.000Z`).
pub fn rfc3339(ms: Millis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// The response model files `rules` read.
fn model_paths(rules: &Rules) -> Vec<PathBuf> {
    crate::ledger::model_files(rules)
        .into_iter()
        .map(|(path, _)| PathBuf::from(path))
        .collect()
}

fn fingerprint(paths: &[PathBuf], models: &[PathBuf]) -> Fingerprint {
    let mut out = Vec::new();
    for path in paths.iter().chain(models) {
        walk(path, &mut out);
    }
    out
}

/// The files `check::load_paths` would read: a file as given, `*.mint` under a folder.
fn walk(path: &Path, out: &mut Fingerprint) {
    let Ok(meta) = std::fs::metadata(path) else {
        out.push((path.to_path_buf(), None, 0));
        return;
    };
    if meta.is_file() {
        out.push((path.to_path_buf(), meta.modified().ok(), meta.len()));
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        out.push((path.to_path_buf(), None, 0));
        return;
    };
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        if child.is_dir() || child.extension().is_some_and(|e| e == "mint") {
            walk(&child, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
    }
}
