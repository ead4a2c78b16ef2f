//! Prints Mintage's statistics on many generated data sets as JSON lines, for
//! `.ci/gbstats_compare.py` to recompute with the real gbstats and compare:
//! `cargo run --example stats_vectors > vectors.jsonl`
//!
//! Each line has a `type`: `compare` (the sufficient statistics of two arms, the settings,
//! the per-arm moments and the comparison), `srm`, `holm`, and the distribution functions
//! underneath (`t_tail`, `t_quantile`, `chi2_tail`). Seeded: the same lines every run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod stats_data;

use mintage::analysis::stats::{ArmCount, ArmMoments, ArmSums, MetricKind, Settings, compare, distribution, holm, srm};
use serde_json::{Value, json};
use stats_data::{Arm, Random, World};
use std::io::Write;

/// A named pair of arms on one metric.
struct Case {
    id: String,
    kind: MetricKind,
    baseline: ArmSums,
    arm: ArmSums,
}

fn sums(values: &[(f64, f64)]) -> ArmSums {
    let mut s = ArmSums::default();
    for (value, covariate) in values {
        s.push(*value, *covariate);
    }
    s
}

fn case(id: impl Into<String>, kind: MetricKind, baseline: ArmSums, arm: ArmSums) -> Case {
    Case {
        id: id.into(),
        kind,
        baseline,
        arm,
    }
}

/// A/A and A/B experiments of the marketplace world, balanced and not, small to large.
fn generated(cases: &mut Vec<Case>) {
    let world = World::default();
    let sizes = [
        (1000, 1000),
        (5000, 5000),
        (20000, 20000),
        (200, 3000),
        (50, 20000),
        (7, 9),
        (30, 25),
    ];
    for seed in 0..8u64 {
        let mut r = Random::new(seed);
        for &(n_a, n_b) in &sizes {
            let base = Arm {
                conversion: r.between(0.05, 0.15),
                order_factor: 1.0,
            };
            let lift = if seed % 2 == 0 { 0.0 } else { r.between(-0.2, 0.3) };
            let treated = Arm {
                conversion: base.conversion * (1.0 + lift),
                order_factor: r.between(0.9, 1.2),
            };
            let treated = if lift == 0.0 { base } else { treated };
            let (conv_a, gmv_a) = world.arm_sums(base, n_a, &mut r);
            let (conv_b, gmv_b) = world.arm_sums(treated, n_b, &mut r);
            let label = if lift == 0.0 { "aa" } else { "ab" };
            cases.push(case(
                format!("{label}/conversion/{seed}/{n_a}x{n_b}"),
                MetricKind::Proportion,
                conv_a,
                conv_b,
            ));
            cases.push(case(
                format!("{label}/gmv/{seed}/{n_a}x{n_b}"),
                MetricKind::Mean,
                gmv_a,
                gmv_b,
            ));
        }
    }
}

/// Sums of a large experiment built from moments directly (no users drawn): mean `mean`,
/// variance `variance`, covariate mean and variance, and their correlation.
fn from_moments(n: u64, mean: f64, variance: f64, cov_mean: f64, cov_variance: f64, correlation: f64) -> ArmSums {
    let nf = n as f64;
    ArmSums {
        n,
        sum: nf * mean,
        sum_squares: nf * (variance + mean * mean),
        covariate_sum: nf * cov_mean,
        covariate_sum_squares: nf * (cov_variance + cov_mean * cov_mean),
        cross_sum: nf * (correlation * (variance * cov_variance).sqrt() + mean * cov_mean),
    }
}

fn large(cases: &mut Vec<Case>) {
    for (n, label) in [(500_000u64, "500k"), (5_000_000, "5m"), (100_000_000, "100m")] {
        let p = |q: f64| (q * n as f64).round() / n as f64;
        let (pa, pb) = (p(0.1), p(0.1003));
        let a = from_moments(n, pa, pa * (1.0 - pa), 300.0, 4e4, 0.3);
        let b = from_moments(n, pb, pb * (1.0 - pb), 300.0, 4e4, 0.3);
        // A proportion's sum of squares is its sum.
        let (a, b) = (
            ArmSums {
                sum_squares: a.sum,
                ..a
            },
            ArmSums {
                sum_squares: b.sum,
                ..b
            },
        );
        cases.push(case(format!("large/conversion/{label}"), MetricKind::Proportion, a, b));
        let a = from_moments(n, 41.2, 9e4, 300.0, 4e4, 0.5);
        let b = from_moments(n, 41.5, 9.2e4, 301.0, 4e4, 0.5);
        cases.push(case(format!("large/gmv/{label}"), MetricKind::Mean, a, b));
    }
    // Very unbalanced and large: dof near the small arm's size.
    let a = from_moments(40, 38.0, 2e3, 250.0, 3e4, 0.4);
    let b = from_moments(2_000_000, 41.0, 9e4, 300.0, 4e4, 0.5);
    cases.push(case("large/gmv/40x2m", MetricKind::Mean, a, b));
}

/// The corners: the fewest users, no variance, a zero baseline, identical arms, tiny
/// variance, negative values, degenerate covariates.
fn edges(cases: &mut Vec<Case>) {
    use MetricKind::{Mean, Proportion};
    let plain = |values: &[f64]| sums(&values.iter().map(|v| (*v, 0.0)).collect::<Vec<_>>());
    cases.push(case("edge/n2/mean", Mean, plain(&[3.5, 7.25]), plain(&[1.0, 9.5])));
    cases.push(case(
        "edge/n2/proportion",
        Proportion,
        plain(&[0.0, 1.0]),
        plain(&[1.0, 0.0]),
    ));
    cases.push(case(
        "edge/n2-vs-n3/proportion",
        Proportion,
        plain(&[0.0, 1.0]),
        plain(&[1.0, 0.0, 1.0]),
    ));
    cases.push(case(
        "edge/n3/mean-with-covariate",
        Mean,
        sums(&[(1.0, 2.0), (4.0, 3.0), (2.5, 1.0)]),
        sums(&[(6.0, 2.5), (3.0, 0.5), (5.0, 4.0)]),
    ));
    cases.push(case("edge/n1/baseline", Mean, plain(&[3.0]), plain(&[1.0, 2.0, 3.0])));
    cases.push(case("edge/n1/arm", Mean, plain(&[1.0, 2.0, 3.0]), plain(&[3.0])));
    cases.push(case("edge/n0/arm", Proportion, plain(&[1.0, 0.0, 0.0]), plain(&[])));
    cases.push(case(
        "edge/zero-baseline/proportion",
        Proportion,
        plain(&[0.0; 40]),
        plain(&[0.0, 1.0, 0.0, 0.0]),
    ));
    cases.push(case(
        "edge/zero-baseline/mean",
        Mean,
        plain(&[0.0; 40]),
        plain(&[0.0, 12.0, 0.0, 3.0]),
    ));
    cases.push(case(
        "edge/all-converted-arm",
        Proportion,
        plain(&[0.0, 1.0, 1.0, 0.0]),
        plain(&[1.0; 12]),
    ));
    cases.push(case("edge/constant-both", Mean, plain(&[5.0; 30]), plain(&[5.0; 20])));
    cases.push(case("edge/constant-tenths", Mean, plain(&[0.1; 30]), plain(&[0.1; 20])));
    let mut r = Random::new(99);
    let tiny_a: Vec<f64> = (0..60).map(|_| 100.0 + 1e-6 * r.normal()).collect();
    let tiny_b: Vec<f64> = (0..60).map(|_| 100.0 + 2e-7 + 1e-6 * r.normal()).collect();
    cases.push(case("edge/tiny-variance", Mean, plain(&tiny_a), plain(&tiny_b)));
    let world = World::default();
    let arm = Arm {
        conversion: 0.1,
        order_factor: 1.0,
    };
    let (conv, gmv) = world.arm_sums(arm, 3000, &mut Random::new(5));
    let (conv_same, gmv_same) = world.arm_sums(arm, 3000, &mut Random::new(5));
    cases.push(case("edge/identical/conversion", Proportion, conv, conv_same));
    cases.push(case("edge/identical/gmv", Mean, gmv, gmv_same));
    // Two users against ten thousand, both ways round.
    let (conv_big, gmv_big) = world.arm_sums(arm, 10_000, &mut Random::new(9));
    cases.push(case("edge/2-vs-10000/gmv", Mean, plain(&[37.5, 112.0]), gmv_big));
    cases.push(case("edge/10000-vs-2/gmv", Mean, gmv_big, plain(&[37.5, 112.0])));
    cases.push(case(
        "edge/2-vs-10000/conversion",
        Proportion,
        plain(&[0.0, 1.0]),
        conv_big,
    ));
    let refunds = |r: &mut Random, shift: f64| -> Vec<(f64, f64)> {
        (0..400)
            .map(|_| (shift + 30.0 * r.normal(), 10.0 * r.normal()))
            .collect()
    };
    cases.push(case(
        "edge/negative-baseline",
        Mean,
        sums(&refunds(&mut r, -4.0)),
        sums(&refunds(&mut r, 2.0)),
    ));
    let constant_covariate: Vec<(f64, f64)> = (0..200).map(|_| ((r.normal() + 3.0).max(0.0), 7.0)).collect();
    let constant_covariate_b: Vec<(f64, f64)> = (0..200).map(|_| ((r.normal() + 3.2).max(0.0), 7.0)).collect();
    cases.push(case(
        "edge/constant-covariate",
        Mean,
        sums(&constant_covariate),
        sums(&constant_covariate_b),
    ));
    let near = |r: &mut Random, shift: f64| -> Vec<(f64, f64)> {
        (0..500)
            .map(|_| {
                let x = 50.0 + 10.0 * r.normal();
                (x + shift + 0.05 * r.normal(), x)
            })
            .collect()
    };
    cases.push(case(
        "edge/covariate-almost-the-metric",
        Mean,
        sums(&near(&mut r, 0.0)),
        sums(&near(&mut r, 0.01)),
    ));
    let binary_covariate = |r: &mut Random, p: f64| -> Vec<(f64, f64)> {
        (0..2000)
            .map(|_| {
                let before = if r.chance(0.1) { 1.0 } else { 0.0 };
                let after = if r.chance(if before == 1.0 { 3.0 * p } else { p }) {
                    1.0
                } else {
                    0.0
                };
                (after, before)
            })
            .collect()
    };
    cases.push(case(
        "edge/proportion-with-binary-covariate",
        Proportion,
        sums(&binary_covariate(&mut r, 0.08)),
        sums(&binary_covariate(&mut r, 0.1)),
    ));
}

fn moments(kind: MetricKind, s: &ArmSums) -> Value {
    let m = ArmMoments::plain(kind, s);
    json!({"mean": m.mean, "variance": m.variance})
}

fn compare_lines(out: &mut impl Write) {
    let mut cases = Vec::new();
    generated(&mut cases);
    large(&mut cases);
    edges(&mut cases);
    for (i, c) in cases.iter().enumerate() {
        let mut variants = vec![(0.05, 5000.0)];
        if i % 5 == 0 {
            variants.push((0.1, 1000.0));
        }
        for (alpha, tuning) in variants {
            for (sequential, cuped) in [(false, false), (true, false), (false, true), (true, true)] {
                let mut settings = Settings::default()
                    .with_alpha(alpha)
                    .unwrap()
                    .with_tuning(tuning)
                    .unwrap();
                settings.sequential = sequential;
                settings.cuped = cuped;
                let line = json!({
                    "type": "compare", "id": c.id, "kind": c.kind, "alpha": alpha, "tuning": tuning,
                    "sequential": sequential, "cuped": cuped, "baseline": c.baseline, "arm": c.arm,
                    "moments": {"baseline": moments(c.kind, &c.baseline), "arm": moments(c.kind, &c.arm)},
                    "result": compare(c.kind, &c.baseline, &c.arm, &settings),
                });
                writeln!(out, "{line}").unwrap();
            }
        }
    }
}

fn srm_lines(out: &mut impl Write) {
    let mut sets: Vec<(Vec<u64>, Vec<f64>)> = vec![
        (vec![5000, 5000], vec![0.5, 0.5]),
        (vec![5100, 4900], vec![0.5, 0.5]),
        (vec![5200, 4800], vec![0.5, 0.5]),
        (vec![1000, 1200], vec![1.0, 1.0]),
        (vec![98, 455, 447], vec![10.0, 45.0, 45.0]),
        (vec![150, 420, 430], vec![10.0, 45.0, 45.0]),
        (vec![500, 3, 480], vec![1.0, 0.0, 1.0]),
        (vec![0, 0], vec![1.0, 1.0]),
        (vec![10000, 100], vec![1.0, 1.0]),
        (vec![1, 0], vec![0.5, 0.5]),
    ];
    let mut r = Random::new(7);
    for _ in 0..60 {
        let arms = 2 + r.below(4) as usize;
        let weights: Vec<f64> = (0..arms).map(|_| r.between(0.5, 3.0)).collect();
        let total: f64 = weights.iter().sum();
        let users = 100.0 + r.between(0.0, 50_000.0);
        let skew = r.between(0.0, 0.06);
        let counts = weights
            .iter()
            .map(|w| (users * w / total * (1.0 + skew * r.normal())).round().max(0.0) as u64)
            .collect();
        sets.push((counts, weights));
    }
    for (i, (users, weights)) in sets.into_iter().enumerate() {
        let arms = users.iter().zip(&weights).enumerate();
        let counts = arms
            .map(|(k, (u, w))| ArmCount {
                arm: format!("arm{k}"),
                users: *u,
                weight: *w,
            })
            .collect();
        let result = srm(counts);
        let line = json!({"type": "srm", "id": format!("srm/{i}"), "users": users, "weights": weights,
                          "result": {"p_value": result.p_value, "flag": result.flag}});
        writeln!(out, "{line}").unwrap();
    }
}

fn holm_lines(out: &mut impl Write) {
    let mut r = Random::new(13);
    let mut lists = vec![
        vec![0.04, 0.01, 0.5, 0.03],
        vec![0.0, 1.0, 0.02, 0.02],
        vec![1e-12],
        vec![],
    ];
    for _ in 0..40 {
        let m = 1 + r.below(12) as usize;
        lists.push((0..m).map(|_| r.uniform().powi(3)).collect());
    }
    for (i, p_values) in lists.into_iter().enumerate() {
        let line = json!({"type": "holm", "id": format!("holm/{i}"), "result": holm(&p_values), "p_values": p_values});
        writeln!(out, "{line}").unwrap();
    }
}

fn distribution_lines(out: &mut impl Write) {
    let dofs = [
        1.0, 1.5, 2.0, 3.7, 10.0, 29.3, 100.0, 999.5, 1e4, 3.3e4, 2e5, 1.3e6, 2e6, 1e7, 1e8, 1e9,
    ];
    let ts = [
        0.0, 1e-6, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0, 1.5, 1.96, 2.2, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 9.0, 15.0, 20.0, 38.0,
    ];
    for dof in dofs {
        for t in ts {
            let value = distribution::student_t_upper_tail(t, dof);
            writeln!(out, "{}", json!({"type": "t_tail", "dof": dof, "t": t, "value": value})).unwrap();
        }
        for upper in [0.0005, 0.005, 0.025, 0.05, 0.1, 0.25] {
            let value = distribution::student_t_upper_quantile(upper, dof);
            writeln!(
                out,
                "{}",
                json!({"type": "t_quantile", "dof": dof, "upper": upper, "value": value})
            )
            .unwrap();
        }
    }
    for dof in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0] {
        for x in [
            0.0, 0.01, 0.1, 1.0, 3.84, 6.4, 10.0, 13.8, 20.0, 30.0, 50.0, 80.0, 150.0, 700.0,
        ] {
            let value = distribution::chi_squared_upper_tail(x, dof);
            writeln!(
                out,
                "{}",
                json!({"type": "chi2_tail", "dof": dof, "x": x, "value": value})
            )
            .unwrap();
        }
    }
}

fn main() {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    compare_lines(&mut out);
    srm_lines(&mut out);
    holm_lines(&mut out);
    distribution_lines(&mut out);
}
