//! Experiment analysis: did a campaign work? [`outcomes`] holds who was exposed to which
//! arm and what they bought; [`report`] sums them per arm ([`tally`]) and compares each
//! arm with the baseline through [`stats`], the statistics kernel (GrowthBook's
//! frequentist engine, checked against its Python package in CI); [`text`] prints the
//! report for people. [`diff`] replays events through two rule sets and says what changes.
//! Every number is explained in `docs/analysis.md`.

pub mod design;
pub mod diff;
pub mod outcomes;
pub mod recorded;
pub mod report;
pub mod stats;
pub mod tally;
pub mod text;

pub use design::{AnalysisError, Design, DesignArm};
pub use outcomes::{Exposed, Outcomes, OutcomesBuilder};
pub use report::{Options, Report, analyze};
