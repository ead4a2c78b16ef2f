//! `W010` percent-off without a cap: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::OfferKind;

pub const CODE: Code = Code::PercentWithoutCap;

/// `mintage explain W010` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "A percent-off offer has no `cap`, so its cost grows with the order. On a marketplace
of second-hand luxury goods a 10 % coupon can be worth thousands.

Add `cap ¥200` (or the cap you want).";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for o in cx
        .offers()
        .filter(|o| o.kind == OfferKind::PercentOff && o.cap.is_none())
    {
        out.push(
            Diagnostic::new(CODE, o.span, "percent-off offer without a cap")
                .label("no cap")
                .help("add `cap ¥200` (or the cap you want)"),
        );
    }
}
