//! Event streams for tests: the public scenarios beside the repository
//! (`../shared/scenarios/NAME/events.jsonl`) and other JSONL files.

use std::path::{Path, PathBuf};

/// The non-blank lines of a JSONL file.
pub fn lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The events file of a public scenario.
pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/scenarios")
        .join(name)
        .join("events.jsonl")
}

/// The events of a public scenario, one JSON text per line.
#[allow(dead_code)] // not every test file reads one by name
pub fn events(name: &str) -> Vec<String> {
    lines(&path(name))
}
