//! Budget allocation for batch campaigns: a multiple-choice knapsack. Each user may get at
//! most one offer of a small menu, each with an expected cost and gain (integer fen); the
//! total cost must stay within the budget and the total gain be as large as possible.
//!
//! The method is Lagrangian relaxation. Each user's menu is reduced to its upper concave
//! hull from (0, 0); the hull's segments, taken in order of falling slope (gain per fen),
//! are exactly what the LP relaxation buys. A selection (not a full sort) finds the
//! multiplier λ: every segment steeper than λ fits the budget, the next one does not.
//! Users take the hull vertex λ leads them to; what is left of the budget is then spent
//! greedily on the best remaining upgrades that fit. The result never exceeds the budget
//! and falls short of the LP bound by at most the gain of one segment.

/// Menus in compressed rows: user `i`'s offers are `cost[starts[i]..starts[i+1]]`.
#[derive(Debug, Clone)]
pub struct Menus {
    starts: Vec<usize>,
    cost: Vec<i64>,
    gain: Vec<i64>,
}

#[derive(Debug, Clone)]
pub struct Allocation {
    /// For each user, the index in its menu of the chosen offer, or `None`.
    pub choice: Vec<Option<u8>>,
    pub total_cost: i64,
    pub total_gain: i64,
    /// The multiplier (gain per fen of cost) at which the budget binds; 0 if all fits.
    pub lambda: f64,
    /// The LP relaxation's optimum: no allocation can gain more.
    pub lp_bound: f64,
}

impl Menus {
    pub fn with_capacity(users: usize, offers: usize) -> Self {
        let mut starts = Vec::with_capacity(users + 1);
        starts.push(0);
        Menus {
            starts,
            cost: Vec::with_capacity(offers),
            gain: Vec::with_capacity(offers),
        }
    }

    /// Room for `users` more users.
    pub fn reserve(&mut self, users: usize) {
        self.starts.reserve(users);
    }

    /// Adds the next user's menu of (cost, gain); returns the user's index. Menus longer
    /// than 255 offers are cut (the engine's menus have a handful).
    pub fn push_user(&mut self, offers: impl IntoIterator<Item = (i64, i64)>) -> usize {
        let before = self.cost.len();
        for (c, g) in offers.into_iter().take(255) {
            self.cost.push(c.max(0));
            self.gain.push(g);
        }
        let _ = before;
        self.starts.push(self.cost.len());
        self.starts.len() - 2
    }

    /// Replaces the expected cost and gain of offer `k` of a user's menu (an offer drawn
    /// at random is valued for the totals after the allocation left it alone).
    pub fn set_offer(&mut self, user: usize, k: usize, cost: i64, gain: i64) {
        let Some(start) = self.starts.get(user).copied() else {
            return;
        };
        let end = self.starts.get(user + 1).copied().unwrap_or(start);
        if start + k < end {
            if let Some(c) = self.cost.get_mut(start + k) {
                *c = cost.max(0);
            }
            if let Some(g) = self.gain.get_mut(start + k) {
                *g = gain;
            }
        }
    }

    pub fn users(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    /// The largest expected gain among a user's offers (`None`: an empty menu).
    pub fn best_gain(&self, user: usize) -> Option<i64> {
        self.menu(user).1.iter().copied().max()
    }

    /// The expected cost and gain of offer `k` of a user's menu.
    pub fn offer(&self, user: usize, k: usize) -> Option<(i64, i64)> {
        let (cost, gain) = self.menu(user);
        Some((*cost.get(k)?, *gain.get(k)?))
    }

    fn menu(&self, user: usize) -> (&[i64], &[i64]) {
        let (s, e) = match (self.starts.get(user), self.starts.get(user + 1)) {
            (Some(s), Some(e)) => (*s, *e),
            _ => (0, 0),
        };
        (self.cost.get(s..e).unwrap_or(&[]), self.gain.get(s..e).unwrap_or(&[]))
    }
}

/// One step along a user's hull: from vertex `step` to `step + 1`.
#[derive(Debug, Clone, Copy)]
struct Segment {
    slope: f64,
    dcost: i64,
    dgain: i64,
    user: u32,
    step: u8,
}

/// Orders segments steepest first; ties by user, then step, so results are reproducible.
fn steeper(a: &Segment, b: &Segment) -> std::cmp::Ordering {
    b.slope
        .total_cmp(&a.slope)
        .then(a.user.cmp(&b.user))
        .then(a.step.cmp(&b.step))
}

/// A user's hull: the base (free) option, then vertices of increasing cost and gain.
struct Hulls {
    /// Per user, the range of its vertices in `vertex`.
    starts: Vec<usize>,
    /// Offer index in the user's menu, or `u8::MAX` for "nothing".
    vertex: Vec<u8>,
}

fn build_hull(cost: &[i64], gain: &[i64], order: &mut Vec<u8>, out: &mut Vec<u8>) {
    // Candidates worth anything, cheapest first (ties: more gain first, then index).
    order.clear();
    order.extend(
        (0..cost.len())
            .filter(|&k| gain.get(k).is_some_and(|g| *g > 0))
            .map(|k| k as u8),
    );
    order.sort_unstable_by(|&a, &b| {
        let (a, b) = (a as usize, b as usize);
        cost[a].cmp(&cost[b]).then(gain[b].cmp(&gain[a])).then(a.cmp(&b))
    });
    let start = out.len();
    out.push(u8::MAX); // the point (0, 0): nothing
    let point = |v: u8| -> (i64, i64) {
        if v == u8::MAX {
            (0, 0)
        } else {
            (cost[v as usize], gain[v as usize])
        }
    };
    for &k in order.iter() {
        let (c, g) = point(k);
        // Not better than the last vertex: dominated.
        if let Some(&last) = out.last() {
            let (lc, lg) = point(last);
            if g <= lg {
                continue;
            }
            if c == lc {
                // Same cost, more gain (a free offer with gain replaces "nothing").
                out.pop();
            }
        }
        // Pop vertices that fall below the chord to the new point: concavity.
        while out.len() - start >= 2 {
            let (x1, y1) = point(out[out.len() - 2]);
            let (x2, y2) = point(out[out.len() - 1]);
            // (y2 - y1)/(x2 - x1) <= (g - y2)/(c - x2) means the middle vertex is not on the hull.
            let left = i128::from(y2 - y1) * i128::from(c - x2);
            let right = i128::from(g - y2) * i128::from(x2 - x1);
            if left <= right {
                out.pop();
            } else {
                break;
            }
        }
        out.push(k);
    }
}

fn hulls(menus: &Menus) -> Hulls {
    let users = menus.users();
    let mut h = Hulls {
        starts: Vec::with_capacity(users + 1),
        vertex: Vec::with_capacity(menus.cost.len() + users),
    };
    let mut order = Vec::new();
    h.starts.push(0);
    for u in 0..users {
        let (c, g) = menus.menu(u);
        build_hull(c, g, &mut order, &mut h.vertex);
        h.starts.push(h.vertex.len());
    }
    h
}

fn point(menus: &Menus, user: usize, v: u8) -> (i64, i64) {
    let (c, g) = menus.menu(user);
    if v == u8::MAX {
        (0, 0)
    } else {
        (
            c.get(v as usize).copied().unwrap_or(0),
            g.get(v as usize).copied().unwrap_or(0),
        )
    }
}

/// Solves the allocation. Deterministic; never over budget; `budget <= 0` buys only what
/// is free.
pub fn allocate(menus: &Menus, budget: i64) -> Allocation {
    let users = menus.users();
    let hull = hulls(menus);
    let mut segments: Vec<Segment> = Vec::with_capacity(hull.vertex.len());
    // Vertex 0 of every hull is its cheapest point: nothing, or a free offer with gain.
    let mut base_cost = 0i64;
    let mut base_gain = 0i64;
    for u in 0..users {
        let (s, e) = (hull.starts[u], hull.starts[u + 1]);
        let vs = hull.vertex.get(s..e).unwrap_or(&[]);
        let (c0, g0) = vs.first().map_or((0, 0), |v| point(menus, u, *v));
        base_cost += c0;
        base_gain += g0;
        for (i, pair) in vs.windows(2).enumerate() {
            let (c1, g1) = point(menus, u, pair[0]);
            let (c2, g2) = point(menus, u, pair[1]);
            let (dcost, dgain) = (c2 - c1, g2 - g1);
            segments.push(Segment {
                slope: if dcost == 0 {
                    f64::INFINITY
                } else {
                    dgain as f64 / dcost as f64
                },
                dcost,
                dgain,
                user: u as u32,
                step: u8::try_from(i + 1).unwrap_or(u8::MAX),
            });
        }
    }
    // Find the steepest prefix (in slope order) that fits: quickselect on halves.
    let mut remaining = budget - base_cost;
    let mut taken_gain = base_gain;
    let mut lo = 0usize;
    let mut hi = segments.len();
    // Invariant: segments[..lo] are taken (all steeper than those in lo..), and the answer
    // lies in lo..hi; segments[hi..] are flatter than the boundary and not taken.
    while lo < hi && remaining >= 0 {
        if hi - lo <= 32 {
            let rest = segments.get_mut(lo..hi).unwrap_or(&mut []);
            rest.sort_unstable_by(steeper);
            for s in rest.iter() {
                if s.dcost > remaining {
                    break;
                }
                remaining -= s.dcost;
                taken_gain += s.dgain;
                lo += 1;
            }
            break;
        }
        let mid = lo + (hi - lo) / 2;
        segments
            .get_mut(lo..hi)
            .unwrap_or(&mut [])
            .select_nth_unstable_by(mid - lo, steeper);
        let (cost, gain) = segments
            .get(lo..mid)
            .unwrap_or(&[])
            .iter()
            .fold((0i64, 0i64), |(c, g), s| (c + s.dcost, g + s.dgain));
        if cost <= remaining {
            remaining -= cost;
            taken_gain += gain;
            lo = mid;
        } else {
            hi = mid;
        }
    }
    // The boundary: the steepest segment not taken sets λ and the LP's fractional part.
    let boundary = segments
        .get(lo..)
        .unwrap_or(&[])
        .iter()
        .min_by(|a, b| steeper(a, b))
        .copied();
    let (lambda, lp_bound) = match boundary {
        Some(b) if remaining >= 0 && b.dcost > 0 => (b.slope, taken_gain as f64 + remaining as f64 * b.slope),
        _ => (0.0, taken_gain as f64),
    };
    // Each user's vertex: how many of its segments were taken (a prefix of its hull).
    let mut reached = vec![0u8; users];
    for s in segments.get(..lo).unwrap_or(&[]) {
        if let Some(r) = reached.get_mut(s.user as usize) {
            *r = (*r).max(s.step);
        }
    }
    let mut choice: Vec<Option<u8>> = Vec::with_capacity(users);
    let mut total_cost = 0i64;
    let mut total_gain = 0i64;
    for (u, step) in reached.iter().enumerate() {
        let v = hull
            .vertex
            .get(hull.starts[u] + *step as usize)
            .copied()
            .unwrap_or(u8::MAX);
        let (c, g) = point(menus, u, v);
        total_cost += c;
        total_gain += g;
        choice.push((v != u8::MAX).then_some(v));
    }
    if budget < total_cost {
        // Only free offers can be over a non-positive budget; take nothing then.
        return Allocation {
            choice: vec![None; users],
            total_cost: 0,
            total_gain: 0,
            lambda,
            lp_bound: lp_bound.max(0.0),
        };
    }
    fill_greedily(menus, budget, &mut choice, &mut total_cost, &mut total_gain);
    Allocation {
        choice,
        total_cost,
        total_gain,
        lambda,
        lp_bound: lp_bound.max(total_gain as f64),
    }
}

/// Spends what is left on the best upgrades that fit, by gain per extra fen, one per user
/// per round, until nothing more fits.
fn fill_greedily(menus: &Menus, budget: i64, choice: &mut [Option<u8>], total_cost: &mut i64, total_gain: &mut i64) {
    for _round in 0..4 {
        let left = budget - *total_cost;
        if left <= 0 {
            return;
        }
        let mut upgrades: Vec<(f64, i64, i64, u32, u8)> = Vec::new();
        for (u, current) in choice.iter().enumerate() {
            let (c0, g0) = current.map_or((0, 0), |v| point(menus, u, v));
            let (costs, gains) = menus.menu(u);
            let mut best: Option<(f64, i64, i64, u8)> = None;
            for (k, (c, g)) in costs.iter().zip(gains).enumerate() {
                let (dc, dg) = (c - c0, g - g0);
                if dg <= 0 || dc > left {
                    continue;
                }
                let ratio = if dc <= 0 { f64::INFINITY } else { dg as f64 / dc as f64 };
                if best.is_none_or(|(r, _, bdg, _)| ratio > r || (ratio == r && dg > bdg)) {
                    best = Some((ratio, dc, dg, u8::try_from(k).unwrap_or(u8::MAX)));
                }
            }
            if let Some((r, dc, dg, k)) = best {
                upgrades.push((r, dc, dg, u as u32, k));
            }
        }
        if upgrades.is_empty() {
            return;
        }
        upgrades.sort_unstable_by(|a, b| b.0.total_cmp(&a.0).then(a.3.cmp(&b.3)));
        let mut changed = false;
        for (_, dc, dg, u, k) in upgrades {
            if dc <= budget - *total_cost {
                if let Some(slot) = choice.get_mut(u as usize) {
                    *slot = Some(k);
                }
                *total_cost += dc;
                *total_gain += dg;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// The LP relaxation bound, computed independently of `allocate` by a full sort (for
/// tests and reports).
pub fn lp_bound(menus: &Menus, budget: i64) -> f64 {
    let hull = hulls(menus);
    let mut segs: Vec<(f64, i64, i64)> = Vec::new();
    let mut base_cost = 0;
    let mut base_gain = 0;
    for u in 0..menus.users() {
        let vs = hull.vertex.get(hull.starts[u]..hull.starts[u + 1]).unwrap_or(&[]);
        if let Some(v) = vs.first() {
            let (c, g) = point(menus, u, *v);
            base_cost += c;
            base_gain += g;
        }
        for p in vs.windows(2) {
            let (c1, g1) = point(menus, u, p[0]);
            let (c2, g2) = point(menus, u, p[1]);
            let dc = c2 - c1;
            segs.push((
                if dc == 0 {
                    f64::INFINITY
                } else {
                    (g2 - g1) as f64 / dc as f64
                },
                dc,
                g2 - g1,
            ));
        }
    }
    segs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut left = (budget - base_cost) as f64;
    if left < 0.0 {
        return 0.0;
    }
    let mut total = base_gain as f64;
    for (slope, dc, dg) in segs {
        if (dc as f64) <= left {
            left -= dc as f64;
            total += dg as f64;
        } else {
            total += left * slope;
            break;
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    use crate::rng::SplitMix64;

    /// Menus from the brief's response model: depths 10..30 % of the order value.
    pub fn population(n: usize, seed: u64) -> Menus {
        let mut r = SplitMix64::new(seed);
        let mut m = Menus::with_capacity(n, n * 5);
        for _ in 0..n {
            let aov = 100.0 + r.unit() * 4900.0;
            let p0 = 0.01 + r.unit() * 0.29;
            let e = 0.5 + r.unit() * 3.5;
            let cap = 150.0;
            let menu: Vec<(i64, i64)> = [10.0, 15.0, 20.0, 25.0, 30.0]
                .iter()
                .map(|pct: &f64| {
                    let v = (pct / 100.0 * aov).min(cap);
                    let p = (p0 * (e * v / aov).exp()).min(0.95);
                    (
                        ((p * v) * 100.0).round() as i64,
                        (((p - p0) * aov) * 100.0).round() as i64,
                    )
                })
                .collect();
            m.push_user(menu);
        }
        m
    }

    fn unconstrained_cost(m: &Menus) -> i64 {
        allocate(m, i64::MAX / 4).total_cost
    }

    #[test]
    fn within_half_a_percent_of_the_lp_bound_from_20000_users() {
        for (n, seed) in [(20_000, 1), (100_000, 2)] {
            let m = population(n, seed);
            let full = unconstrained_cost(&m);
            for share in [0.01, 0.1, 0.3, 0.7, 1.0, 1.5] {
                let budget = (full as f64 * share) as i64;
                let a = allocate(&m, budget);
                let bound = lp_bound(&m, budget);
                assert!(a.total_cost <= budget, "over budget: {} > {budget}", a.total_cost);
                assert!(
                    a.total_gain as f64 >= 0.995 * bound,
                    "n={n} share={share}: {} < 99.5% of {bound}",
                    a.total_gain
                );
                assert!(
                    (a.lp_bound - bound).abs() <= 1e-6 * bound.max(1.0) + 1.0,
                    "bounds differ: {} vs {bound}",
                    a.lp_bound
                );
            }
        }
    }

    #[test]
    fn zero_budget_and_edge_cases() {
        let m = population(1000, 3);
        let a = allocate(&m, 0);
        assert_eq!(a.total_cost, 0);
        assert!(a.choice.iter().all(Option::is_none));
        let mut e = Menus::with_capacity(3, 3);
        e.push_user([]);
        e.push_user([(100, -5), (200, 0)]);
        e.push_user([(0, 50), (10, 40)]);
        let a = allocate(&e, 1_000);
        assert_eq!(
            a.choice,
            vec![None, None, Some(0)],
            "free offers with gain are taken, losing ones never"
        );
        assert_eq!((a.total_cost, a.total_gain), (0, 50));
        let empty = Menus::with_capacity(0, 0);
        assert_eq!(allocate(&empty, 100).choice.len(), 0);
    }

    #[test]
    fn budget_equal_to_the_best_offers_takes_them_all() {
        let m = population(500, 4);
        let best: i64 = allocate(&m, i64::MAX / 4).total_cost;
        let a = allocate(&m, best);
        assert_eq!(a.total_cost, best);
        assert_eq!(a.total_gain, allocate(&m, i64::MAX / 4).total_gain);
    }

    fn brute_force(menus: &[Vec<(i64, i64)>], budget: i64) -> i64 {
        fn go(menus: &[Vec<(i64, i64)>], i: usize, left: i64) -> i64 {
            let Some(menu) = menus.get(i) else { return 0 };
            let mut best = go(menus, i + 1, left);
            for (c, g) in menu {
                if *c <= left {
                    best = best.max(g + go(menus, i + 1, left - c));
                }
            }
            best
        }
        go(menus, 0, budget)
    }

    proptest! {
        #[test]
        fn small_populations_against_brute_force(
            menus in proptest::collection::vec(proptest::collection::vec((0i64..50, -20i64..60), 0..4), 0..8),
            budget in 0i64..150,
        ) {
            let mut m = Menus::with_capacity(menus.len(), 32);
            for menu in &menus {
                m.push_user(menu.iter().copied());
            }
            let a = allocate(&m, budget);
            let optimum = brute_force(&menus, budget);
            let bound = lp_bound(&m, budget);
            prop_assert!(a.total_cost <= budget);
            prop_assert!(a.total_gain <= optimum);
            prop_assert!((optimum as f64) <= bound + 1e-9);
            // Lagrangian + greedy is within one segment's gain of the optimum.
            let max_gain = menus.iter().flatten().map(|(_, g)| *g).max().unwrap_or(0).max(0);
            prop_assert!(a.total_gain >= optimum - max_gain, "{} < {} - {}", a.total_gain, optimum, max_gain);
            // The choice adds up.
            let (mut c, mut g) = (0, 0);
            for (u, ch) in a.choice.iter().enumerate() {
                if let Some(k) = ch {
                    let (cc, gg) = menus[u][*k as usize];
                    c += cc;
                    g += gg;
                }
            }
            prop_assert_eq!((c, g), (a.total_cost, a.total_gain));
        }
    }
}
