//! The rules the ledger decides with, and their version: every decision records it, so
//! that a decision can be traced to the rules that took it. The version is a digest of
//! everything that shapes a decision besides the events: the rule files' names and text,
//! and the default zone they were checked in (the same files served with another
//! `--zone` read their windows in other hours, so they are other rules).

use crate::runtime::engine::Rules;
use crate::syntax::Sources;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::Arc;

/// Rules as the ledger decides with them, and their version ([`rules_version`]), which
/// goes into every decision.
#[derive(Debug, Clone)]
pub struct VersionedRules {
    pub rules: Arc<Rules>,
    pub version: String,
}

/// The files that shape the rules besides the rule files: each campaign's response model
/// (`response from`) and batch run summary (`price λ from`), as (path, text) read when
/// the rules were checked.
pub fn model_files(rules: &Rules) -> Vec<(String, Arc<str>)> {
    let mut out: Vec<(String, Arc<str>)> = (rules.compiled.program.campaigns.iter())
        .flat_map(|c| c.response.iter().chain(&c.price_source))
        .map(|r| (r.path.display().to_string(), r.text.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The version of `rules` checked from `sources`: [`rules_version`] over the rule files
/// and the response models and run summaries they name, so that a model fitted again is
/// other rules.
pub fn rules_version_with_models(sources: &Sources, rules: &Rules, zone: chrono_tz::Tz) -> String {
    let models = model_files(rules);
    if models.is_empty() {
        return rules_version(sources, zone);
    }
    let files = sources.files().map(|(_, f)| (f.name.as_str(), &*f.text));
    rules_version_of(files.chain(models.iter().map(|(p, t)| (p.as_str(), &**t))), zone)
}

/// `r-` and the first 12 hex digits of a SHA-256 over the files sorted by name: for each,
/// the length and bytes of its file name (not its folder, so that `rules/` and
/// `./rules` give the same version), then the length and bytes of its text; and last
/// the length and bytes of the default zone's IANA name.
pub fn rules_version(sources: &Sources, zone: chrono_tz::Tz) -> String {
    rules_version_of(sources.files().map(|(_, f)| (f.name.as_str(), &*f.text)), zone)
}

/// [`rules_version`] over (path or name, text) pairs.
pub fn rules_version_of<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>, zone: chrono_tz::Tz) -> String {
    let mut files: Vec<(&str, &str, &str)> = files.into_iter().map(|(n, t)| (file_name(n), n, t)).collect();
    files.sort_unstable();
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    for (name, _, text) in files {
        part(name.as_bytes());
        part(text.as_bytes());
    }
    part(zone.name().as_bytes());
    let hex = hex::encode(hash.finalize());
    format!("r-{}", hex.get(..12).unwrap_or(&hex))
}

fn file_name(path: &str) -> &str {
    Path::new(path).file_name().and_then(|n| n.to_str()).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::DEFAULT_ZONE;

    #[test]
    fn the_version_ignores_folders_and_order() {
        let a = rules_version_of([("rules/a.mint", "x"), ("rules/b.mint", "y")], DEFAULT_ZONE);
        let b = rules_version_of([("./other/b.mint", "y"), ("a.mint", "x")], DEFAULT_ZONE);
        assert_eq!(a, b);
        assert_eq!(a.len(), 14);
        assert!(a.starts_with("r-"));
        assert_ne!(a, rules_version_of([("a.mint", "xy"), ("b.mint", "")], DEFAULT_ZONE));
    }

    #[test]
    fn the_default_zone_is_part_of_the_version() {
        let files = [("a.mint", "x")];
        let here = rules_version_of(files, DEFAULT_ZONE);
        let utc = rules_version_of(files, chrono_tz::UTC);
        let tokyo = rules_version_of(files, chrono_tz::Asia::Tokyo);
        assert_ne!(here, utc);
        assert_ne!(utc, tokyo);
        assert_eq!(tokyo, rules_version_of(files, chrono_tz::Asia::Tokyo));
    }
}
