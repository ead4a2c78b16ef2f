//! Syntax errors in a marketer's words. pest reports the grammar rules it could have
//! matched where it stopped (`duration_unit`, `per_key`, `add_op`…); one table maps each
//! rule of `grammar/mint.pest` to what can be written there, with an example, and related
//! rules share one phrase, so that a message reads "expected a duration such as `2h` or
//! `7d`". A test fails when a grammar rule has no entry.

use super::parser::Rule;
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::source::{FileId, Span};

const ITEM: &str = "a campaign, a risk policy, a function, a field or event declaration, a profile, or a test, such as \
                    `campaign welcome { … }`";
const CAMPAIGN_CLAUSE: &str = "a campaign clause such as `window 2026-11-01 .. 2026-12-01`, `budget ¥5000`, \
                               `audience …` or `rule NAME { … }`, or `}` to close the campaign";
const RULE_CLAUSE: &str = "a rule clause such as `on view_item`, `when …`, `once per user`, `give …` or \
                           `alert …`, or `}` to close the rule";
const OFFER: &str = "an offer such as `amount_off ¥30`, `percent_off 15%`, `threshold spend ¥300 get ¥50 off`, \
                     `free_shipping`, `gift NAME worth ¥30` or `perk NAME worth ¥50`";
const OFFER_TERM: &str = "an offer term such as `cap ¥200`, `min_spend ¥199`, `for \"bags\"`, \
                          `for seller item.seller_id`, `valid 72h`, `funded platform 50% seller 50%` or `to inviter`";
const OPERATOR: &str = "an operator such as `and`, `or`, `==`, `>=`, `+`, `*`, `of`, `in` or `within`";
const EXPRESSION: &str = "a value or an expression such as `user.paid_orders`, `¥30`, `15%` or \
                          `item.category in [\"bags\"]`";
const DATE: &str = "a date such as `2026-11-11`, or a date and time such as `2026-11-11 09:30`";
const DURATION: &str = "a duration such as `2h` or `7d`";
const MONEY: &str = "an amount of money such as `¥30`, `¥19.90` or `30 CNY`";
const SELLER_SCOPE: &str = "a seller scope such as `for seller \"s-8848\"` or `for seller item.seller_id`";
const PERCENT: &str = "a percentage such as `15%` or `12.5%`";
const CLOCK: &str = "a time of day with two-digit hours, such as `09:30`";
const PER: &str = "what the limit counts per: `user`, `day`, `week`, `month` or a field such as `item.category`";
const NAME: &str = "a name such as `welcome` (letters, digits and `_`; not a keyword)";
const STRING: &str = "a string in double quotes, such as `\"bags\"`";
const JSON: &str = "a JSON object such as `{\"id\": \"u-1\", \"paid_orders\": 0}`";
const TEST_STEP: &str = "a test step such as `user { … }`, `event view_item at 2026-11-11 10:00`, \
                         `tick 2026-11-11 12:00`, `users [ … ] run at 2026-12-01 09:00` or `expect …`, \
                         or `}` to close the test";
const EXPECTATION: &str = "an expectation such as `nothing`, `coupon RULE`, `suppressed RULE REASON`, \
                           `revoked RULE` or `alert TARGET`";
const MODEL_LINE: &str = "a model line such as `let p = …`, `cost = …` or `gain = …`, or `}` to close the model";
const BODY: &str = "the function's body in braces, such as `{ amount * 2 }`";

/// What can be written where `rule` was expected. `None` only for a rule the table
/// forgot, which a test catches.
pub fn expected(r: Rule) -> Option<&'static str> {
    use Rule as R;
    Some(match r {
        R::EOI => "the end of the file (every `{` closed by a `}`)",
        R::WHITESPACE => "a space or a line break, as between `once` and `per user`",
        R::COMMENT => "a comment such as `# note`",
        R::file
        | R::item
        | R::campaign
        | R::risk_policy
        | R::function_def
        | R::field_decl
        | R::event_decl
        | R::profile_block
        | R::test_block => ITEM,
        R::campaign_clause
        | R::window
        | R::budget
        | R::funding
        | R::audience
        | R::priority
        | R::exclusive_campaign
        | R::batch_flag
        | R::cancel_timers
        | R::experiment
        | R::rule
        | R::segment
        | R::model
        | R::maximize
        | R::order_cap
        | R::issue_cap
        | R::pace
        | R::response
        | R::price => CAMPAIGN_CLAUSE,
        R::datetime | R::date | R::datetime_lit => DATE,
        R::clock => CLOCK,
        R::zone => "a time zone such as `Asia/Shanghai` or `UTC`",
        R::budget_kind | R::face_value | R::expected_cost => "`face value` or `expected cost`",
        R::share => "a funder and its share, such as `platform 70%`",
        R::funder => "a funder: `platform` or `seller`, as in `platform 70% seller 30%`",
        R::category_scope => "`for category coupons`",
        R::seed | R::measure => {
            "a seed such as `seed \"ladder-2026\"`, an attribution window such as `measure 14d`, or `{`"
        }
        R::arm => "an arm such as `arm ladder 45%`, or `}` to close the experiment",
        R::holds_out => "`holds out`, as in `arm control 10% holds out`",
        R::random_offer => "`random offer`, as in `arm explore 10% random offer`",
        R::price_from => "`from \"FILE\"`, as in `price λ from \"runs/summary.json\"`, or a number",
        R::rule_clause
        | R::on
        | R::wait
        | R::when
        | R::limit
        | R::give
        | R::revoke
        | R::alert
        | R::exclusive_with
        | R::stackable
        | R::not_on_sale => RULE_CLAUSE,
        R::rule_ref => "a rule such as `base`, or a rule of another campaign such as `double11.base`",
        R::once | R::at_most => "`once` or `at most 3 times`",
        R::per_key | R::period => PER,
        R::cap_scope => "what the cap counts: `per campaign` or `per rule`",
        R::kw_coupons => "`coupons`, as in `at most 500 coupons per campaign`",
        R::budget_period | R::budget_unit => "`per day` or `per hour`",
        R::detail => "a detail such as `user: user.id`",
        R::offer
        | R::offer_head
        | R::amount_off
        | R::percent_off
        | R::threshold
        | R::free_shipping
        | R::gift
        | R::perk => OFFER,
        R::worth => "what it is worth, such as `worth ¥30`",
        R::choice => "a value such as `¥30` or `15%`, or a menu such as `one of 10%, 15%, 20%`",
        R::menu => "a menu such as `one of 10%, 15%, 20%`",
        R::offer_param | R::cap | R::min_spend | R::scope | R::valid | R::funded => OFFER_TERM,
        R::until_end => "a duration such as `72h`, or `until window end`",
        R::valid_days | R::valid_hours => OFFER_TERM,
        R::day_word => "days such as `weekends`, `weekdays` or `mon, fri`",
        R::day_space => "a space, as in `on sat, sun`",
        R::binding | R::model_output => MODEL_LINE,
        R::output_name => "`cost` or `gain`",
        R::risk_check => "a risk check such as `check fraud: withhold when scores.fraud_risk >= 0.9`, or `}`",
        R::param => "a parameter such as `amount: money`, or `)`",
        R::type_name => "a type: `number`, `money`, `percent`, `string`, `bool`, `duration` or `time`",
        R::rhai_body | R::rhai_text | R::rhai_nested => BODY,
        R::test_step | R::test_user | R::test_event | R::test_tick | R::test_expect | R::test_batch => TEST_STEP,
        R::users_array => "a JSON array of users such as `[{\"id\": \"u-1\"}]`",
        R::expect_nothing | R::expect_coupon | R::expect_suppressed | R::expect_revoked | R::expect_alert => {
            EXPECTATION
        }
        R::reason => "a reason such as `budget`, `exclusive` or `risk:fraud_score`",
        R::json_object => JSON,
        R::json_pair => "a key and its value, such as `\"id\": \"u-1\"`",
        R::json_value => "a JSON value such as `\"u-1\"`, `3`, `true` or `null`",
        R::json_array => "a JSON array such as `[\"bags\"]`",
        R::json_string => "a JSON string such as `\"u-1\"`",
        R::json_number => "a JSON number such as `3` or `0.85`",
        R::json_ws => "a space, as in `{\"id\": \"u-1\"}`",
        R::expr
        | R::or_expr
        | R::and_expr
        | R::not_expr
        | R::comparison
        | R::sum
        | R::product
        | R::prefix
        | R::operand
        | R::atom
        | R::not_op
        | R::neg_op => EXPRESSION,
        R::conditional => "a condition such as `if user.paid_orders == 0 then 15% else 10%`",
        R::compare_tail
        | R::or_op
        | R::and_op
        | R::in_op
        | R::not_in_op
        | R::within_op
        | R::cmp_op
        | R::add_op
        | R::mul_op
        | R::of_op => OPERATOR,
        R::call => "a function call such as `min(¥30, 10% of cart.total)`",
        R::call_arg => "an argument such as `7d` or `item_favourited where item.category == \"bags\"`",
        R::past_events => "past events such as `item_favourited where item.category == \"bags\"`",
        R::kw_where => "`where`, as in `count(item_favourited where item.category == \"bags\", 7d)`",
        R::list => "a list such as `[\"bags\", \"watches\"]`",
        R::path => "a field such as `user.paid_orders` or `item.category`",
        R::boolean => "`true` or `false`",
        R::money | R::amount => MONEY,
        R::percent => PERCENT,
        R::duration | R::duration_part | R::amount_int | R::duration_unit => DURATION,
        R::number => "a number such as `0.8` or `3`",
        R::integer => "a whole number such as `3`",
        R::string | R::string_inner => STRING,
        R::name_list => "one or more names such as `view_item, app_open`",
        R::name | R::ident | R::ident_char | R::keyword => NAME,
        R::kw_on => "`on`",
        R::kw_in => "`in`, as in `rule welcome in ladder { … }`",
        R::kw_at => "`at`, as in `at most 3 times` or `event view_item at 2026-11-11 10:00`",
        R::kw_as => "`as`, as in `revoke welcome as upgraded`",
        R::kw_to | R::recipient => OFFER_TERM,
        R::kw_by => "`by`, as in `experiment ladder by user.id { … }`",
        R::kw_if => "`if`",
        R::kw_then => "`then`, as in `if c then 15% else 10%`",
        R::kw_else => "`else`, as in `if c then 15% else 10%`",
        R::kw_for => "`for`, as in `for \"bags\"`",
        R::kw_per => "`per` and what the limit counts per, as in `once per user`",
        R::kw_one => "`one of`, as in `one of 10%, 15%`",
        R::kw_get => "`get`, as in `threshold spend ¥300 get ¥50 off`",
        R::kw_off => "`off`, as in `threshold spend ¥300 get ¥50 off` or `at most ¥300 off per order`",
        R::kw_with => "`with`, as in `alert customer_service with user: user.id`",
        R::kw_let => "`let`, as in `let p = scores.p_convert`",
        R::seller_scope => SELLER_SCOPE,
        R::kw_seller => "`seller`, as in `for seller \"s-8848\"`",
        R::kw_order => "`order`, as in `at most ¥300 off per order`",
        R::kw_not | R::kw_sale | R::kw_items => "`not on sale items`",
        // A rule added to the grammar falls here until it has words; a test names it.
        #[allow(unreachable_patterns)]
        _ => return None,
    })
}

/// The phrases for a set of expected rules, each once, in the order of the table's
/// groups (values before operators before clauses), joined with "or".
fn describe(rules: &[Rule]) -> String {
    let mut phrases: Vec<&'static str> = rules.iter().map(|r| expected(*r).unwrap_or("something else")).collect();
    // A keyword alone is what some clause needs (`cancel timers on`); next to the group
    // of clauses it starts, it is one of them.
    for (group, word) in [
        (RULE_CLAUSE, Rule::kw_on),
        (RULE_CLAUSE, Rule::kw_not),
        (OFFER_TERM, Rule::kw_for),
        (MODEL_LINE, Rule::kw_let),
        (OFFER_TERM, Rule::seller_scope),
        (CAMPAIGN_CLAUSE, Rule::seller_scope),
        (CAMPAIGN_CLAUSE, Rule::kw_for),
        (CAMPAIGN_CLAUSE, Rule::kw_at),
        (RULE_CLAUSE, Rule::kw_at),
    ] {
        if phrases.contains(&group) {
            phrases.retain(|p| Some(*p) != expected(word));
        }
    }
    let rank = |p: &&str| ORDER.iter().position(|o| o == p).unwrap_or(0);
    phrases.sort_by_key(rank);
    phrases.dedup();
    match phrases.split_last() {
        None => "something else".into(),
        Some((last, [])) => (*last).to_string(),
        Some((last, rest)) => format!("{}, or {last}", rest.join(", ")),
    }
}

/// Where a group's phrase goes in a message listing several.
const ORDER: &[&str] = &[
    EXPRESSION,
    OPERATOR,
    OFFER,
    OFFER_TERM,
    MODEL_LINE,
    EXPECTATION,
    TEST_STEP,
    RULE_CLAUSE,
    CAMPAIGN_CLAUSE,
    ITEM,
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The `E001` diagnostic for a pest error on `text`. `at_word_start` parses the text
/// again with one word blanked out, to learn what was expected where a misspelt keyword
/// began (`windows` is read as `window` and then `s`).
pub fn syntax_error(
    file: FileId,
    text: &str,
    e: &pest::error::Error<Rule>,
    at_word_start: impl Fn(&str) -> Option<(usize, Vec<Rule>)>,
) -> Diagnostic {
    let pos = match e.location {
        pest::error::InputLocation::Pos(p) | pest::error::InputLocation::Span((p, _)) => p,
    };
    let mut rules = match &e.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let before = text.get(..pos).unwrap_or("");
    // Inside a JSON object pest names only the object; what is missing is a value.
    if rules == [Rule::json_object] && before.trim_end().ends_with([':', ',', '[']) {
        rules = vec![Rule::json_value];
    }
    let after = text.get(pos..).unwrap_or("");
    // pest stopped inside a token it had begun (`wait 60`: a unit must follow the digits).
    let inside_token = !rules.is_empty()
        && rules.iter().all(|r| {
            matches!(
                r,
                Rule::duration_unit | Rule::duration_part | Rule::amount_int | Rule::clock | Rule::string_inner
            )
        })
        && before.chars().next_back().is_some_and(|c| !c.is_whitespace());
    let word_start = before.len()
        - before
            .chars()
            .rev()
            .take_while(|c| is_word_char(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    let word_end = pos
        + after
            .chars()
            .take_while(|c| is_word_char(*c))
            .map(char::len_utf8)
            .sum::<usize>();
    let mid_word = word_start < pos && word_end > pos;
    if let Some((at, tokens)) = missing_punctuation(text, pos, e) {
        let len = token_len(&text[at..]);
        let found = &text[at..at + len];
        let what = tokens.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(" or ");
        let message = if found.is_empty() {
            format!("unexpected end of file; expected {what}")
        } else {
            format!("unexpected `{found}`; expected {what}")
        };
        return Diagnostic::new(Code::Syntax, Span::new(file, at, at + len), message)
            .label("the parser stopped here")
            .help(help(found, &rules));
    }
    let (span, message) = if mid_word {
        // A keyword matched the start of a longer word: report the word, and what could
        // have been written in its place.
        let word = &text[word_start..word_end];
        let mut masked = text.to_string();
        masked.replace_range(word_start..word_end, &format!("\u{1}{}", " ".repeat(word.len() - 1)));
        if let Some((at, found)) = at_word_start(&masked)
            && at == word_start
        {
            rules = found;
        }
        (
            (word_start, word_end),
            format!("unexpected `{word}`; expected {}", describe(&rules)),
        )
    } else if inside_token {
        // Point at the token cut short, not at the space after it.
        let start = before.len()
            - before
                .chars()
                .rev()
                .take_while(|c| !c.is_whitespace())
                .map(char::len_utf8)
                .sum::<usize>();
        let token = &text[start..pos];
        (
            (start, pos),
            format!("`{token}` is incomplete; expected {}", describe(&rules)),
        )
    } else if after.trim().is_empty() {
        (
            (pos, pos),
            format!("unexpected end of file; expected {}", describe(&rules)),
        )
    } else {
        let len = token_len(after);
        let found = &text[pos..pos + len];
        (
            (pos, pos + len),
            format!("unexpected `{found}`; expected {}", describe(&rules)),
        )
    };
    let message = format!("{message}{}", structural_tokens(e, pos, &message));
    let found = text.get(span.0..span.1).unwrap_or("");
    Diagnostic::new(Code::Syntax, Span::new(file, span.0, span.1), message)
        .label(if mid_word {
            "not a word the parser knows here"
        } else {
            "the parser stopped here"
        })
        .help(help(found, &rules))
}

/// The length of the token `text` starts with: a word, number, money, percent, date,
/// time or field (`item.category`, `¥30`, `2026-11`, `9:30`), a string to the end of its
/// line's word, or a run of punctuation (`==`, `}`).
fn token_len(text: &str) -> usize {
    let mut chars = text.char_indices().peekable();
    let Some((_, first)) = chars.peek().copied() else {
        return 0;
    };
    let end = if first == '"' {
        text.find(char::is_whitespace).unwrap_or(text.len())
    } else if is_word_char(first) || first == '¥' {
        let mut end = 0;
        while let Some((i, c)) = chars.next() {
            let digit_next = chars
                .peek()
                .is_some_and(|(_, n)| n.is_ascii_digit() || is_word_char(*n));
            if !(is_word_char(c) || matches!(c, '¥' | '%') || (matches!(c, '.' | '-' | ':') && digit_next)) {
                break;
            }
            end = i + c.len_utf8();
        }
        end
    } else {
        text.char_indices()
            .find(|(_, c)| c.is_whitespace() || is_word_char(*c) || *c == '"')
            .map_or(text.len(), |(i, _)| i)
    };
    end.max(first.len_utf8())
}

/// Separators pest also tried where it stopped (`..` between a window's dates, `,`
/// between details, `{` after a title), which its rule list leaves out: ", or `..`".
fn structural_tokens(e: &pest::error::Error<Rule>, pos: usize, message: &str) -> String {
    let Some(attempts) = e.parse_attempts().filter(|a| a.max_position == pos) else {
        return String::new();
    };
    let extra: Vec<String> = attempts
        .expected_tokens()
        .iter()
        .map(ToString::to_string)
        .filter(|t| ["..", ":", ",", "->", "=", "{", "(", ")", "]"].contains(&t.as_str()))
        .filter(|t| !message.contains(&format!("`{t}`")))
        .map(|t| format!("`{t}`"))
        .collect();
    if extra.is_empty() {
        String::new()
    } else {
        format!(", or {}", extra.join(" or "))
    }
}

/// Punctuation the parser needed further on than where its rules failed (`check fraud
/// withhold`: the `:` after `fraud`), with where it was needed. Only at a token boundary,
/// and not a closing quote (an unclosed string is told as such).
fn missing_punctuation(text: &str, pos: usize, e: &pest::error::Error<Rule>) -> Option<(usize, Vec<String>)> {
    let attempts = e.parse_attempts()?;
    let at = attempts.max_position;
    let boundary = text.get(..at)?.chars().next_back().is_some_and(char::is_whitespace);
    if at <= pos || !boundary {
        return None;
    }
    let mut tokens = Vec::new();
    // pest does not export its token type; its text is the literal, or `a..z` for a range.
    for token in attempts.expected_tokens().iter().map(ToString::to_string) {
        if token.chars().all(char::is_whitespace) || token == "#" {
            continue;
        }
        let range = token.chars().count() == 4 && token.get(1..3) == Some("..");
        if range || token == "\"" || token.chars().any(is_word_char) {
            return None;
        }
        tokens.push(token);
    }
    (!tokens.is_empty()).then_some((at, tokens))
}

/// How to fix it: the keyword a word resembles, or how the expected value is written.
fn help(found: &str, rules: &[Rule]) -> String {
    let first = found.split(|c: char| !is_word_char(c)).next().unwrap_or("");
    if first.chars().next().is_some_and(char::is_alphabetic)
        && let Some(word) = crate::diagnostic::did_you_mean(first, KEYWORDS.iter().copied())
        && word != first
    {
        return format!("did you mean `{word}`?");
    }
    if found == "=" {
        return "compare with `==`; `=` is only for `let` bindings and model outputs".into();
    }
    if found.starts_with('"') && !found[1..].contains('"') {
        return "close the string with `\"` on the same line".into();
    }
    let phrases: Vec<&str> = rules.iter().filter_map(|r| expected(*r)).collect();
    let hints: &[(&str, &str)] = &[
        (
            DURATION,
            "a duration is a number and a unit: `30s`, `15m`, `2h`, `7d` or `2w`",
        ),
        (
            MONEY,
            "money is written with its currency: `¥30`, `¥19.90`, `30 CNY` or `30元`",
        ),
        (PERCENT, "a percentage is written with `%`: `15%`"),
        (DATE, "dates are written `2026-11-11`, with a time `2026-11-11 09:30`"),
        (CLOCK, "times of day have two-digit hours and minutes: `09:30`"),
        (STRING, "strings are written in double quotes: `\"ladder-2026\"`"),
        (
            NAME,
            "a name starts with a letter or `_`; words such as `rule` or `on` are keywords",
        ),
        (
            PER,
            "a limit counts per user, per period or per value: `once per user per item.category`",
        ),
    ];
    for (phrase, hint) in hints {
        if phrases.contains(phrase) {
            return (*hint).to_string();
        }
    }
    "see `docs/language.md` for what each clause takes".into()
}

/// The words of the language, for "did you mean".
const KEYWORDS: &[&str] = &[
    "campaign",
    "rule",
    "window",
    "budget",
    "funding",
    "audience",
    "priority",
    "exclusive",
    "batch",
    "cancel",
    "timers",
    "experiment",
    "arm",
    "segment",
    "model",
    "maximize",
    "stackable",
    "sale",
    "items",
    "order",
    "on",
    "wait",
    "unless",
    "when",
    "once",
    "per",
    "most",
    "times",
    "give",
    "revoke",
    "alert",
    "with",
    "amount_off",
    "percent_off",
    "threshold",
    "spend",
    "free_shipping",
    "gift",
    "perk",
    "worth",
    "cap",
    "min_spend",
    "valid",
    "until",
    "funded",
    "to",
    "inviter",
    "invitee",
    "platform",
    "seller",
    "risk",
    "check",
    "withhold",
    "function",
    "field",
    "event",
    "test",
    "user",
    "tick",
    "expect",
    "nothing",
    "coupon",
    "suppressed",
    "revoked",
    "cost",
    "gain",
    "and",
    "or",
    "not",
    "within",
    "then",
    "else",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_rule_has_words_and_an_example() {
        let missing: Vec<String> = Rule::all_rules()
            .iter()
            .filter(|r| expected(**r).is_none())
            .map(|r| format!("{r:?}"))
            .collect();
        assert!(
            missing.is_empty(),
            "grammar rules without an entry in `expected`: {missing:?}"
        );
        for r in Rule::all_rules() {
            let words = expected(*r).unwrap_or_default();
            assert!(words.contains('`'), "{r:?}: `{words}` shows nothing to write");
        }
    }

    #[test]
    fn no_message_names_a_grammar_rule() {
        // Grammar rule names that are also words of the language may appear.
        let language = ["amount_off", "percent_off", "free_shipping", "min_spend"];
        for r in Rule::all_rules() {
            let words = expected(*r).unwrap_or_default();
            for q in Rule::all_rules() {
                let name = format!("{q:?}");
                if name.contains('_') && !language.contains(&name.as_str()) {
                    assert!(!words.contains(&name), "{r:?} says `{name}`: `{words}`");
                }
            }
        }
    }
}
