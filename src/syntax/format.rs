//! The formatter: canonical layout for rule files. It works on lines and tokens, not on
//! the tree, so comments survive where they were written: indentation follows brace
//! depth (two spaces), a clause continued on the next line is indented two more, runs of
//! spaces collapse to one, trailing spaces go, blank lines collapse to one and none
//! follow an opening brace or precede a closing one. Formatting formatted text changes
//! nothing.

/// Words that start a clause; a line starting with anything else continues the clause
/// above it.
const CLAUSE_STARTS: &[&str] = &[
    "campaign",
    "rule",
    "on",
    "wait",
    "when",
    "once",
    "at",
    "give",
    "revoke",
    "alert",
    "exclusive",
    "window",
    "budget",
    "funding",
    "audience",
    "priority",
    "batch",
    "cancel",
    "experiment",
    "arm",
    "segment",
    "model",
    "let",
    "cost",
    "gain",
    "maximize",
    "risk",
    "check",
    "function",
    "field",
    "event",
    "test",
    "user",
    "tick",
    "expect",
    "}",
];

/// Splits a line into code and trailing comment, outside strings.
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
        } else if c == '"' {
            in_string = true;
        } else if c == '#' {
            return (&line[..i], Some(&line[i..]));
        }
    }
    (line, None)
}

/// Collapses runs of white space outside strings.
fn squeeze(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut in_string = false;
    let mut escaped = false;
    let mut last_space = false;
    for c in code.trim().chars() {
        if in_string {
            out.push(c);
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    out
}

fn brace_delta(code: &str) -> (i32, i32) {
    // (net change, closers before the first opener): a line starting with `}` is outdented.
    let mut in_string = false;
    let mut escaped = false;
    let mut net = 0;
    let mut leading_close = 0;
    let mut seen_open = false;
    for c in code.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' | '[' | '(' => {
                net += 1;
                seen_open = true;
            }
            '}' | ']' | ')' => {
                net -= 1;
                if !seen_open {
                    leading_close += 1;
                }
            }
            _ => {}
        }
    }
    (net, leading_close)
}

/// Whether a line at brace depth `depth` starts a clause: `for seller …` does directly in
/// a campaign (its seller scope), and continues an offer anywhere deeper.
fn starts_clause_at(code: &str, depth: i32) -> bool {
    starts_clause(code) || (depth == 1 && code.starts_with("for seller"))
}

fn starts_clause(code: &str) -> bool {
    let word: String = code
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '}')
        .collect();
    let word = if code.starts_with('}') { "}".to_string() } else { word };
    CLAUSE_STARTS.contains(&word.as_str()) || code.starts_with(']') || code.starts_with(')')
}

/// Formats a whole file.
pub fn format(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut depth: i32 = 0;
    let mut pending_blank = false;
    let mut continuing = false;
    for raw in text.lines() {
        let (code, comment) = split_comment(raw);
        let code = squeeze(code);
        let comment = comment.map(str::trim_end);
        if code.is_empty() && comment.is_none() {
            pending_blank = !out.is_empty();
            continue;
        }
        let (net, leading_close) = brace_delta(&code);
        let level = (depth - leading_close).max(0);
        let clause = starts_clause_at(&code, depth);
        let extra = if !code.is_empty() && continuing && !clause && depth > 0 {
            1
        } else {
            0
        };
        let indent = "  ".repeat((level + extra) as usize);
        let opens_block = out.last().is_some_and(|l: &String| l.trim_end().ends_with('{'));
        if pending_blank && !opens_block && !code.starts_with('}') {
            out.push(String::new());
        }
        pending_blank = false;
        let line = match (code.is_empty(), comment) {
            (true, Some(c)) => format!("{indent}{c}"),
            (false, Some(c)) => format!("{indent}{code} {c}"),
            (false, None) => format!("{indent}{code}"),
            (true, None) => String::new(),
        };
        out.push(line);
        depth = (depth + net).max(0);
        if !code.is_empty() {
            continuing = !code.ends_with('{') && !code.ends_with('}') && net <= 0 && depth > 0;
            if code.ends_with(',') || clause || extra == 1 {
                continuing = depth > 0 && !code.ends_with('{') && !code.ends_with('}');
            }
        }
    }
    let mut s = out.join("\n");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn indents_by_depth_and_keeps_comments() {
        let src = "campaign c {   # the campaign\n window 2026-11-01 .. 2026-12-01\n\n\n   rule r {\non view_item\n  give amount_off ¥10    valid 2h\n}\n}";
        let want = "campaign c { # the campaign\n  window 2026-11-01 .. 2026-12-01\n\n  rule r {\n    on view_item\n    give amount_off ¥10 valid 2h\n  }\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want);
    }

    #[test]
    fn continuation_lines_get_two_more() {
        let src = "campaign c {\naudience user.paid_orders >= 1\nand user.total_spend > ¥0\n}\n";
        let out = format(src);
        assert!(
            out.contains("\n  audience user.paid_orders >= 1\n    and user.total_spend > ¥0\n"),
            "{out}"
        );
        assert_eq!(format(&out), out);
    }

    #[test]
    fn strings_keep_their_spaces_and_hashes() {
        let src = "campaign c \"双十一  #1\" {\n}\n";
        assert_eq!(format(src), src);
    }
}
