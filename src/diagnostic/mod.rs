//! Diagnostics: what every stage reports about a rule file. A diagnostic has a code from
//! the registry (`codes`), a lowercase message, a labelled span and help text, and
//! renders through miette with the file, line and a caret.

pub mod codes;
pub mod located;

pub use codes::{Code, Severity};
pub use located::{LocatedDiagnostic, Location, RelatedLabel};

use crate::source::{Sources, Span};
use miette::{LabeledSpan, NamedSource, SourceSpan};
use serde::Serialize;
use std::fmt;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    pub code: Code,
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    /// Other places that explain this one ("first defined here").
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            message: message.into(),
            span,
            label: String::new(),
            help: None,
            related: Vec::new(),
        }
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }

    /// A miette report with the source attached, for human output.
    pub fn to_report(&self, sources: &Sources) -> miette::Report {
        let file = sources.get(self.span.file);
        // The text is shared and indexed by line, not copied or rescanned: a big file with
        // many diagnostics renders in time proportional to what is shown.
        let (name, text, lines) = file.map_or_else(
            || ("<unknown>".to_string(), Arc::from(""), Arc::new(vec![0])),
            |f| (f.name.clone(), f.text.clone(), sources.line_starts(self.span.file)),
        );
        let rendered = Rendered {
            diagnostic: self.clone(),
            source: NamedSource::new(name, Indexed { text, lines }),
        };
        miette::Report::new(rendered)
    }

    /// The human rendering without colours, for snapshots and logs.
    pub fn render_plain(&self, sources: &Sources) -> String {
        let report = self.to_report(sources);
        let handler =
            miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor()).with_width(100);
        let mut out = String::new();
        let _ = handler.render_report(&mut out, report.as_ref());
        out
    }

    /// The machine form used by `check --format json`.
    pub fn to_json(&self, sources: &Sources) -> JsonDiagnostic {
        let at = Location::of(self.span, sources);
        JsonDiagnostic {
            code: self.code.as_str().to_string(),
            severity: self.severity(),
            message: self.message.clone(),
            file: at.file,
            line: at.line,
            column: at.column,
            end_line: at.end_line,
            end_column: at.end_column,
            label: self.label.clone(),
            help: self.help.clone(),
        }
    }

    /// `file:line:col: error[E002]: message`, for logs and test snapshots.
    pub fn one_line(&self, sources: &Sources) -> String {
        self.locate(sources).to_string()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub label: String,
    pub help: Option<String>,
}

#[derive(Debug)]
struct Rendered {
    diagnostic: Diagnostic,
    source: NamedSource<Indexed>,
}

impl fmt::Display for Rendered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered {}

/// Source text with the byte offsets of its line starts.
#[derive(Debug)]
struct Indexed {
    text: Arc<str>,
    lines: Arc<Vec<usize>>,
}

impl miette::SourceCode for Indexed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let len = self.text.len();
        let (start, end) = (span.offset().min(len), (span.offset() + span.len()).min(len));
        let line_of = |offset: usize| self.lines.partition_point(|s| *s <= offset).saturating_sub(1);
        let first = line_of(start).saturating_sub(before);
        let last = (line_of(end.saturating_sub(usize::from(end > start))) + after).min(self.lines.len() - 1);
        let line_start = self.lines.get(first).copied().unwrap_or(0);
        // With no lines before, the contents start at the span (as miette's own sources do),
        // which is how the header gets its column.
        let (from, column) = if before == 0 {
            (start, start - line_start)
        } else {
            (line_start, 0)
        };
        let to = self
            .lines
            .get(last + 1)
            .copied()
            .map_or(len, |next| next.saturating_sub(1).max(from));
        let data = self.text.as_bytes().get(from..to).unwrap_or(&[]);
        Ok(Box::new(miette::MietteSpanContents::new(
            data,
            SourceSpan::new(from.into(), to - from),
            first,
            column,
            last - first + 1,
        )))
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

impl miette::Diagnostic for Rendered {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code.as_str()))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity() {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let d = &self.diagnostic;
        let main =
            LabeledSpan::new_primary_with_span((!d.label.is_empty()).then(|| d.label.clone()), source_span(d.span));
        let others = d
            .related
            .iter()
            .filter(|(s, _)| s.file == d.span.file)
            .map(|(s, l)| LabeledSpan::new_with_span(Some(l.clone()), source_span(*s)));
        Some(Box::new(std::iter::once(main).chain(others)))
    }
}

/// Suggests the closest of `candidates` to `word`, if one is close enough to be a typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(word, c);
        let limit = (word.chars().count().max(c.chars().count()) / 3).max(1);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c.to_string())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = Vec::with_capacity(b.len() + 1);
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["paid_orders", "registered_at", "device_id"];
        assert_eq!(did_you_mean("paid_order", fields), Some("paid_orders".into()));
        assert_eq!(did_you_mean("registerd_at", fields), Some("registered_at".into()));
        assert_eq!(did_you_mean("color", fields), None);
    }
}
