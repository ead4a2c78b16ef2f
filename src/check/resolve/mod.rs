//! Builds the checked `Program` from the syntax trees of all files: resolves campaign,
//! rule, arm and event names, converts literals, types every expression and reports every
//! error it finds (it keeps going after the first). This file holds the resolver and what
//! every part uses (names, events, typing); each part of the language has its file:
//! `declarations` (fields, events, functions), `campaign`, `funding`, `experiment`,
//! `rule`, `offer`, `batch` (segments and the model), `risk` and `test_blocks`.

mod batch;
mod campaign;
mod declarations;
mod experiment;
mod funding;
mod offer;
mod profile;
mod response;
mod risk;
mod rule;
mod test_blocks;

use super::expr::{Scope, Signature};
use super::program::*;
use super::types::{TExpr, Type};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::source::{Sources, Span};
use crate::syntax::ast::{self, Item};
use std::collections::HashMap;
use std::sync::Arc;

/// Event types of the integration contract.
pub const CONTRACT_EVENTS: &[&str] = &[
    "app_open",
    "view_item",
    "add_to_cart",
    "checkout_started",
    "payment_abandoned",
    "order_paid",
    "cart_abandoned",
    "coupon_redeemed",
    "tick",
    "signal",
];

/// Event types of the contract that carry behaviour for aggregates (`count(item_favourited,
/// 7d)`) and need no field of their own: `item_favourited` and `item_shared` carry the
/// `item`, `search` its `query` and `category` (`search.query`, `search.category`).
pub const BEHAVIOUR_EVENTS: &[&str] = &["item_favourited", "item_shared", "search"];

/// Clauses that may be given once in a campaign or rule: reports the second of each.
struct OnceOnly {
    owner: String,
    help: &'static str,
    first: HashMap<&'static str, Span>,
}

impl OnceOnly {
    fn new(owner: String, help: &'static str) -> Self {
        OnceOnly {
            owner,
            help,
            first: HashMap::new(),
        }
    }

    /// Whether `what` was given before (and so is reported as `E013`).
    fn seen(&mut self, diagnostics: &mut Vec<Diagnostic>, what: &'static str, span: Span) -> bool {
        let Some(first) = self.first.insert(what, span) else {
            return false;
        };
        diagnostics.push(
            Diagnostic::new(
                Code::RepeatedClause,
                span,
                format!("`{what}` is given twice in {}", self.owner),
            )
            .label("second")
            .related(first, "first")
            .help(self.help),
        );
        true
    }
}

pub struct Resolver<'a> {
    pub sources: &'a Sources,
    pub diagnostics: Vec<Diagnostic>,
    declared: Vec<(String, Type)>,
    functions: Vec<Signature>,
    events: Vec<String>,
    /// The aggregates over past events the rules use.
    aggregates: Vec<crate::check::aggregate::Aggregate>,
    /// The `profile` features, typed, in the order written.
    profile: Vec<(String, TExpr)>,
    /// The zone of campaigns whose window names none, and of risk checks.
    zone: chrono_tz::Tz,
    /// Whether the campaign being resolved is a batch campaign (no event, so no `item`).
    in_batch: bool,
    /// Every campaign's name and rule names, for `exclusive with other.rule`.
    campaign_rules: Vec<(String, Vec<String>)>,
}
impl<'a> Resolver<'a> {
    pub fn new(sources: &'a Sources, zone: chrono_tz::Tz) -> Self {
        Resolver {
            sources,
            zone,
            diagnostics: Vec::new(),
            declared: Vec::new(),
            functions: Vec::new(),
            events: CONTRACT_EVENTS
                .iter()
                .chain(BEHAVIOUR_EVENTS)
                .chain(&[crate::check::program::REFERRAL_EVENT])
                .map(|s| s.to_string())
                .collect(),
            aggregates: Vec::new(),
            profile: Vec::new(),
            in_batch: false,
            campaign_rules: Vec::new(),
        }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diagnostics.push(d);
    }

    fn scope(&mut self, tz: chrono_tz::Tz) -> (Scope<'_>, ()) {
        (
            Scope {
                declared: &self.declared,
                events: &self.events,
                aggregates: &mut self.aggregates,
                profile: &self.profile,
                functions: &self.functions,
                locals: Vec::new(),
                offer: false,
                batch: self.in_batch,
                tz,
                diagnostics: &mut self.diagnostics,
            },
            (),
        )
    }

    fn typed(&mut self, e: &ast::Expr, want: &Type, what: &str, tz: chrono_tz::Tz) -> TExpr {
        let (mut s, ()) = self.scope(tz);
        s.expect(e, want, what)
    }

    fn condition(&mut self, e: &ast::Expr, tz: chrono_tz::Tz) -> Vec<Condition> {
        let t = self.typed(e, &Type::Bool, "a condition", tz);
        t.conjuncts()
            .into_iter()
            .map(|expr| Condition {
                text: self
                    .sources
                    .snippet(expr.span)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
                expr,
            })
            .collect()
    }

    /// Resolves all files into one program.
    pub fn program(mut self, files: &[ast::File]) -> (Program, Vec<Diagnostic>) {
        let items: Vec<&Item> = files.iter().flat_map(|f| f.items.iter()).collect();
        // Declarations first: they may be used before they are written.
        self.declarations(&items);
        let functions = self.functions(&items);
        // Profile features next: every campaign may read them.
        self.profiles(&items);
        self.campaign_rules = items
            .iter()
            .filter_map(|i| match i {
                Item::Campaign(c) => Some((
                    c.name.text.clone(),
                    c.clauses
                        .iter()
                        .filter_map(|k| match k {
                            ast::CampaignClause::Rule(r) => Some(r.name.text.clone()),
                            _ => None,
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        let mut program = Program {
            functions,
            sources: self.sources.clone(),
            zone: self.zone,
            ..Program::default()
        };
        let mut seen_campaign: HashMap<String, Span> = HashMap::new();
        let mut risk_seen: HashMap<String, Span> = HashMap::new();
        for item in &items {
            match item {
                Item::Campaign(c) => {
                    if let Some(first) = seen_campaign.insert(c.name.text.clone(), c.name.span) {
                        self.duplicate("campaign", &c.name, first);
                        continue;
                    }
                    if let Some(c) = self.campaign(c) {
                        program.campaigns.push(c);
                    }
                }
                Item::Risk(r) => self.risk(r, &mut risk_seen, &mut program.risk),
                Item::Test(t) => {
                    self.test_times(t);
                    program.tests.push(t.clone());
                }
                _ => {}
            }
        }
        program
            .campaigns
            .sort_by(|a, b| b.priority.cmp(&a.priority).then_with(|| a.id.cmp(&b.id)));
        program.aggregates = std::mem::take(&mut self.aggregates);
        (program, self.diagnostics)
    }

    fn duplicate(&mut self, what: &str, name: &ast::Name, first: Span) {
        self.error(
            Diagnostic::new(
                Code::Duplicate,
                name.span,
                format!("{what} `{}` is defined twice", name.text),
            )
            .label("second definition")
            .related(first, "first defined here")
            .help(format!("rename one of the two {what}s")),
        );
    }

    fn known_event(&mut self, name: &ast::Name) -> Arc<str> {
        if !self.events.contains(&name.text) {
            let mut d = Diagnostic::new(
                Code::UnknownEvent,
                name.span,
                format!("unknown event type `{}`", name.text),
            )
            .label("the platform does not send this");
            d = match did_you_mean(&name.text, self.events.iter().map(String::as_str)) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help(format!(
                    "declare it with `event {}` if the platform sends it",
                    name.text
                )),
            };
            self.error(d);
        }
        Arc::from(name.text.as_str())
    }
}
