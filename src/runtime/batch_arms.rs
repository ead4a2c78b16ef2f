//! Experiments in batch runs: each eligible user's arm (GrowthBook's hash on the
//! experiment's unit, as event campaigns bucket), holdouts that get nothing and report
//! `suppressed: holdout`, and `random offer` arms whose users get an option of their
//! segment's menu drawn uniformly, outside the allocation but within the budget.

use super::bucket;
use super::engine::Rules;
use super::eval::{Evaluator, Facts};
use super::event::Event;
use crate::check::program::{Campaign, Experiment};
use crate::value::{Fen, Millis, Value};

/// What a batch run knows of its campaign's experiment.
#[derive(Debug, Default)]
pub struct BatchArms {
    /// `--arm`: only users of these arms take part in the run (`None`: every user).
    pub only: Option<Vec<usize>>,
    /// Per eligible user, in table order: the arm (`None`: no experiment, or a unit the
    /// user lacks).
    pub arm: Vec<Option<u8>>,
    /// Eligible users of an arm with `random offer`: (eligible index, the drawn offer's
    /// place among the user's offers, its expected cost and gain).
    pub drawn: Vec<Drawn>,
    /// Users left out because their arm is not in `only`.
    pub other_arms: u64,
}

#[derive(Debug, Clone, Copy)]
pub struct Drawn {
    pub user: usize,
    pub offer: usize,
    pub cost: Fen,
    pub gain: Fen,
}

/// What an arm does in a batch run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArmRole {
    /// The allocation chooses the user's offer.
    Allocated,
    /// The user gets nothing and is reported `suppressed: holdout`.
    Holdout,
    /// The user gets an option drawn at random.
    Explore,
}

pub fn role(experiment: Option<&Experiment>, arm: Option<usize>) -> ArmRole {
    match experiment.zip(arm).and_then(|(e, a)| e.arms.get(a)) {
        Some(a) if a.holdout.is_some() => ArmRole::Holdout,
        Some(a) if a.explore => ArmRole::Explore,
        _ => ArmRole::Allocated,
    }
}

/// The arm of the user an event (a row) names, by the experiment's unit.
pub fn arm_of(rules: &Rules, campaign: usize, event: &Event, now: Millis, facts: &dyn Facts) -> Option<usize> {
    let (c, nodes) = rules.compiled.campaign(campaign)?;
    let (e, unit) = (c.experiment.as_ref()?, nodes.unit?);
    let ctx = rules.ctx(event, now, facts);
    let mut ev = Evaluator::new(&rules.compiled.graph);
    match ev.eval(&rules.compiled.graph, unit, &ctx) {
        Value::Str(id) => {
            let weights: Vec<u32> = e.arms.iter().map(|a| u32::try_from(a.weight).unwrap_or(0)).collect();
            bucket::choose_arm_bp(&e.seed, &id, &weights)
        }
        _ => None,
    }
}

/// The unit's value, for the draw of a random offer.
pub fn unit_of(rules: &Rules, campaign: usize, event: &Event, now: Millis, facts: &dyn Facts) -> Option<String> {
    let (_, nodes) = rules.compiled.campaign(campaign)?;
    let ctx = rules.ctx(event, now, facts);
    let mut ev = Evaluator::new(&rules.compiled.graph);
    match ev.eval(&rules.compiled.graph, nodes.unit?, &ctx) {
        Value::Str(id) => Some(id.to_string()),
        _ => None,
    }
}

/// The option drawn for a unit among `n`: `⌊hash_v2(seed + ":offer", unit) × n⌋`, the
/// same hash as arms (with its own seed, so that the draw does not follow the arm), so
/// each option is drawn for 1/n of the users, give or take the hash's 1/10000 steps.
pub fn draw(seed: &str, unit: &str, n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    let b = bucket::bucket_v2(&format!("{seed}:offer"), unit) as usize;
    (b * n / 10_000).min(n - 1)
}

/// The arms `--arm` names, by index; an unknown name is an error naming the arms.
pub fn arms_named(campaign: &Campaign, names: &[String]) -> Result<Vec<usize>, String> {
    let Some(e) = &campaign.experiment else {
        return Err(format!(
            "campaign `{}` has no experiment, so `--arm` names nothing; leave it out",
            campaign.id
        ));
    };
    let mut out = Vec::new();
    for n in names {
        match e.arms.iter().position(|a| &*a.name == n.as_str()) {
            Some(i) => out.push(i),
            None => {
                let all: Vec<&str> = e.arms.iter().map(|a| &*a.name).collect();
                return Err(format!(
                    "experiment `{}` has no arm `{n}`; its arms are {}",
                    e.name,
                    all.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_uniform_and_deterministic() {
        let mut counts = [0u32; 3];
        for i in 0..30_000 {
            let k = draw("learn", &format!("u-{i}"), 3);
            counts[k] += 1;
        }
        for c in counts {
            assert!((9_400..10_600).contains(&c), "{counts:?}");
        }
        assert_eq!(draw("learn", "u-1", 3), draw("learn", "u-1", 3));
        assert_eq!(draw("learn", "u-1", 1), 0);
        assert_eq!(draw("learn", "u-1", 0), 0);
    }
}
