//! From text to the syntax tree: the pest grammar in `grammar/mint.pest` does the
//! recognising; this module builds `ast` nodes from its pairs and turns pest's errors into
//! `E001` diagnostics.

use super::ast::*;
use super::span::{FileId, Span};
use crate::check::codes::Code;
use crate::diagnostic::Diagnostic;
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
        Err(Diagnostic::new(
            Code::Syntax,
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

fn check_nesting(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' | '[' | '{' => {
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
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
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
        Ok(_) => Diagnostic::new(
            Code::Syntax,
            Span::new(file, 0, 0),
            "the file could not be parsed".to_string(),
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
            | Rule::of_op
    )
}

/// The children of a pair without the keyword tokens, which carry no information.
fn children(pair: P<'_>) -> impl Iterator<Item = P<'_>> {
    pair.into_inner().filter(|p| !is_keyword_token(p.as_rule()))
}

impl Builder {
    fn span(&self, pair: &P<'_>) -> Span {
        let s = pair.as_span();
        Span::new(self.file, s.start(), s.end())
    }

    fn bad(&self, pair: &P<'_>, msg: &str) -> Diagnostic {
        Diagnostic::new(Code::Syntax, self.span(pair), msg.to_string()).label("here")
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

    fn string(&self, pair: P<'_>) -> String {
        let inner = pair.into_inner().next().map_or("", |p| p.as_str());
        unescape(inner)
    }

    fn datetime(&self, pair: P<'_>) -> DateTimeLit {
        DateTimeLit {
            text: pair.as_str().split_whitespace().collect::<Vec<_>>().join(" "),
            span: self.span(&pair),
        }
    }

    fn item(&self, pair: P<'_>) -> Result<Item, Diagnostic> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::campaign => Item::Campaign(self.campaign(pair)?),
            Rule::risk_policy => {
                let mut checks = Vec::new();
                for c in children(pair) {
                    let cspan = self.span(&c);
                    let mut it = children(c);
                    let (Some(name), Some(when)) = (it.next(), it.next()) else {
                        continue;
                    };
                    checks.push(RiskCheck {
                        name: self.name(name),
                        when: self.expr(when)?,
                        span: cspan,
                    });
                }
                Item::Risk(RiskPolicy { checks, span })
            }
            Rule::function_def => Item::Function(self.function(pair)?),
            Rule::field_decl => {
                let mut it = children(pair);
                let (Some(path), Some(ty)) = (it.next(), it.next()) else {
                    return Err(Diagnostic::new(Code::Syntax, span, "incomplete field declaration"));
                };
                let path = path.into_inner().map(|p| self.name(p)).collect();
                Item::Field(FieldDecl {
                    path,
                    ty: self.name(ty),
                    span,
                })
            }
            Rule::event_decl => {
                let list = children(pair).next();
                Item::Event(list.map(|l| self.names(l)).unwrap_or_default())
            }
            Rule::test_block => Item::Test(self.test(pair)?),
            _ => return Err(self.bad(&pair, "unexpected item")),
        })
    }

    fn function(&self, pair: P<'_>) -> Result<FunctionDef, Diagnostic> {
        let span = self.span(&pair);
        let mut name = None;
        let mut params = Vec::new();
        let mut returns = None;
        let mut body = String::new();
        let mut body_span = span;
        for p in children(pair) {
            match p.as_rule() {
                Rule::name => name = Some(self.name(p)),
                Rule::param => {
                    let mut it = children(p);
                    if let (Some(n), Some(t)) = (it.next(), it.next()) {
                        params.push((self.name(n), self.name(t)));
                    }
                }
                Rule::type_name => returns = Some(self.name(p)),
                Rule::rhai_body => {
                    if let Some(text) = p.into_inner().next() {
                        body_span = self.span(&text);
                        body = text.as_str().to_string();
                    }
                }
                _ => {}
            }
        }
        let (Some(name), Some(returns)) = (name, returns) else {
            return Err(Diagnostic::new(Code::Syntax, span, "incomplete function"));
        };
        Ok(FunctionDef {
            name,
            params,
            returns,
            body,
            body_span,
            span,
        })
    }

    fn campaign(&self, pair: P<'_>) -> Result<Campaign, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let Some(name) = it.next() else {
            return Err(Diagnostic::new(Code::Syntax, span, "campaign without a name"));
        };
        let name = self.name(name);
        let title = match it.peek().map(|p| p.as_rule()) {
            Some(Rule::string) => it.next().map(|p| self.string(p)),
            _ => None,
        };
        let mut clauses = Vec::new();
        for c in it {
            clauses.push(self.campaign_clause(c)?);
        }
        Ok(Campaign {
            name,
            title,
            span,
            clauses,
        })
    }

    fn campaign_clause(&self, pair: P<'_>) -> Result<CampaignClause, Diagnostic> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::window => {
                let mut it = children(pair);
                let (Some(a), Some(b)) = (it.next(), it.next()) else {
                    return Err(Diagnostic::new(Code::Syntax, span, "incomplete window"));
                };
                CampaignClause::Window(Window {
                    start: self.datetime(a),
                    end: self.datetime(b),
                    zone: it.next().map(|z| self.name(z)),
                    span,
                })
            }
            Rule::budget => {
                let mut amount = None;
                let mut kind = None;
                for p in children(pair) {
                    match p.as_rule() {
                        Rule::money => amount = Some(self.atom(p)?),
                        Rule::budget_kind => {
                            kind = p.into_inner().next().map(|k| match k.as_rule() {
                                Rule::expected_cost => BudgetKind::ExpectedCost,
                                _ => BudgetKind::FaceValue,
                            })
                        }
                        _ => {}
                    }
                }
                let Some(amount) = amount else {
                    return Err(Diagnostic::new(Code::Syntax, span, "budget without an amount"));
                };
                CampaignClause::Budget(Budget { amount, kind, span })
            }
            Rule::funding => CampaignClause::Funding(self.funding(pair)?),
            Rule::audience => {
                let e = children(pair).next();
                CampaignClause::Audience(self.required_expr(e, span)?)
            }
            Rule::priority => {
                let n = children(pair).next();
                let value = n.as_ref().and_then(|n| n.as_str().parse::<i64>().ok());
                let Some(value) = value else {
                    return Err(Diagnostic::new(
                        Code::BadLiteral,
                        span,
                        "priority is not a whole number",
                    ));
                };
                CampaignClause::Priority(value, span)
            }
            Rule::exclusive_campaign => CampaignClause::Exclusive(span),
            Rule::batch_flag => CampaignClause::Batch(span),
            Rule::cancel_timers => {
                let list = children(pair).next();
                CampaignClause::CancelTimers(list.map(|l| self.names(l)).unwrap_or_default(), span)
            }
            Rule::experiment => CampaignClause::Experiment(self.experiment(pair)?),
            Rule::rule => CampaignClause::Rule(self.rule(pair)?),
            Rule::segment => {
                let mut name = None;
                let mut when = None;
                let mut offers = Vec::new();
                for p in children(pair) {
                    match p.as_rule() {
                        Rule::name => name = Some(self.name(p)),
                        Rule::expr => when = Some(self.expr(p)?),
                        Rule::give => {
                            if let Some(o) = children(p).next() {
                                offers.push(self.offer(o)?);
                            }
                        }
                        _ => {}
                    }
                }
                let Some(name) = name else {
                    return Err(Diagnostic::new(Code::Syntax, span, "segment without a name"));
                };
                CampaignClause::Segment(Segment {
                    name,
                    when,
                    offers,
                    span,
                })
            }
            Rule::model => {
                let mut bindings = Vec::new();
                let mut outputs = Vec::new();
                for p in children(pair) {
                    let is_binding = p.as_rule() == Rule::binding;
                    let mut it = children(p);
                    let (Some(n), Some(e)) = (it.next(), it.next()) else {
                        continue;
                    };
                    let entry = (self.name(n), self.expr(e)?);
                    if is_binding {
                        bindings.push(entry);
                    } else {
                        outputs.push(entry);
                    }
                }
                CampaignClause::Model(Model {
                    bindings,
                    outputs,
                    span,
                })
            }
            Rule::seller_scope => CampaignClause::SellerScope(self.required_expr(children(pair).next(), span)?, span),
            Rule::maximize => {
                let n = children(pair).next();
                match n {
                    Some(n) => CampaignClause::Maximize(self.name(n)),
                    None => return Err(Diagnostic::new(Code::Syntax, span, "maximize what?")),
                }
            }
            _ => return Err(self.bad(&pair, "unexpected campaign clause")),
        })
    }

    fn required_expr(&self, pair: Option<P<'_>>, span: Span) -> Result<Expr, Diagnostic> {
        match pair {
            Some(p) => self.expr(p),
            None => Err(Diagnostic::new(Code::Syntax, span, "expected an expression")),
        }
    }

    fn funding(&self, pair: P<'_>) -> Result<Funding, Diagnostic> {
        let span = self.span(&pair);
        let mut shares = Vec::new();
        let mut category_coupons = false;
        for p in children(pair) {
            match p.as_rule() {
                Rule::share => {
                    let mut it = children(p);
                    if let (Some(f), Some(pc)) = (it.next(), it.next()) {
                        shares.push(Share {
                            funder: self.name(f),
                            percent: self.atom(pc)?,
                        });
                    }
                }
                Rule::category_scope => category_coupons = true,
                _ => {}
            }
        }
        Ok(Funding {
            shares,
            category_coupons,
            span,
        })
    }

    fn experiment(&self, pair: P<'_>) -> Result<Experiment, Diagnostic> {
        let span = self.span(&pair);
        let mut name = None;
        let mut unit = None;
        let mut seed = None;
        let mut arms = Vec::new();
        for p in children(pair) {
            match p.as_rule() {
                Rule::name => name = Some(self.name(p)),
                Rule::path => unit = Some(self.atom(p)?),
                Rule::seed => seed = p.into_inner().next().map(|s| self.string(s)),
                Rule::arm => {
                    let aspan = self.span(&p);
                    let mut aname = None;
                    let mut weight = None;
                    let mut holds_out = None;
                    for a in children(p) {
                        match a.as_rule() {
                            Rule::name => aname = Some(self.name(a)),
                            Rule::percent => weight = Some(self.atom(a)?),
                            Rule::holds_out => holds_out = Some(children(a).next().map(|n| self.name(n))),
                            _ => {}
                        }
                    }
                    if let (Some(name), Some(weight)) = (aname, weight) {
                        arms.push(Arm {
                            name,
                            weight,
                            holds_out,
                            span: aspan,
                        });
                    }
                }
                _ => {}
            }
        }
        let (Some(name), Some(unit)) = (name, unit) else {
            return Err(Diagnostic::new(Code::Syntax, span, "incomplete experiment"));
        };
        Ok(Experiment {
            name,
            unit,
            seed,
            arms,
            span,
        })
    }

    fn rule(&self, pair: P<'_>) -> Result<Rule_, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair).peekable();
        let Some(name) = it.next() else {
            return Err(Diagnostic::new(Code::Syntax, span, "rule without a name"));
        };
        let name = self.name(name);
        let arm = match it.peek().map(|p| p.as_rule()) {
            Some(Rule::name) => it.next().map(|p| self.name(p)),
            _ => None,
        };
        let mut clauses = Vec::new();
        for c in it {
            clauses.push(self.rule_clause(c)?);
        }
        Ok(Rule_ {
            name,
            arm,
            span,
            clauses,
        })
    }

    fn rule_clause(&self, pair: P<'_>) -> Result<RuleClause, Diagnostic> {
        let span = self.span(&pair);
        Ok(match pair.as_rule() {
            Rule::on => {
                let list = children(pair).next();
                RuleClause::On(list.map(|l| self.names(l)).unwrap_or_default(), span)
            }
            Rule::wait => {
                let mut it = children(pair);
                let delay = self.required_expr(it.next(), span)?;
                let unless = it.next().map(|l| self.names(l)).unwrap_or_default();
                RuleClause::Wait(Wait { delay, unless, span })
            }
            Rule::when => RuleClause::When(self.required_expr(children(pair).next(), span)?),
            Rule::limit => {
                let mut times = 1;
                let mut keys = Vec::new();
                for p in children(pair) {
                    match p.as_rule() {
                        Rule::once => times = 1,
                        Rule::at_most => {
                            let n = children(p).next();
                            times = n.and_then(|n| n.as_str().parse().ok()).unwrap_or(0);
                        }
                        Rule::per_key => {
                            if let Some(k) = p.into_inner().next() {
                                keys.push(match k.as_rule() {
                                    Rule::period => PerKey::Period(self.name(k)),
                                    _ => PerKey::Path(self.atom(k)?),
                                });
                            }
                        }
                        _ => {}
                    }
                }
                RuleClause::Limit(Limit { times, keys, span })
            }
            Rule::give => match children(pair).next() {
                Some(o) => RuleClause::Give(Box::new(self.offer(o)?)),
                None => return Err(Diagnostic::new(Code::Syntax, span, "give what?")),
            },
            Rule::revoke => {
                let mut it = children(pair);
                let Some(rule) = it.next() else {
                    return Err(Diagnostic::new(Code::Syntax, span, "revoke what?"));
                };
                RuleClause::Revoke {
                    rule: self.name(rule),
                    reason: it.next().map(|r| self.name(r)),
                    span,
                }
            }
            Rule::alert => {
                let mut it = children(pair);
                let Some(target) = it.next() else {
                    return Err(Diagnostic::new(Code::Syntax, span, "alert whom?"));
                };
                let mut details = Vec::new();
                for d in it {
                    let mut dit = children(d);
                    if let (Some(n), Some(e)) = (dit.next(), dit.next()) {
                        details.push((self.name(n), self.expr(e)?));
                    }
                }
                RuleClause::Alert(Alert {
                    target: self.name(target),
                    details,
                    span,
                })
            }
            Rule::exclusive_with => {
                let list = children(pair).next();
                RuleClause::ExclusiveWith(list.map(|l| self.names(l)).unwrap_or_default(), span)
            }
            _ => return Err(self.bad(&pair, "unexpected rule clause")),
        })
    }

    fn offer(&self, pair: P<'_>) -> Result<Offer, Diagnostic> {
        let span = self.span(&pair);
        let mut inner = children(pair);
        let Some(head) = inner.next() else {
            return Err(Diagnostic::new(Code::Syntax, span, "empty offer"));
        };
        let kind = match head.as_rule() {
            Rule::amount_off => OfferKind::AmountOff,
            Rule::percent_off => OfferKind::PercentOff,
            Rule::threshold => OfferKind::Threshold,
            Rule::free_shipping => OfferKind::FreeShipping,
            Rule::gift => OfferKind::Gift,
            _ => OfferKind::Perk,
        };
        let mut offer = Offer {
            kind,
            value: None,
            min_spend: None,
            item: None,
            worth: None,
            cap: None,
            scope: None,
            seller: None,
            validity: None,
            funded: None,
            span,
            repeated: Vec::new(),
        };
        for p in children(head) {
            match p.as_rule() {
                Rule::choice => offer.value = Some(self.choice(p)?),
                Rule::operand => offer.min_spend = Some(self.expr(p)?),
                Rule::name => offer.item = Some(self.name(p)),
                Rule::worth => {
                    offer.worth = Some(self.required_expr(children(p).next(), span)?);
                }
                _ => {}
            }
        }
        for p in inner {
            let pspan = self.span(&p);
            let which = p.as_rule();
            let slot_taken = match which {
                Rule::cap => offer.cap.is_some(),
                Rule::min_spend => offer.min_spend.is_some(),
                Rule::scope => offer.scope.is_some(),
                Rule::seller_scope => offer.seller.is_some(),
                Rule::valid => offer.validity.is_some(),
                Rule::funded => offer.funded.is_some(),
                _ => false,
            };
            if slot_taken {
                offer.repeated.push(pspan);
                continue;
            }
            match which {
                Rule::cap => offer.cap = Some(self.required_expr(children(p).next(), pspan)?),
                Rule::min_spend => offer.min_spend = Some(self.required_expr(children(p).next(), pspan)?),
                Rule::scope => offer.scope = Some(self.required_expr(children(p).next(), pspan)?),
                Rule::seller_scope => offer.seller = Some(self.required_expr(children(p).next(), pspan)?),
                Rule::valid => {
                    let v = children(p).next();
                    offer.validity = Some(match v {
                        Some(v) if v.as_rule() == Rule::until_end => Validity::UntilWindowEnd(self.span(&v)),
                        Some(v) => Validity::For(self.atom(v)?),
                        None => {
                            return Err(Diagnostic::new(Code::Syntax, pspan, "valid for how long?"));
                        }
                    });
                }
                Rule::funded => offer.funded = Some(self.funding(p)?),
                _ => {}
            }
        }
        Ok(offer)
    }

    fn choice(&self, pair: P<'_>) -> Result<Choice, Diagnostic> {
        let span = self.span(&pair);
        let Some(inner) = pair.into_inner().next() else {
            return Err(Diagnostic::new(Code::Syntax, span, "expected a value"));
        };
        if inner.as_rule() == Rule::menu {
            let mspan = self.span(&inner);
            let items = children(inner).map(|p| self.expr(p)).collect::<Result<_, _>>()?;
            Ok(Choice::Menu(items, mspan))
        } else {
            Ok(Choice::One(self.expr(inner)?))
        }
    }

    fn test(&self, pair: P<'_>) -> Result<TestBlock, Diagnostic> {
        let span = self.span(&pair);
        let mut it = children(pair);
        let name = it.next().map(|s| self.string(s)).unwrap_or_default();
        let mut steps = Vec::new();
        for step in it {
            let sspan = self.span(&step);
            match step.as_rule() {
                Rule::test_user => {
                    let body = step.into_inner().next().map(|j| j.as_str().to_string());
                    steps.push(TestStep::User(body.unwrap_or_default(), sspan));
                }
                Rule::test_event => {
                    let mut sit = children(step);
                    let (Some(kind), Some(at)) = (sit.next(), sit.next()) else {
                        continue;
                    };
                    steps.push(TestStep::Event {
                        kind: self.name(kind),
                        at: self.datetime(at),
                        body: sit.next().map(|j| j.as_str().to_string()),
                        span: sspan,
                    });
                }
                Rule::test_tick => {
                    if let Some(at) = children(step).next() {
                        steps.push(TestStep::Tick(self.datetime(at), sspan));
                    }
                }
                Rule::test_expect => {
                    let Some(e) = children(step).next() else {
                        continue;
                    };
                    let which = e.as_rule();
                    let mut eit = children(e);
                    let expectation = match which {
                        Rule::expect_nothing => Expectation::Nothing,
                        Rule::expect_coupon => {
                            let Some(n) = eit.next() else { continue };
                            let offer = eit.next().map(|o| self.offer(o).map(Box::new)).transpose()?;
                            Expectation::Coupon(self.name(n), offer)
                        }
                        Rule::expect_suppressed => {
                            let (Some(n), Some(r)) = (eit.next(), eit.next()) else {
                                continue;
                            };
                            Expectation::Suppressed(self.name(n), r.as_str().to_string())
                        }
                        Rule::expect_revoked => {
                            let Some(n) = eit.next() else { continue };
                            Expectation::Revoked(self.name(n), eit.next().map(|r| self.name(r)))
                        }
                        _ => {
                            let Some(n) = eit.next() else { continue };
                            Expectation::Alert(self.name(n))
                        }
                    };
                    steps.push(TestStep::Expect(expectation, sspan));
                }
                _ => {}
            }
        }
        Ok(TestBlock { name, steps, span })
    }

    // ------------------------------------------------------------ expressions

    fn expr(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let span = self.span(&pair);
        match pair.as_rule() {
            Rule::expr | Rule::operand => match pair.into_inner().next() {
                Some(p) => self.expr(p),
                None => Err(Diagnostic::new(Code::Syntax, span, "expected an expression")),
            },
            Rule::or_expr | Rule::and_expr | Rule::sum | Rule::product => self.binary_chain(pair),
            Rule::not_expr | Rule::prefix => {
                let mut ops = Vec::new();
                let mut last = None;
                for p in pair.into_inner() {
                    match p.as_rule() {
                        Rule::not_op => ops.push((UnaryOp::Not, self.span(&p))),
                        Rule::neg_op => ops.push((UnaryOp::Neg, self.span(&p))),
                        _ => last = Some(self.expr(p)?),
                    }
                }
                let Some(mut e) = last else {
                    return Err(Diagnostic::new(Code::Syntax, span, "expected an expression"));
                };
                for (op, ospan) in ops.into_iter().rev() {
                    // Fold `-30` into a literal so that constants stay constants.
                    e = match (op, e.kind) {
                        (UnaryOp::Neg, ExprKind::Number(n)) => Expr {
                            kind: ExprKind::Number(-n),
                            span: ospan.to(e.span),
                        },
                        (_, kind) => {
                            let inner = Expr { kind, span: e.span };
                            Expr {
                                span: ospan.to(inner.span),
                                kind: ExprKind::Unary(op, Box::new(inner)),
                            }
                        }
                    };
                }
                Ok(e)
            }
            Rule::comparison => {
                let mut it = pair.into_inner();
                let Some(left) = it.next() else {
                    return Err(Diagnostic::new(Code::Syntax, span, "expected an expression"));
                };
                let left = self.expr(left)?;
                let (Some(op), Some(right)) = (it.next(), it.next()) else {
                    return Ok(left);
                };
                let op = binary_op(op.as_rule(), op.as_str());
                let right = self.expr(right)?;
                Ok(Expr {
                    span: left.span.to(right.span),
                    kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                })
            }
            Rule::conditional => {
                let mut it = children(pair);
                let (Some(c), Some(a), Some(b)) = (it.next(), it.next(), it.next()) else {
                    return Err(Diagnostic::new(Code::Syntax, span, "incomplete `if`"));
                };
                Ok(Expr {
                    span,
                    kind: ExprKind::If(
                        Box::new(self.expr(c)?),
                        Box::new(self.expr(a)?),
                        Box::new(self.expr(b)?),
                    ),
                })
            }
            _ => self.atom(pair),
        }
    }

    fn binary_chain(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let mut it = pair.into_inner();
        let Some(first) = it.next() else {
            return Err(self.bad_span(Span::default(), "expected an expression"));
        };
        let mut left = self.expr(first)?;
        while let (Some(op), Some(right)) = (it.next(), it.next()) {
            let op = binary_op(op.as_rule(), op.as_str());
            let right = self.expr(right)?;
            left = Expr {
                span: left.span.to(right.span),
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
            };
        }
        Ok(left)
    }

    fn bad_span(&self, span: Span, msg: &str) -> Diagnostic {
        Diagnostic::new(Code::Syntax, span, msg.to_string())
    }

    fn atom(&self, pair: P<'_>) -> Result<Expr, Diagnostic> {
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::money => {
                let amount = pair.into_inner().next().map_or("", |p| p.as_str());
                ExprKind::Money(parse_fixed(amount, 2).ok_or_else(|| {
                    Diagnostic::new(Code::BadLiteral, span, format!("invalid money amount `{amount}`"))
                        .label("at most two decimals (fen)")
                        .help("write money like `¥30` or `¥19.90`")
                })?)
            }
            Rule::percent => {
                let amount = pair.into_inner().next().map_or("", |p| p.as_str());
                ExprKind::Percent(parse_fixed(amount, 2).ok_or_else(|| {
                    Diagnostic::new(Code::BadLiteral, span, format!("invalid percentage `{amount}%`"))
                        .label("at most two decimals")
                })?)
            }
            Rule::duration => {
                let mut ms: i64 = 0;
                for part in pair.into_inner() {
                    let mut it = part.into_inner();
                    let (Some(n), Some(u)) = (it.next(), it.next()) else {
                        continue;
                    };
                    let unit: i64 = match u.as_str() {
                        "w" => 7 * 86_400_000,
                        "d" => 86_400_000,
                        "h" => 3_600_000,
                        "m" => 60_000,
                        _ => 1_000,
                    };
                    let n: i64 = n.as_str().parse().unwrap_or(i64::MAX);
                    ms = n.checked_mul(unit).and_then(|v| ms.checked_add(v)).ok_or_else(|| {
                        Diagnostic::new(Code::BadLiteral, span, "duration is too long").label("out of range")
                    })?;
                }
                ExprKind::Duration(ms)
            }
            Rule::datetime_lit => match pair.into_inner().next() {
                Some(d) => ExprKind::DateTime(self.datetime(d)),
                None => return Err(self.bad_span(span, "expected a date")),
            },
            Rule::datetime => ExprKind::DateTime(self.datetime(pair)),
            Rule::number => ExprKind::Number(
                pair.as_str()
                    .parse()
                    .map_err(|_| Diagnostic::new(Code::BadLiteral, span, "invalid number").label("here"))?,
            ),
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::boolean => ExprKind::Bool(pair.as_str() == "true"),
            Rule::list => ExprKind::List(pair.into_inner().map(|p| self.expr(p)).collect::<Result<_, _>>()?),
            Rule::call => {
                let mut it = pair.into_inner();
                let Some(name) = it.next() else {
                    return Err(self.bad_span(span, "expected a function name"));
                };
                let name = self.name(name);
                let args = it.map(|p| self.expr(p)).collect::<Result<_, _>>()?;
                ExprKind::Call(name, args)
            }
            Rule::path => ExprKind::Path(pair.into_inner().map(|p| self.name(p)).collect()),
            Rule::expr
            | Rule::operand
            | Rule::or_expr
            | Rule::and_expr
            | Rule::not_expr
            | Rule::comparison
            | Rule::sum
            | Rule::product
            | Rule::prefix
            | Rule::conditional => return self.expr(pair),
            _ => return Err(self.bad(&pair, "unexpected token in expression")),
        };
        Ok(Expr { kind, span })
    }
}

type Rule_ = super::ast::Rule;

fn binary_op(r: Rule, text: &str) -> BinaryOp {
    match r {
        Rule::or_op => BinaryOp::Or,
        Rule::and_op => BinaryOp::And,
        Rule::in_op => BinaryOp::In,
        Rule::not_in_op => BinaryOp::NotIn,
        Rule::within_op => BinaryOp::Within,
        Rule::of_op => BinaryOp::Of,
        _ => match text {
            "==" => BinaryOp::Eq,
            "!=" => BinaryOp::Ne,
            "<=" => BinaryOp::Le,
            ">=" => BinaryOp::Ge,
            "<" => BinaryOp::Lt,
            ">" => BinaryOp::Gt,
            "+" => BinaryOp::Add,
            "-" => BinaryOp::Sub,
            "*" => BinaryOp::Mul,
            "/" => BinaryOp::Div,
            _ => BinaryOp::Of,
        },
    }
}

/// Parses `1_234.5` into an integer with `scale` decimals (`123450` for scale 2).
/// `None` if it has more decimals than `scale` or overflows.
pub fn parse_fixed(text: &str, scale: u32) -> Option<i64> {
    let clean: String = text.chars().filter(|c| *c != '_').collect();
    let (whole, frac) = clean.split_once('.').unwrap_or((&clean, ""));
    if frac.len() > scale as usize || whole.is_empty() {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let mut frac_value: i64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    for _ in frac.len()..scale as usize {
        frac_value *= 10;
    }
    whole.checked_mul(10_i64.pow(scale))?.checked_add(frac_value)
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_literals() {
        assert_eq!(parse_fixed("30", 2), Some(3000));
        assert_eq!(parse_fixed("19.9", 2), Some(1990));
        assert_eq!(parse_fixed("200_000", 2), Some(20_000_000));
        assert_eq!(parse_fixed("1.999", 2), None);
    }

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
}
