//! The layering of `src/`: each top-level module (a folder such as `src/syntax/`, or a
//! file such as `src/source.rs`) may import only the modules below it. [`LAYERS`] says,
//! for each module, which others its files may name (`crate::x…`, `use crate::{x, …}`,
//! `super::…` up to the crate root, and `mintage::x` in the binary's files); the test
//! fails on any other, with the file and line. The table itself must have no cycles,
//! must name every module of `src/`, and the imports found must have no cycles either.
//! `docs/architecture.md` draws the same layers. No file of `src/` is over 800 lines.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module → the modules it may import. Lower layers first.
const LAYERS: &[(&str, &[&str])] = &[
    // Rule files' text and places in it.
    ("source", &[]),
    // The one deterministic generator (splitmix64).
    ("rng", &[]),
    // Diagnostics and the code registry.
    ("diagnostic", &["source"]),
    // Grammar, syntax tree, parser, formatter.
    ("syntax", &["source", "diagnostic"]),
    // Values, their operators and the built-in functions.
    ("value", &["source", "diagnostic", "syntax"]),
    // Exact money: splits that add up to the fen.
    ("money", &["value"]),
    // Names, types, lints: the checked program.
    ("check", &["source", "diagnostic", "syntax", "value"]),
    // The checkout engine: pure, on money and values only.
    ("checkout", &["money", "value"]),
    // Events as the contract defines them, and reading their fields.
    ("event", &["source", "diagnostic", "syntax", "value", "check"]),
    // The fitted response model: P(order) and the order value of a user and an offer.
    ("response", &["value", "event", "rng"]),
    // The evaluation graph, trigger indexes and the compiled rule set.
    (
        "compile",
        &["source", "diagnostic", "syntax", "value", "check", "event", "response"],
    ),
    // Events in, decisions out: matching, issuing, explaining, state, batch runs.
    (
        "runtime",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "check",
            "event",
            "compile",
            "response",
        ],
    ),
    // Did it work: outcomes, the experiment report (its statistics kernel `stats/` is
    // pure numerics) and `diff`, which replays events through two rule sets.
    (
        "analysis",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "check",
            "event",
            "compile",
            "runtime",
        ],
    ),
    // The marketplace simulator (`mintage simulate`): a synthetic world with a known
    // response, run day by day through the real runtime; its experiments are analysed.
    (
        "simulate",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "check",
            "event",
            "compile",
            "runtime",
            "analysis",
        ],
    ),
    // Fitting the response model from randomized decisions, and its metrics.
    (
        "learning",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "check",
            "event",
            "compile",
            "runtime",
            "analysis",
            "response",
        ],
    ),
    // `test` blocks beside the rules, run against the runtime.
    (
        "testing",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "check",
            "event",
            "compile",
            "runtime",
        ],
    ),
    // Durable state: SQLite and PostgreSQL, redemption, migrations, API keys, and the
    // recorded outcomes read back as `analysis::Outcomes`.
    (
        "ledger",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "check",
            "event",
            "compile",
            "runtime",
            "analysis",
            "checkout",
        ],
    ),
    // The HTTP service over the ledger.
    (
        "service",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "analysis",
            "check",
            "event",
            "compile",
            "runtime",
            "ledger",
            "checkout",
        ],
    ),
    // Events from a NATS JetStream stream, decided through the ledger by a group of
    // instances (its rules loaded and reloaded as the service's are).
    (
        "consume",
        &[
            "source",
            "diagnostic",
            "syntax",
            "value",
            "check",
            "event",
            "compile",
            "runtime",
            "ledger",
            "service",
        ],
    ),
    // The `mintage` commands (the binary's modules).
    (
        "cli",
        &[
            "consume",
            "source",
            "diagnostic",
            "syntax",
            "value",
            "money",
            "rng",
            "analysis",
            "check",
            "event",
            "compile",
            "runtime",
            "testing",
            "ledger",
            "service",
            "checkout",
            "simulate",
            "response",
            "learning",
        ],
    ),
];

/// The longest a source file may be.
const MAX_LINES: usize = 800;

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The files of a top-level module: `src/NAME.rs` and every `.rs` under `src/NAME/`.
fn files_of(module: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let file = src().join(format!("{module}.rs"));
    if file.is_file() {
        out.push(file);
    }
    let mut stack = vec![src().join(module)];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    assert!(!out.is_empty(), "no files for `{module}`");
    out.sort();
    out
}

/// The crate's top-level modules: every `src/*.rs` but the roots, and every folder.
fn top_level_modules() -> BTreeSet<String> {
    std::fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_stem()?.to_str()?.to_string();
            let module = p.is_dir() || (p.extension().is_some_and(|e| e == "rs") && name != "lib" && name != "main");
            module.then_some(name)
        })
        .collect()
}

/// How deep a file's module is below the crate root: `src/check/lints/mod.rs` is 2
/// (`check::lints`), `src/check/lints/no_limit.rs` is 3.
fn depth(file: &Path) -> usize {
    let rel = file.strip_prefix(src()).unwrap();
    let parts = rel.components().count();
    if rel.file_name().is_some_and(|n| n == "mod.rs") {
        parts - 1
    } else {
        parts
    }
}

/// The top-level modules a line of code names, with `depth` the depth of its file.
fn named_modules(line: &str, depth: usize) -> Vec<String> {
    let code = strip_comment(line);
    let mut out = Vec::new();
    for prefix in ["crate::", "mintage::"] {
        let mut rest = code;
        while let Some(at) = rest.find(prefix) {
            let before = rest[..at].chars().next_back();
            rest = &rest[at + prefix.len()..];
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            out.extend(path_heads(rest));
        }
    }
    // `super::super::x` in `src/a/b.rs` (depth 2) reaches the crate root, then `x`.
    let mut rest = code;
    while let Some(at) = rest.find("super::") {
        let before = rest[..at].chars().next_back();
        rest = &rest[at..];
        let mut ups = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') && ups >= depth {
            out.extend(path_heads(rest));
        }
    }
    out
}

/// The first segment of a path, or of each path of a `{a::x, b}` group.
fn path_heads(rest: &str) -> Vec<String> {
    let ident = |s: &str| {
        s.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect::<String>()
    };
    let Some(group) = rest.strip_prefix('{') else {
        return vec![ident(rest)];
    };
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut start = 0;
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => {
                heads.push(ident(group[start..i].trim()));
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                heads.push(ident(group[start..i].trim()));
                start = i + 1;
            }
            _ => {}
        }
    }
    heads.retain(|h| !h.is_empty() && h != "self");
    heads
}

/// The line without a `//` comment (one outside a string literal).
fn strip_comment(line: &str) -> &str {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if in_string => escaped = true,
            '"' => in_string = !in_string,
            '/' if !in_string && line[i..].starts_with("//") => return &line[..i],
            _ => {}
        }
    }
    line
}

#[test]
fn each_module_imports_only_the_modules_below_it() {
    let modules = top_level_modules();
    let mut violations = Vec::new();
    for (module, allowed) in LAYERS {
        for file in files_of(module) {
            let text = std::fs::read_to_string(&file).unwrap();
            let depth = depth(&file);
            for (n, line) in text.lines().enumerate() {
                for named in named_modules(line, depth) {
                    if named != *module && modules.contains(&named) && !allowed.contains(&named.as_str()) {
                        violations.push(format!(
                            "{}:{}: `{module}` names `{named}` (it may import {allowed:?})",
                            file.strip_prefix(src()).unwrap().display(),
                            n + 1
                        ));
                    }
                }
            }
        }
    }
    assert!(
        violations.is_empty(),
        "imports against the layering:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_layers_exist_and_have_no_cycles() {
    let modules = top_level_modules();
    for (module, allowed) in LAYERS {
        assert!(modules.contains(*module), "`{module}` is not a module of src/");
        for a in *allowed {
            assert!(
                modules.contains(*a),
                "`{module}` may import `{a}`, which is not a module of src/"
            );
        }
    }
    // Each module may import only modules listed before it, or not listed yet (checked
    // when they are added): then the table cannot hold a cycle.
    for (i, (module, allowed)) in LAYERS.iter().enumerate() {
        for a in *allowed {
            let at = LAYERS.iter().position(|(m, _)| m == a);
            assert!(
                at.is_none_or(|j| j < i),
                "`{module}` may import `{a}`, listed after it: a cycle?"
            );
        }
    }
}

#[test]
fn the_scanner_finds_every_form_of_import() {
    let names = |line: &str, depth: usize| named_modules(line, depth);
    assert_eq!(names("use crate::check::codes::Code;", 2), ["check"]);
    assert_eq!(
        names("use crate::{check::program::Program, syntax, self};", 2),
        ["check", "syntax"]
    );
    assert_eq!(names("use crate::{a::{b, c}, d::e};", 1), ["a", "d"]);
    assert_eq!(names("    let z = crate::value::DEFAULT_ZONE;", 2), ["value"]);
    assert_eq!(names("use mintage::check::CheckOptions;", 2), ["check"]);
    assert_eq!(names("use super::super::runtime::Event;", 2), ["runtime"]);
    assert!(
        names("use super::super::ast::Name;", 3).is_empty(),
        "stays inside the module"
    );
    assert!(names("use super::ast::Name;", 2).is_empty());
    assert!(names("// see crate::runtime for why", 2).is_empty());
    assert!(names(r#"let url = "https://x"; // crate::runtime"#, 2).is_empty());
    assert!(names("use mycrate::runtime::X;", 2).is_empty());
    assert_eq!(
        depth(&src().join("check/lints/mod.rs")),
        2,
        "a folder's mod.rs is the folder's module"
    );
    assert_eq!(depth(&src().join("check/lints/no_limit.rs")), 3);
}

/// The modules each module's files actually name (other than itself).
fn imports() -> BTreeMap<String, BTreeSet<String>> {
    let modules = top_level_modules();
    let mut out = BTreeMap::new();
    for module in &modules {
        let mut named = BTreeSet::new();
        for file in files_of(module) {
            let text = std::fs::read_to_string(&file).unwrap();
            let depth = depth(&file);
            for line in text.lines() {
                named.extend(
                    named_modules(line, depth)
                        .into_iter()
                        .filter(|n| n != module && modules.contains(n)),
                );
            }
        }
        out.insert(module.clone(), named);
    }
    out
}

#[test]
fn the_layering_covers_every_module_of_src() {
    let listed: BTreeSet<String> = LAYERS.iter().map(|(m, _)| m.to_string()).collect();
    let missing: Vec<String> = top_level_modules().difference(&listed).cloned().collect();
    assert!(
        missing.is_empty(),
        "modules of src/ not in LAYERS (add each with what it may import): {missing:?}"
    );
}

/// A cycle in a module graph, as the path that closes it, if there is one.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    // Depth-first search; a module met again while on the path closes a cycle.
    fn visit(
        m: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.to_string());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_string());
        for next in graph.get(m).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(m.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|m| visit(m, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_import_each_other_without_cycles() {
    if let Some(cycle) = find_cycle(&imports()) {
        panic!("an import cycle: {}", cycle.join(" → "));
    }
}

#[test]
fn the_cycle_check_finds_cycles() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            g.entry(a.to_string()).or_default().insert(b.to_string());
            g.entry(b.to_string()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("c", "a")])),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
    assert_eq!(find_cycle(&graph(&[("a", "b"), ("a", "c"), ("b", "c")])), None);
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    let mut stack = vec![src()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let lines = std::fs::read_to_string(&path).unwrap().lines().count();
                if lines > MAX_LINES {
                    long.push(format!(
                        "{} ({lines} lines)",
                        path.strip_prefix(src()).unwrap().display()
                    ));
                }
            }
        }
    }
    long.sort();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them by job): {long:?}"
    );
}

#[test]
fn compile_imports_nothing_from_runtime_and_syntax_nothing_from_check() {
    let graph = imports();
    assert!(!graph["compile"].contains("runtime"), "{:?}", graph["compile"]);
    assert!(!graph["syntax"].contains("check"), "{:?}", graph["syntax"]);
}
