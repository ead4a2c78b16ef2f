//! The registry of diagnostic codes: one table maps each code to its title and, for
//! errors, its long explanation. A warning's long explanation lives beside its lint, in
//! `check::lints` (one file per lint). `mintage explain CODE` and `docs/diagnostics.md`
//! join the two through `check::reference` (a test keeps the page in sync).
//!
//! Adding an error code: add a line to `errors` below (the next free `E0xx`, a title, and
//! the explanation: what is wrong, an example, how to fix it), report it with
//! `Diagnostic::new(Code::New, span, "message")`, add `tests/cases/check/E0xx.mint` (or
//! `E0xx_what.mint`), accept its snapshot, and regenerate the page with
//! `MINTAGE_UPDATE_DOCS=1 cargo test --test docs`.

use serde::Serialize;

/// Errors stop rules from loading; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    (
        errors { $( $evariant:ident = $ecode:literal, $etitle:literal, $ebody:literal; )* }
        warnings { $( $wvariant:ident = $wcode:literal, $wtitle:literal; )* }
    ) => {
        /// A diagnostic code: `E0xx` errors stop a file from loading, `W0xx` warnings do not.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $evariant, )* $( $wvariant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$evariant, )* $( Code::$wvariant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$evariant => $ecode, )* $( Code::$wvariant => $wcode, )* }
            }

            /// One line: what the diagnostic is about.
            pub fn title(self) -> &'static str {
                match self { $( Code::$evariant => $etitle, )* $( Code::$wvariant => $wtitle, )* }
            }

            pub fn severity(self) -> Severity {
                match self {
                    $( Code::$evariant => Severity::Error, )*
                    $( Code::$wvariant => Severity::Warning, )*
                }
            }

            /// An error's long explanation: why it matters, an example, and how to fix it.
            /// `None` for a warning: its explanation is in its lint's file.
            pub fn error_explanation(self) -> Option<&'static str> {
                match self {
                    $( Code::$evariant => Some($ebody), )*
                    $( Code::$wvariant => None, )*
                }
            }
        }
    };
}

/// A code serializes as it is written: `"E002"`.
impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl Code {
    pub fn parse(text: &str) -> Option<Code> {
        let upper = text.trim().to_ascii_uppercase();
        Code::ALL.iter().copied().find(|c| c.as_str() == upper)
    }
}

codes! {
errors {
    Internal = "E000", "internal error",
"Mintage itself went wrong, not the rule file: the parser met a syntax tree that the
grammar does not allow, which means the grammar (`grammar/mint.pest`) and the code that
reads it disagree. The message says what was missing or unexpected, and the caret shows
where. Nothing is loaded.

Please report it with the file (or the lines around the caret). Writing the construct at
the caret another way usually works around it until it is fixed.";

    Syntax = "E001", "syntax error",
"The file does not follow the grammar of the rule language. The caret points at the
first place where the parser could not go on, and the message lists what it expected
there.

Example:

```text
rule welcome {
  on view_item
  give amount_off 10   # a money amount needs a currency: `¥10`
}
```

Fix the text at the caret. Clauses start with a keyword (`on`, `when`, `give`, …),
money is written `¥30` or `30 CNY`, percentages `15%`, durations `2h`, `30d`.";

    UnknownField = "E002", "unknown field",
"An expression reads a field that events do not have. The fields come from the
integration contract: `user.*`, `item.*`, `cart.*`, `scores.*`, `now` and `event.*`,
plus any declared with `field`.

Example: `user.paid_order == 0` (the field is `user.paid_orders`).

Fix the name (the help suggests the closest one), or declare a field that your
platform sends with `field user.city: string`.";

    TypeMismatch = "E003", "type mismatch",
"An operator or clause got a value of the wrong type: for example money compared with
a plain number, a percentage where money is needed, or a condition that is not true
or false.

Example: `cart.total >= 1000` (cart totals are money: write `cart.total >= ¥1000`).

Write the value with its unit (`¥`, `%`, `h`/`d`), or use a field of the right type.";

    UnknownEvent = "E004", "unknown event type",
"A rule is triggered by (or waits on) an event type that the platform does not send.
The known types are those of the integration contract (`app_open`, `view_item`,
`add_to_cart`, `checkout_started`, `payment_abandoned`, `order_paid`,
`cart_abandoned`, `coupon_redeemed`) and any declared with `event NAME`.

Fix the spelling, or declare the new type: `event wishlist_added`.";

    Duplicate = "E005", "duplicate name",
"Two campaigns, two rules of one campaign, two arms, two segments, two risk checks or
two functions have the same name. Names identify coupons in the ledger and in
reports, so they must be unique where they are used.

Rename one of them.";

    UnknownRule = "E006", "unknown rule",
"A `revoke` or `exclusive with` clause names a rule that the campaign does not have, or
`exclusive with CAMPAIGN.RULE` names a campaign or a rule of it that does not exist.

Example: `revoke welcom as upgraded`, `exclusive with double11.bse`.

Use the name of a rule of the same campaign (`revoke` only reaches those), or for
`exclusive with` a rule of another campaign as `campaign.rule`.";

    UnknownArm = "E007", "unknown experiment arm",
"A rule is placed `in` an arm that the campaign's experiment does not define, a holdout
arm holds out an arm that does not exist, or a rule names an arm in a campaign without
an experiment.

Use one of the arms listed in the `experiment` block.";

    BadWeights = "E008", "experiment weights do not add up",
"The weights of an experiment's arms must add up to 100 %, so that every user falls
in exactly one arm.

Example: `arm holdout 10%`, `arm ladder 45%`, `arm flat 40%` (95 %).

Change the weights so that they add up to 100 %.";

    BadTime = "E009", "invalid date, time or time zone",
"A date or time does not exist (`2026-02-30`), a time zone is not in the IANA database
(`Asia/Shangai`), a window ends before it starts, a time is out of range (times run
from 1970-01-01T00:00:00Z to 9998-12-31T23:59:59Z (UTC), the times that decisions can
write back exactly as RFC 3339), or a coupon's hours are not a part of the day
(`valid 7d between 25:00 and 02:00`, `between 20:00 and 20:00`).

Write dates as `2026-11-01` or `2026-11-01 09:30`, zones as IANA names such as
`Asia/Shanghai` or `UTC`, and a coupon's hours from `00:00` to `23:59` (`24:00` may end
them): `valid 7d between 22:00 and 02:00` runs across midnight.";

    UnknownFunction = "E010", "unknown function or wrong arguments",
"An expression calls a function that is neither built in nor defined with `function`,
or calls it with the wrong number or types of arguments.

Built-in functions: `min`, `max`, `abs`, `exp`, `ln`, `round`, `signal(name, key)`,
`coupons_issued(period)`, `coupons_issued(period, \"campaign\")`,
`other_users_on_device(period)`, `len(list)`, and on the campaign's calendar
`hour_of(time)`, `weekday_of(time)`, `date_of(time)`.";

    Script = "E011", "custom function does not compile",
"The body of a `function` is Rhai code, compiled once when the rules load. The Rhai
compiler rejected it; the message says why.

Custom functions run sandboxed: no file or network access, and limits on operations,
call depth and the size of strings and arrays.";

    MissingClause = "E012", "missing clause",
"A construct lacks a clause it needs: a rule without `on`, a rule that neither gives a
coupon nor raises an alert, a campaign without a `window` (event campaigns), a batch
campaign without segments or without a `model` that sets `cost` and `gain`.

Add the clause; the help says which.";

    RepeatedClause = "E013", "clause given twice",
"A clause that may appear only once appears twice: two windows, two budgets, two
audiences, two `min_spend` of one offer, a day named twice in a coupon's calendar
(`valid 7d on sat, weekends`)…

Keep one of them.";

    BadFunding = "E014", "funding shares do not add up",
"The funding shares of a campaign or offer (`platform`, `seller`) must add up to 100 %,
and each funder may appear once.

Example: `funding platform 70% seller 20%`.";

    WrongPlace = "E015", "clause in the wrong kind of campaign",
"Event campaigns (rules triggered by events) and batch campaigns (`batch`, with
segments and a response model) take different clauses: a `segment` or `model` in an
event campaign, or a `rule` in a batch campaign, cannot run.

Mark the campaign `batch`, or move the clause.";

    BadLiteral = "E016", "invalid literal",
"A number is out of range or too precise: money has at most two decimals (fen),
durations must be whole units, limits must be at least 1, percentages at most two
decimals. A price λ is above 0 and at most 1000; `price λ from \"FILE\"` must name a batch
run summary (`mintage run --summary FILE`) that can be read and has a numeric `lambda`.

Example: `¥19.999`.";

    UnknownName = "E017", "unknown name",
"An expression uses a bare name that is neither a `let` binding of the model nor one of
the roots `user`, `item`, `cart`, `scores`, `event`, `offer`, `now`.

Fix the spelling or define it with `let` before its use.";

    ScopeOutsideRule = "E018", "value not available here",
"A value is read where it does not exist. `item.*` in a risk check of a timer, or a
field of `cart` in a rule triggered by an event type that never carries a cart, is
allowed (it is then missing), but two places never hold the value:

- `offer.*` outside a batch model;
- `item.*`, `cart.*` and `event.*` in a batch campaign: `mintage run` reads user rows,
  with no event, so a segment condition or a `for seller item.seller_id` there could
  never hold.

Move the expression to a place where the value exists.";

    NotUtf8 = "E019", "file is not UTF-8",
"Rule files are read as UTF-8 text. This file holds a byte that is not UTF-8; the
message names the first one by line and column. The usual cause is an editor that saved
the file in a legacy Chinese encoding (GBK or GB 18030, often called ANSI on Windows):
`双十一` then reaches Mintage as bytes it cannot read.

Save the file as UTF-8 (in most editors: Save with Encoding, UTF-8), or convert it:
`iconv -f GBK -t UTF-8 old.mint > new.mint`. A UTF-8 byte-order mark at the start of the
file is accepted.";

    BadObjective = "E020", "batch objective is not the gain",
"A batch campaign's `maximize` clause names what the allocation optimises. Only the
expected gain can be maximised: the expected cost is what the budget bounds, and
maximising it would spend the budget for its own sake.

Example: `maximize cost`.

Write `maximize gain`, or leave the clause out: the gain is what a batch campaign
maximises.";

    EmptyHoldout = "E021", "holdout holds out nothing",
"A bare `holds out` holds out the rules of the campaign that are in no arm. When every
rule is `in` an arm, such a holdout runs no rule: its users get nothing, but nothing is
reported as held out either, so the experiment cannot compare them with the arms.

Name the arms it holds out; a holdout of several arms runs each one's rules and reports
what each would have issued as `suppressed: holdout`:

    experiment depth {
      unit user.id
      arm control 10% holds out shallow, deep
      arm shallow 45%
      arm deep 45%
    }";

    BadCap = "E022", "cap, period budget or pace that cannot hold",
"A cap on the coupons issued to everyone (`at most 500 coupons per campaign`, `at most
100 coupons per rule`) or a budget of a calendar period (`budget ¥10_000 face value per
day`, `per hour`) is written so that it cannot work:

- a cap of 0 coupons, which would never issue;
- `per campaign` inside a rule, or `per rule` among the campaign's clauses: a campaign
  cap is a campaign clause, a rule cap a rule clause;
- a period budget of `expected cost`: only face value is reserved as coupons are
  issued, so only face value can be counted per day or hour;
- `pace evenly` without a `budget … face value` to spread, or in a batch campaign.

Example: `rule first { at most 500 coupons per campaign … }`.

Write a cap of at least 1 where it belongs (the help says where), or the period budget
as `face value`.";

    ResponseModel = "E023", "response model that cannot be used",
"A campaign's `response from \"FILE\"` names the model `mintage fit` wrote, and the
engine values the campaign's offers with it. The file is read when the rules are
checked (its path is relative to the folder of the rule file that names it), and read
as a model when they are compiled. It cannot be used when:

- the file is missing or unreadable;
- it is not a model `mintage fit` wrote, or one of a format this build does not read;
- it was fitted for another campaign.

Example: `response from \"models/dormant.json\"` before `mintage fit` has written it.

Run `mintage fit RULES --campaign ID … --out models/dormant.json` first, or correct the
path.";

    BadRecipient = "E024", "coupon for someone the event does not name",
"`give … to inviter` and `give … to invitee` give a referral's coupon to one of its two
users. Only a `referral_completed` event names an inviter and an invitee, so the
recipient can be written only:

- in a rule whose only trigger is `on referral_completed` (not in a batch segment, nor in
  a rule that other events also trigger);
- as `inviter` or `invitee`.

A rule gives to one side. For \"both get ¥20\", write two rules:

    rule inviter_bonus {
      on referral_completed
      once per user
      give amount_off ¥20 min_spend ¥100 valid 7d to inviter
    }

Write `on referral_completed` alone, or leave out `to …` (a rule's coupon then goes to
the event's user).";
}

warnings {
    WindowPast = "W001", "window already over";
    Contradiction = "W002", "condition can never be true";
    UnreachableSegment = "W003", "segment can never be chosen";
    OverlappingExclusive = "W004", "exclusive campaigns overlap";
    NoValidity = "W005", "offer without validity";
    PercentOver100 = "W006", "percentage above 100";
    TimerOutlivesWindow = "W007", "timer longer than the window";
    EmptyArm = "W008", "experiment arm without rules";
    NoLimit = "W009", "rule without a limit";
    PercentWithoutCap = "W010", "percent-off without a cap";
    UnusedBinding = "W011", "unused model binding";
    CalendarGap = "W012", "coupon may expire before its calendar allows it";
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {}", code.as_str());
            assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        }
    }

    #[test]
    fn the_letter_says_the_severity_and_errors_explain_themselves() {
        for code in Code::ALL {
            let warning = code.as_str().starts_with('W');
            assert_eq!(code.severity() == Severity::Warning, warning, "{}", code.as_str());
            assert_eq!(code.error_explanation().is_none(), warning, "{}", code.as_str());
        }
    }
}
