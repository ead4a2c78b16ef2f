//! Experiment bucketing, compatible with GrowthBook's SDKs (hash version 2), so that an
//! experiment run by Mintage and one analysed with GrowthBook agree on every user's arm.
//!
//! `n = fnv1a32(decimal(fnv1a32(seed ++ id))) % 10000 / 10000`; arms take the ranges
//! `[start, start + weight)` over their cumulative weights, in order, and the first range
//! holding `n` wins. Weights are kept in basis points, so the choice is exact.

const FNV_OFFSET: u32 = 0x811C_9DC5;
const FNV_PRIME: u32 = 0x0100_0193;

fn fnv1a32_extend(mut h: u32, bytes: &[u8]) -> u32 {
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// 32-bit FNV-1a.
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    fnv1a32_extend(FNV_OFFSET, bytes)
}

/// The bucket of `id` in `0..10000` (hash version 2), without allocating.
pub fn bucket_v2(seed: &str, id: &str) -> u32 {
    let inner = fnv1a32_extend(fnv1a32_extend(FNV_OFFSET, seed.as_bytes()), id.as_bytes());
    let mut digits = [0u8; 10];
    let mut n = inner;
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    fnv1a32(digits.get(i..).unwrap_or(&[])) % 10_000
}

/// GrowthBook's `hash(seed, value, 2)`: a number in `[0, 1)` with four decimals.
pub fn hash_v2(seed: &str, id: &str) -> f64 {
    f64::from(bucket_v2(seed, id)) / 10_000.0
}

/// The arm whose range holds the user's bucket; weights in basis points (10000 = 100 %).
/// `None` when the weights add up to less than 100 % and the user falls past them.
pub fn choose_arm_bp(seed: &str, id: &str, weights_bp: &[u32]) -> Option<usize> {
    let n = bucket_v2(seed, id);
    let mut start = 0u32;
    for (i, w) in weights_bp.iter().enumerate() {
        let end = start.saturating_add(*w);
        if n >= start && n < end {
            return Some(i);
        }
        start = end;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    // Vectors from GrowthBook's published SDK test cases (cases.json, spec 0.7.1).
    #[test]
    fn growthbook_vectors() {
        assert_eq!(fnv1a32(b"seeda"), 717_764_279);
        assert_eq!(fnv1a32(b"717764279"), 2_503_390_505);
        for (seed, id, want) in [
            ("seed", "a", 0.0505),
            ("seed", "b", 0.2696),
            ("foo", "ab", 0.2575),
            ("foo", "def", 0.2019),
            ("foo", "1", 0.5844),
        ] {
            assert!(
                (hash_v2(seed, id) - want).abs() < 1e-12,
                "hash({seed}, {id}) = {}",
                hash_v2(seed, id)
            );
        }
    }

    #[test]
    fn ranges_are_half_open_and_in_order() {
        // hash("seed", "a") = 0.0505: inside [0, 0.1), at the start of [0.0505, ...).
        assert_eq!(choose_arm_bp("seed", "a", &[1000, 4500, 4500]), Some(0));
        assert_eq!(choose_arm_bp("seed", "a", &[505, 9495]), Some(1));
        assert_eq!(choose_arm_bp("seed", "a", &[504, 1]), None);
        assert_eq!(choose_arm_bp("seed", "a", &[505, 1]), Some(1));
        assert_eq!(choose_arm_bp("seed", "a", &[100, 100]), None);
    }

    #[test]
    fn the_ladder_experiment_assigns_the_scenario_users() {
        let arms = [1000, 4500, 4500]; // holdout, ladder, flat
        assert_eq!(choose_arm_bp("ladder_v1", "u-ivy", &arms), Some(0));
        assert_eq!(choose_arm_bp("ladder_v1", "u-bob", &arms), Some(2));
        for u in ["u-ann", "u-eve", "u-ray", "u-wen"] {
            assert_eq!(choose_arm_bp("ladder_v1", u, &arms), Some(1), "{u}");
        }
    }

    #[test]
    fn splits_follow_the_weights() {
        let arms = [1000, 4500, 4500];
        let mut counts = [0u32; 3];
        for i in 0..100_000 {
            if let Some(a) = choose_arm_bp("split-test", &format!("user-{i}"), &arms) {
                counts[a] += 1;
            }
        }
        for (c, w) in counts.iter().zip(arms) {
            let share = f64::from(*c) / 100_000.0;
            assert!((share - f64::from(w) / 10_000.0).abs() < 0.01, "{counts:?}");
        }
    }

    proptest! {
        #[test]
        fn bucket_matches_the_string_form(seed in "\\PC{0,12}", id in "\\PC{0,16}") {
            let inner = fnv1a32(format!("{seed}{id}").as_bytes());
            prop_assert_eq!(bucket_v2(&seed, &id), fnv1a32(inner.to_string().as_bytes()) % 10_000);
        }
    }
}
