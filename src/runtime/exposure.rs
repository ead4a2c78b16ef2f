//! Outcomes recorded for analysis, when a runtime is asked to (`Runtime::record_outcomes`;
//! `mintage analyze` and the ledger do): who was exposed to which arm of a campaign's
//! experiment, the orders users paid and the discounts redemptions gave.
//!
//! A user is exposed to a campaign at the first event for which the campaign's window and
//! audience hold and whose type triggers at least one of its rules (of any arm); the
//! user's arm is the one the experiment assigns. Holdout users are exposed like any
//! other. The audience is judged on the state before the event's own decisions, with an
//! evaluator of its own, so recording never changes a decision. Only campaigns with an
//! experiment are recorded. Nothing here is pruned: a replay keeps every exposure and
//! order so that it can be analysed afterwards.

use super::engine::{Rules, Runtime};
use super::eval::Evaluator;
use super::event::{Event, PaidOrder, User};
use super::state::StateStore;
use crate::value::{Fen, Millis, Value};
use foldhash::{HashMap, HashSet};
use std::sync::Arc;

/// Which campaigns an event type can expose, worked out once per rule set: every
/// trigger of every rule (of any arm) of a campaign with an experiment. The rule index's
/// candidate pruning is not used: a rule that cannot match still exposes.
pub struct Exposing {
    by_trigger: HashMap<Arc<str>, Vec<u32>>,
    eval: Evaluator,
}

impl Exposing {
    pub fn new(rules: &Rules) -> Exposing {
        let mut by_trigger: HashMap<Arc<str>, Vec<u32>> = HashMap::default();
        let campaigns = rules.compiled.program.campaigns.iter().zip(0u32..);
        for (c, ci) in campaigns.filter(|(c, _)| c.experiment.is_some()) {
            for t in c.rules.iter().flat_map(|r| &r.triggers) {
                let list = by_trigger.entry(t.clone()).or_default();
                if !list.contains(&ci) {
                    list.push(ci);
                }
            }
        }
        Exposing {
            by_trigger,
            eval: Evaluator::new(&rules.compiled.graph),
        }
    }

    /// The campaigns (indexes) an event of type `kind` can expose.
    pub fn campaigns_of(&self, kind: &str) -> &[u32] {
        self.by_trigger.get(kind).map_or(&[], Vec::as_slice)
    }
}

/// One exposure.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRecord {
    /// Campaign index.
    pub campaign: u32,
    /// Arm index in the campaign's experiment.
    pub arm: u32,
    pub user: Arc<str>,
    pub at: Millis,
    /// `user.total_spend` at exposure (0 when the event had none).
    pub total_spend: Fen,
    /// The user's fields at exposure, for `--by` (see [`user_fields`]).
    pub fields: Vec<(Arc<str>, Arc<str>)>,
}

/// A paid order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRecord {
    pub order: PaidOrder,
    pub user: Arc<str>,
    pub at: Millis,
}

/// A redemption that settled a coupon, with the `discount` its event gave (fen).
#[derive(Debug, Clone, PartialEq)]
pub struct RedemptionRecord {
    pub code: String,
    pub discount: Option<Fen>,
    pub at: Millis,
}

/// What a recording runtime kept.
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    exposed: HashSet<(u32, Arc<str>)>,
    pub exposures: Vec<ExposureRecord>,
    order_ids: HashSet<Arc<str>>,
    pub orders: Vec<OrderRecord>,
    pub redemptions: Vec<RedemptionRecord>,
}

impl Recorded {
    pub fn is_exposed(&self, campaign: u32, user: &Arc<str>) -> bool {
        self.exposed.contains(&(campaign, user.clone()))
    }

    /// Notes an exposure made before (a ledger's), so that it is not recorded again.
    pub fn mark_exposed(&mut self, campaign: u32, user: &Arc<str>) {
        self.exposed.insert((campaign, user.clone()));
    }

    /// Records an exposure; `false` if the user was exposed to the campaign before.
    pub fn expose(&mut self, e: ExposureRecord) -> bool {
        if !self.exposed.insert((e.campaign, e.user.clone())) {
            return false;
        }
        self.exposures.push(e);
        true
    }

    /// Records an order; `false` if its id was recorded before (an order counts once).
    pub fn order(&mut self, o: OrderRecord) -> bool {
        if !self.order_ids.insert(o.order.id.clone()) {
            return false;
        }
        self.orders.push(o);
        true
    }
}

/// The user's fields an exposure keeps for `--by`: `ltv_tier`, `paid_orders` and the
/// platform's own scalar fields (strings, numbers, booleans), values as text.
pub fn user_fields(u: &User) -> Vec<(Arc<str>, Arc<str>)> {
    let intern = crate::event::intern;
    let mut out = Vec::new();
    if let Some(tier) = &u.ltv_tier {
        out.push((intern("ltv_tier"), tier.clone()));
    }
    if let Some(n) = u.paid_orders {
        out.push((intern("paid_orders"), intern(&serde_json::Value::from(n).to_string())));
    }
    for (name, v) in &u.extra {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(_) | serde_json::Value::Bool(_) => v.to_string(),
            _ => continue,
        };
        out.push((intern(name), intern(&text)));
    }
    out
}

/// The fields an exposure keeps in a campaign that explores (`random offer`): those of
/// [`user_fields`] and what a response model reads (`registered_at`, `last_order_at` as
/// RFC 3339 in UTC, `total_spend`, `avg_order_value` in yuan, and `scores.NAME`, from the
/// user row or else the event's `scores`), so that `mintage fit --db` can rebuild the
/// user as the decision saw them ([`user_of_fields`]).
pub fn fit_fields(u: &User, scores: Option<&[(Arc<str>, f64)]>) -> Vec<(Arc<str>, Arc<str>)> {
    let intern = crate::event::intern;
    let mut out = user_fields(u);
    let time = |t: Millis| intern(&crate::value::time_string(t, chrono_tz::UTC));
    let yuan = |f: Fen| intern(&crate::value::yuan_json(f).to_string());
    for (name, v) in [("registered_at", u.registered_at), ("last_order_at", u.last_order_at)] {
        if let Some(t) = v {
            out.push((intern(name), time(t)));
        }
    }
    for (name, v) in [("total_spend", u.total_spend), ("avg_order_value", u.avg_order_value)] {
        if let Some(f) = v {
            out.push((intern(name), yuan(f)));
        }
    }
    for (name, v) in u.scores.as_deref().or(scores).unwrap_or(&[]) {
        if v.is_finite() {
            out.push((
                intern(&format!("scores.{name}")),
                intern(&serde_json::Value::from(*v).to_string()),
            ));
        }
    }
    out
}

/// The user row (JSON) an exposure's fields describe: [`fit_fields`] read back; other
/// fields stay as they were written (numbers and booleans as such, the rest as text).
pub fn user_of_fields(id: &str, fields: &[(String, String)]) -> serde_json::Value {
    let mut row = serde_json::Map::new();
    let mut scores = serde_json::Map::new();
    row.insert("id".into(), id.into());
    for (name, text) in fields {
        let parsed = serde_json::from_str::<serde_json::Value>(text)
            .ok()
            .filter(|v| v.is_number() || v.is_boolean());
        let value = parsed.unwrap_or_else(|| serde_json::Value::String(text.clone()));
        match name.strip_prefix("scores.") {
            Some(score) => {
                scores.insert(score.to_string(), value);
            }
            None if name != "id" => {
                row.insert(name.clone(), value);
            }
            None => {}
        }
    }
    if !scores.is_empty() {
        row.insert("scores".into(), serde_json::Value::Object(scores));
    }
    serde_json::Value::Object(row)
}

impl<S: StateStore> Runtime<S> {
    /// Records outcomes from now on (or stops). Costs nothing when off.
    pub fn record_outcomes(mut self, on: bool) -> Self {
        self.exposing = on.then(|| Box::new(Exposing::new(&self.rules)));
        self
    }

    /// Whether this runtime records outcomes.
    pub fn records_outcomes(&self) -> bool {
        self.exposing.is_some()
    }

    /// Whether an event of type `kind` can expose a user to a campaign here (a ledger
    /// then reads which campaigns the user was exposed to before).
    pub fn may_expose(&self, kind: &str) -> bool {
        self.exposing.as_ref().is_some_and(|x| !x.campaigns_of(kind).is_empty())
    }

    /// The event's outcomes, before its decisions: its order, the redemption it settled
    /// (`redeemed`: the canonical code), and the exposures it makes.
    pub(super) fn record(&mut self, event: &Event, user: &Arc<str>, redeemed: Option<String>) {
        let Some(mut exposing) = self.exposing.take() else {
            return;
        };
        if let Some(Ok(order)) = &event.order {
            let order = OrderRecord {
                order: order.clone(),
                user: user.clone(),
                at: event.at,
            };
            self.state.recorded().order(order);
        }
        if let Some(code) = redeemed {
            let discount = event.discount.as_ref().and_then(|d| d.as_ref().ok().copied());
            let at = event.at;
            self.state
                .recorded()
                .redemptions
                .push(RedemptionRecord { code, discount, at });
        }
        exposing.eval.reset();
        let rules = self.rules.clone();
        let Exposing { by_trigger, eval } = &mut *exposing;
        let campaigns = by_trigger.get(event.kind.as_str()).map_or(&[][..], Vec::as_slice);
        for &ci in campaigns {
            if self.state.recorded().is_exposed(ci, user) {
                continue;
            }
            let Some(arm) = self.exposed_arm(&rules, eval, ci, event) else {
                continue;
            };
            let u = event.user.as_ref();
            let explores = (rules.compiled.campaign(ci as usize))
                .and_then(|(c, _)| c.experiment.as_ref())
                .is_some_and(|e| e.arms.iter().any(|a| a.explore));
            let fields = match u {
                Some(u) if explores => fit_fields(u, Some(&event.scores)),
                Some(u) => user_fields(u),
                None => Vec::new(),
            };
            self.state.recorded().expose(ExposureRecord {
                campaign: ci,
                arm,
                user: user.clone(),
                at: event.at,
                total_spend: u.and_then(|u| u.total_spend).unwrap_or(0),
                fields,
            });
        }
        self.exposing = Some(exposing);
    }

    /// The arm the event exposes the user to in campaign `ci`: `None` outside its window
    /// or audience, or when the experiment assigns no arm.
    fn exposed_arm(&self, rules: &Rules, eval: &mut Evaluator, ci: u32, event: &Event) -> Option<u32> {
        let (c, nodes) = rules.compiled.campaign(ci as usize)?;
        if let Some((start, end)) = c.window
            && (event.at < start || event.at >= end)
        {
            return None;
        }
        let graph = &rules.compiled.graph;
        let facts = rules.facts(&self.state);
        let ctx = rules.ctx(event, event.at, &facts);
        if !nodes.audience.iter().all(|cond| eval.truth(graph, cond.node, &ctx)) {
            return None;
        }
        let (e, unit) = (c.experiment.as_ref()?, nodes.unit?);
        let Value::Str(id) = eval.eval(graph, unit, &ctx) else {
            return None;
        };
        let weights: Vec<u32> = e.arms.iter().map(|a| u32::try_from(a.weight).unwrap_or(0)).collect();
        super::bucket::choose_arm_bp(&e.seed, &id, &weights).and_then(|a| u32::try_from(a).ok())
    }
}
