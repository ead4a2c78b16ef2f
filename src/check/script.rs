//! User-defined functions in Rhai: the escape hatch for what the language lacks. Each is
//! compiled once when the rules load, runs sandboxed (no I/O, bounded operations, call
//! depth, string and array sizes) and its compile errors become `E011` diagnostics.

use super::program::Function;
use super::types::Type;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::FunctionDef;
use std::sync::Arc;

/// Operations one call may take before it is stopped.
pub const MAX_OPERATIONS: u64 = 100_000;

/// The sandboxed engine custom functions are compiled and run with.
pub fn engine() -> rhai::Engine {
    let mut engine = rhai::Engine::new();
    engine.set_max_operations(MAX_OPERATIONS);
    engine.set_max_call_levels(16);
    engine.set_max_expr_depths(64, 32);
    engine.set_max_string_size(4_096);
    engine.set_max_array_size(1_024);
    engine.set_max_map_size(256);
    engine.set_max_modules(0);
    engine.disable_symbol("eval");
    engine.on_print(|_| {});
    engine.on_debug(|_, _, _| {});
    engine
}

/// Compiles one `function`; reports and returns its signature if Rhai rejects it, so that
/// calls do not also report `E010`.
pub fn compile(def: &FunctionDef, diagnostics: &mut Vec<Diagnostic>) -> Result<Function, (Vec<Type>, Type)> {
    let params: Vec<Type> = def.params.iter().map(|(_, t)| Type::of(*t)).collect();
    let returns = Type::of(def.returns);
    let names: Vec<&str> = def.params.iter().map(|(n, _)| n.text.as_str()).collect();
    // The body is wrapped as a Rhai function of the same name, so positions inside it
    // map back to the rule file by a fixed line offset.
    let header = format!("fn {}({}) {{\n", def.name.text, names.join(", "));
    let script = format!("{header}{}\n}}", def.body);
    match engine().compile(&script) {
        Ok(ast) => Ok(Function {
            name: Arc::from(def.name.text.as_str()),
            params,
            returns,
            ast: Arc::new(ast),
        }),
        Err(e) => {
            let span = error_span(def, &e);
            diagnostics.push(
                Diagnostic::new(
                    Code::Script,
                    span,
                    format!("function `{}` does not compile: {}", def.name.text, e.err_type()),
                )
                .label("rhai stopped here")
                .help("the body is Rhai code: see https://rhai.rs/book/ for its syntax"),
            );
            Err((params, returns))
        }
    }
}

fn error_span(def: &FunctionDef, e: &rhai::ParseError) -> Span {
    let pos = e.position();
    let (Some(line), col) = (pos.line(), pos.position().unwrap_or(1)) else {
        return def.body_span;
    };
    // Line 1 of the script is the wrapper's header.
    let line = line.saturating_sub(2);
    let mut offset = 0usize;
    for (i, l) in def.body.split_inclusive('\n').enumerate() {
        if i == line {
            offset += l.char_indices().nth(col.saturating_sub(1)).map_or(0, |(b, _)| b);
            break;
        }
        offset += l.len();
    }
    let start = def.body_span.start as usize + offset.min(def.body.len());
    Span::new(def.body_span.file, start, (start + 1).min(def.body_span.end as usize))
}
