//! Holm's step-down adjustment (Holm–Bonferroni), as GrowthBook applies it across the
//! comparisons of a report: it keeps the chance of any false positive among them at α
//! while rejecting more than Bonferroni would.

use super::result::Comparison;

/// Sorted ascending, the `i`-th smallest of `m` p-values (from 0) becomes
/// `min(1, (m − i) p)`, and then the running maximum so that the order is kept; the
/// result is in the input's order.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut adjusted = vec![0.0; m];
    let mut running = 0.0_f64;
    for (rank, &index) in order.iter().enumerate() {
        let scaled = (p_values[index] * (m - rank) as f64).min(1.0);
        running = running.max(scaled);
        adjusted[index] = running;
    }
    adjusted
}

/// Sets `p_value_holm` on every comparison that has a lift, adjusting their relative
/// p-values together (GrowthBook's default difference is the relative one). Comparisons
/// without enough data have no p-value and do not count.
pub fn adjust_holm<'a>(comparisons: impl IntoIterator<Item = &'a mut Comparison>) {
    let mut lifts: Vec<_> = comparisons
        .into_iter()
        .filter_map(|c| match c {
            Comparison::Lift(lift) => Some(lift),
            Comparison::NotEnoughData { .. } => None,
        })
        .collect();
    let p_values: Vec<f64> = lifts.iter().map(|l| l.relative.p_value).collect();
    for (lift, p) in lifts.iter_mut().zip(holm(&p_values)) {
        lift.p_value_holm = Some(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textbook_example() {
        // Sorted 0.01, 0.03, 0.04, 0.5 (m = 4): 0.01·4 = 0.04, 0.03·3 = 0.09, 0.04·2 = 0.08
        // raised to the running maximum 0.09, 0.5·1.
        let got = holm(&[0.04, 0.01, 0.5, 0.03]);
        for (g, w) in got.iter().zip([0.09, 0.04, 0.5, 0.09]) {
            assert!((g - w).abs() < 1e-15, "{got:?}");
        }
    }

    #[test]
    fn capped_at_one_and_empty_is_empty() {
        assert_eq!(holm(&[0.6, 0.9]), vec![1.0, 1.0]);
        assert!(holm(&[]).is_empty());
    }
}
