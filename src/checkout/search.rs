//! The best combination, exactly: a depth-first branch and bound over the usable
//! discount coupons in the order of application. Each node has decided the coupons
//! before it, so its state (what lines, fee and campaign caps have left) is exact, and
//! every coupon still to decide can give at most what it would give on that state now.
//! That gives the bound; `docs/checkout.md` says why each pruning keeps the answer exact.

use super::plan::{Plan, State};
use crate::value::Fen;

/// The best set of discount coupons (wallet indices, in the order of application) and how
/// many nodes the search visited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Best {
    pub coupons: Vec<usize>,
    pub discount: Fen,
    pub nodes: u64,
}

struct Search<'p, 'a> {
    plan: &'p Plan<'a>,
    /// Wallet index of each candidate, in the order of application.
    wallet: Vec<usize>,
    /// Candidates each candidate cannot be combined with.
    conflicts: Vec<Vec<usize>>,
    /// How many chosen candidates refuse each candidate.
    blocked: Vec<u32>,
    /// Whether a candidate has the same terms as the one before it (only its code differs).
    same_as_previous: Vec<bool>,
    /// Per candidate: its rule's group in the bound, and whether the group sums (stackable)
    /// or takes its largest (one coupon per rule).
    group: Vec<usize>,
    group_sums: Vec<bool>,
    group_campaign: Vec<usize>,
    scratch_groups: Vec<Fen>,
    /// Per candidate: its cover (candidates taking from the same lines share one), and per
    /// cover a candidate of it, whose covered total is the cover's.
    cover: Vec<usize>,
    cover_of: Vec<usize>,
    scratch_covers: Vec<Fen>,
    scratch_campaigns: Vec<Fen>,
    /// The open candidates' discounts at the node, from the last bound.
    scratch_offers: Vec<Fen>,
    chosen: Vec<usize>,
    spare: Vec<State>,
    best: (Fen, usize, Vec<usize>),
    best_set: Vec<usize>,
    nodes: u64,
}

/// Finds the set of largest discount; among equal discounts the fewest coupons, then the
/// smallest tie key ([`Plan::tie_key`]).
pub fn best(plan: &Plan<'_>) -> Best {
    let wallet = plan.discounts.clone();
    let n = wallet.len();
    let conflicts = (0..n)
        .map(|a| {
            (0..n)
                .filter(|b| *b != a && !plan.combine(wallet[a], wallet[*b]))
                .collect()
        })
        .collect();
    let same_as_previous = (0..n)
        .map(|k| k > 0 && same_terms(plan.coupon(wallet[k - 1]), plan.coupon(wallet[k])))
        .collect();
    let mut rules: Vec<(&str, &str)> = Vec::new();
    let mut group = Vec::with_capacity(n);
    let mut group_sums: Vec<bool> = Vec::new();
    let mut group_campaign = Vec::new();
    for w in &wallet {
        let c = plan.coupon(*w);
        let key = (c.campaign.as_str(), c.rule.as_str());
        let g = match rules.iter().position(|r| *r == key) {
            Some(g) => g,
            None => {
                rules.push(key);
                group_sums.push(false);
                let campaign = plan.standing[*w].as_ref().map_or(0, |u| u.campaign);
                group_campaign.push(campaign);
                rules.len() - 1
            }
        };
        // A group sums as soon as one of its coupons is stackable: safe when rules disagree.
        if c.stackable {
            group_sums[g] = true;
        }
        group.push(g);
    }
    let mut covers: Vec<&[usize]> = Vec::new();
    let mut cover = Vec::with_capacity(n);
    let mut cover_of = Vec::new();
    for w in &wallet {
        let lines = plan.standing[*w].as_ref().map_or(&[][..], |u| u.lines.as_slice());
        let c = match covers.iter().position(|l| *l == lines) {
            Some(c) => c,
            None => {
                covers.push(lines);
                cover_of.push(*w);
                covers.len() - 1
            }
        };
        cover.push(c);
    }
    let mut s = Search {
        scratch_covers: vec![0; cover_of.len()],
        cover,
        cover_of,
        plan,
        blocked: vec![0; n],
        scratch_groups: vec![0; rules.len()],
        scratch_campaigns: vec![0; plan.caps.len()],
        scratch_offers: Vec::with_capacity(n),
        wallet,
        conflicts,
        same_as_previous,
        group,
        group_sums,
        group_campaign,
        chosen: Vec::new(),
        spare: Vec::new(),
        best: (0, 0, Vec::new()),
        best_set: Vec::new(),
        nodes: 0,
    };
    let start = plan.start();
    s.dfs(0, &start, 0);
    let coupons = s.best_set.iter().map(|k| s.wallet[*k]).collect();
    Best {
        coupons,
        discount: s.best.0,
        nodes: s.nodes,
    }
}

/// Terms that make two coupons interchangeable in every set: all but the code (and the
/// funding, which moves no value).
fn same_terms(a: &super::input::Coupon, b: &super::input::Coupon) -> bool {
    a.campaign == b.campaign
        && a.rule == b.rule
        && a.kind == b.kind
        && a.amount == b.amount
        && a.percent == b.percent
        && a.cap == b.cap
        && a.min_spend == b.min_spend
        && a.categories == b.categories
        && a.seller == b.seller
        && a.stackable == b.stackable
        && a.exclusive == b.exclusive
        && a.exclusive_with == b.exclusive_with
        && a.not_on_sale == b.not_on_sale
        && a.campaign_cap == b.campaign_cap
}

impl Search<'_, '_> {
    fn dfs(&mut self, i: usize, state: &State, value: Fen) {
        self.nodes += 1;
        if i >= self.wallet.len() || !self.may_improve(i, state, value) {
            return;
        }
        let w = self.wallet[i];
        // A coupon that gives nothing here only adds to the count and blocks others.
        if self.blocked[i] == 0 && self.plan.discount(w, state) > 0 {
            // States are reused: a node's child state is copied into a spare one.
            let mut next = self.spare.pop().unwrap_or_else(|| state.clone());
            next.clone_from(state);
            let step = self.plan.apply(w, &mut next);
            {
                self.chosen.push(i);
                self.block(i, true);
                self.consider(value + step.discount);
                self.dfs(i + 1, &next, value + step.discount);
                self.block(i, false);
                self.chosen.pop();
            }
            self.spare.push(next);
        }
        // Left out: so are the identical coupons after it (a set using a later copy is
        // worth the same as the one using this, and this one's key is smaller).
        let mut j = i + 1;
        while self.same_as_previous.get(j).copied().unwrap_or(false) {
            j += 1;
        }
        self.dfs(j, state, value);
    }

    fn block(&mut self, i: usize, on: bool) {
        for j in &self.conflicts[i] {
            if let Some(b) = self.blocked.get_mut(*j) {
                if on {
                    *b += 1;
                } else {
                    *b -= 1;
                }
            }
        }
    }

    fn consider(&mut self, value: Fen) {
        let count = self.chosen.len();
        let (bv, bc, _) = &self.best;
        if value < *bv || (value == *bv && count > *bc) {
            return;
        }
        let set: Vec<usize> = self.chosen.iter().map(|k| self.wallet[*k]).collect();
        let key = self.plan.tie_key(&set);
        if value > *bv || count < *bc || key < self.best.2 {
            self.best = (value, count, key);
            self.best_set = self.chosen.clone();
        }
    }

    /// Whether adding coupons from `i` on could beat the best: more discount, or as much
    /// with fewer coupons. A set of equal discount and size met later in the search never
    /// wins the tie (its first difference from the best is a coupon left out), so it is
    /// not looked for. As much with fewer coupons needs at most `bc − count − 1` more,
    /// which together give at most their largest discounts now.
    fn may_improve(&mut self, i: usize, state: &State, value: Fen) -> bool {
        let (bv, bc, _) = self.best;
        let upper = value.saturating_add(self.bound(i, state));
        if upper > bv {
            return true;
        }
        let room = bc.saturating_sub(self.chosen.len() + 1);
        if upper < bv || room == 0 {
            return false;
        }
        self.scratch_offers.sort_unstable_by(|a, b| b.cmp(a));
        let best_few: Fen = self.scratch_offers.iter().take(room).sum();
        value.saturating_add(best_few) >= bv
    }

    /// At most what the candidates from `i` on can still add: each gives at most its
    /// discount on `state`; one coupon per rule unless stackable; a campaign no more than
    /// its cap left; coupons taking from the same lines no more than those have left, all
    /// lines no more than they have left, the fee no more than is left.
    fn bound(&mut self, i: usize, state: &State) -> Fen {
        self.scratch_covers.iter_mut().for_each(|c| *c = 0);
        self.scratch_groups.iter_mut().for_each(|g| *g = 0);
        self.scratch_campaigns.iter_mut().for_each(|c| *c = 0);
        self.scratch_offers.clear();
        let mut shipping: Fen = 0;
        for k in i..self.wallet.len() {
            if self.blocked[k] > 0 {
                continue;
            }
            let w = self.wallet[k];
            let d = self.plan.discount(w, state);
            if d == 0 {
                continue;
            }
            self.scratch_offers.push(d);
            if self.plan.is_shipping(w) {
                shipping += d;
            } else {
                self.scratch_covers[self.cover[k]] += d;
            }
            let g = self.group[k];
            let slot = &mut self.scratch_groups[g];
            *slot = if self.group_sums[g] { *slot + d } else { (*slot).max(d) };
        }
        for (g, v) in self.scratch_groups.iter().enumerate() {
            self.scratch_campaigns[self.group_campaign[g]] += v;
        }
        let by_rules: Fen = self
            .scratch_campaigns
            .iter()
            .zip(&state.caps)
            .map(|(sum, cap)| (*sum).min(*cap))
            .sum();
        let lines: Fen = self
            .scratch_covers
            .iter()
            .zip(&self.cover_of)
            .map(|(sum, w)| (*sum).min(state.covered.get(*w).copied().unwrap_or(0)))
            .sum();
        let lines_left: Fen = state.left.iter().sum();
        by_rules.min(lines.min(lines_left) + shipping.min(state.shipping))
    }
}
