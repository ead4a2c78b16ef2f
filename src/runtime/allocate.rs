//! Budget allocation (placeholder until the full module lands): greedy by gain per cost.

pub struct Menus {
    starts: Vec<u32>,
    cost: Vec<i64>,
    gain: Vec<i64>,
}

pub struct Allocation {
    pub choice: Vec<Option<u8>>,
    pub total_cost: i64,
    pub total_gain: i64,
    pub lambda: f64,
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
    pub fn push_user(&mut self, offers: impl IntoIterator<Item = (i64, i64)>) -> usize {
        for (c, g) in offers {
            self.cost.push(c);
            self.gain.push(g);
        }
        self.starts.push(self.cost.len() as u32);
        self.starts.len() - 2
    }
    pub fn users(&self) -> usize {
        self.starts.len() - 1
    }
}

pub fn allocate(menus: &Menus, budget: i64) -> Allocation {
    let mut best: Vec<(usize, usize)> = Vec::new();
    for u in 0..menus.users() {
        let (s, e) = (menus.starts[u] as usize, menus.starts[u + 1] as usize);
        if let Some(k) = (s..e)
            .filter(|&k| menus.gain[k] > 0)
            .max_by(|&a, &b| (menus.gain[a] * menus.cost[b].max(1)).cmp(&(menus.gain[b] * menus.cost[a].max(1))))
        {
            best.push((u, k));
        }
    }
    best.sort_by(|&(_, a), &(_, b)| {
        (menus.gain[b] * menus.cost[a].max(1)).cmp(&(menus.gain[a] * menus.cost[b].max(1)))
    });
    let mut choice = vec![None; menus.users()];
    let (mut cost, mut gain) = (0, 0);
    for (u, k) in best {
        if cost + menus.cost[k] <= budget {
            cost += menus.cost[k];
            gain += menus.gain[k];
            choice[u] = Some((k - menus.starts[u] as usize) as u8);
        }
    }
    Allocation {
        choice,
        total_cost: cost,
        total_gain: gain,
        lambda: 0.0,
    }
}
