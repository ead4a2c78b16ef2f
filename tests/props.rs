//! Property tests: the parser and checker never panic, whatever the input, and nesting is
//! bounded; bad event lines are errors, not panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::check::{CheckOptions, check};
use mintage::syntax::Sources;
use proptest::prelude::*;

fn check_text(text: &str) -> usize {
    let mut sources = Sources::default();
    sources.add("input.mint", text.to_string());
    let checked = check(sources, &CheckOptions::default());
    // Rendering every diagnostic must not panic either (spans stay inside the text).
    for d in &checked.diagnostics {
        let _ = d.render_plain(&checked.sources);
        let _ = d.to_json(&checked.sources);
    }
    checked.diagnostics.len()
}

const SEEDS: &[&str] = &[
    include_str!("../rules/new_user_ladder.mint"),
    include_str!("../rules/double11.mint"),
    include_str!("../rules/dormant_wakeup.mint"),
    include_str!("../rules/risk.mint"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        check_text(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_text(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_seed_files_never_panic(
        seed in 0..SEEDS.len(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, "\\PC{0,3}"), 1..6),
    ) {
        let mut text: Vec<char> = SEEDS[seed].chars().collect();
        for (at, op, insert) in edits {
            if text.is_empty() { break; }
            let i = at.index(text.len());
            match op {
                0 => { text.remove(i); }
                1 => { for (k, c) in insert.chars().enumerate() { text.insert(i + k, c); } }
                _ => { if let Some(c) = insert.chars().next() { text[i] = c; } }
            }
        }
        let text: String = text.into_iter().collect();
        check_text(&text);
        let _ = mintage::syntax::format::format(&text);
    }

    #[test]
    fn format_is_idempotent_on_what_parses(seed in 0..SEEDS.len(), spaces in proptest::collection::vec(0usize..5, 1..40)) {
        // Scramble indentation and spacing of a seed file, then format twice.
        let scrambled: String = SEEDS[seed]
            .lines()
            .enumerate()
            .map(|(i, l)| format!("{}{}\n", " ".repeat(spaces[i % spaces.len()]), l.trim().replace(' ', &" ".repeat(1 + spaces[i % spaces.len()] % 2))))
            .collect();
        let once = mintage::syntax::format::format(&scrambled);
        prop_assert_eq!(mintage::syntax::format::format(&once), once.clone());
        prop_assert!(mintage::syntax::parse(0, &once).is_ok());
    }

    #[test]
    fn event_lines_never_panic(text in "\\PC{0,300}") {
        let _ = mintage::runtime::event::Event::from_json(&text);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_000;
    let text = format!(
        "campaign c {{ window 2026-11-01 .. 2026-12-01 audience {}true{} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let mut sources = Sources::default();
    sources.add("deep.mint", text);
    let checked = check(sources, &CheckOptions::default());
    assert!(checked.diagnostics.iter().any(|d| d.message.contains("nesting")));
}

#[test]
fn nesting_within_the_bound_checks() {
    let depth = 62;
    let text = format!(
        "campaign c {{ window 2026-11-01 .. 2026-12-01 audience {}user.paid_orders == 0{} rule r {{ on view_item once per user give amount_off ¥1 valid 1h }} }}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let mut sources = Sources::default();
    sources.add("deep.mint", text);
    let checked = check(sources, &CheckOptions::default());
    assert!(
        !checked.has_errors(),
        "{:?}",
        checked.diagnostics.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}
