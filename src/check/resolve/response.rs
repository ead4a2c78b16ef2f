//! `response from "…"` and `price λ …`: the fitted response model a campaign's offers
//! are valued with, and the price of a yuan of expected cost when an event rule picks
//! among `one of` options.

use super::Resolver;
use crate::check::program::ResponseSource;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use std::path::Path;
use std::sync::Arc;

impl Resolver<'_> {
    /// The model file, relative to the folder of the rule file that names it, read now so
    /// that `mintage check` reports a missing file (`E023`); its contents are checked
    /// when the rules are compiled.
    pub(super) fn response_source(&mut self, written: &str, span: Span) -> Option<ResponseSource> {
        let file = self.sources.name(span.file);
        let base = Path::new(file).parent().unwrap_or_else(|| Path::new(""));
        let path = base.join(written);
        if written.trim().is_empty() {
            self.error(
                Diagnostic::new(Code::ResponseModel, span, "`response from` names no file")
                    .label("empty path")
                    .help("name the model file `mintage fit` wrote: `response from \"models/dormant.json\"`"),
            );
            return None;
        }
        match std::fs::read_to_string(&path) {
            Ok(text) => Some(ResponseSource {
                written: written.to_string(),
                path,
                text: Arc::from(text.as_str()),
                span,
            }),
            Err(e) => {
                self.error(
                    Diagnostic::new(
                        Code::ResponseModel,
                        span,
                        format!("cannot read the response model `{}`: {e}", path.display()),
                    )
                    .label("this file")
                    .help(
                        "the path is relative to the rule file's folder; write the model with \
                         `mintage fit … --out FILE` first",
                    ),
                );
                // Kept (empty) so that the campaign's menus are not also reported as
                // having nothing to choose among them; the rules do not compile.
                Some(ResponseSource {
                    written: written.to_string(),
                    path,
                    text: Arc::from(""),
                    span,
                })
            }
        }
    }

    /// `price λ 2.5`: a positive, finite number.
    pub(super) fn price(&mut self, lambda: f64, span: Span) -> Option<f64> {
        if lambda.is_finite() && lambda > 0.0 && lambda <= 1_000.0 {
            return Some(lambda);
        }
        self.error(
            Diagnostic::new(
                Code::BadLiteral,
                span,
                format!("a price λ must be above 0 and at most 1000, not `{lambda}`"),
            )
            .label("out of range")
            .help("λ is the gain a yuan of expected cost must buy: write `price λ 2.5` (without it, λ is 1: the option of highest gain − cost)"),
        );
        None
    }
}
