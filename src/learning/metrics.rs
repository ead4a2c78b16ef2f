//! How good a fit is, on users it did not train on: log-loss (against the base rate's),
//! a reliability table, and the Qini coefficient of the uplift ranking (Radcliffe 2007).

use crate::response::Bin;

/// Mean negative log-likelihood of outcomes `y` under predictions `p` (clamped away
/// from 0 and 1).
pub fn log_loss(p: &[f64], y: &[bool]) -> f64 {
    let n = p.len().min(y.len());
    if n == 0 {
        return 0.0;
    }
    let total: f64 = p
        .iter()
        .zip(y)
        .map(|(p, y)| {
            let p = p.clamp(1e-12, 1.0 - 1e-12);
            if *y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / n as f64
}

/// Ten equal-width bins of predicted probability: how many fall in each, their mean
/// prediction and the share that ordered. Empty bins are kept (count 0).
pub fn reliability(p: &[f64], y: &[bool]) -> Vec<Bin> {
    let mut sums = [(0u64, 0.0f64, 0u64); 10];
    for (p, y) in p.iter().zip(y) {
        let i = ((p * 10.0).floor().max(0.0) as usize).min(9);
        if let Some(b) = sums.get_mut(i) {
            b.0 += 1;
            b.1 += p;
            b.2 += u64::from(*y);
        }
    }
    (0..10)
        .zip(sums)
        .map(|(i, (count, sum, ordered))| Bin {
            from: f64::from(i) / 10.0,
            to: f64::from(i + 1) / 10.0,
            count,
            mean_predicted: if count > 0 { sum / count as f64 } else { 0.0 },
            observed: if count > 0 { ordered as f64 / count as f64 } else { 0.0 },
        })
        .collect()
}

/// One held-out user for the Qini curve: the predicted uplift, whether they were treated
/// (got a coupon) and whether they ordered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub uplift: f64,
    pub treated: bool,
    pub ordered: bool,
}

/// The Qini curve and its areas.
#[derive(Debug, Clone, PartialEq)]
pub struct Qini {
    /// Area between the Qini curve and the straight line of random targeting.
    pub coefficient: f64,
    /// Area under the Qini curve.
    pub auuc: f64,
    /// Points `(share of users targeted, incremental orders per treated user)`.
    pub curve: Vec<(f64, f64)>,
}

/// Radcliffe's Qini curve: users sorted by predicted uplift, highest first; after the
/// top `k`, `Q(k) = R_t(k) − R_c(k) · N_t(k) / N_c(k)` (orders of treated users, minus
/// control users' orders scaled to as many users; `R_c` term 0 while `N_c(k)` is 0),
/// divided by `N_t` (all treated users). Points are taken at the end of each group of
/// tied predictions (a tie is targeted all or nothing). Areas by the trapezoid rule over
/// `x = k / N`; the coefficient subtracts the random line's area, `Q(N) / N_t / 2`.
pub fn qini(users: &[Scored]) -> Qini {
    let mut sorted: Vec<Scored> = users.iter().filter(|u| u.uplift.is_finite()).copied().collect();
    sorted.sort_by(|a, b| b.uplift.total_cmp(&a.uplift));
    let n = sorted.len();
    let n_treated = sorted.iter().filter(|u| u.treated).count();
    if n == 0 || n_treated == 0 {
        return Qini {
            coefficient: 0.0,
            auuc: 0.0,
            curve: vec![(0.0, 0.0)],
        };
    }
    let (mut nt, mut nc, mut rt, mut rc) = (0u64, 0u64, 0u64, 0u64);
    let mut curve = vec![(0.0, 0.0)];
    let mut area = 0.0;
    for (i, u) in sorted.iter().enumerate() {
        if u.treated {
            nt += 1;
            rt += u64::from(u.ordered);
        } else {
            nc += 1;
            rc += u64::from(u.ordered);
        }
        let group_ends = sorted.get(i + 1).is_none_or(|next| next.uplift != u.uplift);
        if group_ends {
            let q = qini_point(rt, rc, nt, nc) / n_treated as f64;
            let x = (i + 1) as f64 / n as f64;
            let (px, py) = curve.last().copied().unwrap_or((0.0, 0.0));
            area += (x - px) * (py + q) / 2.0;
            curve.push((x, q));
        }
    }
    let end = curve.last().map_or(0.0, |p| p.1);
    Qini {
        coefficient: area - end / 2.0,
        auuc: area,
        curve,
    }
}

/// `R_t − R_c · N_t / N_c`.
pub fn qini_point(rt: u64, rc: u64, nt: u64, nc: u64) -> f64 {
    let scaled = if nc > 0 { rc as f64 * nt as f64 / nc as f64 } else { 0.0 };
    rt as f64 - scaled
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(uplift: f64, treated: bool, ordered: bool) -> Scored {
        Scored {
            uplift,
            treated,
            ordered,
        }
    }

    #[test]
    fn a_hand_computed_qini() {
        // Sorted: T+ (0.9), C- (0.8), T+ (0.5), C+ (0.1). N = 4, N_t = 2.
        // k=1: Q = 1 − 0 = 1;  k=2: Q = 1 − 0·1/1 = 1;  k=3: Q = 2 − 0 = 2;
        // k=4: Q = 2 − 1·2/2 = 1. Divided by N_t: 0.5, 0.5, 1, 0.5.
        // Trapezoids (width 1/4): (0+.5)/2 + (.5+.5)/2 + (.5+1)/2 + (1+.5)/2 = 2.25 → 0.5625.
        // Random line: 0.5 / 2 = 0.25. Qini: 0.3125.
        let users = [
            s(0.1, false, true),
            s(0.9, true, true),
            s(0.5, true, true),
            s(0.8, false, false),
        ];
        let q = qini(&users);
        assert!((q.auuc - 0.5625).abs() < 1e-12, "{q:?}");
        assert!((q.coefficient - 0.3125).abs() < 1e-12, "{q:?}");
    }

    #[test]
    fn ties_are_targeted_together() {
        let users = [s(0.5, true, true), s(0.5, false, false)];
        let q = qini(&users);
        assert_eq!(q.curve.len(), 2, "one point for the tied pair");
    }

    #[test]
    fn log_loss_and_bins() {
        assert!((log_loss(&[0.5, 0.5], &[true, false]) - 2f64.ln()).abs() < 1e-12);
        let bins = reliability(&[0.05, 0.95, 1.0], &[false, true, true]);
        assert_eq!(bins.len(), 10);
        assert_eq!((bins[0].count, bins[9].count), (1, 2));
        assert_eq!(bins[9].observed, 1.0);
    }
}
