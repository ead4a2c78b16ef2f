//! The checked program: campaigns, rules, offers, the risk policy and functions with
//! names resolved, types known, literals converted (fen, basis points, milliseconds, UTC).
//! Only what `check` accepted can be built, so the runtime never meets a name it does not
//! know.

use super::types::TExpr;
use crate::source::{Sources, Span};
use crate::syntax::ast::{OfferKind, TestBlock};
use crate::value::{BasisPoints, Fen, Millis};
use std::sync::Arc;

#[derive(Debug, Clone, Default)]
pub struct Program {
    /// In decision order: priority (highest first), then id.
    pub campaigns: Vec<Campaign>,
    pub risk: Vec<RiskCheck>,
    pub functions: Vec<Function>,
    pub tests: Vec<TestBlock>,
    pub sources: Sources,
    /// The aggregates over users' past events the rules read (`count(view_item, 7d)`…),
    /// by the index `Builtin::Aggregate` carries.
    pub aggregates: Vec<super::aggregate::Aggregate>,
    /// The zone the program was checked with (`CheckOptions::zone`): campaigns whose
    /// window names none use it, and so do risk checks, tests and decisions that name no
    /// campaign.
    pub zone: chrono_tz::Tz,
}

impl Program {
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| &*c.id == id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetKind {
    /// Reserved at issue, released on expiry or revocation.
    FaceValue,
    /// Batch campaigns: the sum of expected costs.
    ExpectedCost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub amount: Fen,
    pub kind: BudgetKind,
}

/// The calendar period of a `budget … per day` or `per hour`, in the campaign's zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetPeriod {
    Day,
    Hour,
}

impl BudgetPeriod {
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "day",
            BudgetPeriod::Hour => "hour",
        }
    }
}

/// `budget ¥10_000 face value per day`: the face value issued in one calendar period may
/// not pass `amount`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeriodBudget {
    pub per: BudgetPeriod,
    pub amount: Fen,
}

/// Who pays for a coupon, in basis points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Funding {
    pub platform: BasisPoints,
    pub seller: BasisPoints,
}

impl Default for Funding {
    fn default() -> Self {
        Funding {
            platform: 10_000,
            seller: 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: Arc<str>,
    pub title: Option<String>,
    /// `[start, end)` in UTC ms; batch campaigns may have none.
    pub window: Option<(Millis, Millis)>,
    pub tz: chrono_tz::Tz,
    pub budget: Option<Budget>,
    /// `funding …` as written; `None`: the platform pays, except for coupons scoped to one
    /// seller, which that seller pays (`runtime::terms::funding_of`).
    pub funding: Option<Funding>,
    /// Funding of coupons scoped to categories, if it differs.
    pub category_funding: Option<Funding>,
    pub audience: Vec<Condition>,
    pub priority: i64,
    pub exclusive: bool,
    pub experiment: Option<Experiment>,
    pub rules: Vec<Rule>,
    pub batch: Option<Batch>,
    /// Event types that cancel the campaign's pending timers for the user.
    pub cancel_timers_on: Vec<Arc<str>>,
    /// `at most ¥300 off per order`: the most the campaign's coupons together take off
    /// one order at checkout.
    pub order_cap: Option<Fen>,
    /// `at most 500 coupons per campaign`: the coupons the campaign issues to everyone.
    pub cap: Option<u32>,
    /// `budget ¥10_000 face value per day` (and `per hour`), beside the total `budget`.
    pub period_budgets: Vec<PeriodBudget>,
    /// `pace evenly`: by the end of each hour, no more than that hour's share of the
    /// window of the face-value budget is reserved.
    pub pace: bool,
    /// `response from "models/dormant.json"`: the fitted response model that values the
    /// campaign's offers.
    pub response: Option<ResponseSource>,
    /// `price λ 2.5`: the gain a yuan of expected cost must buy when an event rule picks
    /// among `one of` options.
    pub price: Option<f64>,
    /// `price λ from "runs/summary.json"`: the batch run summary the price was read from.
    pub price_source: Option<ResponseSource>,
    pub span: Span,
}

/// Where a campaign's response model is: the path written and the file it names
/// (relative to the rule file's folder), with the text read when the rules were checked.
#[derive(Debug, Clone)]
pub struct ResponseSource {
    pub written: String,
    pub path: std::path::PathBuf,
    pub text: Arc<str>,
    pub span: Span,
}

/// A condition with the text it was written as, for traces.
#[derive(Debug, Clone)]
pub struct Condition {
    pub expr: TExpr,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: Arc<str>,
    pub unit: TExpr,
    pub seed: Arc<str>,
    /// The attribution window in milliseconds (`measure 14d`; 7 days when not written):
    /// a user's orders count for the analysis from exposure until this long after it.
    pub measure: Millis,
    pub arms: Vec<Arm>,
}

/// The attribution window of an experiment that writes no `measure`.
pub const DEFAULT_MEASURE: Millis = 7 * 24 * 3_600_000;

#[derive(Debug, Clone)]
pub struct Arm {
    pub name: Arc<str>,
    pub weight: BasisPoints,
    /// A holdout runs the campaign's arm-less rules and those of the arms it holds out
    /// (none, for a bare `holds out`), and reports `suppressed: holdout` instead of issuing.
    pub holdout: Option<Vec<usize>>,
    /// `random offer`: each user gets an option of the menu drawn uniformly (from the
    /// user's unit and the experiment's seed), whatever the model or response says.
    pub explore: bool,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: Arc<str>,
    /// Only users in this arm (index into the experiment's arms).
    pub arm: Option<usize>,
    pub triggers: Vec<Arc<str>>,
    pub wait: Option<Wait>,
    pub conditions: Vec<Condition>,
    pub limit: Option<Limit>,
    pub offer: Option<OfferSpec>,
    pub revokes: Vec<Revoke>,
    pub alerts: Vec<AlertSpec>,
    /// `exclusive` (`Some` of none) or `exclusive with …`, as coupons carry it: a rule of
    /// this campaign by its name, another campaign's as `campaign/rule`.
    pub exclusive_with: Option<Vec<Arc<str>>>,
    /// The rules `exclusive with` names, resolved: (campaign id, rule name).
    pub exclusive_rules: Vec<RuleId>,
    /// `stackable`: several of the rule's coupons may be used in one order.
    pub stackable: bool,
    /// `not on sale items`: its coupons do not cover lines on sale, and their minimum
    /// spend counts only the lines not on sale.
    pub not_on_sale: bool,
    /// `at most 100 coupons per rule`: the coupons the rule issues to everyone.
    pub cap: Option<u32>,
    /// `give … to inviter`: the side of a referral the rule gives to (`None`: the event's
    /// user, who on a referral is the invitee).
    pub to: Option<Side>,
    pub span: Span,
}

/// A side of a referral (`referral_completed`): the user who invited, or the one invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Inviter,
    Invitee,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Inviter => "inviter",
            Side::Invitee => "invitee",
        }
    }
}

/// The one event type that names two users, and whose rules may `give … to` either.
pub const REFERRAL_EVENT: &str = "referral_completed";

/// A rule by campaign id and rule name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleId {
    pub campaign: Arc<str>,
    pub rule: Arc<str>,
}

#[derive(Debug, Clone)]
pub struct Wait {
    pub delay: Millis,
    pub unless: Vec<Arc<str>>,
}

#[derive(Debug, Clone)]
pub struct Limit {
    pub times: u32,
    pub keys: Vec<LimitKey>,
}

#[derive(Debug, Clone)]
pub enum LimitKey {
    User,
    Day,
    Week,
    Month,
    Value(TExpr),
}

#[derive(Debug, Clone)]
pub struct Revoke {
    /// Index of the revoked rule in the same campaign.
    pub rule: usize,
    pub reason: Arc<str>,
}

#[derive(Debug, Clone)]
pub struct AlertSpec {
    pub target: Arc<str>,
    pub details: Vec<(Arc<str>, TExpr)>,
}

#[derive(Debug, Clone)]
pub enum Validity {
    For(Millis),
    UntilWindowEnd,
}

#[derive(Debug, Clone)]
pub struct OfferSpec {
    pub kind: OfferKind,
    /// The discount (money for amount/threshold, percent for percent_off); for a menu,
    /// several choices.
    pub value: Vec<TExpr>,
    pub min_spend: Option<TExpr>,
    pub item: Option<Arc<str>>,
    pub worth: Option<TExpr>,
    pub cap: Option<TExpr>,
    pub scope: Option<TExpr>,
    /// The one seller whose items the coupon covers (the offer's `for seller …`, or the
    /// campaign's).
    pub seller: Option<TExpr>,
    pub validity: Validity,
    /// `on weekends between 20:00 and 23:00`: when the coupon may be used.
    pub calendar: Option<crate::value::calendar::Calendar>,
    pub funded: Option<Funding>,
}

#[derive(Debug, Clone)]
pub struct Batch {
    pub segments: Vec<Segment>,
    /// `let` bindings in order; `TExprKind::Local(i)` reads binding `i`.
    pub bindings: Vec<(Arc<str>, TExpr)>,
    pub cost: TExpr,
    pub gain: TExpr,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub name: Arc<str>,
    pub when: Option<Condition>,
    pub offers: Vec<OfferSpec>,
}

#[derive(Debug, Clone)]
pub struct RiskCheck {
    pub name: Arc<str>,
    /// `risk:NAME`
    pub reason: Arc<str>,
    pub when: Condition,
}

#[derive(Debug, Clone)]
pub struct Function {
    pub name: Arc<str>,
    pub params: Vec<super::types::Type>,
    pub returns: super::types::Type,
    pub ast: Arc<rhai::AST>,
}
