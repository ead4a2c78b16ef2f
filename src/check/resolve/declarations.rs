//! Field and event declarations and custom functions.

use super::Resolver;
use crate::check::expr::Signature;
use crate::check::program::*;
use crate::check::types::Type;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, Item};
use std::collections::HashMap;

impl Resolver<'_> {
    /// Fields and event types, which may be used before they are declared.
    pub(super) fn declarations(&mut self, items: &[&Item]) {
        for item in items {
            match item {
                Item::Field(f) => self.field(f),
                Item::Event(names) => self.events.extend(names.iter().map(|n| n.text.clone())),
                _ => {}
            }
        }
    }

    pub(super) fn field(&mut self, f: &ast::FieldDecl) {
        let path: Vec<&str> = f.path.iter().map(|n| n.text.as_str()).collect();
        let ty = Type::of(f.ty);
        if !matches!(path.as_slice(), ["user" | "item", _]) {
            self.error(
                Diagnostic::new(
                    Code::UnknownField,
                    f.span,
                    format!("cannot declare `{}`", path.join(".")),
                )
                .label("not a user or item field")
                .help("declared fields are `user.NAME` or `item.NAME`"),
            );
            return;
        }
        self.declared.push((path.join("."), ty));
    }

    /// Custom functions, compiled; each one's signature is known to the calls that follow.
    pub(super) fn functions(&mut self, items: &[&Item]) -> Vec<Function> {
        let mut functions = Vec::new();
        let mut seen_fn: HashMap<String, Span> = HashMap::new();
        for item in items {
            if let Item::Function(f) = item {
                if let Some(first) = seen_fn.insert(f.name.text.clone(), f.name.span) {
                    self.duplicate("function", &f.name, first);
                    continue;
                }
                match crate::check::script::compile(f, &mut self.diagnostics) {
                    Ok(func) => {
                        self.functions.push(Signature {
                            name: func.name.to_string(),
                            params: func.params.clone(),
                            returns: func.returns.clone(),
                        });
                        functions.push(func);
                    }
                    Err((params, returns)) => self.functions.push(Signature {
                        name: f.name.text.clone(),
                        params,
                        returns,
                    }),
                }
            }
        }
        functions
    }
}
