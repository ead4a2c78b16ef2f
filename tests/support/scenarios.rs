//! Event streams for tests: the stories kept in `tests/stories/NAME/events.jsonl` (a copy
//! of the public scenarios, so that the tests pass from a clone of this repository alone)
//! and other JSONL files.

use std::path::{Path, PathBuf};

/// The non-blank lines of a JSONL file.
pub fn lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

/// The events file of a story.
pub fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/stories")
        .join(name)
        .join("events.jsonl")
}

/// The events of a story, one JSON text per line.
#[allow(dead_code)] // not every test file reads one by name
pub fn events(name: &str) -> Vec<String> {
    lines(&path(name))
}
