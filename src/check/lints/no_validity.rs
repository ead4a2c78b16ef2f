//! `W005` offer without validity: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};

pub const CODE: Code = Code::NoValidity;

/// `mintage explain W005` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "An offer does not say how long its coupon is valid, so it stays valid until the
campaign's window ends. Coupons that never expire keep budget reserved.

Add `valid 72h` or, to make the default explicit, `valid until window end`.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    for o in cx.offers().filter(|o| o.validity.is_none()) {
        out.push(
            Diagnostic::new(CODE, o.span, "offer without a validity")
                .label("valid until the window ends")
                .help("add `valid 72h`, or `valid until window end` to make it explicit"),
        );
    }
}
