#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

//! Corpus tests: every `.mint` file under `tests/cases/{parse,check,fmt}` is a test, with
//! its snapshot beside it in `snapshots/`. Add a case by adding a file; accept a new
//! snapshot with `INSTA_UPDATE=always cargo test --test corpus` after reading it.

use mintage::check::{CheckOptions, check};
use mintage::diagnostic::Code;
use mintage::syntax::Sources;
use std::path::{Path, PathBuf};

fn cases(folder: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases").join(folder);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mint"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no cases in {}", dir.display());
    files
}

fn snapshot(folder: &str, path: &Path, content: String) {
    let name = path.file_stem().unwrap().to_string_lossy().to_string();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/cases")
            .join(folder)
            .join("snapshots"),
    );
    settings.set_prepend_module_to_snapshot(false);
    settings.set_input_file(path);
    settings.bind(|| insta::assert_snapshot!(name, content));
}

/// A case as the loader reads it (bytes: `E019.mint` is not UTF-8) and its text.
fn sources_of(path: &Path) -> (Sources, String) {
    let bytes = std::fs::read(path).unwrap();
    let mut sources = Sources::default();
    let name = format!("{}", path.file_name().unwrap().to_string_lossy());
    let id = sources.add_bytes(name, &bytes);
    let text = sources.get(id).unwrap().text.to_string();
    (sources, text)
}

/// A parse case that parses snapshots its tree; one that does not (`error_*.mint`, one
/// per kind of expectation a marketer meets) snapshots the diagnostic with its caret, so
/// that the words and the place are both reviewed.
#[test]
fn parse_cases() {
    for path in cases("parse") {
        let (sources, text) = sources_of(&path);
        let rendered = match mintage::syntax::parse(0, &text) {
            Ok(file) => format!("{file:#?}"),
            Err(d) => d.render_plain(&sources),
        };
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        assert_eq!(
            stem.starts_with("error_"),
            rendered.contains("E001"),
            "{}: cases named `error_*` must fail to parse, others must parse",
            path.display()
        );
        snapshot("parse", &path, format!("{text}\n---\n{rendered}"));
    }
}

#[test]
fn check_cases_one_per_code() {
    let mut covered = Vec::new();
    for path in cases("check") {
        let (sources, text) = sources_of(&path);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        // `W003.mint` and `E016_at_most_overflow.mint` must produce their code.
        let code = stem.split('_').next().and_then(Code::parse);
        let options = CheckOptions {
            now: Some(mintage::value::parse_time("2026-10-01T00:00:00+08:00").unwrap()),
            ..CheckOptions::default()
        };
        let checked = check(sources, &options);
        let rendered: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| d.render_plain(&checked.sources))
            .collect();
        if let Some(code) = code {
            assert!(
                checked.diagnostics.iter().any(|d| d.code == code),
                "{} does not produce {}: {:?}",
                path.display(),
                code.as_str(),
                checked.diagnostics.iter().map(|d| d.code.as_str()).collect::<Vec<_>>()
            );
            covered.push(code);
        }
        snapshot("check", &path, format!("{text}\n---\n{}", rendered.join("\n")));
    }
    // No rule text produces `E000` (an internal error: the grammar and the parser
    // disagree); the parser's unit tests cover it.
    let missing: Vec<&str> = Code::ALL
        .iter()
        .filter(|c| **c != Code::Internal && !covered.contains(c))
        .map(|c| c.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "codes without a case in tests/cases/check: {missing:?}"
    );
}

#[test]
fn fmt_cases_are_canonical_and_stable() {
    for path in cases("fmt") {
        let (_, text) = sources_of(&path);
        mintage::syntax::parse(0, &text).unwrap_or_else(|d| panic!("{}: {}", path.display(), d.message));
        let once = mintage::syntax::format::format(&text);
        let twice = mintage::syntax::format::format(&once);
        assert_eq!(once, twice, "{}: formatting is not idempotent", path.display());
        mintage::syntax::parse(0, &once)
            .unwrap_or_else(|d| panic!("{}: formatted text does not parse: {}", path.display(), d.message));
        snapshot("fmt", &path, once);
    }
}

#[test]
fn seed_rules_and_examples_are_clean_and_formatted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["rules", "examples"] {
        let sources = mintage::check::load_paths(&[root.join(dir)]).unwrap();
        for (_, f) in sources.files() {
            assert_eq!(
                mintage::syntax::format::format(&f.text),
                *f.text,
                "{} is not formatted",
                f.name
            );
        }
        let checked = check(sources, &CheckOptions::default());
        let all: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| d.one_line(&checked.sources))
            .collect();
        assert!(all.is_empty(), "{dir}: {all:#?}");
    }
}

#[test]
fn run_cases_pass_their_tests() {
    for path in cases("run") {
        let sources = mintage::check::load_paths(std::slice::from_ref(&path)).unwrap();
        let checked = check(sources, &CheckOptions::default());
        let program = checked.program.unwrap_or_else(|| {
            panic!(
                "{}: {:?}",
                path.display(),
                checked
                    .diagnostics
                    .iter()
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
            )
        });
        assert!(!program.tests.is_empty(), "{} has no tests", path.display());
        for outcome in mintage::testing::run_all(&program).unwrap() {
            assert!(
                outcome.passed(),
                "{} `{}`:\n{}",
                path.display(),
                outcome.name,
                outcome.failures.join("\n")
            );
        }
    }
}
