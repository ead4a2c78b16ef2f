//! The day loop, closed through the real runtime. Each day: the heat signals, the batch
//! campaigns due that day (`runtime::batch::plan` over the user rows of that moment), then
//! every visiting user's session (`login`, `search`, `view_item`, `item_favourited`,
//! `add_to_cart`), fed to the engine in time order. The coupons the engine issues go to
//! the user's wallet (revoked ones leave it, expired ones lapse); at the end of a visit
//! the user orders with the truth's probability given the best coupon held, uses it
//! (`order_paid` lists its code, `coupon_redeemed` its discount) and the engine sees
//! that too. Every draw comes from a generator keyed by (seed, day, user), so a seed
//! gives the same run.

use super::World;
use super::truth::Basket;
use crate::event::Event;
use crate::event::fields::OfferView;
use crate::rng::SplitMix64;
use crate::runtime::codes::CodeMinter;
use crate::runtime::decision::{Coupon, Decision};
use crate::runtime::engine::{Rules, Runtime};
use crate::value::{Fen, Millis, time_string};
use serde_json::{Value, json};
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

pub const DAY: Millis = 86_400_000;
const MINUTE: Millis = 60_000;

/// What a run is asked to do.
#[derive(Debug, Clone, Default)]
pub struct SimOptions {
    pub days: u32,
    pub seed: u64,
    /// Batch campaigns and the day each runs on (0 = the first), besides the world's.
    pub batches: Vec<(String, u32)>,
    /// Record the runtime's experiment outcomes (for `analysis`), as `mintage analyze` does.
    pub record_outcomes: bool,
    /// Only users of these arms of a batch campaign's experiment take part in its runs
    /// (`--batch-arm explore,holdout`; every user when empty).
    pub batch_arms: Vec<String>,
}

/// A coupon a user holds.
#[derive(Debug, Clone)]
pub struct Held {
    pub code: String,
    pub view: OfferView,
    pub categories: Vec<Arc<str>>,
    pub valid_from: Millis,
    pub valid_until: Millis,
}

/// A coupon a user got, for the truth.
#[derive(Debug, Clone)]
pub struct Got {
    pub user: usize,
    pub coupon: Coupon,
    pub trigger: &'static str,
    pub view: OfferView,
    /// Days of the simulation it could be used on (from the day it was issued).
    pub valid_days: u32,
    pub day: u32,
}

/// What a run produced.
pub struct SimOutput {
    /// Every event fed, one JSON object a line, in time order (empty when they went to
    /// a sink, see [`run_into`]).
    pub events: Vec<String>,
    /// How many events were fed.
    pub event_count: usize,
    /// Every decision printed (events', timers' and batch runs').
    pub decisions: Vec<Decision>,
    /// The `order_paid` events.
    pub orders: Vec<String>,
    pub got: Vec<Got>,
    /// The day of each user's first visit.
    pub first_visit_day: Vec<Option<u32>>,
    pub redeemed: u64,
    pub gmv: Fen,
    pub discount: Fen,
    pub orders_with_coupon: u64,
}

/// Where the events go as they are fed (one JSON object, no newline).
pub type EventSink<'a> = dyn FnMut(&str) -> std::io::Result<()> + 'a;

/// A simulation failed: a batch campaign that cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct SimError(pub String);

enum What {
    /// An event of a user (its `user` row is added when it is fed), and the order it
    /// pays, if it is one (the row counts it after the event).
    Event(Value, Option<usize>, Option<Fen>),
    /// The end of a visit: does the user order? (the draw, made when the visit was planned)
    Order {
        user: usize,
        draw: f64,
        abandon: bool,
    },
    Batch(String),
}

struct Step {
    at: Millis,
    seq: u64,
    what: What,
}

impl PartialEq for Step {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Step {}
impl PartialOrd for Step {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Step {
    // The heap is a max-heap: the earliest step is the greatest.
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// A generator for one purpose of one day and one user.
fn stream(seed: u64, day: u32, key: u64) -> SplitMix64 {
    let mut r = SplitMix64::new(seed ^ (u64::from(day) << 40) ^ key.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    r.next_u64();
    r
}

fn yuan(f: Fen) -> f64 {
    f as f64 / 100.0
}

struct Market<'w, 's> {
    world: &'w mut World,
    rules: Arc<Rules>,
    runtime: Runtime,
    batch_minter: CodeMinter,
    heap: BinaryHeap<Step>,
    seq: u64,
    wallets: Vec<Vec<Held>>,
    index: HashMap<Arc<str>, usize>,
    out: SimOutput,
    day: u32,
    days: u32,
    batch_arms: Vec<String>,
    /// Where events go instead of `out.events`, and its first error.
    sink: Option<&'s mut EventSink<'s>>,
    failed: Option<std::io::Error>,
}

/// Runs the world for `options.days` days through `rules`; also returns the runtime at
/// the end (its state holds the recorded outcomes when asked).
pub fn run(world: &mut World, rules: Arc<Rules>, options: &SimOptions) -> Result<(SimOutput, Runtime), SimError> {
    run_into(world, rules, options, None)
}

/// The same, with the events written to `sink` as they are fed instead of kept (a large
/// world's events do not fit in memory).
pub fn run_into<'s>(
    world: &mut World,
    rules: Arc<Rules>,
    options: &SimOptions,
    sink: Option<&'s mut EventSink<'s>>,
) -> Result<(SimOutput, Runtime), SimError> {
    let runtime =
        Runtime::new(rules.clone(), CodeMinter::seeded(options.seed)).record_outcomes(options.record_outcomes);
    let n = world.users.len();
    let index = world.users.iter().enumerate().map(|(i, u)| (u.id.clone(), i)).collect();
    let out = SimOutput {
        events: Vec::new(),
        event_count: 0,
        decisions: Vec::new(),
        orders: Vec::new(),
        got: Vec::new(),
        first_visit_day: vec![None; n],
        redeemed: 0,
        gmv: 0,
        discount: 0,
        orders_with_coupon: 0,
    };
    let mut m = Market {
        world,
        rules: rules.clone(),
        runtime,
        batch_minter: CodeMinter::seeded(options.seed ^ 0xba7c_4000_0000_0000),
        heap: BinaryHeap::new(),
        seq: 0,
        wallets: vec![Vec::new(); n],
        index,
        out,
        day: 0,
        days: options.days,
        batch_arms: options.batch_arms.clone(),
        sink,
        failed: None,
    };
    let mut batches: Vec<(String, u32)> = m
        .world
        .config
        .batch
        .iter()
        .map(|b| (b.campaign.clone(), b.day))
        .collect();
    batches.extend(options.batches.iter().cloned());
    if let Some((campaign, day)) = batches.iter().find(|(_, d)| *d >= options.days) {
        return Err(SimError(format!(
            "batch `{campaign}` on day {day}: the run has days 0 to {}",
            options.days.saturating_sub(1)
        )));
    }
    for day in 0..options.days {
        m.day = day;
        m.plan_day(options.seed, &batches);
        while let Some(step) = m.heap.pop() {
            m.step(step)?;
        }
        if let Some(e) = m.failed.take() {
            return Err(SimError(format!("cannot write the events: {e}")));
        }
    }
    Ok((m.out, m.runtime))
}

impl Market<'_, '_> {
    fn push(&mut self, at: Millis, what: What) {
        self.seq += 1;
        self.heap.push(Step {
            at,
            seq: self.seq,
            what,
        });
    }

    fn plan_day(&mut self, seed: u64, batches: &[(String, u32)]) {
        let day = self.day;
        let t0 = self.world.start + Millis::from(day) * DAY;
        let mut rng = stream(seed, day, 0);
        if day > 0 {
            self.world.catalog.next_day(&mut rng);
        }
        let heat: Vec<(Arc<str>, f64)> = (self.world.catalog.categories.iter().cloned())
            .zip(self.world.catalog.heat.iter().copied())
            .collect();
        for (k, (cat, h)) in heat.into_iter().enumerate() {
            let e = json!({
                "id": format!("sig-{day}-{k}"), "type": "signal", "name": "category_heat",
                "key": &*cat, "value": (h * 1000.0).round() / 1000.0,
            });
            self.push(t0, What::Event(e, None, None));
        }
        for (campaign, _) in batches.iter().filter(|(_, d)| *d == day) {
            self.push(t0 + MINUTE, What::Batch(campaign.clone()));
        }
        let f = &self.world.config.fraud;
        let ring_visits: Vec<bool> = (0..f.rings)
            .map(|r| stream(seed, day, (1 << 48) | u64::from(r)).unit() < f.visit_rate)
            .collect();
        for i in 0..self.world.users.len() {
            let mut rng = stream(seed, day, i as u64 + 1);
            let Some(user) = self.world.users.get(i) else { continue };
            let visits = match user.ring {
                Some(r) => ring_visits.get(r as usize).copied().unwrap_or(false),
                None => rng.unit() < user.visit_rate,
            };
            if visits {
                let slot = user.ring.map_or(0, |_| (i as Millis % 64) * 20_000);
                let at = t0 + Millis::from(user.minute) * MINUTE + slot;
                self.visit(i, at, &mut rng);
            }
        }
    }

    /// One visit's events, and its end (`What::Order`) eight minutes in.
    fn visit(&mut self, i: usize, at: Millis, rng: &mut SplitMix64) {
        let day = self.day;
        if let Some(first) = self.out.first_visit_day.get_mut(i)
            && first.is_none()
        {
            *first = Some(day);
        }
        let Some(user) = self.world.users.get(i) else { return };
        let (fav, ring) = (user.category, user.ring.is_some());
        let id = |what: &str, n: u32| format!("{what}-{day}-{i}-{n}");
        self.push(
            at,
            What::Event(json!({"id": id("login", 0), "type": "login"}), Some(i), None),
        );
        let search = rng.unit() < 0.4;
        if search && let Some(cat) = self.world.catalog.categories.get(fav).cloned() {
            let e = json!({"id": id("search", 0), "type": "search", "query": &*cat, "category": &*cat});
            self.push(at + 30_000, What::Event(e, Some(i), None));
        }
        let views = if ring { 5 } else { 1 + rng.below(3) as u32 };
        let mut last = None;
        for n in 0..views {
            let cat = if rng.unit() < 0.8 {
                fav
            } else {
                rng.below(self.world.catalog.categories.len() as u64) as usize
            };
            let Some(item) = self.world.catalog.item_in(cat, rng).cloned() else {
                continue;
            };
            let e = json!({"id": id("view", n), "type": "view_item", "item": self.item_json(&item)});
            let gap = if ring { 10_000 } else { MINUTE };
            self.push(at + MINUTE + Millis::from(n) * gap, What::Event(e, Some(i), None));
            last = Some(item);
        }
        if let Some(item) = &last {
            if rng.unit() < 0.15 {
                let e = json!({"id": id("fav", 0), "type": "item_favourited", "item": self.item_json(item)});
                self.push(at + 5 * MINUTE, What::Event(e, Some(i), None));
            }
            if rng.unit() < 0.3 {
                let line = self.item_json(item);
                let e = json!({"id": id("cart", 0), "type": "add_to_cart", "item": line.clone(),
                    "cart": {"items": [line], "total": yuan(item.price)}});
                self.push(at + 6 * MINUTE, What::Event(e, Some(i), None));
            }
        }
        let draw = rng.unit();
        let abandon = rng.unit() < 0.1;
        self.push(at + 8 * MINUTE, What::Order { user: i, draw, abandon });
    }

    fn item_json(&self, item: &super::catalog::SimItem) -> Value {
        json!({
            "id": &*item.id,
            "category": self.world.catalog.categories.get(item.category).map(|c| &**c),
            "price": yuan(item.price),
            "seller_id": &*item.seller,
            "stock_age_days": item.stock_age_days,
        })
    }

    fn step(&mut self, step: Step) -> Result<(), SimError> {
        match step.what {
            What::Event(e, user, pays) => self.feed(step.at, e, user, pays)?,
            What::Order { user, draw, abandon } => self.order(step.at, user, draw, abandon),
            What::Batch(campaign) => self.batch(step.at, &campaign)?,
        }
        Ok(())
    }

    /// Feeds one event to the engine, with the user's row of this moment.
    fn feed(&mut self, at: Millis, mut e: Value, user: Option<usize>, pays: Option<Fen>) -> Result<(), SimError> {
        let tz = self.world.tz;
        if let Some(o) = e.as_object_mut() {
            o.insert("at".into(), json!(time_string(at, tz)));
            if let Some(u) = user.and_then(|i| self.world.users.get(i)) {
                o.insert("user".into(), u.row_json(tz));
            }
        }
        let text = e.to_string();
        // The simulator writes only events of the contract's form: one that is not is a
        // bug here, said rather than fed.
        let event =
            Event::from_json(&text).map_err(|e| SimError(format!("a simulated event is not valid ({e}): {text}")))?;
        if pays.is_some() {
            self.out.orders.push(text.clone());
        }
        self.out.event_count += 1;
        match self.sink.as_mut() {
            Some(sink) => {
                if let Err(e) = sink(&text) {
                    self.failed.get_or_insert(e);
                }
            }
            None => self.out.events.push(text),
        }
        let decisions = self.runtime.process(&event);
        for d in decisions {
            self.take(&d, "event");
            self.out.decisions.push(d);
        }
        if let (Some(i), Some(total)) = (user, pays)
            && let Some(u) = self.world.users.get_mut(i)
        {
            u.paid(total, at);
        }
        Ok(())
    }

    /// The coupons of a decision go to the user's wallet; revoked ones leave it.
    fn take(&mut self, d: &Decision, trigger: &'static str) {
        let Some(&i) = d.user_id.as_ref().and_then(|u| self.index.get(u)) else {
            return;
        };
        let trigger = match d.trigger {
            crate::runtime::decision::Trigger::Timer => "timer",
            crate::runtime::decision::Trigger::Batch => "batch",
            crate::runtime::decision::Trigger::Event => trigger,
        };
        let Some(wallet) = self.wallets.get_mut(i) else { return };
        wallet.retain(|h| !d.revoked.iter().any(|r| r.code == h.code));
        for c in &d.coupons {
            let view = OfferView {
                kind: c.kind,
                amount: c.amount,
                percent: c.percent,
                cap: c.cap,
                min_spend: (c.min_spend > 0).then_some(c.min_spend),
                face_value: Some(c.face_value),
            };
            let days_left = (self.days - self.day).max(1);
            let valid_days = ((c.valid_until - d.at + DAY - 1) / DAY).clamp(0, i64::from(days_left)) as u32;
            wallet.push(Held {
                code: c.code.clone(),
                view: view.clone(),
                categories: c.categories.clone(),
                valid_from: c.valid_from,
                valid_until: c.valid_until,
            });
            self.out.got.push(Got {
                user: i,
                coupon: c.clone(),
                trigger,
                view,
                valid_days,
                day: self.day,
            });
        }
    }

    /// The best coupon the user can use at `at` (the one that lifts the order most).
    fn best(&self, i: usize, at: Millis) -> Option<Held> {
        let user = self.world.users.get(i)?;
        let cat = self.world.catalog.categories.get(user.category)?;
        let truth = &self.world.truth;
        let usable = self.wallets.get(i)?.iter().filter(|h| {
            h.valid_from <= at && at < h.valid_until && (h.categories.is_empty() || h.categories.contains(cat))
        });
        let mut best: Option<(&Held, f64)> = None;
        for h in usable {
            let m = truth.multiplier(user, Some(&h.view));
            if best.is_none_or(|(_, bm)| m > bm) {
                best = Some((h, m));
            }
        }
        best.map(|(h, _)| h.clone())
    }

    /// The end of a visit: an order with the truth's probability, or (sometimes) an
    /// abandoned payment.
    fn order(&mut self, at: Millis, i: usize, draw: f64, abandon: bool) {
        // The coupon must still be valid when the order is paid, two minutes on.
        let held = self.best(i, at + 2 * MINUTE);
        let Some(user) = self.world.users.get(i) else { return };
        let p = self.world.truth.p_visit(user, held.as_ref().map(|h| &h.view));
        let day = self.day;
        let id = |what: &str| format!("{what}-{day}-{i}");
        if draw >= p {
            if abandon {
                let e = json!({"id": id("co"), "type": "checkout_started"});
                self.push(at, What::Event(e, Some(i), None));
                let e = json!({"id": id("pa"), "type": "payment_abandoned"});
                self.push(at + MINUTE, What::Event(e, Some(i), None));
            }
            return;
        }
        let basket: Basket = self.world.truth.basket(user, held.as_ref().map(|h| &h.view));
        let mut rng = stream(0, self.day, i as u64 + 7);
        let item = self.world.catalog.item_in(user.category, &mut rng).cloned();
        let order_id = id("o");
        let mut line = item.as_ref().map_or(json!({}), |it| self.item_json(it));
        if let Some(o) = line.as_object_mut() {
            o.insert("price".into(), json!(yuan(basket.gross)));
            o.insert("qty".into(), json!(1));
        }
        let codes: Vec<&str> = held.iter().map(|h| h.code.as_str()).collect();
        let total = basket.paid();
        let e = json!({"id": id("co"), "type": "checkout_started"});
        self.push(at, What::Event(e, Some(i), None));
        let e = json!({"id": id("paid"), "type": "order_paid", "order": {
            "id": &order_id, "total": yuan(total), "items": [line], "coupons": codes,
            "shipping": yuan(basket.shipping)}});
        self.push(at + 2 * MINUTE, What::Event(e, Some(i), Some(total)));
        self.out.gmv += total;
        if let Some(h) = held {
            let e = json!({"id": id("redeem"), "type": "coupon_redeemed", "code": &h.code,
                "order_id": &order_id, "discount": yuan(basket.discount)});
            self.push(at + 2 * MINUTE, What::Event(e, Some(i), None));
            if let Some(w) = self.wallets.get_mut(i) {
                w.retain(|x| x.code != h.code);
            }
            self.out.redeemed += 1;
            self.out.orders_with_coupon += 1;
            self.out.discount += basket.discount;
        }
    }

    /// A batch campaign over the user rows of this moment.
    fn batch(&mut self, at: Millis, campaign: &str) -> Result<(), SimError> {
        let tz = self.world.tz;
        let rows: Vec<Event> = (self.world.users.iter().enumerate())
            .filter_map(|(n, u)| crate::runtime::batch::user_row_event(u.row(tz), n as u64 + 1, at).ok())
            .collect();
        let facts = crate::value::builtins::NoFacts;
        let plan = crate::runtime::batch::plan_arms(
            &self.rules,
            campaign,
            &self.batch_arms,
            &rows,
            at,
            None,
            &mut self.batch_minter,
            &facts,
        )
        .map_err(|e| SimError(format!("batch `{campaign}` on day {}: {e}", self.day)))?;
        for d in plan.decisions {
            self.take(&d, "batch");
            self.out.decisions.push(d);
        }
        Ok(())
    }
}
