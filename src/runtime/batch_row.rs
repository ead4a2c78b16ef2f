//! The first pass of a batch run over one row: eligibility, segment, arm and the valued
//! menu. It reads only the rules, so each thread of a parallel first pass has a
//! [`RowValuer`] of its own and the run takes the rows' [`ValuedRow`]s in table order.

use super::batch_arms::{self, ArmRole};
use super::engine::Rules;
use super::eval::{Ctx, Evaluator, Facts, OfferView};
use super::event::Event;
use super::terms::{self, OfferTerms};
use crate::check::program::Campaign;
use crate::compile::{BatchNodes, NodeId};
use crate::value::{Fen, Millis, Value};
use std::sync::Arc;

/// One offer of a user's menu: which offer of the segment, its terms, and what the model
/// reads of it.
#[derive(Debug, Clone)]
pub struct BatchOffer {
    pub offer: usize,
    /// Its place among all the options of the segment's menus, from 0.
    pub choice: usize,
    pub terms: OfferTerms,
    pub view: OfferView,
}

/// What the first pass learned about one row.
pub enum RowOutcome {
    NotEligible,
    Eligible,
    /// Eligible, but in an arm `--arm` leaves out.
    OtherArm,
}

/// One row valued, for [`super::batch::BatchRun::push_row`].
#[derive(Debug, Clone)]
pub enum ValuedRow {
    NotEligible,
    OtherArm,
    Eligible(EligibleValue),
}

/// An eligible row's segment, arm and menu.
#[derive(Debug, Clone)]
pub struct EligibleValue {
    pub segment: u16,
    pub arm: Option<u8>,
    /// (expected cost, gain) per offer of the menu, in menu order.
    pub menu: Vec<(Fen, Fen)>,
    /// The face value of each offer of the menu.
    pub faces: Vec<Fen>,
    /// An explore arm's drawn offer: its place among the user's offers, cost and gain.
    pub drawn: Option<(usize, Fen, Fen)>,
}

/// Values rows of one batch campaign: an evaluator and the run's settings.
pub struct RowValuer<'r> {
    rules: &'r Rules,
    campaign_index: usize,
    nodes: &'r BatchNodes,
    now: Millis,
    eval: Evaluator,
    locals: Vec<Value>,
    /// The response model that values the offers instead of the `model` block.
    pub response: Option<Arc<crate::response::ResponseModel>>,
    /// `--arm`: only users of these arms take part (`None`: every user).
    pub only: Option<Vec<usize>>,
}

fn ctx<'a>(
    rules: &'a Rules,
    now: Millis,
    event: &'a Event,
    facts: &'a dyn Facts,
    offer: Option<&'a OfferView>,
    locals: &'a [Value],
) -> Ctx<'a> {
    Ctx {
        locals,
        offer,
        ..rules.ctx(event, now, facts)
    }
}

impl<'r> RowValuer<'r> {
    pub fn new(rules: &'r Rules, campaign_index: usize, nodes: &'r BatchNodes, now: Millis) -> Self {
        RowValuer {
            rules,
            campaign_index,
            nodes,
            now,
            eval: Evaluator::new(&rules.compiled.graph),
            locals: Vec::new(),
            response: rules.responses.get(campaign_index).cloned().flatten(),
            only: None,
        }
    }

    /// Another valuer with the same settings and an evaluator of its own (for a thread).
    pub fn fork(&self) -> RowValuer<'r> {
        RowValuer {
            eval: Evaluator::new(&self.rules.compiled.graph),
            locals: Vec::new(),
            response: self.response.clone(),
            only: self.only.clone(),
            ..*self
        }
    }

    pub fn campaign(&self) -> &'r Campaign {
        // INVARIANT: `campaign_index` was found in this program by `BatchRun::new`.
        &self.rules.program().campaigns[self.campaign_index]
    }

    /// Eligibility, segment, arm and the valued menu of one row.
    pub fn value_row(&mut self, event: &Event, facts: &dyn Facts) -> ValuedRow {
        let Some(segment) = self.segment_of(event, facts) else {
            return ValuedRow::NotEligible;
        };
        let experiment = self.campaign().experiment.as_ref();
        let arm = experiment.and_then(|_| batch_arms::arm_of(self.rules, self.campaign_index, event, self.now, facts));
        if let Some(only) = &self.only
            && !arm.is_some_and(|a| only.contains(&a))
        {
            return ValuedRow::OtherArm;
        }
        let role = batch_arms::role(experiment, arm);
        let mut offers = if role == ArmRole::Holdout {
            Vec::new()
        } else {
            self.offers_of(segment, event, facts)
        };
        let campaign = self.campaign();
        let specs = campaign.batch.as_ref().and_then(|b| b.segments.get(segment));
        let face_of = |o: &BatchOffer| {
            let kind = specs.and_then(|s| s.offers.get(o.offer)).map(|spec| spec.kind);
            kind.and_then(|k| o.terms.face_value(k)).unwrap_or(0)
        };
        let mut menu = Vec::with_capacity(offers.len());
        let mut drawn = None;
        if role == ArmRole::Explore && !offers.is_empty() {
            // One option drawn at random, valued for the totals (at face value when the
            // model cannot value it), and never chosen by the allocation.
            let unit = batch_arms::unit_of(self.rules, self.campaign_index, event, self.now, facts).unwrap_or_default();
            let seed = experiment.map_or("", |e| &*e.seed);
            let k = batch_arms::draw(seed, &unit, offers.len());
            let o = offers.swap_remove(k);
            let (cost, gain) = self.value(event, facts, &o.view).unwrap_or((face_of(&o), 0));
            drawn = Some((k, cost, gain));
            menu.push((cost, i64::MIN / 4));
            offers = vec![o];
        } else {
            for o in &offers {
                // An offer the model cannot value (a missing score) is never chosen.
                menu.push(self.value(event, facts, &o.view).unwrap_or((0, i64::MIN / 4)));
            }
        }
        // As many as the menu keeps (`Menus::push_user` takes at most 255).
        let faces = offers.iter().take(menu.len().min(255)).map(face_of).collect();
        ValuedRow::Eligible(EligibleValue {
            segment: u16::try_from(segment).unwrap_or(u16::MAX),
            arm: arm.and_then(|a| u8::try_from(a).ok()),
            menu,
            faces,
            drawn,
        })
    }

    /// The segment a user falls in, if the user is eligible.
    pub fn segment_of(&mut self, event: &Event, facts: &dyn Facts) -> Option<usize> {
        let rules = self.rules;
        let graph = &rules.compiled.graph;
        self.eval.reset();
        let audience = &rules.compiled.campaigns.get(self.campaign_index)?.audience;
        let ctx = ctx(rules, self.now, event, facts, None, &[]);
        if !audience.iter().all(|a| self.eval.truth(graph, a.node, &ctx)) {
            return None;
        }
        self.nodes
            .segments
            .iter()
            .position(|s| s.when.as_ref().is_none_or(|w| self.eval.truth(graph, w.node, &ctx)))
    }

    /// The evaluated offers of a segment: one per menu choice, with the offer's index in
    /// the segment. A choice that reads a field the row lacks is left out.
    pub fn offers_of(&mut self, segment: usize, event: &Event, facts: &dyn Facts) -> Vec<BatchOffer> {
        let campaign = self.campaign();
        let Some(spec_segment) = campaign.batch.as_ref().and_then(|b| b.segments.get(segment)) else {
            return Vec::new();
        };
        let Some(nodes) = self.nodes.segments.get(segment) else {
            return Vec::new();
        };
        let rules = self.rules;
        let graph = &rules.compiled.graph;
        let mut out = Vec::new();
        let mut choice = 0;
        for (o, (spec, on)) in spec_segment.offers.iter().zip(&nodes.offers).enumerate() {
            let values: Vec<Option<NodeId>> = if on.value.is_empty() {
                vec![None]
            } else {
                on.value.iter().map(|v| Some(*v)).collect()
            };
            for v in values {
                self.eval.reset();
                let ctx = ctx(rules, self.now, event, facts, None, &[]);
                choice += 1;
                if let Ok(found) = terms::evaluate(&mut self.eval, graph, &ctx, spec, on, v) {
                    out.push(BatchOffer {
                        offer: o,
                        choice: choice - 1,
                        view: found.view(spec.kind),
                        terms: found,
                    });
                }
            }
        }
        out
    }

    /// Expected (cost, gain) of an offer to a user, by the campaign's model.
    pub fn value(&mut self, event: &Event, facts: &dyn Facts, offer: &OfferView) -> Option<(Fen, Fen)> {
        if let Some(model) = &self.response {
            let v = model.value(event.user.as_ref()?, self.now, offer);
            return Some((v.cost.max(0), v.gain));
        }
        let rules = self.rules;
        let graph = &rules.compiled.graph;
        self.eval.reset();
        let mut locals = std::mem::take(&mut self.locals);
        locals.clear();
        for node in &self.nodes.bindings {
            let ctx = ctx(rules, self.now, event, facts, Some(offer), &locals);
            let v = self.eval.eval(graph, *node, &ctx);
            locals.push(v);
        }
        let ctx = ctx(rules, self.now, event, facts, Some(offer), &locals);
        let cost = self.eval.eval(graph, self.nodes.cost, &ctx);
        let gain = self.eval.eval(graph, self.nodes.gain, &ctx);
        self.locals = locals;
        match (cost, gain) {
            (Value::Money(c), Value::Money(g)) => Some((c.max(0), g)),
            _ => None,
        }
    }
}
