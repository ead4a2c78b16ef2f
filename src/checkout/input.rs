//! What a quote is asked about: the order (lines, shipping, buyer) and the buyer's wallet
//! of coupons with their terms. Money reads and writes as yuan ([`Yuan`]), percentages as
//! a number of percent ([`Percent`]), times as RFC 3339; inside, everything is fen, basis
//! points and UTC milliseconds.

use crate::value::{BasisPoints, Fen, Millis, Percent, Yuan};
use serde::{Deserialize, Serialize};

/// An order at checkout. Unknown fields are refused: a misspelt `on_sale` or
/// `seller_id` would otherwise quote another order than the one meant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub id: String,
    pub buyer_id: String,
    pub lines: Vec<Line>,
    /// The shipping fee; free-shipping coupons discount it.
    #[serde(default)]
    pub shipping: Yuan,
}

/// One line of an order: `qty` units at `price` each.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {
    pub id: String,
    #[serde(default)]
    pub category: Option<String>,
    /// Unit price.
    pub price: Yuan,
    /// A whole number (`2`, or `2.0` as JSON Schema allows).
    #[serde(default = "one", deserialize_with = "crate::value::count")]
    pub qty: u32,
    #[serde(default)]
    pub seller_id: Option<String>,
    /// Already discounted by the seller: coupons of rules that say `not on sale items`
    /// do not cover it.
    #[serde(default)]
    pub on_sale: bool,
}

fn one() -> u32 {
    1
}

/// What a coupon gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A fixed amount off the lines it covers.
    AmountOff,
    /// A percentage of what the covered lines have left, rounded down, then capped.
    PercentOff,
    /// A fixed amount off once the minimum spend is met (computed as `amount_off`).
    Threshold,
    /// The shipping fee left, up to `amount` when given.
    FreeShipping,
    /// A gift: discounts nothing.
    Gift,
    /// A perk: discounts nothing.
    Perk,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AmountOff => "amount_off",
            Kind::PercentOff => "percent_off",
            Kind::Threshold => "threshold",
            Kind::FreeShipping => "free_shipping",
            Kind::Gift => "gift",
            Kind::Perk => "perk",
        }
    }

    /// Gifts and perks discount nothing: they are added to the best combination, never
    /// searched for.
    pub fn discounts(self) -> bool {
        !matches!(self, Kind::Gift | Kind::Perk)
    }
}

/// Who pays a coupon's discount, as percentages (they add up to 100).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    pub platform: Percent,
    pub seller: Percent,
}

impl Default for Funding {
    fn default() -> Self {
        Funding {
            platform: Percent(10_000),
            seller: Percent(0),
        }
    }
}

/// A coupon of the buyer's wallet with the terms a quote needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Coupon {
    pub code: String,
    pub campaign: String,
    pub rule: String,
    pub kind: Kind,
    /// `amount_off` and `threshold`: the amount; `free_shipping`: the most it takes off
    /// the fee (none: the whole fee).
    #[serde(default)]
    pub amount: Option<Yuan>,
    #[serde(default)]
    pub percent: Option<Percent>,
    /// The most a `percent_off` coupon gives.
    #[serde(default)]
    pub cap: Option<Yuan>,
    /// Checked on the covered lines' prices before any discount.
    #[serde(default)]
    pub min_spend: Yuan,
    /// The categories covered; empty: every category.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The one seller whose lines are covered; none: every seller.
    #[serde(default)]
    pub seller: Option<String>,
    #[serde(default)]
    pub gift: Option<String>,
    #[serde(default)]
    pub perk: Option<String>,
    #[serde(default)]
    pub valid_from: Option<Time>,
    #[serde(default)]
    pub valid_until: Option<Time>,
    /// `valid … on weekends between 20:00 and 23:00`: the days and hours, in its zone, it
    /// may be used (none: any time between `valid_from` and `valid_until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_on: Option<crate::value::calendar::Calendar>,
    #[serde(default)]
    pub funding: Funding,
    /// The rule says `stackable`: several of its coupons may be used in one order.
    #[serde(default)]
    pub stackable: bool,
    /// The rule says `exclusive`: the coupon combines with no other.
    #[serde(default)]
    pub exclusive: bool,
    /// `exclusive with double11.base`: rules (`campaign.rule`, or a bare `rule` of the
    /// same campaign) whose coupons may not be used in the same order as this one.
    #[serde(default)]
    pub exclusive_with: Vec<String>,
    /// The rule says `not on sale items`: lines on sale are not covered.
    #[serde(default)]
    pub not_on_sale: bool,
    /// The campaign says `at most ¥300 off per order`: its coupons together give no more.
    #[serde(default)]
    pub campaign_cap: Option<Yuan>,
}

impl Coupon {
    /// A coupon with no terms but its kind, for tests and examples to fill in.
    pub fn new(code: &str, campaign: &str, rule: &str, kind: Kind) -> Coupon {
        Coupon {
            code: code.into(),
            campaign: campaign.into(),
            rule: rule.into(),
            kind,
            amount: None,
            percent: None,
            cap: None,
            min_spend: Yuan(0),
            categories: Vec::new(),
            seller: None,
            gift: None,
            perk: None,
            valid_from: None,
            valid_until: None,
            valid_on: None,
            funding: Funding::default(),
            stackable: false,
            exclusive: false,
            exclusive_with: Vec::new(),
            not_on_sale: false,
            campaign_cap: None,
        }
    }

    pub(crate) fn amount_fen(&self) -> Fen {
        self.amount.map_or(0, |a| a.0)
    }

    pub(crate) fn percent_bp(&self) -> BasisPoints {
        self.percent.map_or(0, |p| p.0)
    }

    /// Whether this coupon refuses `other`: it is `exclusive`, or its `exclusive with`
    /// names `other`'s rule (`*`, as the ledger writes `exclusive`, names every rule).
    pub(crate) fn names_rule_of(&self, other: &Coupon) -> bool {
        self.exclusive
            || self.exclusive_with.iter().any(|r| {
                if r == "*" {
                    return true;
                }
                let (campaign, rule) = match r.split_once(['.', '/']) {
                    Some((c, r)) => (c, r),
                    None => (self.campaign.as_str(), r.as_str()),
                };
                campaign == other.campaign && rule == other.rule
            })
    }
}

/// An instant, read and written as RFC 3339 (`2026-11-11T00:00:00+08:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Time(pub Millis);

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::value::time_string(self.0, chrono_tz::UTC))
    }
}

impl<'de> Deserialize<'de> for Time {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        crate::value::parse_time(&text)
            .map(Time)
            .map_err(serde::de::Error::custom)
    }
}

/// A quote request: the order, the wallet (or the coupons the buyer chose) and the time
/// of checkout, against which validity is checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuoteRequest {
    pub order: Order,
    pub wallet: Vec<Coupon>,
    pub at: Time,
}
