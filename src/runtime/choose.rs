//! Which option of an event rule's `one of` menu a user gets: drawn at random for the
//! users of a `random offer` arm; otherwise the option of highest `gain − λ·cost` by the
//! campaign's response model (`response from`, λ from `price λ`, 1 when not written); with
//! neither, the first option written.

use super::batch_arms::{self, ArmRole};
use super::engine::Rules;
use super::eval::{Ctx, Evaluator, Facts};
use super::event::Event;
use super::explain::MissingField;
use super::terms::{self, OfferTerms};
use crate::check::program::{Campaign, OfferSpec};
use crate::compile::OfferNodes;
use crate::value::Millis;
use std::sync::Arc;

/// The option chosen, and how.
#[derive(Debug, Clone)]
pub struct Chosen {
    pub terms: OfferTerms,
    /// Its place in the menu, when the menu has more than one option.
    pub option: Option<u16>,
    pub random: bool,
    /// The response model's version, when it chose.
    pub model: Option<Arc<str>>,
    /// The model's expected cost and gain of the option chosen.
    pub valued: Option<(crate::value::Fen, crate::value::Fen)>,
}

/// Where the rule is: the rules, its campaign (and its index) and the user's arm.
pub struct Place<'a> {
    pub rules: &'a Rules,
    pub campaign_index: usize,
    pub campaign: &'a Campaign,
    pub arm: Option<usize>,
    pub event: &'a Event,
    pub at: Millis,
    pub facts: &'a dyn Facts,
}

pub fn choose(place: &Place<'_>, ctx: &Ctx<'_>, spec: &OfferSpec, nodes: &OfferNodes) -> Result<Chosen, MissingField> {
    let graph = &place.rules.compiled.graph;
    let mut ev = Evaluator::default();
    if nodes.value.len() <= 1 {
        let terms = terms::evaluate(&mut ev, graph, ctx, spec, nodes, nodes.value.first().copied())?;
        return Ok(Chosen {
            terms,
            option: None,
            random: false,
            model: None,
            valued: None,
        });
    }
    let mut options = Vec::with_capacity(nodes.value.len());
    let mut first_missing = None;
    for (i, v) in nodes.value.iter().enumerate() {
        ev.reset();
        match terms::evaluate(&mut ev, graph, ctx, spec, nodes, Some(*v)) {
            Ok(t) => options.push((i, t)),
            Err(m) => {
                first_missing.get_or_insert(m);
            }
        }
    }
    if options.is_empty() {
        return Err(first_missing.unwrap_or(MissingField(None)));
    }
    let role = batch_arms::role(place.campaign.experiment.as_ref(), place.arm);
    let (k, random, model, valued) = if role == ArmRole::Explore {
        let unit = batch_arms::unit_of(place.rules, place.campaign_index, place.event, place.at, place.facts)
            .unwrap_or_default();
        let seed = place.campaign.experiment.as_ref().map_or("", |e| &*e.seed);
        (batch_arms::draw(seed, &unit, options.len()), true, None, None)
    } else if let Some((k, model, valued)) = by_response(place, spec, &options) {
        (k, false, Some(model), Some(valued))
    } else {
        (0, false, None, None)
    };
    let Some((index, terms)) = (if k < options.len() {
        Some(options.swap_remove(k))
    } else {
        None
    }) else {
        return Err(MissingField(None));
    };
    Ok(Chosen {
        terms,
        option: u16::try_from(index).ok(),
        random,
        model,
        valued,
    })
}

/// The option of highest `gain − λ·cost` by the campaign's response model, if it has one
/// and the user can be valued.
fn by_response(
    place: &Place<'_>,
    spec: &OfferSpec,
    options: &[(usize, OfferTerms)],
) -> Option<(usize, Arc<str>, (crate::value::Fen, crate::value::Fen))> {
    let model = place.rules.responses.get(place.campaign_index)?.as_ref()?;
    let user = place.event.user.as_ref()?;
    // An event's scores ride beside its user; the model reads them as the user's.
    let with_scores;
    let user = match (&user.scores, &place.event.scores) {
        (None, scores) if !scores.is_empty() => {
            with_scores = crate::event::User {
                scores: Some(scores.clone()),
                ..user.clone()
            };
            &with_scores
        }
        _ => user,
    };
    let lambda = place.campaign.price.unwrap_or(1.0);
    let mut best: Option<(usize, f64, (i64, i64))> = None;
    for (k, (_, t)) in options.iter().enumerate() {
        let v = model.value(user, place.at, &t.view(spec.kind));
        let score = v.gain as f64 - lambda * v.cost as f64;
        if best.is_none_or(|(_, s, _)| score > s) {
            best = Some((k, score, (v.cost, v.gain)));
        }
    }
    let (k, _, valued) = best?;
    Some((k, Arc::from(model.version()), valued))
}
