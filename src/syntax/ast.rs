//! The untyped syntax tree of a rule file, as the parser builds it. Every node keeps its
//! span; the checker turns it into the typed program of `check::program`.

use crate::source::Span;

/// An identifier as written, with its place.
#[derive(Debug, Clone, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// A type as written in a declaration (`field user.city: string`, `function f(p: money)
/// -> number`); the grammar admits only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeName {
    /// `number`
    Number,
    /// `money`
    Money,
    /// `percent`
    Percent,
    /// `string`
    Str,
    /// `bool`
    Bool,
    /// `duration`
    Duration,
    /// `time`
    Time,
}

#[derive(Debug, Clone, Default)]
pub struct File {
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub enum Item {
    /// `campaign id "title" { … }`
    Campaign(Campaign),
    /// `risk { check name: withhold when … }`
    Risk(RiskPolicy),
    /// `function name(a: money) -> number { rhai code }`
    Function(FunctionDef),
    /// `field user.city: string`
    Field(FieldDecl),
    /// `event wishlist_added, price_drop`
    Event(Vec<Name>),
    /// `test "name" { … }`
    Test(TestBlock),
    /// `profile { let bag_fan = … }`: named features, read as `profile.bag_fan`.
    Profile(Vec<(Name, Expr)>, Span),
}

#[derive(Debug, Clone)]
pub struct Campaign {
    pub name: Name,
    pub title: Option<String>,
    pub span: Span,
    pub clauses: Vec<CampaignClause>,
}

#[derive(Debug, Clone)]
pub enum CampaignClause {
    /// `window 2026-11-01 00:00 .. 2027-01-01 00:00 Asia/Shanghai`
    Window(Window),
    /// `budget ¥200000 face value`
    Budget(Budget),
    /// `funding platform 70% seller 30% for category coupons`
    Funding(Funding),
    /// `audience user.paid_orders == 0`
    Audience(Expr),
    /// `priority 10`
    Priority(i64, Span),
    /// `exclusive`
    Exclusive(Span),
    /// `batch`
    Batch(Span),
    /// `experiment ladder_v1 by user.id { arm … }`
    Experiment(Experiment),
    Rule(Rule),
    /// `segment name when … { give … }`
    Segment(Segment),
    /// `model { let … cost = … gain = … }`
    Model(Model),
    /// `maximize gain`
    Maximize(Name),
    /// `cancel timers on order_paid`
    CancelTimers(Vec<Name>, Span),
    /// `for seller "s-8848"`: every offer of the campaign covers only this seller's items.
    SellerScope(Expr, Span),
    /// `at most ¥300 off per order`: the campaign's coupons together give no more in one
    /// order.
    OrderCap(Expr, Span),
    /// `at most 500 coupons per campaign` (or `per rule`, reported as misplaced here).
    IssueCap(IssueCap),
    /// `pace evenly`: the face-value budget spread over the window.
    Pace(Span),
    /// `response from "models/dormant.json"`: the fitted response model that values the
    /// campaign's offers (the path as written, relative to the rule file).
    Response(String, Span),
    /// `price λ 2.5`: the gain a yuan of expected cost must buy when an event rule picks
    /// among `one of` options.
    Price(f64, Span),
    /// `price λ from "runs/summary.json"`: the λ of a batch run's summary (the path as
    /// written, relative to the rule file).
    PriceFrom(String, Span),
}

/// `at most 500 coupons per campaign`, `at most 100 coupons per rule`: how many coupons
/// the campaign (or the rule) issues to everyone together.
#[derive(Debug, Clone)]
pub struct IssueCap {
    pub count: u32,
    pub scope: CapScope,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapScope {
    /// `per campaign`
    Campaign,
    /// `per rule`
    Rule,
}

#[derive(Debug, Clone)]
pub struct Window {
    pub start: DateTimeLit,
    pub end: DateTimeLit,
    pub zone: Option<Name>,
    pub span: Span,
}

/// A calendar date and optional clock time as written, without a zone.
#[derive(Debug, Clone, PartialEq)]
pub struct DateTimeLit {
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetKind {
    FaceValue,
    ExpectedCost,
}

#[derive(Debug, Clone)]
pub struct Budget {
    pub amount: Expr,
    pub kind: Option<BudgetKind>,
    /// `per day`, `per hour`: a budget of each calendar period, beside the total.
    pub per: Option<BudgetPeriod>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BudgetPeriod {
    /// `per day`
    Day,
    /// `per hour`
    Hour,
}

#[derive(Debug, Clone)]
pub struct Share {
    pub funder: Name,
    pub percent: Expr,
}

#[derive(Debug, Clone)]
pub struct Funding {
    pub shares: Vec<Share>,
    pub category_coupons: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Experiment {
    pub name: Name,
    pub unit: Expr,
    pub seed: Option<String>,
    /// `measure 14d`: how long after exposure a user's orders count (the attribution window).
    pub measure: Option<Expr>,
    /// Clauses given twice (`seed`, `measure`), reported by the checker.
    pub repeated: Vec<Span>,
    pub arms: Vec<Arm>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Arm {
    pub name: Name,
    pub weight: Expr,
    /// `holds out shallow, deep`: `Some([shallow, deep])`; a bare `holds out`: `Some([])`.
    pub holds_out: Option<Vec<Name>>,
    /// `random offer`: the arm's users get an option of the menu drawn at random.
    pub random_offer: bool,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: Name,
    pub arm: Option<Name>,
    pub span: Span,
    pub clauses: Vec<RuleClause>,
}

#[derive(Debug, Clone)]
pub enum RuleClause {
    /// `on view_item, app_open`
    On(Vec<Name>, Span),
    /// `wait 2h unless checkout_started, order_paid`
    Wait(Wait),
    /// `when item.category in ["bags"]`
    When(Expr),
    /// `once per user per item.category`
    Limit(Limit),
    /// `at most 100 coupons per rule` (or `per campaign`, reported as misplaced here)
    IssueCap(IssueCap),
    /// `give amount_off ¥30 min_spend ¥199 valid 48h`
    Give(Box<Offer>),
    /// `revoke welcome as upgraded`
    Revoke {
        rule: Name,
        reason: Option<Name>,
        span: Span,
    },
    /// `alert customer_service with user: user.id`
    Alert(Alert),
    /// `exclusive`, `exclusive with base, double11.base`
    ExclusiveWith(Vec<RuleRef>, Span),
    /// `stackable`: several of the rule's coupons may be used in one order.
    Stackable(Span),
    /// `not on sale items`: the rule's coupons do not cover lines on sale.
    NotOnSale(Span),
}

/// A rule named by another: `base` (of the same campaign) or `double11.base`.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleRef {
    pub campaign: Option<Name>,
    pub rule: Name,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Wait {
    pub delay: Expr,
    pub unless: Vec<Name>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Limit {
    /// How many coupons per key: 1 for `once`.
    pub times: u32,
    pub keys: Vec<PerKey>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum PerKey {
    /// `per day`, `per week`, `per month`
    Period(Name),
    /// `per user`, `per item.category`
    Path(Expr),
}

#[derive(Debug, Clone)]
pub struct Alert {
    pub target: Name,
    pub details: Vec<(Name, Expr)>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OfferKind {
    AmountOff,
    PercentOff,
    Threshold,
    FreeShipping,
    Gift,
    Perk,
}

impl OfferKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OfferKind::AmountOff => "amount_off",
            OfferKind::PercentOff => "percent_off",
            OfferKind::Threshold => "threshold",
            OfferKind::FreeShipping => "free_shipping",
            OfferKind::Gift => "gift",
            OfferKind::Perk => "perk",
        }
    }

    /// The kind a coupon's `kind` names (what [`OfferKind::as_str`] wrote).
    pub fn parse(kind: &str) -> Option<OfferKind> {
        [
            OfferKind::AmountOff,
            OfferKind::PercentOff,
            OfferKind::Threshold,
            OfferKind::FreeShipping,
            OfferKind::Gift,
            OfferKind::Perk,
        ]
        .into_iter()
        .find(|k| k.as_str() == kind)
    }
}

/// One value or a menu the engine chooses from: `one of 10%, 15%, 20%`.
#[derive(Debug, Clone)]
pub enum Choice {
    One(Expr),
    Menu(Vec<Expr>, Span),
}

#[derive(Clone)]
pub struct Offer {
    pub kind: OfferKind,
    /// The amount, percent or threshold discount.
    pub value: Option<Choice>,
    /// `threshold spend ¥300 …` or `min_spend ¥199`.
    pub min_spend: Option<Expr>,
    /// Gift or perk name.
    pub item: Option<Name>,
    pub worth: Option<Expr>,
    pub cap: Option<Expr>,
    /// `for item.category`, `for ["bags", "watches"]`
    pub scope: Option<Expr>,
    /// `for seller item.seller_id`, `for seller "s-8848"`
    pub seller: Option<Expr>,
    pub validity: Option<Validity>,
    /// `on weekends between 20:00 and 23:00` after `valid …`: when the coupon may be used.
    pub valid_on: Option<ValidOn>,
    pub funded: Option<Funding>,
    /// `to inviter`, `to invitee`: who of a referral gets the coupon.
    pub to: Option<Name>,
    pub span: Span,
    /// Params given twice, for the checker to report.
    pub repeated: Vec<Span>,
}

#[derive(Debug, Clone)]
pub enum Validity {
    For(Expr),
    UntilWindowEnd(Span),
}

/// Written out field by field, `valid_on` only when given: the trees of files without
/// calendars print as they did before there were any.
impl std::fmt::Debug for Offer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Offer");
        d.field("kind", &self.kind)
            .field("value", &self.value)
            .field("min_spend", &self.min_spend)
            .field("item", &self.item)
            .field("worth", &self.worth)
            .field("cap", &self.cap)
            .field("scope", &self.scope)
            .field("seller", &self.seller)
            .field("validity", &self.validity);
        if let Some(on) = &self.valid_on {
            d.field("valid_on", on);
        }
        d.field("funded", &self.funded);
        if let Some(to) = &self.to {
            d.field("to", to);
        }
        d.field("span", &self.span).field("repeated", &self.repeated).finish()
    }
}

/// The calendar of a validity: `on weekends`, `on mon, fri`, `between 20:00 and 23:00`,
/// or days and hours together; words and clocks as written.
#[derive(Debug, Clone)]
pub struct ValidOn {
    pub days: Vec<Name>,
    pub between: Option<(Name, Name)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Segment {
    pub name: Name,
    pub when: Option<Expr>,
    pub offers: Vec<Offer>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub bindings: Vec<(Name, Expr)>,
    pub outputs: Vec<(Name, Expr)>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RiskPolicy {
    pub checks: Vec<RiskCheck>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct RiskCheck {
    pub name: Name,
    pub when: Expr,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FunctionDef {
    pub name: Name,
    pub params: Vec<(Name, TypeName)>,
    pub returns: TypeName,
    pub body: String,
    pub body_span: Span,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct FieldDecl {
    pub path: Vec<Name>,
    pub ty: TypeName,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct TestBlock {
    pub name: String,
    pub steps: Vec<TestStep>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum TestStep {
    /// `user { "id": "u-1", … }`: defaults merged into every later event's `user`.
    User(String, Span),
    /// `event view_item at 2026-11-02 10:00 { "item": … }`
    Event {
        kind: Name,
        at: DateTimeLit,
        body: Option<String>,
        span: Span,
    },
    /// `tick 2026-11-02 13:00`
    Tick(DateTimeLit, Span),
    /// `users [ {…}, {…} ] run at 2026-11-20 09:00 budget ¥500`: every batch campaign
    /// run over these user rows (the JSON array's text), its budget replaced if given.
    Batch {
        users: String,
        at: DateTimeLit,
        budget: Option<Expr>,
        span: Span,
    },
    Expect(Expectation, Span),
    /// `expect "u-1" coupon …`: what the step gave that one user.
    ExpectFor(String, Expectation, Span),
}

#[derive(Debug, Clone)]
pub enum Expectation {
    Nothing,
    Coupon(Name, Option<Box<Offer>>),
    Suppressed(Name, String),
    Revoked(Name, Option<Name>),
    Alert(Name),
}

#[derive(Debug, Clone)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub enum ExprKind {
    /// `¥30`, `30 CNY`: in fen.
    Money(i64),
    /// `15%`: in basis points (hundredths of a percent).
    Percent(i64),
    Number(f64),
    /// `2h`, `30d`: in milliseconds.
    Duration(i64),
    /// `2026-11-11 00:00`, in the campaign's time zone.
    DateTime(DateTimeLit),
    Str(String),
    Bool(bool),
    List(Vec<Expr>),
    /// `user.paid_orders`, `now`, a `let` name.
    Path(Vec<Name>),
    /// `min(a, b)`, `signal("category_heat", item.category)`
    Call(Name, Vec<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    /// `if c then a else b`
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `item_favourited where item.category == "bags"`: the past events of a type that
    /// met a condition (only as an aggregate's first argument).
    Where(Name, Box<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
    /// `t within 30d`: `now - 30d <= t <= now`.
    Within,
    Add,
    Sub,
    Mul,
    Div,
    /// `15% of user.avg_order_value`
    Of,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "or",
            BinaryOp::And => "and",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::In => "in",
            BinaryOp::NotIn => "not in",
            BinaryOp::Within => "within",
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Of => "of",
        }
    }
}
