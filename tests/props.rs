//! Property tests: the parser and checker never panic, whatever the input, and nesting is
//! bounded; bad event lines are errors, not panics; formatting is stable and keeps the
//! meaning (`fmt(fmt(x)) == fmt(x)`, `parse(fmt(x)) == parse(x)` but for places) over the
//! corpus and over generated files.
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
        prop_assert_eq!(tree(&once), tree(&scrambled));
    }

    #[test]
    fn format_is_stable_and_keeps_the_meaning_of_generated_files(choices in proptest::collection::vec(any::<u16>(), 64..400)) {
        let text = generated::file(&choices);
        prop_assert!(tree(&text).is_some(), "the generator wrote a file that does not parse:\n{}", text);
        let once = mintage::syntax::format::format(&text);
        prop_assert_eq!(mintage::syntax::format::format(&once), once.clone(), "not stable; from:\n{}", text);
        prop_assert_eq!(tree(&once), tree(&text), "meaning changed; from:\n{}\nto:\n{}", text, once);
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

/// The parse tree without its places (spans), as text: what a file means to the parser.
fn tree(text: &str) -> Option<String> {
    let file = mintage::syntax::parse(0, text).ok()?;
    let debug = format!("{file:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span { file: ") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').map_or(rest.len(), |j| i + j + 1);
        out.push_str("Span");
        rest = &rest[end..];
    }
    out.push_str(rest);
    Some(out)
}

fn corpus() -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs = vec![root.join("rules"), root.join("examples"), root.join("tests/cases")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "mint") {
                let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
                out.push((path.display().to_string(), text));
            }
        }
    }
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        for (i, block) in text.split("```mint").skip(1).enumerate() {
            let body = block.split_once('\n').map_or("", |(_, b)| b);
            let body = body.split("```").next().unwrap_or("");
            out.push((format!("{} block {}", path.display(), i + 1), body.to_string()));
        }
    }
    out
}

#[test]
fn format_is_stable_and_keeps_the_meaning_of_the_corpus() {
    let mut formatted = 0;
    for (name, text) in corpus() {
        let Some(before) = tree(&text) else { continue };
        let once = mintage::syntax::format::format(&text);
        assert_eq!(
            mintage::syntax::format::format(&once),
            once,
            "{name}: formatting is not stable"
        );
        assert_eq!(
            tree(&once).as_deref(),
            Some(before.as_str()),
            "{name}: formatting changed the meaning"
        );
        formatted += 1;
    }
    assert!(formatted > 20, "only {formatted} corpus files parse");
}

#[test]
fn a_file_on_one_line_gets_one_clause_per_line() {
    let text = "campaign c { window 2026-11-01 .. 2026-12-01 rule a { on view_item once per user give amount_off ¥10 valid 72h } }";
    let out = mintage::syntax::format::format(text);
    let lines: Vec<&str> = out.lines().map(str::trim).collect();
    assert_eq!(
        lines,
        [
            "campaign c {",
            "window 2026-11-01 .. 2026-12-01",
            "rule a {",
            "on view_item",
            "once per user",
            "give amount_off ¥10 valid 72h",
            "}",
            "}"
        ]
    );
}

/// Files made of the language's clauses, with white space, line breaks, blank lines and
/// comments in every place the grammar allows them, chosen by a stream of numbers.
mod generated {
    /// Tokens of one clause: any white space or comment may go between two of them.
    type Clause = &'static [&'static str];

    const CAMPAIGN: &[Clause] = &[
        &["budget", "¥5_000", "face", "value"],
        &["budget", "¥1_000", "face", "value", "per", "hour"],
        &["at", "most", "500", "coupons", "per", "campaign"],
        &["funding", "platform", "70%", "seller", "30%"],
        &[
            "audience",
            "user.paid_orders",
            "==",
            "0",
            "and",
            "user.registered_at",
            "within",
            "30d",
        ],
        &[
            "audience",
            "not",
            "(",
            "user.ltv_tier",
            "==",
            "\"low\"",
            ")",
            "or",
            "-",
            "1",
            "<",
            "user.paid_orders",
        ],
        &["priority", "10"],
        &["exclusive"],
        &["cancel", "timers", "on", "order_paid", ",", "cart_abandoned"],
    ];

    const RULE: &[Clause] = &[
        &["on", "view_item", ",", "app_open"],
        &["at", "most", "100", "coupon", "per", "rule"],
        &[
            "when",
            "item.category",
            "in",
            "[",
            "\"bags\"",
            ",",
            "\"shoes\"",
            "]",
            "or",
            "item.price",
            ">",
            "¥500",
        ],
        &[
            "when",
            "item.category",
            "not in",
            "[",
            "\"bags\"",
            "]",
            "and",
            "cart.total",
            ">=",
            "300 CNY",
        ],
        &["once", "per", "user", "per", "item.category"],
        &["at", "most", "3", "times", "per", "user", "per", "day"],
        &["wait", "2h30m", "unless", "order_paid"],
        &["give", "amount_off", "¥10", "min_spend", "¥100", "valid", "72h"],
        &[
            "give",
            "percent_off",
            "if",
            "signal",
            "(",
            "\"category_heat\"",
            ",",
            "item.category",
            ")",
            ">=",
            "0.8",
            "then",
            "15%",
            "else",
            "10%",
            "cap",
            "¥200",
            "for",
            "item.category",
            "valid",
            "until",
            "window",
            "end",
            "funded",
            "platform",
            "50%",
            "seller",
            "50%",
        ],
        &[
            "give",
            "percent_off",
            "one",
            "of",
            "10%",
            ",",
            "15%",
            ",",
            "20%",
            "cap",
            "¥50",
            "valid",
            "7d",
        ],
        &[
            "give",
            "gift",
            "care_kit",
            "worth",
            "¥30",
            "min_spend",
            "¥500",
            "for",
            "\"watches\"",
        ],
        &[
            "alert",
            "customer_service",
            "with",
            "user",
            ":",
            "user.id",
            ",",
            "total",
            ":",
            "cart.total",
        ],
        &["revoke", "welcome", "as", "upgraded"],
        &["exclusive", "with", "base"],
    ];

    const ITEMS: &[Clause] = &[
        &[
            "risk",
            "{",
            "check",
            "fraud",
            ":",
            "withhold",
            "when",
            "scores.fraud_risk",
            ">=",
            "0.9",
            "}",
        ],
        &["field", "user.city", ":", "string"],
        &["event", "wishlist_added", ",", "price_drop"],
        &[
            "function",
            "double",
            "(",
            "a",
            ":",
            "money",
            ")",
            "->",
            "money",
            "{ a * 2 }",
        ],
        &[
            "test",
            "\"t\"",
            "{",
            "user",
            "{\"id\": \"u-1\"}",
            "event",
            "view_item",
            "at",
            "2026-11-02 10:00",
            "expect",
            "coupon",
            "welcome",
            "amount_off",
            "¥10",
            "tick",
            "2026-11-03",
            "expect",
            "nothing",
            "}",
        ],
    ];

    const SEPARATORS: &[&str] = &[
        " ",
        " ",
        " ",
        "  ",
        "\n",
        "\n",
        "\n\n",
        "\t",
        " # note\n",
        "\n  # own line\n",
        "\n\n# gap\n\n",
    ];

    struct Stream<'a> {
        choices: &'a [u16],
        at: usize,
    }

    impl Stream<'_> {
        fn pick(&mut self, n: usize) -> usize {
            let c = self
                .choices
                .get(self.at % self.choices.len().max(1))
                .copied()
                .unwrap_or(0);
            self.at += 1;
            c as usize % n.max(1)
        }
    }

    fn push(out: &mut String, tokens: &[&str], s: &mut Stream<'_>) {
        for t in tokens {
            out.push_str(SEPARATORS[s.pick(SEPARATORS.len())]);
            out.push_str(t);
        }
    }

    pub fn file(choices: &[u16]) -> String {
        let mut s = Stream { choices, at: 0 };
        let mut out = String::new();
        for c in 0..1 + s.pick(3) {
            push(
                &mut out,
                &[
                    "campaign",
                    &format!("c{c}"),
                    "{",
                    "window",
                    "2026-11-01 09:00",
                    "..",
                    "2026-12-01",
                    "Asia/Shanghai",
                ],
                &mut s,
            );
            for _ in 0..s.pick(4) {
                let clause = CAMPAIGN[s.pick(CAMPAIGN.len())];
                push(&mut out, clause, &mut s);
            }
            for r in 0..1 + s.pick(3) {
                push(&mut out, &["rule", &format!("r{r}"), "{"], &mut s);
                for _ in 0..1 + s.pick(6) {
                    let clause = RULE[s.pick(RULE.len())];
                    push(&mut out, clause, &mut s);
                }
                push(&mut out, &["}"], &mut s);
            }
            push(&mut out, &["}"], &mut s);
        }
        for _ in 0..s.pick(3) {
            let item = ITEMS[s.pick(ITEMS.len())];
            push(&mut out, item, &mut s);
        }
        out.push('\n');
        out
    }
}
