//! The formatter: canonical layout for rule files, made from the parse tree, so that the
//! layout depends on what the file says and not on how it was typed. Every clause starts
//! a line, indented two spaces per block (`campaign`, `rule`, `segment`, `model`,
//! `experiment`, `risk`, `test`); tokens are separated by one space (none inside brackets
//! or before `,` and `:`); a clause longer than [`WIDTH`] breaks before its offer terms
//! (filled onto continuation lines), else before each top-level `and`/`or`, else before
//! `then`/`else`, continuation lines two spaces deeper. Comments stay where they were: a
//! comment on its own line keeps its own line, indented with the clause it precedes (or
//! as a continuation inside a clause); a comment after code stays at the end of that
//! line. One blank line is kept where the file had one or more between clauses or items,
//! none after `{` or before `}`. Function bodies (Rhai) and the JSON of tests are kept as
//! written. Formatting formatted text changes
//! nothing, and the formatted file parses to the same tree (property tests in
//! `tests/props.rs`). Text that does not parse is returned unchanged.

use super::parser::{P, Rule, with_tree};

/// Longest line a clause is laid out on before it breaks (in characters).
pub const WIDTH: usize = 100;

/// Formats a whole file.
pub fn format(text: &str) -> String {
    with_tree(text, |root| {
        let mut p = Printer::new(text);
        p.file(root);
        p.finish()
    })
    .unwrap_or_else(|| text.to_string())
}

/// Where a clause may break when it is too long, in the order tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Break {
    /// Before an offer term (`cap`, `min_spend`, `for`, `for seller`, `valid`, `funded`):
    /// filled.
    OfferTerm,
    /// Before a top-level `and` or `or`: one operand per line.
    Logic,
    /// Before `then` and `else`, and between alert details: one per line.
    Branch,
}

#[derive(Debug, Clone)]
struct Tok {
    text: String,
    /// No space before it (`(` of a call).
    glue_left: bool,
    /// No space after it (unary `-`).
    glue_right: bool,
    brk: Option<Break>,
}

/// What the text between two tokens holds: literals of the grammar, comments, blank lines.
enum Lexeme<'a> {
    Literal(&'a str),
    Comment { text: &'a str, own_line: bool },
    Blank,
}

/// Rules whose text is one token: atomic in the grammar, or a value printed as written.
fn is_token(r: Rule) -> bool {
    use Rule as R;
    matches!(
        r,
        R::datetime
            | R::zone
            | R::rhai_body
            | R::period
            | R::reason
            | R::json_object
            | R::users_array
            | R::or_op
            | R::and_op
            | R::not_op
            | R::in_op
            | R::not_in_op
            | R::within_op
            | R::of_op
            | R::path
            | R::boolean
            | R::money
            | R::percent
            | R::duration
            | R::number
            | R::integer
            | R::string
            | R::name
            | R::ident
            | R::kw_on
            | R::kw_in
            | R::kw_at
            | R::kw_where
            | R::kw_as
            | R::kw_by
            | R::kw_if
            | R::kw_then
            | R::kw_else
            | R::kw_for
            | R::kw_per
            | R::kw_one
            | R::kw_get
            | R::kw_off
            | R::kw_with
            | R::kw_let
            | R::kw_seller
            | R::kw_order
            | R::kw_not
            | R::kw_sale
            | R::kw_items
            | R::kw_coupons
            | R::cap_scope
            | R::budget_unit
            | R::rule_ref
            | R::stackable
            | R::day_word
            | R::clock
    )
}

fn is_block(r: Rule) -> bool {
    use Rule as R;
    matches!(
        r,
        R::campaign
            | R::rule
            | R::segment
            | R::model
            | R::experiment
            | R::risk_policy
            | R::profile_block
            | R::test_block
    )
}

fn break_of(r: Rule) -> Option<Break> {
    use Rule as R;
    match r {
        R::cap | R::min_spend | R::seller_scope | R::scope | R::valid | R::funded | R::recipient => {
            Some(Break::OfferTerm)
        }
        R::or_op | R::and_op => Some(Break::Logic),
        R::kw_then | R::kw_else | R::detail => Some(Break::Branch),
        _ => None,
    }
}

/// A token's canonical text: runs of spaces made one where the grammar allows several
/// (`2026-11-01  09:00`, `30  CNY`, `not  in`); the rest as written.
fn token_text(pair: &P<'_>) -> String {
    let text = pair.as_str();
    match pair.as_rule() {
        Rule::rhai_body => text.to_string(),
        Rule::datetime | Rule::money | Rule::not_in_op => text.split_whitespace().collect::<Vec<_>>().join(" "),
        // A test's user rows, one per line (a test block is always at the top level, so
        // its steps are indented once and the rows twice).
        Rule::users_array => {
            let rows: Vec<&str> = pair.clone().into_inner().map(|p| p.as_str()).collect();
            if rows.is_empty() {
                "[]".to_string()
            } else {
                format!("[\n    {}\n  ]", rows.join(",\n    "))
            }
        }
        _ => text.to_string(),
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits the text between tokens (only white space, comments and literals of the
/// grammar) into lexemes, each with the offset where it ends.
fn lex(full: &str, start: usize, end: usize) -> Vec<(usize, Lexeme<'_>)> {
    let mut out = Vec::new();
    let gap = full.get(start..end).unwrap_or("");
    let mut i = 0;
    while i < gap.len() {
        let rest = &gap[i..];
        let c = rest.chars().next().unwrap_or(' ');
        let len = if c.is_whitespace() {
            let n = rest.find(|c: char| !c.is_whitespace()).unwrap_or(rest.len());
            if rest[..n].matches('\n').count() >= 2 {
                out.push((start + i + n, Lexeme::Blank));
            }
            n
        } else if c == '#' {
            let n = rest.find('\n').unwrap_or(rest.len());
            let line_start = full[..start + i].rfind('\n').map_or(0, |p| p + 1);
            let own_line = full[line_start..start + i].trim().is_empty();
            let comment = Lexeme::Comment {
                text: rest[..n].trim_end(),
                own_line,
            };
            out.push((start + i + n, comment));
            n
        } else if is_word_char(c) {
            let n = rest.find(|c: char| !is_word_char(c)).unwrap_or(rest.len());
            out.push((start + i + n, Lexeme::Literal(&rest[..n])));
            n
        } else {
            let two = ["==", "!=", "<=", ">=", "->", ".."];
            let n = if two.iter().any(|t| rest.starts_with(t)) {
                2
            } else {
                c.len_utf8()
            };
            out.push((start + i + n, Lexeme::Literal(&rest[..n])));
            n
        };
        i += len.max(1);
    }
    out
}

/// The pieces of a pair in order: the text before and between its children, and the
/// children.
enum Piece<'a> {
    Gap(usize, usize),
    Child(P<'a>),
}

/// Where a pair's last token or literal ends. A pair's span can run on over the white
/// space and comments after it (pest skips them while trying an optional part that is
/// absent); those belong to what follows, not to the clause.
fn content_end(text: &str, pair: &P<'_>) -> usize {
    let span = pair.as_span();
    if is_token(pair.as_rule()) {
        return span.end();
    }
    let last = pair.clone().into_inner().last();
    let from = last.as_ref().map_or(span.start(), |c| c.as_span().end());
    let literal = lex(text, from, span.end())
        .into_iter()
        .rev()
        .find(|(_, l)| matches!(l, Lexeme::Literal(_)))
        .map(|(end, _)| end);
    literal.unwrap_or_else(|| last.map_or(span.start(), |c| content_end(text, &c)))
}

fn pieces<'a>(text: &str, pair: P<'a>) -> Vec<Piece<'a>> {
    let (start, end) = (pair.as_span().start(), content_end(text, &pair));
    let mut out = Vec::new();
    let mut at = start;
    for child in pair.into_inner() {
        let from = child.as_span().start();
        if from > at {
            out.push(Piece::Gap(at, from));
        }
        at = content_end(text, &child);
        out.push(Piece::Child(child));
    }
    if end > at {
        out.push(Piece::Gap(at, end));
    }
    out
}

struct Printer<'a> {
    text: &'a str,
    out: Vec<String>,
    /// Tokens of the clause (or the part of it after a comment) being laid out.
    line: Vec<Tok>,
    /// Block depth of that clause.
    depth: usize,
    /// The clause was broken by a comment: what follows is a continuation.
    continued: bool,
    /// Open brackets in the clause: breaks only happen outside them.
    nesting: usize,
    /// The next token starts a pair the clause may break before.
    next_break: Option<Break>,
    /// The next token follows a call's name.
    next_glued: bool,
    blank: bool,
    /// The last line opened a block (no blank line after it).
    opened: bool,
}

impl<'a> Printer<'a> {
    fn new(text: &'a str) -> Self {
        Printer {
            text,
            out: Vec::new(),
            line: Vec::new(),
            depth: 0,
            continued: false,
            nesting: 0,
            next_break: None,
            next_glued: false,
            blank: false,
            opened: false,
        }
    }

    fn finish(mut self) -> String {
        self.flush(None);
        if self.out.is_empty() {
            return String::new();
        }
        let mut s = self.out.join("\n");
        s.push('\n');
        s
    }

    fn file(&mut self, root: P<'a>) {
        for piece in pieces(self.text, root) {
            match piece {
                Piece::Gap(a, b) => self.between(a, b, 0),
                Piece::Child(c) if c.as_rule() == Rule::EOI => {}
                Piece::Child(c) if is_block(c.as_rule()) => self.block(c, 0),
                Piece::Child(c) => self.clause(c, 0),
            }
        }
    }

    /// Comments and blank lines between clauses or items of a block at `depth`.
    fn between(&mut self, a: usize, b: usize, depth: usize) {
        for (_, lexeme) in lex(self.text, a, b) {
            match lexeme {
                Lexeme::Blank => self.blank = true,
                Lexeme::Comment { text, own_line: true } => {
                    self.flush(None);
                    self.push_line(depth, text.to_string());
                }
                Lexeme::Comment { text, own_line: false } => self.trailing(text),
                // INVARIANT: the grammar puts no literal between clauses or items.
                Lexeme::Literal(l) => self.token(l.to_string(), false),
            }
        }
    }

    fn block(&mut self, pair: P<'a>, depth: usize) {
        self.start(depth);
        let mut inside = false;
        for piece in pieces(self.text, pair) {
            match piece {
                Piece::Child(c) if !inside => self.inline(c),
                Piece::Child(c) if is_block(c.as_rule()) => self.block(c, depth + 1),
                Piece::Child(c) => self.clause(c, depth + 1),
                Piece::Gap(a, b) => {
                    for (_, lexeme) in lex(self.text, a, b) {
                        match lexeme {
                            Lexeme::Literal("{") if !inside => {
                                self.token("{".into(), false);
                                self.flush(None);
                                self.opened = true;
                                inside = true;
                            }
                            Lexeme::Literal("}") if inside => {
                                self.start(depth);
                                self.token("}".into(), false);
                                self.flush(None);
                            }
                            Lexeme::Blank if inside => self.blank = true,
                            Lexeme::Comment { text, own_line: true } if inside => {
                                self.flush(None);
                                self.push_line(depth + 1, text.to_string());
                            }
                            other => self.within(other),
                        }
                    }
                }
            }
        }
    }

    fn clause(&mut self, pair: P<'a>, depth: usize) {
        self.start(depth);
        self.inline(pair);
        self.flush(None);
    }

    /// Starts a clause at `depth`.
    fn start(&mut self, depth: usize) {
        self.flush(None);
        self.depth = depth;
        self.continued = false;
        self.nesting = 0;
    }

    fn inline(&mut self, pair: P<'a>) {
        let kind = pair.as_rule();
        if self.nesting == 0
            && let Some(b) = break_of(kind)
        {
            self.next_break = Some(self.next_break.map_or(b, |n| n.min(b)));
        }
        if is_token(kind) {
            let text = token_text(&pair);
            self.token(text, false);
            return;
        }
        let call = matches!(kind, Rule::call | Rule::function_def);
        for piece in pieces(self.text, pair) {
            match piece {
                Piece::Child(c) => self.inline(c),
                Piece::Gap(a, b) => {
                    for (_, lexeme) in lex(self.text, a, b) {
                        if call && matches!(lexeme, Lexeme::Literal("(")) {
                            self.next_glued = true;
                        }
                        self.within(lexeme);
                    }
                }
            }
        }
        if kind == Rule::neg_op
            && let Some(last) = self.line.last_mut()
        {
            last.glue_right = true;
        }
    }

    /// A lexeme inside a clause.
    fn within(&mut self, lexeme: Lexeme<'_>) {
        match lexeme {
            Lexeme::Literal(l) => {
                let glue = std::mem::take(&mut self.next_glued);
                if matches!(l, "(" | "[") {
                    self.token(l.to_string(), glue);
                    self.nesting += 1;
                } else {
                    if matches!(l, ")" | "]") {
                        self.nesting = self.nesting.saturating_sub(1);
                    }
                    self.token(l.to_string(), glue);
                }
            }
            Lexeme::Comment { text, own_line: true } => {
                self.flush(None);
                self.push_line(self.depth + 1, text.to_string());
                self.continued = true;
            }
            Lexeme::Comment { text, own_line: false } => {
                self.trailing(text);
                self.continued = true;
            }
            Lexeme::Blank => {}
        }
    }

    fn token(&mut self, text: String, glue_left: bool) {
        self.line.push(Tok {
            text,
            glue_left,
            glue_right: false,
            brk: self.next_break.take(),
        });
    }

    /// A comment after code on its line: it ends that line.
    fn trailing(&mut self, comment: &str) {
        if self.line.is_empty() {
            if let Some(last) = self.out.last_mut() {
                last.push(' ');
                last.push_str(comment);
            } else {
                self.out.push(comment.to_string());
            }
        } else {
            self.flush(Some(comment));
        }
    }

    fn push_line(&mut self, depth: usize, text: String) {
        let closing = text.starts_with('}');
        if std::mem::take(&mut self.blank) && !self.opened && !closing && !self.out.is_empty() {
            self.out.push(String::new());
        }
        self.opened = false;
        self.out.push(format!("{}{text}", "  ".repeat(depth)));
    }

    /// Lays out the tokens gathered so far, with a comment at the end of the last line.
    fn flush(&mut self, comment: Option<&str>) {
        if self.line.is_empty() {
            return;
        }
        let tokens = std::mem::take(&mut self.line);
        let first = self.depth + usize::from(self.continued);
        let mut lines = Vec::new();
        wrap(&tokens, first, self.depth + 1, &mut lines);
        let n = lines.len();
        for (i, (depth, mut text)) in lines.into_iter().enumerate() {
            if i + 1 == n
                && let Some(c) = comment
            {
                text.push(' ');
                text.push_str(c);
            }
            self.push_line(depth, text);
        }
    }
}

/// Tokens on one line, spaced.
fn render(tokens: &[Tok]) -> String {
    let mut out = String::new();
    for (i, t) in tokens.iter().enumerate() {
        if i > 0 {
            let prev = &tokens[i - 1];
            let tight = t.glue_left
                || prev.glue_right
                || matches!(t.text.as_str(), "," | ")" | "]" | ":")
                || matches!(prev.text.as_str(), "(" | "[");
            if !tight {
                out.push(' ');
            }
        }
        out.push_str(&t.text);
    }
    out
}

/// Lays `tokens` out as lines of (depth, text): on one line if it fits, else broken at
/// the first kind of break point it has, recursively.
fn wrap(tokens: &[Tok], depth: usize, continuation: usize, out: &mut Vec<(usize, String)>) {
    let text = render(tokens);
    let fits = 2 * depth + text.chars().count() <= WIDTH;
    let level = tokens.iter().skip(1).filter_map(|t| t.brk).min();
    let Some(level) = level.filter(|_| !fits) else {
        out.push((depth, text));
        return;
    };
    let mut groups: Vec<&[Tok]> = Vec::new();
    let mut from = 0;
    for (i, t) in tokens.iter().enumerate().skip(1) {
        if t.brk == Some(level) {
            groups.push(&tokens[from..i]);
            from = i;
        }
    }
    groups.push(&tokens[from..]);
    let (head, rest) = groups.split_first().map_or((&[][..], &[][..]), |(h, r)| (*h, r));
    wrap(head, depth, continuation, out);
    if level != Break::OfferTerm {
        for g in rest {
            wrap(g, continuation, continuation, out);
        }
        return;
    }
    // Offer terms fill their lines.
    let mut current: Vec<Tok> = Vec::new();
    for g in rest {
        let mut longer = current.clone();
        longer.extend_from_slice(g);
        if current.is_empty() || 2 * continuation + render(&longer).chars().count() <= WIDTH {
            current = longer;
        } else {
            wrap(&current, continuation, continuation, out);
            current = g.to_vec();
        }
    }
    if !current.is_empty() {
        wrap(&current, continuation, continuation, out);
    }
}

#[cfg(test)]
mod tests {
    use super::format;

    #[test]
    fn one_clause_per_line_from_one_line() {
        let src = "campaign c { window 2026-11-01 .. 2026-12-01 rule a { on view_item once per user give amount_off ¥10 valid 72h } }";
        let want = "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  rule a {\n    on view_item\n    once per user\n    give amount_off ¥10 valid 72h\n  }\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want);
    }

    #[test]
    fn indents_by_depth_and_keeps_comments() {
        let src = "campaign c {   # the campaign\n window 2026-11-01 .. 2026-12-01\n\n\n   rule r {\non view_item\n  give amount_off ¥10    valid 2h\n}\n}";
        let want = "campaign c { # the campaign\n  window 2026-11-01 .. 2026-12-01\n\n  rule r {\n    on view_item\n    give amount_off ¥10 valid 2h\n  }\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want);
    }

    #[test]
    fn a_comment_inside_a_clause_continues_it() {
        let src = "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  audience user.paid_orders == 0 # new\n  and user.registered_at within 30d\n}\n";
        let want = "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  audience user.paid_orders == 0 # new\n    and user.registered_at within 30d\n}\n";
        assert_eq!(format(src), want);
        assert_eq!(format(want), want);
    }

    #[test]
    fn joined_lines_break_again_only_when_too_long() {
        let src = "campaign c {\n  window 2026-11-01 .. 2026-12-01\n  audience user.paid_orders == 0\n  and user.registered_at within 30d\n}\n";
        assert!(format(src).contains("\n  audience user.paid_orders == 0 and user.registered_at within 30d\n"));
        let long = format!(
            "campaign c {{\n  window 2026-11-01 .. 2026-12-01\n  audience user.paid_orders == 0 and {} }}\n",
            ["item.category == \"a-long-category-name\""; 3].join(" or ")
        );
        let out = format(&long);
        assert!(
            out.contains("\n  audience user.paid_orders == 0\n    and item.category"),
            "{out}"
        );
        assert!(out.lines().all(|l| l.chars().count() <= super::WIDTH), "{out}");
    }

    #[test]
    fn spacing_is_canonical() {
        let src = "campaign c { window 2026-11-01   09:00 .. 2026-12-01 rule r { on view_item , app_open once per user give amount_off min( ¥10 , 10% of cart.total ) valid 2h when item.category in [ \"bags\" , \"shoes\" ] and - 1 < 0 alert cs with user : user.id } }";
        let out = format(src);
        assert!(out.contains("window 2026-11-01 09:00 .. 2026-12-01"), "{out}");
        assert!(out.contains("on view_item, app_open"), "{out}");
        assert!(
            out.contains("when item.category in [\"bags\", \"shoes\"] and -1 < 0"),
            "{out}"
        );
        assert!(out.contains("alert cs with user: user.id"), "{out}");
        assert_eq!(format(&out), out);
    }

    #[test]
    fn strings_keep_their_spaces_and_hashes() {
        let src = "campaign c \"双十一  #1\" {\n}\n";
        assert_eq!(format(src), src);
    }

    #[test]
    fn text_that_does_not_parse_is_left_alone() {
        let src = "campaign c { window\n";
        assert_eq!(format(src), src);
    }
}
