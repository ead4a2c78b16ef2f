//! `W004` exclusive campaigns overlap: see [`EXPLANATION`].

use super::Context;
use crate::check::program::Campaign;
use crate::diagnostic::{Code, Diagnostic};

pub const CODE: Code = Code::OverlappingExclusive;

/// `mintage explain W004` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "Two campaigns marked `exclusive` have overlapping windows and react to the same event
type. When both match, only the one with the higher priority (then the first in
alphabetical order) issues; the other reports `suppressed: exclusive`.

Give them distinct priorities or windows if that is not what you want.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let exclusive: Vec<&Campaign> = cx.program.campaigns.iter().filter(|c| c.exclusive).collect();
    for (i, a) in exclusive.iter().enumerate() {
        for b in exclusive.iter().skip(i + 1) {
            let (Some((s1, e1)), Some((s2, e2))) = (a.window, b.window) else {
                continue;
            };
            let overlap = s1 < e2 && s2 < e1;
            let shared_trigger = a
                .rules
                .iter()
                .flat_map(|r| r.triggers.iter())
                .any(|t| b.rules.iter().flat_map(|r| r.triggers.iter()).any(|u| u == t));
            if overlap && shared_trigger {
                out.push(
                    Diagnostic::new(
                        CODE,
                        b.span,
                        format!("exclusive campaigns `{}` and `{}` overlap", a.id, b.id),
                    )
                    .label("overlaps")
                    .related(a.span, "the other campaign")
                    .help("when both match, the one with the higher priority issues and the other reports `exclusive`"),
                );
            }
        }
    }
}
