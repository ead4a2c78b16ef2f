//! The fast reader of common events and user rows (`event::fast`) against serde's: on
//! generated ones it takes the fast path and builds the same value, and on random
//! variations of them (keys reordered, white space, values replaced by other numbers,
//! strings with escapes, `null`, wrong types, unknown and repeated keys) whatever it
//! accepts serde reads the same, and `Event::from_json` answers exactly what serde's
//! reading answers, errors included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../benches/support/mod.rs"]
mod support;

use mintage::event::{Event, EventError, RawEvent, User, describe_json_error, fast, json};
use proptest::prelude::*;
use serde_json::Value;

/// `Event::from_json` as it was before the fast path: serde only.
fn by_serde(text: &str) -> Result<Event, EventError> {
    let raw: RawEvent = json::from_str(text).map_err(|e| EventError(describe_json_error(&e)))?;
    Event::from_raw(raw)
}

/// The fast path, if taken, agrees with serde; and so does `Event::from_json`.
fn agree(text: &str) -> bool {
    let fast = fast::raw_event(text);
    if let Some(f) = &fast {
        let slow: RawEvent =
            json::from_str(text).unwrap_or_else(|e| panic!("fast took what serde refuses ({e}): {text}"));
        assert_eq!(format!("{f:?}"), format!("{slow:?}"), "{text}");
    }
    let now = Event::from_json(text).map(|e| format!("{e:?}"));
    let before = by_serde(text).map(|e| format!("{e:?}"));
    assert_eq!(now, before, "{text}");
    fast.is_some()
}

fn generated() -> &'static [String] {
    static LINES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    LINES.get_or_init(make)
}

fn make() -> Vec<String> {
    let mut r = support::Rng::new(5);
    let mut out: Vec<String> = (0..3_000)
        .map(|i| support::stream_line(i, 3_000, 500, &mut r))
        .collect();
    let mut r = support::Rng::new(9);
    out.extend((0..1_000).map(|i| support::event_json(i, &mut r)));
    out
}

#[test]
fn generated_events_take_the_fast_path_and_read_the_same() {
    let lines = generated();
    let fast = lines.iter().filter(|l| agree(l)).count();
    // Signals (about one in 200 lines) are read by serde.
    assert!(
        fast * 100 >= lines.len() * 98,
        "{fast} of {} took the fast path",
        lines.len()
    );
}

#[test]
fn the_examples_events_read_the_same() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for dir in ["examples/events", "tests/replay_clock"] {
        for entry in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "jsonl") {
                for line in std::fs::read_to_string(&path)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                {
                    agree(line);
                    n += 1;
                }
            }
        }
    }
    assert!(n > 5, "only {n} lines");
}

/// Values a leaf may be replaced by.
const LEAVES: &[&str] = &[
    "null",
    "0",
    "-0",
    "-1",
    "7",
    "1.5",
    "17.50",
    "0.001",
    "3.14159",
    "1e2",
    "1E+2",
    "2.5e-3",
    "12345678901234567",
    "123456789012345.6",
    "0.1234567890123456789",
    "true",
    "[]",
    "{}",
    "[\"a\", \"b\"]",
    "{\"x\": 1}",
    "\"\"",
    "\"plain\"",
    "\"a\\\"b\"",
    "\"caf\\u00e9\"",
    "\"naïve 女装\"",
    "\"2026-11-01T00:00:00Z\"",
    "\"2026-11-01T00:00:00.250+08:00\"",
    "\"2026-13-01T00:00:00+08:00\"",
];

fn leaves(v: &Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Value::Object(m) = v {
        for (k, child) in m {
            path.push(k.clone());
            out.push(path.clone());
            leaves(child, path, out);
            path.pop();
        }
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    match path.split_first() {
        None => *v = with,
        Some((k, rest)) => {
            if let Some(child) = v.get_mut(k.as_str()) {
                replace(child, rest, with);
            }
        }
    }
}

fn shuffled(v: Value, seed: &mut u64) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            for i in (1..entries.len()).rev() {
                *seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                entries.swap(i, (*seed >> 33) as usize % (i + 1));
            }
            Value::Object(entries.into_iter().map(|(k, v)| (k, shuffled(v, seed))).collect())
        }
        other => other,
    }
}

/// `json` with leaves replaced (`edits`: which leaf, by which of [`LEAVES`]), its keys
/// shuffled by `shuffle`'s seed, and pretty-printed if `pretty`.
fn varied(json: &str, edits: &[(u16, usize)], shuffle: Option<u64>, pretty: bool) -> String {
    let mut v: Value = serde_json::from_str(json).unwrap();
    for &(at, leaf) in edits {
        let mut paths = Vec::new();
        leaves(&v, &mut Vec::new(), &mut paths);
        let path = &paths[usize::from(at) % paths.len()];
        replace(&mut v, path, serde_json::from_str(LEAVES[leaf]).unwrap());
    }
    if let Some(mut seed) = shuffle {
        v = shuffled(v, &mut seed);
    }
    if pretty {
        serde_json::to_string_pretty(&v).unwrap()
    } else {
        v.to_string()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    #[test]
    fn variations_read_the_same(
        line in 0usize..4_000,
        edits in proptest::collection::vec((any::<u16>(), 0usize..LEAVES.len()), 0..3),
        shuffle in any::<Option<u64>>(),
        pretty in any::<bool>(),
        text_edit in 0u8..10,
    ) {
        let lines = generated();
        let mut text = varied(&lines[line % lines.len()], &edits, shuffle, pretty);
        match text_edit {
            // A key twice, at the top and in the user.
            0 => text = text.replacen('{', "{\"id\": \"again\", ", 1),
            1 => text = text.replacen("\"user\":{", "\"user\":{\"ltv_tier\":\"high\",", 1),
            // Unknown keys, and something after the object.
            2 => text = text.replacen('{', "{\"channel\": \"app\", ", 1),
            3 => text.push_str(" x"),
            4 => text.push_str(" \n"),
            // A control character inside a string.
            5 => text = text.replacen("u-", "u-\u{1}", 1),
            // Numbers JSON does not allow.
            6 => text = text.replacen("\"total_spend\":0", "\"total_spend\":01", 1).replacen("\"total_spend\": 0", "\"total_spend\": 01", 1),
            7 => text = text.replacen("\"total_spend\":0", "\"total_spend\":1.", 1).replacen("\"total_spend\": 0", "\"total_spend\": 1.", 1),
            _ => {}
        }
        agree(&text);
    }
}

/// The same for user rows: the fast reader agrees with serde's whenever it reads one.
fn user_agrees(text: &str) -> bool {
    let fast = fast::user(text);
    if let Some(f) = &fast {
        let slow: User =
            serde_json::from_str(text).unwrap_or_else(|e| panic!("fast took what serde refuses ({e}): {text}"));
        assert_eq!(format!("{f:?}"), format!("{slow:?}"), "{text}");
    }
    fast.is_some()
}

fn user_rows() -> &'static [String] {
    static ROWS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ROWS.get_or_init(|| {
        let mut r = support::Rng::new(11);
        (0..2_000).map(|i| support::user_json(i, &mut r)).collect()
    })
}

#[test]
fn generated_user_rows_take_the_fast_path_and_read_the_same() {
    assert!(user_rows().iter().all(|row| user_agrees(row)));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn user_row_variations_read_the_same(
        row in 0usize..2_000,
        edits in proptest::collection::vec((any::<u16>(), 0usize..LEAVES.len()), 0..3),
        shuffle in any::<Option<u64>>(),
        pretty in any::<bool>(),
        text_edit in 0u8..6,
    ) {
        let mut text = varied(&user_rows()[row], &edits, shuffle, pretty);
        match text_edit {
            0 => text = text.replacen('{', "{\"id\": \"again\", ", 1),
            1 => text = text.replacen('{', "{\"city\": \"杭州\", ", 1),
            2 => text = text.replacen("\"scores\":{", "\"scores\":{\"p_convert\":0.5,", 1),
            3 => text.push_str(" ,"),
            _ => {}
        }
        user_agrees(&text);
    }
}
