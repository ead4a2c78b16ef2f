//! Experiment analysis: did a campaign work? Outcomes per exposed user are summed per arm
//! and compared with the baseline by [`stats`], the statistics kernel (GrowthBook's
//! frequentist engine, checked against its Python package in CI).

pub mod stats;
