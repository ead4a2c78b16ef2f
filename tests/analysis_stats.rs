//! The statistics kernel (`mintage::analysis::stats`): vectors computed with the real
//! gbstats 0.8.0, properties that any correct test has, and the worked example of
//! `docs/analysis-stats.md`, whose numbers are read from the page itself.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::analysis::stats::{
    ArmCount, ArmMoments, ArmSums, Comparison, Lift, MetricKind, Settings, adjust_holm, compare, cuped, difference,
    holm, srm,
};
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

fn close(what: &str, got: f64, want: f64, tolerance: f64) {
    let error = (got - want).abs() / want.abs().max(1e-300);
    assert!(
        error <= tolerance,
        "{what}: got {got:e}, want {want:e} (relative error {error:e})"
    );
}

fn lift(c: &Comparison) -> &Lift {
    c.lift().unwrap_or_else(|| panic!("expected a lift, got {c:?}"))
}

fn sums(n: u64, sum: f64, sum_squares: f64) -> ArmSums {
    ArmSums {
        n,
        sum,
        sum_squares,
        ..ArmSums::default()
    }
}

fn with_covariate(s: ArmSums, covariate_sum: f64, covariate_sum_squares: f64, cross_sum: f64) -> ArmSums {
    ArmSums {
        covariate_sum,
        covariate_sum_squares,
        cross_sum,
        ..s
    }
}

fn settings(sequential: bool, cuped: bool) -> Settings {
    let mut s = Settings::default();
    s.sequential = sequential;
    s.cuped = cuped;
    s
}

/// Checks estimate, CI and p-value of both differences against gbstats' numbers.
fn matches(c: &Comparison, absolute: [f64; 4], relative: [f64; 4]) {
    let l = lift(c);
    for (name, got, want) in [("absolute", l.absolute, absolute), ("relative", l.relative, relative)] {
        close(&format!("{name} estimate"), got.estimate, want[0], 1e-12);
        close(&format!("{name} ci low"), got.ci[0], want[1], 1e-9);
        close(&format!("{name} ci high"), got.ci[1], want[2], 1e-9);
        close(&format!("{name} p-value"), got.p_value, want[3], 1e-9);
    }
}

#[test]
fn conversion_fixed_horizon_matches_gbstats() {
    // TwoSidedTTest(ProportionStatistic(n=1000, sum=100), ProportionStatistic(n=1000, sum=130),
    // FrequentistConfig(difference_type=…)).compute_result(), and .dof.
    let c = compare(
        MetricKind::Proportion,
        &sums(1000, 100.0, 100.0),
        &sums(1000, 130.0, 130.0),
        &settings(false, false),
    );
    matches(
        &c,
        [0.03, 0.0020507842909493826, 0.057949215709050615, 0.03541149025749646],
        [0.3, -0.019375372265978963, 0.6193753722659789, 0.06559733260262468],
    );
    close("dof", lift(&c).dof, 1972.48370948912, 1e-12);
}

#[test]
fn gmv_sequential_matches_gbstats() {
    // SequentialTwoSidedTTest(SampleMeanStatistic(n=5000, sum=206000.0, sum_squares=45000000.0),
    // SampleMeanStatistic(n=4900, sum=235200.0, sum_squares=50000000.0),
    // SequentialConfig(difference_type=…)).compute_result().
    let c = compare(
        MetricKind::Mean,
        &sums(5000, 206000.0, 45000000.0),
        &sums(4900, 235200.0, 50000000.0),
        &settings(true, false),
    );
    matches(
        &c,
        [
            6.799999999999997,
            1.4341655738722068,
            12.165834426127788,
            0.0034671421036566183,
        ],
        [
            0.16504854368932032,
            0.024183177566088343,
            0.3059139098125523,
            0.009680983813668527,
        ],
    );
}

fn cuped_arms() -> (ArmSums, ArmSums) {
    (
        with_covariate(sums(3000, 123000.0, 30000000.0), 900000.0, 600000000.0, 60000000.0),
        with_covariate(sums(3100, 142600.0, 33000000.0), 935000.0, 630000000.0, 66000000.0),
    )
}

#[test]
fn cuped_matches_gbstats_fixed_and_sequential() {
    // RegressionAdjustedStatistic(n, post_statistic=SampleMeanStatistic(n, sum, sum_squares),
    // pre_statistic=SampleMeanStatistic(n, covariate_sum, covariate_sum_squares),
    // post_pre_sum_of_products=cross_sum, theta=0) for both arms of `cuped_arms`, through
    // TwoSidedTTest and SequentialTwoSidedTTest; θ is test.stat_a.theta after construction.
    let (a, b) = cuped_arms();
    let fixed = compare(MetricKind::Mean, &a, &b, &settings(false, true));
    matches(
        &fixed,
        [
            4.8903259735420335,
            0.4249301565487871,
            9.35572179053528,
            0.03184043274507675,
        ],
        [
            0.11927624325712277,
            0.003532394706711142,
            0.23502009180753441,
            0.043408231010706455,
        ],
    );
    close("theta", lift(&fixed).theta.unwrap(), 0.06799789640393882, 1e-12);
    close("dof", lift(&fixed).dof, 6096.357140498644, 1e-12);
    let sequential = compare(MetricKind::Mean, &a, &b, &settings(true, true));
    matches(
        &sequential,
        [
            4.8903259735420335,
            -2.0275568201326406,
            11.808208767216708,
            0.4047178462754894,
        ],
        [
            0.11927624325712277,
            -0.06003650104954639,
            0.29858898756379193,
            0.5141425768217216,
        ],
    );
}

#[test]
fn srm_matches_gbstats() {
    // gbstats.utils.check_srm([98, 455, 447], [10, 45, 45]) and check_srm([1000, 1200], [1, 1]).
    let arms = |users: &[u64], weights: &[f64]| -> Vec<ArmCount> {
        let named = users.iter().zip(weights).enumerate();
        named
            .map(|(i, (u, w))| ArmCount {
                arm: format!("a{i}"),
                users: *u,
                weight: *w,
            })
            .collect()
    };
    let ladder = srm(arms(&[98, 455, 447], &[10.0, 45.0, 45.0]));
    close("ladder", ladder.p_value, 0.9438596707268425, 1e-12);
    assert!(!ladder.flag);
    let skewed = srm(arms(&[1000, 1200], &[1.0, 1.0]));
    close("skewed", skewed.p_value, 2.007865612426481e-05, 1e-10);
    assert!(skewed.flag);
}

#[test]
fn too_little_data_is_a_reason_not_a_number() {
    let none = Settings::default();
    let kinds = [MetricKind::Proportion, MetricKind::Mean];
    let json = |c: &Comparison| serde_json::to_value(c).unwrap();
    for kind in kinds {
        let one = compare(kind, &sums(1, 1.0, 1.0), &sums(10, 5.0, 5.0), &none);
        assert_eq!(json(&one)["not_enough_data"]["reason"], "too_few_users", "{one:?}");
        assert_eq!(json(&one)["not_enough_data"]["side"], "baseline");
        let zero = compare(kind, &sums(10, 0.0, 0.0), &sums(10, 5.0, 5.0), &none);
        assert_eq!(
            json(&zero)["not_enough_data"]["reason"],
            "zero_baseline_mean",
            "{zero:?}"
        );
        let flat = compare(kind, &sums(10, 5.0, 5.0), &sums(10, 10.0, 10.0), &none);
        assert_eq!(json(&flat)["not_enough_data"]["reason"], "zero_variance", "{flat:?}");
        assert_eq!(json(&flat)["not_enough_data"]["side"], "arm");
    }
    let nan = compare(MetricKind::Mean, &sums(10, f64::NAN, 1.0), &sums(10, 5.0, 5.0), &none);
    assert_eq!(json(&nan)["not_enough_data"]["reason"], "not_finite");
}

#[test]
fn a_lift_serializes_under_the_report_keys() {
    let mut c = compare(
        MetricKind::Proportion,
        &sums(1000, 100.0, 100.0),
        &sums(1000, 130.0, 130.0),
        &Settings::default(),
    );
    adjust_holm([&mut c]);
    let v = serde_json::to_value(&c).unwrap();
    for key in ["absolute", "relative"] {
        assert!(v[key]["estimate"].is_f64() && v[key]["p_value"].is_f64(), "{v}");
        assert_eq!(v[key]["ci"].as_array().map(Vec::len), Some(2), "{v}");
    }
    // One comparison: Holm changes nothing.
    assert_eq!(v["p_value_holm"], v["relative"]["p_value"]);
}

#[test]
fn holm_adjusts_the_relative_p_values_of_the_lifts_only() {
    let base = sums(1000, 100.0, 100.0);
    let mut comparisons = [
        compare(
            MetricKind::Proportion,
            &base,
            &sums(1000, 130.0, 130.0),
            &Settings::default(),
        ),
        compare(MetricKind::Proportion, &base, &sums(1, 1.0, 1.0), &Settings::default()),
        compare(
            MetricKind::Proportion,
            &base,
            &sums(1000, 104.0, 104.0),
            &Settings::default(),
        ),
    ];
    adjust_holm(comparisons.iter_mut());
    let raw = [
        lift(&comparisons[0]).relative.p_value,
        lift(&comparisons[2]).relative.p_value,
    ];
    let want = holm(&raw);
    assert_eq!(lift(&comparisons[0]).p_value_holm, Some(want[0]));
    assert_eq!(lift(&comparisons[2]).p_value_holm, Some(want[1]));
    assert_eq!(comparisons[1].lift(), None);
}

fn arm_strategy() -> impl Strategy<Value = (Vec<f64>, Vec<f64>)> {
    (0usize..60).prop_flat_map(|n| {
        (
            prop::collection::vec(0.0f64..1.0, n),
            prop::collection::vec(0.0f64..500.0, n),
        )
    })
}

/// Users' values for a metric of `kind` (a proportion's are 0 or 1) and their covariates.
fn build(kind: MetricKind, (draws, covariates): &(Vec<f64>, Vec<f64>), scale: f64) -> ArmSums {
    let mut s = ArmSums::default();
    for (d, c) in draws.iter().zip(covariates) {
        let value = match kind {
            MetricKind::Proportion => f64::from(u8::from(*d < 0.3)),
            MetricKind::Mean => {
                if *d < 0.4 {
                    0.0
                } else {
                    scale * d + c * 0.1
                }
            }
        };
        s.push(value, *c);
    }
    s
}

fn kind_strategy() -> impl Strategy<Value = MetricKind> {
    prop_oneof![Just(MetricKind::Proportion), Just(MetricKind::Mean)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn every_result_is_a_valid_test(kind in kind_strategy(), a in arm_strategy(), b in arm_strategy(),
                                    scale in 1.0f64..300.0, sequential: bool, cuped: bool) {
        let (a, b) = (build(kind, &a, 100.0), build(kind, &b, scale));
        let c = compare(kind, &a, &b, &settings(sequential, cuped));
        // Either a reason, or finite numbers with the estimate inside its interval.
        if let Some(l) = c.lift() {
            for d in [l.absolute, l.relative] {
                prop_assert!(d.estimate.is_finite() && d.ci[0].is_finite() && d.ci[1].is_finite());
                prop_assert!(d.ci[0] <= d.estimate && d.estimate <= d.ci[1], "{d:?}");
                prop_assert!((0.0..=1.0).contains(&d.p_value), "{d:?}");
            }
        }
        prop_assert!(c.lift().is_some() != c.reason().is_some());
    }

    #[test]
    fn swapping_the_arms_negates_the_absolute_difference(kind in kind_strategy(), a in arm_strategy(),
                                                         b in arm_strategy(), sequential: bool, cuped: bool) {
        let (a, b) = (build(kind, &a, 100.0), build(kind, &b, 120.0));
        let s = settings(sequential, cuped);
        let (ab, ba) = (compare(kind, &a, &b, &s), compare(kind, &b, &a, &s));
        if let (Some(ab), Some(ba)) = (ab.lift(), ba.lift()) {
            let scale = ab.absolute.ci[1] - ab.absolute.ci[0];
            prop_assert!((ab.absolute.estimate + ba.absolute.estimate).abs() <= 1e-9 * scale);
            prop_assert!((ab.absolute.ci[0] + ba.absolute.ci[1]).abs() <= 1e-9 * scale);
            prop_assert!((ab.absolute.p_value - ba.absolute.p_value).abs() <= 1e-9);
        }
    }

    #[test]
    fn the_sequence_holds_the_fixed_interval(kind in kind_strategy(), a in arm_strategy(), b in arm_strategy()) {
        // The confidence sequence is at least ≈ 3.03 standard errors wide on each side at
        // α = 0.05 (the minimum over N of its width factor), wider than t(0.975, ν) for ν ≥ 4.
        let (a, b) = (build(kind, &a, 100.0), build(kind, &b, 90.0));
        let fixed = compare(kind, &a, &b, &settings(false, false));
        let sequential = compare(kind, &a, &b, &settings(true, false));
        if let (Some(f), Some(s)) = (fixed.lift(), sequential.lift())
            && f.dof >= 4.0
        {
            for (f, s) in [(f.absolute, s.absolute), (f.relative, s.relative)] {
                prop_assert!(s.ci[0] <= f.ci[0] && f.ci[1] <= s.ci[1], "{f:?} {s:?}");
                prop_assert!(s.p_value >= f.p_value, "{f:?} {s:?}");
            }
        }
    }

    #[test]
    fn holm_is_at_least_raw_at_most_one_and_keeps_the_order(p in prop::collection::vec(0.0f64..=1.0, 0..30)) {
        let adjusted = holm(&p);
        prop_assert_eq!(adjusted.len(), p.len());
        for i in 0..p.len() {
            prop_assert!(adjusted[i] >= p[i] && adjusted[i] <= 1.0);
            for j in 0..p.len() {
                if p[i] <= p[j] {
                    prop_assert!(adjusted[i] <= adjusted[j]);
                }
            }
        }
    }

    #[test]
    fn srm_p_value_is_a_probability(users in prop::collection::vec(0u64..100_000, 0..6),
                                    weights in prop::collection::vec(0.0f64..5.0, 6)) {
        let arms = users.iter().zip(&weights).enumerate()
            .map(|(i, (u, w))| ArmCount { arm: i.to_string(), users: *u, weight: *w }).collect();
        let s = srm(arms);
        prop_assert!((0.0..=1.0 + 1e-12).contains(&s.p_value), "{s:?}");
    }
}

/// The worked example of the docs: the tiny data set, and every number the page states
/// under a key, recomputed.
fn worked_example() -> BTreeMap<String, f64> {
    let gmv_a = [0.0, 120.0, 0.0, 45.0, 0.0];
    let spend_a = [100.0, 300.0, 50.0, 200.0, 0.0];
    let gmv_b = [80.0, 0.0, 150.0, 60.0, 0.0, 95.0];
    let spend_b = [150.0, 250.0, 20.0, 180.0, 40.0, 310.0];
    let mut out = BTreeMap::new();
    for (name, kind) in [("gmv", MetricKind::Mean), ("conversion", MetricKind::Proportion)] {
        let arm = |values: &[f64], spends: &[f64]| {
            let mut s = ArmSums::default();
            for (v, c) in values.iter().zip(spends) {
                s.push(
                    if kind == MetricKind::Mean {
                        *v
                    } else {
                        f64::from(u8::from(*v > 0.0))
                    },
                    *c,
                );
            }
            s
        };
        let (a, b) = (arm(&gmv_a, &spend_a), arm(&gmv_b, &spend_b));
        for (side, s) in [("baseline", &a), ("arm", &b)] {
            let m = ArmMoments::plain(kind, s);
            out.insert(format!("{name}.{side}.mean"), m.mean);
            out.insert(format!("{name}.{side}.variance"), m.variance);
        }
        for (method, sequential, cuped) in [
            ("fixed", false, false),
            ("sequential", true, false),
            ("cuped", false, true),
        ] {
            let c = compare(kind, &a, &b, &settings(sequential, cuped));
            let l = lift(&c);
            if method == "fixed" {
                out.insert(format!("{name}.dof"), l.dof);
                let t = mintage::analysis::stats::distribution::student_t_upper_quantile(0.025, l.dof);
                out.insert(format!("{name}.t_critical"), t);
            }
            if let Some(theta) = l.theta {
                out.insert(format!("{name}.cuped.theta"), theta);
            }
            // The variance of each difference, from the same public pieces the test uses.
            let (ma, mb) = match l.theta {
                Some(theta) => (cuped::adjusted(kind, &a, theta), cuped::adjusted(kind, &b, theta)),
                None => (ArmMoments::plain(kind, &a), ArmMoments::plain(kind, &b)),
            };
            out.insert(
                format!("{name}.{method}.absolute.variance"),
                difference::absolute(&ma, &mb).variance,
            );
            out.insert(
                format!("{name}.{method}.relative.variance"),
                difference::relative(&ma, &mb).variance,
            );
            for (difference, d) in [("absolute", l.absolute), ("relative", l.relative)] {
                out.insert(format!("{name}.{method}.{difference}.estimate"), d.estimate);
                out.insert(format!("{name}.{method}.{difference}.ci_low"), d.ci[0]);
                out.insert(format!("{name}.{method}.{difference}.ci_high"), d.ci[1]);
                out.insert(format!("{name}.{method}.{difference}.p_value"), d.p_value);
            }
        }
    }
    out.insert(
        "sequential.rho".into(),
        mintage::analysis::stats::sequential::rho(0.05, 5000.0),
    );
    let count = |arm: &str, users| ArmCount {
        arm: arm.into(),
        users,
        weight: 0.5,
    };
    out.insert(
        "srm.p_value".into(),
        srm(vec![count("holdout", 5), count("ladder", 6)]).p_value,
    );
    out
}

/// Table rows of the form `` | `key` | number | `` in the page.
fn stated_numbers(page: &str) -> Vec<(String, f64)> {
    page.lines()
        .filter_map(|line| {
            let mut cells = line.strip_prefix("| `")?.split('|');
            let key = cells.next()?.trim().strip_suffix('`')?.to_string();
            let value = cells.next()?.trim().replace('−', "-").parse().ok()?;
            Some((key, value))
        })
        .collect()
}

#[test]
fn the_worked_example_in_the_docs_is_what_the_code_computes() {
    let page = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/analysis-stats.md")).unwrap();
    let ours = worked_example();
    let stated = stated_numbers(&page);
    assert!(
        stated.len() >= 40,
        "only {} numbers found in the worked example",
        stated.len()
    );
    for (key, value) in stated {
        let computed = ours
            .get(&key)
            .unwrap_or_else(|| panic!("the page states `{key}`, which the test does not compute"));
        // The page rounds to 10 significant digits.
        close(&key, *computed, value, 1e-9);
    }
}
