//! Syntax: the pest grammar (`grammar/mint.pest`), the syntax tree with spans, the parser,
//! and the formatter that prints a file in canonical layout.

pub mod ast;
pub mod expected;
pub mod format;
pub mod parser;

pub use parser::parse;
// Places in rule files are below both the syntax and the diagnostics (`crate::source`);
// the syntax tree's users find them here too.
pub use crate::source::{FileId, SourceFile, Sources, Span};
