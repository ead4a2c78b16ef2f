//! Properties of the numerics: the IRLS solution satisfies the score equations, and the
//! Qini coefficient equals a brute-force computation from its definition.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::learning::metrics::{Scored, qini, qini_point};
use mintage::learning::solve::{Design, logistic, logistic_gradient};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn irls_solves_the_score_equations(rows in prop::collection::vec((-2.0f64..2.0, -2.0f64..2.0, any::<bool>()), 20..80), l2 in 0.1f64..5.0) {
        let mut x = Design::new(3);
        let mut y = Vec::new();
        for (a, b, o) in &rows {
            x.push(&[1.0, *a, *b]);
            y.push(*o);
        }
        let fit = logistic(&x, &y, l2, 100).unwrap();
        let g = logistic_gradient(&x, &y, l2, &fit.beta);
        prop_assert!(g.iter().all(|v| v.abs() < 1e-6), "gradient {g:?}");
    }

    #[test]
    fn qini_equals_brute_force(users in prop::collection::vec((0u32..1_000_000, any::<bool>(), any::<bool>()), 1..40)) {
        let mut users: Vec<Scored> = users.iter().map(|(s, t, o)| Scored { uplift: f64::from(*s), treated: *t, ordered: *o }).collect();
        users.sort_by(|a, b| b.uplift.total_cmp(&a.uplift));
        users.dedup_by(|a, b| a.uplift == b.uplift);
        let n = users.len();
        let nt = users.iter().filter(|u| u.treated).count();
        prop_assume!(nt > 0);
        // From the definition: Q(k) from the top k users, each k from scratch.
        let q = |k: usize| {
            let top = &users[..k];
            let count = |t: bool, o: bool| top.iter().filter(|u| u.treated == t && (!o || u.ordered)).count() as u64;
            qini_point(count(true, true), count(false, true), count(true, false), count(false, false)) / nt as f64
        };
        let area: f64 = (1..=n).map(|k| (q(k - 1) + q(k)) / 2.0 / n as f64).sum();
        let brute = area - q(n) / 2.0;
        let fast = qini(&users);
        prop_assert!((fast.coefficient - brute).abs() < 1e-9, "{} vs {brute}", fast.coefficient);
        prop_assert!((fast.auuc - area).abs() < 1e-9);
    }
}
