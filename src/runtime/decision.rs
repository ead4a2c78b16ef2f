//! Decisions as the contract prints them: coupons, revocations, actions, suppressions and
//! (with `--explain`) the trace of every rule considered.

use crate::value::{BasisPoints, Fen, Millis, Percent as Pct, Yuan, time_string};
use serde::Serialize;
use serde_json::{Map, Value as Json};
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Event,
    Timer,
    Batch,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Coupon {
    pub code: String,
    pub campaign: Arc<str>,
    /// Its campaign's zone: `valid_from` and `valid_until` are written in it.
    pub tz: chrono_tz::Tz,
    pub rule: Arc<str>,
    pub kind: &'static str,
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Fen,
    pub categories: Vec<Arc<str>>,
    /// The one seller whose items the coupon covers (`for seller …`); `None`: any seller.
    pub seller: Option<Arc<str>>,
    pub gift: Option<Arc<str>>,
    pub perk: Option<Arc<str>>,
    pub valid_from: Millis,
    pub valid_until: Millis,
    /// `on weekends between 20:00 and 23:00`: when it may be used (none: any time).
    pub valid_on: Option<crate::value::calendar::Calendar>,
    pub platform_share: BasisPoints,
    pub seller_share: BasisPoints,
    pub arm: Option<Arc<str>>,
    pub expected_cost: Option<Fen>,
    pub expected_gain: Option<Fen>,
    /// What the coupon reserves of the campaign's budget.
    pub face_value: Fen,
    /// Rules whose coupons may not be used in the same order (`*` for any).
    pub exclusive_with: Vec<Arc<str>>,
    pub segment: Option<Arc<str>>,
    /// Which option of its `one of` menu the coupon is (counted over the menus of the
    /// segment's or rule's offers, from 0), when there was a choice.
    pub option: Option<u16>,
    /// The option was drawn at random (an arm with `random offer`), not chosen.
    pub random: bool,
    /// The response model (its version) that valued the coupon, if one did.
    pub model: Option<Arc<str>>,
    /// Checkout terms of its rule and campaign, kept with the coupon's terms in the
    /// ledger (not in the contract's form): `stackable`, `not on sale items`, and the
    /// campaign's `at most ¥N off per order`.
    pub stackable: bool,
    pub not_on_sale: bool,
    pub order_cap: Option<Fen>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Revocation {
    pub code: String,
    pub campaign: Arc<str>,
    /// The rule that issued the revoked coupon.
    pub rule: Arc<str>,
    pub reason: Arc<str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub kind: &'static str,
    pub target: Arc<str>,
    pub campaign: Arc<str>,
    pub rule: Arc<str>,
    pub detail: Map<String, Json>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Suppression {
    pub campaign: Arc<str>,
    pub rule: Arc<str>,
    pub reason: Arc<str>,
    /// The user's experiment arm, for a `holdout`.
    pub arm: Option<Arc<str>>,
}

/// One line of the `--explain` trace.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceEntry {
    pub campaign: Arc<str>,
    pub rule: Arc<str>,
    /// `issued`, `suppressed`, `timer started`, `not matched`, `limit reached`, …
    pub outcome: String,
    /// The condition that failed, with the values it saw.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub because: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub at: Millis,
    pub trigger: Trigger,
    pub event_id: Arc<str>,
    pub user_id: Option<Arc<str>>,
    pub coupons: Vec<Coupon>,
    pub revoked: Vec<Revocation>,
    pub actions: Vec<Action>,
    pub suppressed: Vec<Suppression>,
    pub trace: Option<Vec<TraceEntry>>,
    /// The zone `at` is written in (see [`Decision::zone`]).
    pub tz: chrono_tz::Tz,
}

impl Decision {
    pub fn new(at: Millis, trigger: Trigger, event_id: Arc<str>, user_id: Option<Arc<str>>) -> Self {
        Decision {
            at,
            trigger,
            event_id,
            user_id,
            coupons: Vec::new(),
            revoked: Vec::new(),
            actions: Vec::new(),
            suppressed: Vec::new(),
            trace: None,
            tz: crate::value::DEFAULT_ZONE,
        }
    }

    pub fn in_zone(mut self, tz: chrono_tz::Tz) -> Self {
        self.tz = tz;
        self
    }

    /// The zone of the decision's `at`: its first coupon's campaign's; without coupons,
    /// that of the first campaign it names (revoked, actions, suppressed, trace, in that
    /// order); naming none, `default` (the program's zone). Each coupon's own times are
    /// always written in its own campaign's zone.
    pub fn zone(&self, zone_of: impl Fn(&str) -> Option<chrono_tz::Tz>, default: chrono_tz::Tz) -> chrono_tz::Tz {
        if let Some(c) = self.coupons.first() {
            return c.tz;
        }
        let named = (self.revoked.iter().map(|r| &r.campaign))
            .chain(self.actions.iter().map(|a| &a.campaign))
            .chain(self.suppressed.iter().map(|s| &s.campaign))
            .chain(self.trace.iter().flatten().map(|t| &t.campaign))
            .next();
        named.and_then(|id| zone_of(id)).unwrap_or(default)
    }

    /// Whether the contract prints it: something was issued, revoked, raised or withheld.
    pub fn is_empty(&self) -> bool {
        self.coupons.is_empty() && self.revoked.is_empty() && self.actions.is_empty() && self.suppressed.is_empty()
    }

    /// The decision as a JSON value (for pretty printing); streams use `Serialize`.
    pub fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

struct Time(Millis, chrono_tz::Tz);

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&time_string(self.0, self.1))
    }
}

struct Funding(BasisPoints, BasisPoints);

impl Serialize for Funding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("platform", &Pct(self.0))?;
        m.serialize_entry("seller", &Pct(self.1))?;
        m.end()
    }
}

impl Serialize for Decision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("at", &Time(self.at, self.tz))?;
        m.serialize_entry("trigger", &self.trigger)?;
        m.serialize_entry("event_id", &*self.event_id)?;
        m.serialize_entry("user_id", &self.user_id.as_deref())?;
        let coupons: Vec<CouponOut<'_>> = self.coupons.iter().map(CouponOut).collect();
        m.serialize_entry("coupons", &coupons)?;
        m.serialize_entry("revoked", &self.revoked)?;
        m.serialize_entry("actions", &self.actions)?;
        m.serialize_entry("suppressed", &self.suppressed)?;
        if let Some(trace) = &self.trace {
            m.serialize_entry("trace", trace)?;
        }
        m.end()
    }
}

impl Serialize for Revocation {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("code", &self.code)?;
        m.serialize_entry("campaign", &*self.campaign)?;
        m.serialize_entry("rule", &*self.rule)?;
        m.serialize_entry("reason", &*self.reason)?;
        m.end()
    }
}

impl Serialize for Action {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("kind", self.kind)?;
        m.serialize_entry("target", &*self.target)?;
        m.serialize_entry("campaign", &*self.campaign)?;
        m.serialize_entry("rule", &*self.rule)?;
        m.serialize_entry("detail", &self.detail)?;
        m.end()
    }
}

impl Serialize for Suppression {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("campaign", &*self.campaign)?;
        m.serialize_entry("rule", &*self.rule)?;
        m.serialize_entry("reason", &*self.reason)?;
        if let Some(arm) = &self.arm {
            m.serialize_entry("arm", &**arm)?;
        }
        m.end()
    }
}

/// A coupon as the contract writes it, its times in its campaign's zone.
struct CouponOut<'a>(&'a Coupon);

impl Serialize for CouponOut<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let (c, tz) = (self.0, self.0.tz);
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("code", &c.code)?;
        m.serialize_entry("campaign", &*c.campaign)?;
        m.serialize_entry("rule", &*c.rule)?;
        m.serialize_entry("kind", c.kind)?;
        m.serialize_entry("amount", &c.amount.map(Yuan))?;
        m.serialize_entry("percent", &c.percent.map(Pct))?;
        m.serialize_entry("cap", &c.cap.map(Yuan))?;
        m.serialize_entry("min_spend", &Yuan(c.min_spend))?;
        m.serialize_entry("categories", &c.categories)?;
        m.serialize_entry("seller", &c.seller.as_deref())?;
        m.serialize_entry("gift", &c.gift.as_deref())?;
        m.serialize_entry("perk", &c.perk.as_deref())?;
        m.serialize_entry("valid_from", &Time(c.valid_from, tz))?;
        m.serialize_entry("valid_until", &Time(c.valid_until, tz))?;
        if let Some(on) = &c.valid_on {
            m.serialize_entry("valid_on", on)?;
        }
        m.serialize_entry("funding", &Funding(c.platform_share, c.seller_share))?;
        m.serialize_entry("arm", &c.arm.as_deref())?;
        m.serialize_entry("expected_cost", &c.expected_cost.map(Yuan))?;
        m.serialize_entry("expected_gain", &c.expected_gain.map(Yuan))?;
        m.serialize_entry("face_value", &Yuan(c.face_value))?;
        m.serialize_entry("exclusive_with", &c.exclusive_with)?;
        if let Some(seg) = &c.segment {
            m.serialize_entry("segment", &**seg)?;
        }
        if let Some(option) = c.option {
            m.serialize_entry("option", &option)?;
        }
        if c.random {
            m.serialize_entry("random", &true)?;
        }
        if let Some(model) = &c.model {
            m.serialize_entry("model", &**model)?;
        }
        m.end()
    }
}

impl Coupon {
    pub fn to_json(&self) -> Json {
        serde_json::to_value(CouponOut(self)).unwrap_or(Json::Null)
    }
}
