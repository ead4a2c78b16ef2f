//! From text to the syntax tree: the pest grammar in `grammar/mint.pest` does the
//! recognising; this module runs it, turns its errors into `E001` diagnostics, and the
//! `Builder` makes `ast` nodes from its pairs, one file per part of the language:
//! `items` (risk policy, functions, declarations), `campaign`, `rule`, `offer`,
//! `test_block`, `expr` and `literal`.
//!
//! The builder relies on the grammar: a child the grammar guarantees is taken with
//! [`Builder::required`] and a rule it does not allow in a place is reported with
//! [`Builder::unexpected`]; both are internal errors (`E000`), never a silent default.

mod campaign;
mod expr;
mod items;
mod literal;
mod offer;
mod rule;
mod test_block;

pub use literal::parse_fixed;

use super::ast::{DateTimeLit, File, Name};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};
use pest::Parser as _;
use pest::iterators::Pair;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/mint.pest"]
struct MintParser;

// `Rule` is the grammar's rules as pest derives them; `expected` describes each.

/// Deepest nesting of brackets the parser accepts; deeper input is rejected before pest
/// sees it, so that recursion stays bounded.
pub const MAX_NESTING: usize = 64;

/// Parses one file. On a syntax error, returns the one diagnostic pest can give.
pub fn parse(file: FileId, text: &str) -> Result<File, Diagnostic> {
    check_nesting(file, text)?;
    on_parser_stack(|| parse_here(file, text)).unwrap_or_else(|e| {
        Err(internal(
            Span::new(file, 0, 0),
            format!("the parser failed on this file: {e}"),
        ))
    })
}

/// Runs `f` on the concrete syntax tree of `text` (every token and literal with its place,
/// which the formatter lays out); `None` if the text does not parse.
pub(crate) fn with_tree<T: Send>(text: &str, f: impl FnOnce(Pair<'_, Rule>) -> T + Send) -> Option<T> {
    check_nesting(0, text).ok()?;
    on_parser_stack(|| {
        let root = MintParser::parse(Rule::file, text).ok()?.next()?;
        Some(f(root))
    })
    .ok()
    .flatten()
}

/// pest recurses about ten frames per bracket level; a thread with a generous stack keeps
/// the bounded nesting safe even in debug builds and on small main stacks.
fn on_parser_stack<T: Send>(f: impl FnOnce() -> T + Send) -> Result<T, String> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("mintage-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(scope, f)
            .map_err(|e| format!("cannot start the parser: {e}"))?
            .join()
            .map_err(|_| "the parser stopped".to_string())
    })
}

/// Stack for the parser thread: reserved, not committed, until used.
const PARSE_STACK: usize = 256 * 1024 * 1024;

fn check_nesting(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    // Bytes, not chars: brackets are ASCII, and no byte of a multi-byte character is.
    for (i, c) in text.bytes().enumerate() {
        match c {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(Diagnostic::new(
                        Code::Syntax,
                        Span::new(file, i, i + 1),
                        format!("nesting deeper than {MAX_NESTING} levels"),
                    )
                    .label("too deep")
                    .help("split the expression with `let` bindings or simpler conditions"));
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// The diagnostic for text that does not parse, from a second parse with pest's error
/// detail on: it then also records the literal tokens it tried furthest on (a missing
/// `:`), which its rule list leaves out. The detail slows every parse by about half
/// (10,000 rules: 0.54 s → 0.86 s), so it is on only here, for files that failed. It is a
/// process-wide switch: the lock keeps error parses from turning it off under each
/// other; a parse that succeeds meanwhile is only slower.
fn detailed_syntax_error(file: FileId, text: &str) -> Diagnostic {
    static DETAIL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = DETAIL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    pest::set_error_detail(true);
    let diagnostic = match MintParser::parse(Rule::file, text) {
        Err(e) => syntax_error(file, text, e),
        // INVARIANT: the same text failed just before; parsing does not depend on the switch.
        Ok(_) => internal(
            Span::new(file, 0, 0),
            "the file failed to parse once and not twice".to_string(),
        ),
    };
    pest::set_error_detail(false);
    diagnostic
}

fn syntax_error(file: FileId, text: &str, e: pest::error::Error<Rule>) -> Diagnostic {
    super::expected::syntax_error(file, text, &e, |masked| {
        let e = MintParser::parse(Rule::file, masked).err()?;
        let at = match e.location {
            pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
        };
        match e.variant {
            pest::error::ErrorVariant::ParsingError { positives, .. } => Some((at, positives)),
            pest::error::ErrorVariant::CustomError { .. } => None,
        }
    })
}

struct Builder {
    file: FileId,
}

pub(crate) type P<'a> = Pair<'a, Rule>;

fn is_keyword_token(r: Rule) -> bool {
    matches!(
        r,
        Rule::kw_on
            | Rule::kw_in
            | Rule::kw_at
            | Rule::kw_where
            | Rule::kw_as
            | Rule::kw_by
            | Rule::kw_if
            | Rule::kw_then
            | Rule::kw_else
            | Rule::kw_for
            | Rule::kw_per
            | Rule::kw_one
            | Rule::kw_get
            | Rule::kw_off
            | Rule::kw_with
            | Rule::kw_let
            | Rule::kw_seller
            | Rule::kw_order
            | Rule::kw_not
            | Rule::kw_sale
            | Rule::kw_items
            | Rule::kw_coupons
            | Rule::of_op
    )
}

/// The children of a pair without the keyword tokens, which carry no information.
fn children(pair: P<'_>) -> impl Iterator<Item = P<'_>> {
    pair.into_inner().filter(|p| !is_keyword_token(p.as_rule()))
}

/// `E000`: the parse tree is not what the grammar says, a bug of Mintage, not of the file.
fn internal(span: Span, message: String) -> Diagnostic {
    Diagnostic::new(Code::Internal, span, message)
        .label("here")
        .help("this is a bug in Mintage, not in the file: please report it with the file")
}

impl Builder {
    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    /// A child that the grammar guarantees (`rule = { "rule" ~ name ~ … }` always has a
    /// name) of the pair at `parent`: the next pair, or a node built from one.
    fn required<T>(&self, child: Option<T>, parent: Span, what: &str) -> Result<T, Diagnostic> {
        // INVARIANT: pest builds only trees that match the grammar, and the grammar gives
        // this child; if it is missing the grammar and the builder disagree, which is
        // reported as an internal error rather than papered over with a default.
        child.ok_or_else(|| internal(parent, format!("the parser found no {what} here")))
    }

    /// A pair of a rule that the grammar does not allow where it was met.
    fn unexpected(&self, pair: &P<'_>, within: &str) -> Diagnostic {
        // INVARIANT: the grammar allows only the rules the caller matches; anything else
        // means the grammar and the builder disagree.
        internal(
            self.span(pair),
            format!(
                "the parser met `{:?}` in {within}, which the grammar does not allow",
                pair.as_rule()
            ),
        )
    }

    fn name(&self, pair: P<'_>) -> Name {
        Name {
            text: pair.as_str().to_string(),
            span: self.span(&pair),
        }
    }

    fn names(&self, pair: P<'_>) -> Vec<Name> {
        children(pair).map(|p| self.name(p)).collect()
    }

    /// A list of names the grammar guarantees (`on view_item, add_to_cart`).
    fn name_list(&self, child: Option<P<'_>>, parent: Span) -> Result<Vec<Name>, Diagnostic> {
        Ok(self.names(self.required(child, parent, "list of names")?))
    }

    fn string(&self, pair: P<'_>) -> Result<String, Diagnostic> {
        let span = self.span(&pair);
        let inner = self.required(pair.into_inner().next(), span, "string contents")?;
        Ok(literal::unescape(inner.as_str()))
    }

    fn datetime(&self, pair: P<'_>) -> DateTimeLit {
        DateTimeLit {
            text: pair.as_str().split_whitespace().collect::<Vec<_>>().join(" "),
            span: self.span(&pair),
        }
    }
}

fn parse_here(file: FileId, text: &str) -> Result<File, Diagnostic> {
    let mut pairs = match MintParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(_) => return Err(detailed_syntax_error(file, text)),
    };
    let builder = Builder { file };
    let mut out = File::default();
    if let Some(root) = pairs.next() {
        for pair in root.into_inner() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            out.items.push(builder.item(pair)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::ast::{CampaignClause, Item, RuleClause};

    #[test]
    fn keywords_need_word_boundaries() {
        let src = "campaign c { window 2026-11-01 .. 2026-12-01\n rule r { on view_item once per user give amount_off ¥10 valid 1d } }";
        let file = parse(0, src).map_err(|d| d.message).unwrap();
        let Item::Campaign(c) = &file.items[0] else { panic!() };
        let CampaignClause::Rule(r) = &c.clauses[1] else {
            panic!()
        };
        assert!(matches!(r.clauses[0], RuleClause::On(..)));
        assert!(matches!(r.clauses[1], RuleClause::Limit(..)));
    }

    /// The builder met with a tree the grammar cannot give: a missing child and a rule out
    /// of place are internal errors at the place, not defaults.
    #[test]
    fn a_tree_the_grammar_does_not_give_is_an_internal_error() {
        let builder = Builder { file: 0 };
        let text = "view_item, add_to_cart";
        let pair = MintParser::parse(Rule::name_list, text).unwrap().next().unwrap();
        let span = builder.span(&pair);

        let missing = builder.required(None::<P<'_>>, span, "offer").unwrap_err();
        assert_eq!(missing.code, Code::Internal);
        assert_eq!(missing.message, "the parser found no offer here");
        assert_eq!((missing.span.start, missing.span.end), (0, text.len() as u32));

        let out_of_place = builder.rule_clause(pair).unwrap_err();
        assert_eq!(out_of_place.code, Code::Internal);
        assert!(
            out_of_place.message.contains("`name_list` in a rule"),
            "{}",
            out_of_place.message
        );
        assert!(
            out_of_place
                .help
                .as_deref()
                .is_some_and(|h| h.contains("bug in Mintage"))
        );
    }
}
