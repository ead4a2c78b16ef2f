//! Checking: name resolution, types and lints over the syntax trees of all rule files;
//! the result is the typed `Program` that `compile` turns into an evaluation graph.

pub mod aggregate;
pub mod expr;
pub mod lints;
pub mod program;
pub mod reference;
pub mod resolve;
pub mod script;
pub mod types;

use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::{self, FileId, Sources, Span};
use program::Program;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Enables `W001` (window already over) against this time.
    pub now: Option<i64>,
    /// The zone of campaigns whose window names none, of risk checks and test steps, and
    /// of decisions that name no campaign (`--zone`, `MINTAGE_ZONE`).
    pub zone: chrono_tz::Tz,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            now: None,
            zone: crate::value::DEFAULT_ZONE,
        }
    }
}

/// What checking a set of files gives: the program if it has no errors, and every
/// diagnostic (errors and warnings) in file order.
pub struct Checked {
    pub program: Option<Program>,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

impl Checked {
    /// The JSON of `mintage check --format json` (and of `POST /v1/check`): counts of
    /// files, errors and warnings, and each diagnostic with its place, label and help.
    pub fn report_json(&self) -> serde_json::Value {
        let errors = self.diagnostics.iter().filter(|d| d.is_error()).count();
        let list: Vec<_> = self.diagnostics.iter().map(|d| d.to_json(&self.sources)).collect();
        serde_json::json!({
            "files": self.sources.files().count(),
            "errors": errors,
            "warnings": self.diagnostics.len() - errors,
            "diagnostics": list,
        })
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Parses and checks every file of `sources` as one program.
pub fn check(sources: Sources, options: &CheckOptions) -> Checked {
    let mut diagnostics = Vec::new();
    let mut files = Vec::new();
    for (id, file) in sources.files() {
        if let Some((at, byte)) = file.not_utf8 {
            diagnostics.push(not_utf8(&sources, id, at, byte));
            continue;
        }
        match syntax::parse(id, &file.text) {
            Ok(f) => files.push(f),
            Err(d) => diagnostics.push(d),
        }
    }
    let (program, mut found) = resolve::Resolver::new(&sources, options.zone).program(&files);
    diagnostics.append(&mut found);
    if !diagnostics.iter().any(Diagnostic::is_error) {
        lints::run(
            &files,
            &program,
            &lints::LintOptions { now: options.now },
            &mut diagnostics,
        );
    }
    diagnostics.sort_by_key(|d| (d.span.file, d.span.start));
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    Checked {
        program: ok.then_some(program),
        diagnostics,
        sources,
    }
}

/// `E019`: the file's first byte that is not UTF-8, by line and column.
pub fn not_utf8(sources: &Sources, file: FileId, at: usize, byte: u8) -> Diagnostic {
    // The text holds a replacement character (three bytes) where the bad bytes were.
    let span = Span::new(file, at, at + '\u{fffd}'.len_utf8());
    let (line, column) = sources.line_col(span);
    Diagnostic::new(
        Code::NotUtf8,
        span,
        format!("the file is not UTF-8: byte `0x{byte:02x}` at line {line}, column {column} cannot be read"),
    )
    .label("not UTF-8")
    .help(
        "save the file as UTF-8 (files saved as GBK by Chinese editors are the usual cause; \
         `iconv -f GBK -t UTF-8` converts them)",
    )
}

/// An error reading rule files from disk.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("`{0}` holds no `.mint` files")]
    Empty(PathBuf),
    /// Places in rule files are byte offsets kept in a `u32`.
    #[error("`{0}` is larger than a rule file may be (4294967295 bytes)")]
    TooLarge(PathBuf),
}

/// Reads the given files, and every `*.mint` file under the given folders (sorted, so
/// that the program does not depend on directory order).
pub fn load_paths(paths: &[PathBuf]) -> Result<Sources, LoadError> {
    let mut sources = Sources::default();
    for path in paths {
        let mut files = Vec::new();
        collect(path, &mut files)?;
        if files.is_empty() {
            return Err(LoadError::Empty(path.clone()));
        }
        for f in files {
            // Read as bytes: a file that is not UTF-8 is a rule error (`E019`) with its
            // place, not an I/O error.
            let bytes = std::fs::read(&f).map_err(|source| LoadError::Io {
                path: f.clone(),
                source,
            })?;
            if u32::try_from(bytes.len()).is_err() {
                return Err(LoadError::TooLarge(f));
            }
            sources.add_bytes(f.display().to_string(), &bytes);
        }
    }
    Ok(sources)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let meta = std::fs::metadata(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    if meta.is_file() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let entries = std::fs::read_dir(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut children: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    children.sort();
    for child in children {
        if child.is_dir() {
            collect(&child, out)?;
        } else if child.extension().is_some_and(|e| e == "mint") {
            out.push(child);
        }
    }
    Ok(())
}
