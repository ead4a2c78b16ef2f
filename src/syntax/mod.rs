//! Syntax: the pest grammar (`grammar/mint.pest`), the syntax tree with spans, the parser,
//! and the formatter that prints a file in canonical layout.

pub mod ast;
pub mod expected;
pub mod format;
pub mod parser;
pub mod span;

pub use parser::parse;
pub use span::{FileId, SourceFile, Sources, Span};
