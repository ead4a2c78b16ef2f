//! Sellers and their items (category, price, stock age), and the live heat of each
//! category, a bounded random walk sent each morning as a `signal` event
//! (`signal("category_heat", category)` in rules).

use super::population::{normal, pick_category};
use super::world::WorldConfig;
use crate::rng::SplitMix64;
use crate::value::Fen;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub struct SimItem {
    pub id: Arc<str>,
    pub category: usize,
    pub price: Fen,
    pub seller: Arc<str>,
    /// Days listed at the start; it grows by one a day.
    pub stock_age_days: u32,
}

/// The catalogue: items grouped by category.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub categories: Vec<Arc<str>>,
    pub items: Vec<SimItem>,
    /// Item indexes of each category.
    pub by_category: Vec<Vec<usize>>,
    /// Today's heat of each category, 0 to 1.
    pub heat: Vec<f64>,
    volatility: f64,
}

impl Catalog {
    pub fn generate(world: &WorldConfig, seed: u64) -> Catalog {
        let mut rng = SplitMix64::new(seed ^ 0xca7a_1095);
        let c = &world.catalog;
        let shares: Vec<f64> = c.categories.iter().map(|c| c.share).collect();
        let categories: Vec<Arc<str>> = c.categories.iter().map(|c| Arc::from(c.name.as_str())).collect();
        let mut by_category = vec![Vec::new(); categories.len()];
        let mut items = Vec::with_capacity(c.items as usize);
        for i in 0..c.items {
            let category = pick_category(&mut rng, &shares);
            let median = c.categories.get(category).map_or(100.0, |c| c.price_median);
            let price = (median * (0.6 * normal(&mut rng)).exp() * 100.0).round().max(100.0) as Fen;
            if let Some(list) = by_category.get_mut(category) {
                list.push(items.len());
            }
            items.push(SimItem {
                id: Arc::from(format!("i{i}").as_str()),
                category,
                price,
                seller: Arc::from(format!("s{}", rng.below(u64::from(c.sellers))).as_str()),
                stock_age_days: rng.below(u64::from(c.max_stock_age_days) + 1) as u32,
            });
        }
        let heat = (0..categories.len()).map(|_| 0.3 + 0.4 * rng.unit()).collect();
        Catalog {
            categories,
            items,
            by_category,
            heat,
            volatility: world.heat.volatility,
        }
    }

    /// An item of the category (any item if it has none).
    pub fn item_in(&self, category: usize, rng: &mut SplitMix64) -> Option<&SimItem> {
        match self.by_category.get(category).filter(|l| !l.is_empty()) {
            Some(list) => list
                .get(rng.below(list.len() as u64) as usize)
                .and_then(|&i| self.items.get(i)),
            None => self.items.get(rng.below(self.items.len() as u64) as usize),
        }
    }

    /// The next day: heat moves, items age.
    pub fn next_day(&mut self, rng: &mut SplitMix64) {
        for h in &mut self.heat {
            *h = (*h + self.volatility * normal(rng)).clamp(0.0, 1.0);
        }
        for item in &mut self.items {
            item.stock_age_days += 1;
        }
    }
}
