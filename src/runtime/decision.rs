//! Decisions as the contract prints them: coupons, revocations, actions, suppressions and
//! (with `--explain`) the trace of every rule considered.

use crate::value::{BasisPoints, Fen, Millis, percent_json, time_string, yuan_json};
use serde::Serialize;
use serde_json::{Map, Value as Json, json};
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
    pub rule: Arc<str>,
    pub kind: &'static str,
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Fen,
    pub categories: Vec<Arc<str>>,
    pub gift: Option<Arc<str>>,
    pub perk: Option<Arc<str>>,
    pub valid_from: Millis,
    pub valid_until: Millis,
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
    pub tz: chrono_tz::Tz,
}

impl Decision {
    pub fn new(
        at: Millis,
        trigger: Trigger,
        event_id: Arc<str>,
        user_id: Option<Arc<str>>,
    ) -> Self {
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
            tz: chrono_tz::Asia::Shanghai,
        }
    }

    /// Whether the contract prints it: something was issued, revoked, raised or withheld.
    pub fn is_empty(&self) -> bool {
        self.coupons.is_empty()
            && self.revoked.is_empty()
            && self.actions.is_empty()
            && self.suppressed.is_empty()
    }

    pub fn to_json(&self) -> Json {
        let tz = self.tz;
        let mut out = Map::new();
        out.insert("at".into(), json!(time_string(self.at, tz)));
        out.insert("trigger".into(), json!(self.trigger));
        out.insert("event_id".into(), json!(&*self.event_id));
        out.insert("user_id".into(), json!(self.user_id.as_deref()));
        out.insert(
            "coupons".into(),
            Json::Array(self.coupons.iter().map(|c| c.to_json(tz)).collect()),
        );
        out.insert(
            "revoked".into(),
            Json::Array(
                self.revoked
                    .iter()
                    .map(|r| json!({"code": r.code, "campaign": &*r.campaign, "rule": &*r.rule, "reason": &*r.reason}))
                    .collect(),
            ),
        );
        out.insert(
            "actions".into(),
            Json::Array(
                self.actions
                    .iter()
                    .map(|a| json!({"kind": a.kind, "target": &*a.target, "campaign": &*a.campaign, "rule": &*a.rule, "detail": a.detail}))
                    .collect(),
            ),
        );
        out.insert(
            "suppressed".into(),
            Json::Array(
                self.suppressed
                    .iter()
                    .map(|s| json!({"campaign": &*s.campaign, "rule": &*s.rule, "reason": &*s.reason}))
                    .collect(),
            ),
        );
        if let Some(trace) = &self.trace {
            out.insert(
                "trace".into(),
                serde_json::to_value(trace).unwrap_or(Json::Null),
            );
        }
        Json::Object(out)
    }
}

fn money(v: Option<Fen>) -> Json {
    v.map_or(Json::Null, yuan_json)
}

impl Coupon {
    pub fn to_json(&self, tz: chrono_tz::Tz) -> Json {
        let mut m = Map::new();
        m.insert("code".into(), json!(self.code));
        m.insert("campaign".into(), json!(&*self.campaign));
        m.insert("rule".into(), json!(&*self.rule));
        m.insert("kind".into(), json!(self.kind));
        m.insert("amount".into(), money(self.amount));
        m.insert(
            "percent".into(),
            self.percent.map_or(Json::Null, percent_json),
        );
        m.insert("cap".into(), money(self.cap));
        m.insert("min_spend".into(), yuan_json(self.min_spend));
        m.insert(
            "categories".into(),
            json!(self.categories.iter().map(|c| &**c).collect::<Vec<_>>()),
        );
        m.insert("gift".into(), json!(self.gift.as_deref()));
        m.insert("perk".into(), json!(self.perk.as_deref()));
        m.insert("valid_from".into(), json!(time_string(self.valid_from, tz)));
        m.insert(
            "valid_until".into(),
            json!(time_string(self.valid_until, tz)),
        );
        m.insert(
            "funding".into(),
            json!({"platform": percent_json(self.platform_share), "seller": percent_json(self.seller_share)}),
        );
        m.insert("arm".into(), json!(self.arm.as_deref()));
        m.insert("expected_cost".into(), money(self.expected_cost));
        m.insert("expected_gain".into(), money(self.expected_gain));
        m.insert("face_value".into(), yuan_json(self.face_value));
        m.insert(
            "exclusive_with".into(),
            json!(self.exclusive_with.iter().map(|c| &**c).collect::<Vec<_>>()),
        );
        if let Some(s) = &self.segment {
            m.insert("segment".into(), json!(&**s));
        }
        Json::Object(m)
    }
}
