//! What the ledger answers: the types a service or an embedding platform sees. They
//! serialize to the JSON of the service's API (`docs/service.md`).

use super::LedgerError;
use crate::value::Yuan;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// One event's decision as stored in the ledger.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Decided {
    /// `d-` and 26 characters; every coupon of the decision carries it.
    pub decision_id: String,
    /// The version of the rules that decided (`Ledger::rules_version`).
    pub rules_version: String,
    /// The decision in the contract's form (coupons, revoked, actions, suppressed…).
    pub decision: Json,
    /// True when the event id had been decided before: this is the first answer again,
    /// and nothing new was minted.
    pub replayed: bool,
}

/// The answer to `decide`: the event's own decision, the decisions of the user's
/// timers that fell due before the event (they fire first), and, for a referral, the
/// inviter's decision.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DecideOutcome {
    #[serde(flatten)]
    pub decided: Decided,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fired: Vec<Decided>,
    /// The decisions of the event's other users: a referral's inviter (the event's own
    /// decision is the invitee's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<Decided>,
}

/// The lifecycle of a coupon in the ledger.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum CouponState {
    Issued,
    /// Held by an order that is not paid yet (`redeem` with `"stage": "reserve"`).
    Reserved,
    Redeemed,
    Expired,
    Revoked,
}

impl Decided {
    /// Whether the contract prints it: it issued, revoked, raised or withheld something
    /// (or carries a trace).
    pub fn is_printable(&self) -> bool {
        ["coupons", "revoked", "actions", "suppressed", "trace"]
            .iter()
            .any(|k| {
                self.decision
                    .get(*k)
                    .and_then(|v| v.as_array())
                    .is_some_and(|a| !a.is_empty())
            })
    }
}

impl CouponState {
    pub fn as_str(self) -> &'static str {
        match self {
            CouponState::Issued => "issued",
            CouponState::Reserved => "reserved",
            CouponState::Redeemed => "redeemed",
            CouponState::Expired => "expired",
            CouponState::Revoked => "revoked",
        }
    }

    /// A status read back from the ledger: one this build does not know is corrupt data,
    /// never taken for another status.
    pub fn from_stored(s: &str) -> Result<CouponState, LedgerError> {
        CouponState::parse(s).ok_or_else(|| LedgerError::corrupt(format!("unknown coupon status `{s}`")))
    }

    pub fn parse(s: &str) -> Option<CouponState> {
        Some(match s {
            "issued" => CouponState::Issued,
            "reserved" => CouponState::Reserved,
            "redeemed" => CouponState::Redeemed,
            "expired" => CouponState::Expired,
            "revoked" => CouponState::Revoked,
            _ => return None,
        })
    }
}

/// A coupon as the ledger holds it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CouponView {
    pub code: String,
    pub user_id: String,
    pub status: CouponState,
    pub decision_id: String,
    /// The coupon in the contract's form (kind, amount, validity, funding…).
    pub coupon: Json,
    /// The order that holds or used it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// An order line, for redemption.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    pub id: String,
    #[serde(default)]
    pub category: Option<String>,
    /// Unit price in yuan (at most 2 decimals).
    pub price: f64,
    #[serde(default)]
    pub seller_id: Option<String>,
    #[serde(default = "one", deserialize_with = "crate::runtime::json::count")]
    pub qty: u32,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: String,
    pub buyer_id: String,
    #[serde(deserialize_with = "crate::runtime::json::objects")]
    pub items: Vec<OrderItem>,
    /// Shipping fee in yuan (what a `free_shipping` coupon takes off).
    #[serde(default)]
    pub shipping: Option<f64>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Hold the coupon for the order; `commit` or `rollback` later.
    Reserve,
    /// Reserve and commit at once (the order is paid).
    #[default]
    Commit,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RedeemRequest {
    pub code: String,
    #[serde(deserialize_with = "crate::runtime::json::object")]
    pub order: Order,
    /// When the redemption happens (RFC 3339); the ledger's clock when absent.
    #[serde(default)]
    pub at: Option<String>,
    #[serde(default, deserialize_with = "crate::runtime::json::string_enum")]
    pub stage: Stage,
}

/// The discount an accepted redemption gives, split by who pays it (yuan).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Settlement {
    pub discount: Yuan,
    pub platform: Yuan,
    pub seller: Yuan,
    /// Who pays `seller`: the sellers of the covered items, in proportion to their items'
    /// part of the discount, by seller id; the amounts add up to `seller` exactly. Empty
    /// when the platform pays it all. (Redemptions stored before this field read as empty.)
    #[serde(default)]
    pub sellers: Vec<SellerCharge>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gift: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub perk: Option<String>,
}

/// One seller's part of a redemption's seller share (yuan).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SellerCharge {
    pub seller_id: String,
    pub amount: Yuan,
}

/// The answer to a redemption: accepted with its settlement, or rejected with a reason
/// code (`invalid_code`, `unknown_code`, `expired`, `not_yet_valid`, `revoked`,
/// `already_redeemed`, `not_owner`, `min_spend`, `category_scope`, `seller_scope`,
/// `exclusive`, `risk:self_dealing`, `bad_order`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RedeemOutcome {
    pub accepted: bool,
    pub code: String,
    pub order_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<CouponState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement: Option<Settlement>,
    /// RFC 3339, UTC: when a reservation lapses unless committed. (Answers stored before
    /// reservations of one code lapsed read without it.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_until: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A human-readable explanation of the reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// True when this answers a retry of an earlier redemption of the same order.
    pub replayed: bool,
}

/// The coupons of an order after a commit or a rollback.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RollbackOutcome {
    pub order_id: String,
    /// Each coupon the order held, with the status it has now.
    pub coupons: Vec<OrderCoupon>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct OrderCoupon {
    pub code: String,
    pub status: CouponState,
}

/// Per campaign: coupons by status and budget, in total and by experiment arm.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct CampaignStats {
    pub campaign: String,
    pub issued: u64,
    pub redeemed: u64,
    pub reserved: u64,
    pub expired: u64,
    pub revoked: u64,
    /// The budget in yuan (`null`: none).
    pub budget: Option<Yuan>,
    /// Face value held by coupons not settled, and by redeemed ones (yuan).
    pub budget_reserved: Yuan,
    /// Face value of redeemed coupons (yuan).
    pub budget_spent: Yuan,
    /// Discounts given at redemption (yuan).
    pub discount_given: Yuan,
    pub by_arm: Vec<ArmStats>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ArmStats {
    pub arm: String,
    pub issued: u64,
    pub redeemed: u64,
}

/// Scopes an API key can hold.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Decide,
    Redeem,
    Admin,
    /// Reading experiment reports (`GET /v1/campaigns/{id}/report`) only.
    Report,
    /// Reading the console's dashboards (campaigns, series, reports, users, the
    /// playground) and nothing else.
    Read,
}

impl Scope {
    pub fn parse(s: &str) -> Option<Scope> {
        match s.trim() {
            "decide" => Some(Scope::Decide),
            "redeem" => Some(Scope::Redeem),
            "admin" => Some(Scope::Admin),
            "report" => Some(Scope::Report),
            "read" => Some(Scope::Read),
            _ => None,
        }
    }

    /// Scopes as the ledger stores them: comma-separated.
    pub fn join(scopes: &[Scope]) -> String {
        scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
    }

    /// The stored form back; names this build does not know are left out.
    pub fn split(stored: &str) -> Vec<Scope> {
        stored.split(',').filter_map(Scope::parse).collect()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Decide => "decide",
            Scope::Redeem => "redeem",
            Scope::Admin => "admin",
            Scope::Report => "report",
            Scope::Read => "read",
        }
    }
}

/// What the ledger holds in sum, for checks after a crash or a load: every figure that
/// must be zero is named so.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct Audit {
    pub coupons: u64,
    pub decisions: u64,
    /// Campaigns whose budget row differs from the sum of their coupons' face values.
    pub budget_mismatches: Vec<String>,
    /// Campaigns whose reserved face value is above their budget, by how much (yuan).
    pub overspent: Vec<(String, Yuan)>,
    /// (user, rule, key) whose coupon count is above the rule's once-per limit.
    pub limit_violations: Vec<String>,
    /// Events decided more than once.
    pub duplicate_decisions: u64,
    /// Redemptions whose platform and seller parts (net of what returns took back) do
    /// not add up to their discount, or fall below zero.
    #[serde(default)]
    pub unbalanced_redemptions: u64,
    /// Caps (`at most N coupons per campaign`, `per rule`) passed: by the coupons in the
    /// ledger or by the tally that holds the cap.
    #[serde(default)]
    pub caps_exceeded: Vec<String>,
    /// Budgets of a day or an hour whose tally of face value is above them.
    #[serde(default)]
    pub period_overspent: Vec<String>,
}
