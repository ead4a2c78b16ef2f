//! Sample-ratio mismatch: are the arms as large as their declared weights say? A Pearson
//! χ² test of the users per arm (gbstats' `check_srm`), flagged below GrowthBook's default
//! threshold. A mismatch means the assignment or the logging is broken, and then no lift
//! in the report can be trusted.

use super::distribution::chi_squared_upper_tail;
use serde::ser::{SerializeMap, Serializer};

/// GrowthBook's default: a p-value below this flags the experiment.
pub const SRM_THRESHOLD: f64 = 0.001;

/// The users of one arm and its declared weight (any scale; they are normalized).
#[derive(Clone, Debug, PartialEq)]
pub struct ArmCount {
    pub arm: String,
    pub users: u64,
    pub weight: f64,
}

/// The check's outcome, serialized as `{"p_value", "flag", "observed": {arm: users}}`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Srm {
    pub p_value: f64,
    pub flag: bool,
    #[serde(serialize_with = "observed_map")]
    pub observed: Vec<ArmCount>,
}

fn observed_map<S: Serializer>(arms: &[ArmCount], serializer: S) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(arms.len()))?;
    for arm in arms {
        map.serialize_entry(&arm.arm, &arm.users)?;
    }
    map.end()
}

/// The χ² statistic `Σ (observed − expected)² / expected` with `expected = weight /
/// Σ weights × users`, against χ² with `arms − 1` degrees of freedom.
///
/// As gbstats: arms of weight 0 (or less) are left out of the sum but still count in the
/// degrees of freedom, and no users at all give p = 1. One arm alone is no test (p = 1).
pub fn srm(arms: Vec<ArmCount>) -> Srm {
    let p_value = srm_p_value(&arms);
    Srm {
        p_value,
        flag: p_value < SRM_THRESHOLD,
        observed: arms,
    }
}

fn srm_p_value(arms: &[ArmCount]) -> f64 {
    let total_users: f64 = arms.iter().map(|a| a.users as f64).sum();
    let weight = |a: &ArmCount| {
        if a.weight.is_finite() && a.weight > 0.0 {
            a.weight
        } else {
            0.0
        }
    };
    let total_weight: f64 = arms.iter().map(weight).sum();
    if total_users == 0.0 || arms.len() < 2 || total_weight == 0.0 {
        return 1.0;
    }
    let statistic: f64 = arms
        .iter()
        .filter(|a| weight(a) > 0.0)
        .map(|a| {
            let expected = weight(a) / total_weight * total_users;
            (a.users as f64 - expected).powi(2) / expected
        })
        .sum();
    chi_squared_upper_tail(statistic, (arms.len() - 1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arms(counts: &[(u64, f64)]) -> Vec<ArmCount> {
        counts
            .iter()
            .enumerate()
            .map(|(i, (users, weight))| ArmCount {
                arm: format!("arm{i}"),
                users: *users,
                weight: *weight,
            })
            .collect()
    }

    #[test]
    fn a_perfect_split_has_p_one() {
        let s = srm(arms(&[(100, 1.0), (300, 3.0)]));
        assert!((s.p_value - 1.0).abs() < 1e-15);
        assert!(!s.flag);
    }

    #[test]
    fn two_arms_match_scipy() {
        // 540 against 460 at 50/50: χ² = 2 · 40² / 500 = 6.4, and
        // scipy.stats.chi2.sf(6.4, 1) = 0.01141203638600166.
        let s = srm(arms(&[(540, 0.5), (460, 0.5)]));
        assert!((s.p_value / 0.01141203638600166 - 1.0).abs() < 1e-13, "{}", s.p_value);
    }

    #[test]
    fn a_large_mismatch_is_flagged_and_nothing_is_not() {
        assert!(srm(arms(&[(1000, 1.0), (1200, 1.0)])).flag);
        assert_eq!(srm(arms(&[(0, 1.0), (0, 1.0)])).p_value, 1.0);
        assert_eq!(srm(arms(&[(10, 1.0)])).p_value, 1.0);
    }

    #[test]
    fn observed_serializes_as_a_map_in_arm_order() {
        let json = serde_json::to_string(&srm(arms(&[(5, 1.0), (5, 1.0)]))).unwrap_or_default();
        assert!(json.ends_with(r#""observed":{"arm0":5,"arm1":5}}"#), "{json}");
    }
}
