//! `W003` segment can never be chosen: see [`EXPLANATION`].

use super::Context;
use crate::check::program::Campaign;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::CampaignClause;

pub const CODE: Code = Code::UnreachableSegment;

/// `mintage explain W003` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "Segments are tried in order and the first that matches wins. A segment after one
without a `when` condition, or with the same condition as an earlier one, is never
chosen.

Reorder the segments or change their conditions.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for c in &cx.program.campaigns {
        campaign(cx, c, out);
    }
}

fn campaign(cx: &Context<'_>, c: &Campaign, out: &mut Vec<Diagnostic>) {
    let Some(batch) = &c.batch else { return };
    let spans = segment_spans(cx, c);
    let mut catch_all = false;
    let mut seen: Vec<String> = Vec::new();
    for (i, s) in batch.segments.iter().enumerate() {
        let text = s.when.as_ref().map(|w| w.text.clone());
        let same = text.as_ref().is_some_and(|t| seen.contains(t));
        if (catch_all || same)
            && let Some(span) = spans.get(i)
        {
            out.push(
                Diagnostic::new(CODE, *span, format!("segment `{}` can never be chosen", s.name))
                    .label(if same {
                        "same condition as an earlier segment"
                    } else {
                        "an earlier segment takes everyone"
                    })
                    .help("segments are tried in order; reorder them or change the condition"),
            );
        }
        match text {
            None => catch_all = true,
            Some(t) => seen.push(t),
        }
    }
}

/// The name of each segment as written, in the order of the checked segments.
fn segment_spans(cx: &Context<'_>, c: &Campaign) -> Vec<Span> {
    cx.campaign_ast(c)
        .map(|a| {
            a.clauses
                .iter()
                .filter_map(|k| match k {
                    CampaignClause::Segment(s) => Some(s.name.span),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}
