//! The reference of every diagnostic code, for `mintage explain CODE` and
//! `docs/diagnostics.md`: an error's explanation comes from the code registry
//! (`diagnostic::codes`), a warning's from its lint's file (`check::lints`).

use super::lints;
use crate::diagnostic::Code;

/// The long explanation of a code: why it matters, an example, and how to fix it.
pub fn explanation(code: Code) -> &'static str {
    // Every code has one or the other: `every_code_is_explained` below holds it.
    code.error_explanation()
        .or_else(|| lints::lint(code).map(|l| l.explanation))
        .unwrap_or_default()
}

/// The page `docs/diagnostics.md`, generated from the registry and the lints.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Diagnostics\n\nEvery message of `mintage check` has a code. `E0xx` codes are errors: \
         the rule files do not load until they are fixed. `W0xx` codes are warnings: the \
         rules load, but something is probably not what the author meant. \
         `mintage explain CODE` prints the same text as this page.\n\n\
         This page is generated from the code registry (`src/diagnostic/codes.rs`) and, for \
         warnings, from the lints (`src/check/lints/`, one file per lint); a test fails when \
         they differ.\n",
    );
    for code in Code::ALL {
        out.push_str(&format!(
            "\n## {}: {}\n\n{}\n",
            code.as_str(),
            code.title(),
            explanation(*code).trim()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_explained() {
        for code in Code::ALL {
            assert!(
                !explanation(*code).trim().is_empty(),
                "{} has no explanation",
                code.as_str()
            );
        }
    }
}
