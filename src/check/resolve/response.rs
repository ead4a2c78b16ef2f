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

    /// `price λ from "runs/summary.json"`: the `lambda` of a batch run's summary
    /// (`mintage run --summary`), relative to the rule file's folder, read now.
    pub(super) fn price_from(&mut self, written: &str, span: Span) -> (Option<f64>, Option<ResponseSource>) {
        let file = self.sources.name(span.file);
        let base = Path::new(file).parent().unwrap_or_else(|| Path::new(""));
        let path = base.join(written);
        let help = "name the summary a batch run wrote (`mintage run … --summary runs/summary.json`), \
                    relative to the rule file's folder; or write the price: `price λ 2.5`";
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                self.error(
                    Diagnostic::new(
                        Code::BadLiteral,
                        span,
                        format!("cannot read the batch run summary `{}`: {e}", path.display()),
                    )
                    .label("this file")
                    .help(help),
                );
                return (None, None);
            }
        };
        let lambda = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("lambda").and_then(serde_json::Value::as_f64));
        match lambda {
            Some(l) if l.is_finite() && (0.0..=1_000.0).contains(&l) => {
                let source = ResponseSource {
                    written: written.to_string(),
                    path,
                    text: Arc::from(text.as_str()),
                    span,
                };
                (Some(l), Some(source))
            }
            found => {
                let what = match found {
                    Some(l) => format!("has `lambda` {l}, not a number from 0 to 1000"),
                    None => "is not a batch run summary (no numeric `lambda`)".to_string(),
                };
                self.error(
                    Diagnostic::new(Code::BadLiteral, span, format!("`{}` {what}", path.display()))
                        .label("this file")
                        .help(help),
                );
                (None, None)
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
