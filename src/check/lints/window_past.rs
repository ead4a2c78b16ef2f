//! `W001` window already over: see [`EXPLANATION`].

use super::Context;
use crate::diagnostic::{Code, Diagnostic};

pub const CODE: Code = Code::WindowPast;

/// `mintage explain W001` and `docs/diagnostics.md`.
pub const EXPLANATION: &str = "The campaign's window ended before the time given with `mintage check --now`, so its
rules can never fire again. (Without `--now`, this warning is not checked, so that a
file's diagnostics do not change with the calendar.)

Move the window, or archive the file.";

pub fn check(cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    let Some(now) = cx.options.now else { return };
    for c in &cx.program.campaigns {
        if let Some((_, end)) = c.window
            && end <= now
        {
            out.push(
                Diagnostic::new(CODE, c.span, format!("the window of `{}` is already over", c.id))
                    .label(format!("ended {}", crate::value::time_string(end, c.tz)))
                    .help("move the window, or archive the file"),
            );
        }
    }
}
