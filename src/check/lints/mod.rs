//! Warnings (`W0xx`): rules that load but are probably not what the author meant.
//!
//! One file per lint, as Ruff does: each holds its `CODE`, its `check` function and its
//! long `EXPLANATION` (what it finds, why it matters, an example, how to fix it), which
//! `mintage explain W0xx` and `docs/diagnostics.md` print. [`LINTS`] is the one table that
//! maps codes to lints; lints run in its order, only on rules without errors.
//!
//! Adding a lint:
//!
//! 1. Add the code to the `warnings` table of `src/diagnostic/codes.rs` (the next free
//!    `W0xx`, a variant and a one-line title).
//! 2. Write `src/check/lints/<what_it_finds>.rs` with `pub const CODE`, `pub const
//!    EXPLANATION` (the same sections as the others) and `pub fn check(cx: &Context<'_>,
//!    out: &mut Vec<Diagnostic>)`; read the typed program (`cx.program`) for what rules
//!    mean, the syntax trees (`cx.files`, [`Context::offers`]) for how they are written.
//! 3. Add it to [`LINTS`] below (in code order) and declare the module.
//! 4. Add `tests/cases/check/W0xx.mint` that triggers it, run
//!    `INSTA_UPDATE=always cargo test --test corpus` and read the new snapshot; regenerate
//!    the page with `MINTAGE_UPDATE_DOCS=1 cargo test --test docs`.

mod calendar_gap;
mod contradiction;
mod empty_arm;
mod no_limit;
mod no_validity;
mod overlapping_exclusive;
mod percent_over_100;
mod percent_without_cap;
mod timer_outlives_window;
mod unreachable_segment;
mod unused_binding;
mod window_past;

use super::program::{Campaign, Program};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{self, CampaignClause, Item, RuleClause};
use crate::value::Millis;

pub struct LintOptions {
    /// `check --now`: enables `W001`.
    pub now: Option<Millis>,
}

/// What a lint reads: the syntax trees of every file and the program checked from them.
pub struct Context<'a> {
    pub files: &'a [ast::File],
    pub program: &'a Program,
    pub options: &'a LintOptions,
    /// Each campaign as written, by the place of its name (the first, if two share one):
    /// lints that go from a checked campaign to its syntax look it up here rather than
    /// walking every campaign, which made them quadratic in the number of campaigns.
    written: foldhash::HashMap<Span, &'a ast::Campaign>,
}

/// One lint: its code, what finds it, and its long explanation.
pub struct Lint {
    pub code: Code,
    pub check: fn(&Context<'_>, &mut Vec<Diagnostic>),
    pub explanation: &'static str,
}

macro_rules! lints {
    ($($lint:ident),* $(,)?) => {
        /// Every lint, in code order (which is also the order of their diagnostics at one place).
        pub const LINTS: &[Lint] = &[
            $( Lint { code: $lint::CODE, check: $lint::check, explanation: $lint::EXPLANATION }, )*
        ];
    };
}

lints![
    window_past,
    contradiction,
    unreachable_segment,
    overlapping_exclusive,
    no_validity,
    percent_over_100,
    timer_outlives_window,
    empty_arm,
    no_limit,
    percent_without_cap,
    unused_binding,
    calendar_gap,
];

/// The lint of a warning code.
pub fn lint(code: Code) -> Option<&'static Lint> {
    LINTS.iter().find(|l| l.code == code)
}

/// Runs every lint; diagnostics are appended in table order (the caller sorts by place).
pub fn run(files: &[ast::File], program: &Program, options: &LintOptions, out: &mut Vec<Diagnostic>) {
    let cx = Context::new(files, program, options);
    for lint in LINTS {
        (lint.check)(&cx, out);
    }
}

impl<'a> Context<'a> {
    pub fn new(files: &'a [ast::File], program: &'a Program, options: &'a LintOptions) -> Self {
        let mut cx = Context {
            files,
            program,
            options,
            written: foldhash::HashMap::default(),
        };
        let mut written = foldhash::HashMap::default();
        for a in cx.campaigns() {
            written.entry(a.name.span).or_insert(a);
        }
        cx.written = written;
        cx
    }

    /// Every campaign as written, in file order.
    pub fn campaigns(&self) -> impl Iterator<Item = &'a ast::Campaign> + use<'a> {
        self.files.iter().flat_map(|f| f.items.iter()).filter_map(|i| match i {
            Item::Campaign(c) => Some(c),
            _ => None,
        })
    }

    /// How a checked campaign was written.
    pub fn campaign_ast(&self, c: &Campaign) -> Option<&'a ast::Campaign> {
        self.written.get(&c.span).copied()
    }

    /// Every offer that rules give and segments hold, in file order (not the offers that
    /// tests expect).
    pub fn offers(&self) -> impl Iterator<Item = &'a ast::Offer> + use<'a> {
        self.campaigns().flat_map(|c| c.clauses.iter()).flat_map(|clause| {
            let rule_clauses = match clause {
                CampaignClause::Rule(r) => r.clauses.as_slice(),
                _ => &[],
            };
            let held = match clause {
                CampaignClause::Segment(s) => s.offers.as_slice(),
                _ => &[],
            };
            let given = rule_clauses.iter().filter_map(|rc| match rc {
                RuleClause::Give(o) => Some(&**o),
                _ => None,
            });
            given.chain(held)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    #[test]
    fn every_warning_has_one_lint_and_every_lint_a_warning() {
        for code in Code::ALL {
            let count = LINTS.iter().filter(|l| l.code == *code).count();
            let want = usize::from(code.severity() == Severity::Warning);
            assert_eq!(count, want, "{}", code.as_str());
        }
        assert!(
            LINTS.windows(2).all(|w| w[0].code < w[1].code),
            "LINTS is not in code order"
        );
    }
}
