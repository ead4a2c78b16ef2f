//! The experiment as the rules declare it: the campaign, the experiment's name, its arms
//! with their weights, and which arm holds out. An analysis compares what happened with
//! this, and picks the baseline from it.

use crate::check::program::Program;

/// One declared arm.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignArm {
    pub name: String,
    /// The declared share, in basis points (any scale works for the SRM check).
    pub weight: f64,
    pub holds_out: bool,
}

/// A campaign's experiment.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    pub campaign: String,
    pub experiment: String,
    pub arms: Vec<DesignArm>,
}

/// Why an analysis cannot run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnalysisError {
    #[error("no campaign `{0}` in the rules")]
    UnknownCampaign(String),
    #[error("campaign `{0}` has no experiment to analyse")]
    NoExperiment(String),
    #[error("no campaign in the rules has an experiment")]
    NoExperiments,
    #[error("several campaigns have experiments ({}); name one with `--campaign`", .0.join(", "))]
    SeveralExperiments(Vec<String>),
    #[error("no arm `{arm}` in experiment `{experiment}` (its arms: {})", .arms.join(", "))]
    UnknownBaseline {
        arm: String,
        experiment: String,
        arms: Vec<String>,
    },
    #[error("`--by` takes a field of the exposed user, such as `user.ltv_tier`, not `{0}`")]
    NotAUserField(String),
}

impl AnalysisError {
    /// A stable code for scripts (`A001`…).
    pub fn code(&self) -> &'static str {
        match self {
            AnalysisError::UnknownCampaign(_) => "A001",
            AnalysisError::NoExperiment(_) => "A002",
            AnalysisError::NoExperiments => "A003",
            AnalysisError::SeveralExperiments(_) => "A004",
            AnalysisError::UnknownBaseline { .. } => "A005",
            AnalysisError::NotAUserField(_) => "A006",
        }
    }

    /// What to do about it.
    pub fn help(&self) -> &'static str {
        match self {
            AnalysisError::UnknownCampaign(_) | AnalysisError::SeveralExperiments(_) => {
                "`--campaign` takes the id written after `campaign` in the rules"
            }
            AnalysisError::NoExperiment(_) | AnalysisError::NoExperiments => {
                "declare arms with `experiment NAME by user.id { arm … }` in the campaign"
            }
            AnalysisError::UnknownBaseline { .. } => "`--baseline` takes one of the experiment's arm names",
            AnalysisError::NotAUserField(_) => "fields of the user are written `user.NAME`",
        }
    }
}

impl Design {
    /// The experiment of `campaign`, or of the one campaign that has one.
    pub fn of(program: &Program, campaign: Option<&str>) -> Result<Design, AnalysisError> {
        let c = match campaign {
            Some(id) => program
                .campaign(id)
                .ok_or_else(|| AnalysisError::UnknownCampaign(id.to_string()))?,
            None => {
                let with: Vec<_> = program.campaigns.iter().filter(|c| c.experiment.is_some()).collect();
                match with.as_slice() {
                    [one] => *one,
                    [] => return Err(AnalysisError::NoExperiments),
                    many => {
                        return Err(AnalysisError::SeveralExperiments(
                            many.iter().map(|c| c.id.to_string()).collect(),
                        ));
                    }
                }
            }
        };
        let experiment = c
            .experiment
            .as_ref()
            .ok_or_else(|| AnalysisError::NoExperiment(c.id.to_string()))?;
        Ok(Design {
            campaign: c.id.to_string(),
            experiment: experiment.name.to_string(),
            arms: experiment
                .arms
                .iter()
                .map(|a| DesignArm {
                    name: a.name.to_string(),
                    weight: a.weight as f64,
                    holds_out: a.holdout.is_some(),
                })
                .collect(),
        })
    }

    /// The baseline's index: `explicit` if given, else the arm that holds out, else the
    /// first arm.
    pub fn baseline(&self, explicit: Option<&str>) -> Result<usize, AnalysisError> {
        let unknown = |arm: &str| AnalysisError::UnknownBaseline {
            arm: arm.to_string(),
            experiment: self.experiment.clone(),
            arms: self.arms.iter().map(|a| a.name.clone()).collect(),
        };
        match explicit {
            Some(name) => self
                .arms
                .iter()
                .position(|a| a.name == name)
                .ok_or_else(|| unknown(name)),
            None if self.arms.is_empty() => Err(unknown("")),
            None => Ok(self.arms.iter().position(|a| a.holds_out).unwrap_or(0)),
        }
    }
}

/// The attribution window of `campaign`'s experiment (`measure`, 7 days by default).
pub fn window_of(program: &Program, campaign: &str) -> crate::value::Millis {
    program
        .campaign(campaign)
        .and_then(|c| c.experiment.as_ref())
        .map_or(crate::check::program::DEFAULT_MEASURE, |x| x.measure)
}
