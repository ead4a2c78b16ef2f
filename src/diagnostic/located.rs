//! A diagnostic with its places resolved against the rule text, for code that embeds
//! Mintage (`mintage::load`, `mintage::load_str`): every field reads without the sources,
//! and it displays as the one-line form `file:line:col: error[E002]: message`.

use super::{Code, Diagnostic, Severity};
use crate::source::{Sources, Span};
use serde::Serialize;
use std::fmt;

/// Where in a rule file: the file's name, 1-based line and column (in characters) of the
/// start and of the end, and the byte range in the file's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub start: usize,
    pub end: usize,
}

impl Location {
    pub fn of(span: Span, sources: &Sources) -> Location {
        let (line, column) = sources.line_col(span);
        let (end_line, end_column) = sources.line_col(Span {
            start: span.end,
            ..span
        });
        Location {
            file: sources.name(span.file).to_string(),
            line,
            column,
            end_line,
            end_column,
            start: span.start as usize,
            end: span.end as usize,
        }
    }
}

/// Another place that explains a diagnostic, with its label ("first defined here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RelatedLabel {
    pub location: Location,
    pub label: String,
}

/// A diagnostic as the embedding API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LocatedDiagnostic {
    /// `E002`, `W005`, … (`Code::as_str`; `mintage explain CODE` says more).
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, no final period: `unknown field \`user.paid_order\``.
    pub message: String,
    /// The place the message is about.
    pub location: Location,
    /// What the caret at `location` says (may be empty).
    pub label: String,
    pub related: Vec<RelatedLabel>,
    /// How to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// This diagnostic with its places as file, line and column.
    pub fn locate(&self, sources: &Sources) -> LocatedDiagnostic {
        LocatedDiagnostic {
            code: self.code,
            severity: self.severity(),
            message: self.message.clone(),
            location: Location::of(self.span, sources),
            label: self.label.clone(),
            related: self
                .related
                .iter()
                .map(|(span, label)| RelatedLabel {
                    location: Location::of(*span, sources),
                    label: label.clone(),
                })
                .collect(),
            help: self.help.clone(),
        }
    }
}

impl LocatedDiagnostic {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `file:line:col: error[E002]: message`, for logs and test snapshots.
impl fmt::Display for LocatedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(
            f,
            "{}:{}:{}: {severity}[{}]: {}",
            self.location.file,
            self.location.line,
            self.location.column,
            self.code.as_str(),
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_lines_and_columns_in_characters() {
        let mut sources = Sources::default();
        let file = sources.add("a.mint", "campaign 双十一 {\n  x\n}\n");
        // `x`: line 2, column 3; the end is just after it.
        let at = "campaign 双十一 {\n  ".len();
        let d = Diagnostic::new(Code::Syntax, Span::new(file, at, at + 1), "unexpected `x`")
            .label("here")
            .related(Span::new(file, 9, 9 + "双十一".len()), "in this campaign");
        let located = d.locate(&sources);
        assert_eq!(
            located.location,
            Location {
                file: "a.mint".into(),
                line: 2,
                column: 3,
                end_line: 2,
                end_column: 4,
                start: at,
                end: at + 1,
            }
        );
        let related = &located.related[0].location;
        assert_eq!((related.line, related.column, related.end_column), (1, 10, 13));
        assert_eq!(located.to_string(), d.one_line(&sources));
        assert_eq!(located.to_string(), "a.mint:2:3: error[E001]: unexpected `x`");
    }
}
