//! Splitting an amount of money into parts that add up to the fen. Every split the
//! engine makes (a discount over order lines, a seller share over sellers, a discount
//! between platform and seller) goes through [`split`], so no fen is ever created or lost
//! by rounding.

use crate::value::Fen;

/// Splits `total` fen into one part per weight, in proportion to the weights, by the
/// largest-remainder method: each part is its exact share rounded down, and the fen left
/// over go one each to the parts with the largest remainders; equal remainders go to the
/// earlier part, so a caller that wants ties broken by a key (a seller id) passes the
/// weights in that key's order.
///
/// The parts always add up to `total` exactly, each is within one fen of its exact share
/// `total × weight / Σ weights`, and a larger weight never gets a smaller part. Negative
/// weights count as zero; when every weight is zero the parts are split as if all were
/// equal. A negative `total` is split like its absolute value, then negated.
///
/// ```
/// // ¥100.00 over three lines worth ¥1, ¥1 and ¥1: 33.34 + 33.33 + 33.33.
/// assert_eq!(mintage::money::split(10_000, &[100, 100, 100]), vec![3_334, 3_333, 3_333]);
/// ```
pub fn split(total: Fen, weights: &[i64]) -> Vec<Fen> {
    if weights.is_empty() {
        return Vec::new();
    }
    let mut w: Vec<i128> = weights.iter().map(|x| i128::from((*x).max(0))).collect();
    if w.iter().all(|x| *x == 0) {
        w.iter_mut().for_each(|x| *x = 1);
    }
    let sum: i128 = w.iter().sum();
    let whole = i128::from(total).abs();
    // Exact shares as (floor, remainder over `sum`); i128 holds fen × weight without overflow.
    let mut parts: Vec<i128> = Vec::with_capacity(w.len());
    let mut rests: Vec<(i128, usize)> = Vec::with_capacity(w.len());
    for (i, x) in w.iter().enumerate() {
        let exact = whole * x;
        parts.push(exact / sum);
        rests.push((exact % sum, i));
    }
    let mut left = whole - parts.iter().sum::<i128>();
    // Largest remainder first; equal remainders in input order.
    rests.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rests {
        if left <= 0 {
            break;
        }
        if let Some(p) = parts.get_mut(i) {
            *p += 1;
            left -= 1;
        }
    }
    let sign: Fen = if total < 0 { -1 } else { 1 };
    // INVARIANT: every part is at most `|total|`, which fits in an i64.
    parts
        .into_iter()
        .map(|p| sign * Fen::try_from(p).unwrap_or(Fen::MAX))
        .collect()
}

/// `total` over keys in proportion to their weights, in key order (`split` over the
/// map's values); keys whose part is zero are left out.
///
/// ```
/// use std::collections::BTreeMap;
/// let by_seller = BTreeMap::from([("s-1", 300), ("s-2", 100), ("s-3", 0)]);
/// assert_eq!(mintage::money::split_by(1_001, &by_seller), vec![("s-1", 751), ("s-2", 250)]);
/// ```
pub fn split_by<K: Clone + Ord>(total: Fen, weights: &std::collections::BTreeMap<K, Fen>) -> Vec<(K, Fen)> {
    let parts = split(total, &weights.values().copied().collect::<Vec<_>>());
    weights.keys().cloned().zip(parts).filter(|(_, a)| *a != 0).collect()
}

#[cfg(test)]
mod tests {
    use super::split;
    use proptest::prelude::*;

    #[test]
    fn small_cases() {
        assert_eq!(split(100, &[1, 1, 1]), vec![34, 33, 33]);
        assert_eq!(split(2, &[1, 1, 1]), vec![1, 1, 0]);
        assert_eq!(split(0, &[5, 7]), vec![0, 0]);
        assert_eq!(split(5, &[0, 0]), vec![3, 2]);
        assert_eq!(split(5, &[0, 4]), vec![0, 5]);
        assert_eq!(split(-100, &[1, 1, 1]), vec![-34, -33, -33]);
        assert!(split(100, &[]).is_empty());
        // Half a fen each way: the earlier part takes it (platform before seller).
        assert_eq!(split(5, &[5_000, 5_000]), vec![3, 2]);
        assert_eq!(split(12_800, &[7_000, 3_000]), vec![8_960, 3_840]);
    }

    #[test]
    fn extreme_amounts_do_not_overflow() {
        assert_eq!(
            split(i64::MAX, &[i64::MAX, i64::MAX])
                .iter()
                .map(|p| i128::from(*p))
                .sum::<i128>(),
            i128::from(i64::MAX)
        );
        assert_eq!(split(i64::MIN + 1, &[1, 2, 3]).iter().sum::<i64>(), i64::MIN + 1);
    }

    proptest! {
        #[test]
        fn parts_add_up_stay_within_a_fen_and_keep_the_order(
            total in -1_000_000_000i64..1_000_000_000,
            weights in proptest::collection::vec(0i64..10_000_000, 1..12),
        ) {
            let parts = split(total, &weights);
            prop_assert_eq!(parts.len(), weights.len());
            prop_assert_eq!(parts.iter().sum::<i64>(), total);
            let sum: i128 = weights.iter().map(|w| i128::from(*w)).sum();
            for (i, (p, w)) in parts.iter().zip(&weights).enumerate() {
                // |part − total × w / sum| < 1, compared exactly: |part × sum − total × w| < sum.
                let (num, den) = if sum == 0 {
                    (i128::from(total), weights.len() as i128)
                } else {
                    (i128::from(total) * i128::from(*w), sum)
                };
                prop_assert!((i128::from(*p) * den - num).abs() < den, "part {i}: {p} for weight {w}");
            }
            for (a, wa) in parts.iter().zip(&weights) {
                for (b, wb) in parts.iter().zip(&weights) {
                    if wa > wb {
                        prop_assert!(a.abs() >= b.abs(), "weight {wa} got {a}, weight {wb} got {b}");
                    }
                }
            }
        }
    }
}
