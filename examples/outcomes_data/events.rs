//! The event file of `gen_outcomes`, written by the runtime as it goes (see that
//! example's doc): the tests write it in-process with the same code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::{ARMS, CAMPAIGN, Params, SimOrder, SimUser, users};
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::{Rules, Runtime};
use mintage::runtime::event::Event;
use mintage::value::{time_string, yuan_json};
use serde_json::{Value, json};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

const ZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

/// What was written.
#[derive(Debug, Default)]
pub struct Summary {
    pub lines: u64,
    pub exposed: [u64; 3],
    pub coupons: usize,
    /// Users the runtime put in another arm than the model did (should be none).
    pub arm_mismatches: u64,
}

fn user_json(u: &SimUser) -> Value {
    json!({"id": u.id, "registered_at": time_string(u.registered_at, ZONE), "paid_orders": 0,
           "total_spend": yuan_json(u.total_spend_fen), "avg_order_value": 0, "ltv_tier": u.ltv_tier,
           "device_id": format!("d-{}", u.id), "tags": []})
}

/// An order waiting for its time, ordered by (time, sequence).
struct Pending {
    at: i64,
    seq: u64,
    user: Arc<SimUser>,
    order: SimOrder,
    copy: u8,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct Writer<W: Write> {
    out: W,
    runtime: Runtime,
    /// The ladder coupon each user holds: code and face value (fen).
    codes: HashMap<String, (String, i64)>,
    arm_mismatches: u64,
    lines: u64,
}

impl<W: Write> Writer<W> {
    fn emit(&mut self, line: Value) -> Vec<mintage::runtime::decision::Decision> {
        let text = line.to_string();
        writeln!(self.out, "{text}").unwrap();
        self.lines += 1;
        let event = Event::from_json(&text).unwrap_or_else(|e| panic!("generated a bad event: {e}: {text}"));
        self.runtime.process(&event)
    }

    fn exposure(&mut self, u: &SimUser) {
        let line = json!({"type": "view_item", "at": time_string(u.exposed_at, ZONE), "id": format!("v-{}", u.id),
            "user": user_json(u), "scores": {"p_convert": 0.1, "fraud_risk": 0.01},
            "item": {"id": "i-shoes-5", "category": "shoes", "price": 600, "seller_id": "s-1", "stock_age_days": 5}});
        let mut arm = None;
        for d in self.emit(line) {
            for c in d.coupons.iter().filter(|c| &*c.campaign == CAMPAIGN) {
                arm = c.arm.as_deref().map(str::to_string);
                self.codes.insert(u.id.clone(), (c.code.clone(), c.face_value));
            }
            if d.suppressed
                .iter()
                .any(|s| &*s.campaign == CAMPAIGN && &*s.reason == "holdout")
            {
                arm = Some("holdout".into());
            }
        }
        if arm.as_deref() != Some(ARMS[u.arm]) {
            self.arm_mismatches += 1;
        }
    }

    fn order(&mut self, p: Pending) {
        let o = &p.order;
        let coupon = if o.redeems {
            self.codes.get(&p.user.id).cloned()
        } else {
            None
        };
        let total = yuan_json(o.total_fen);
        let line = json!({"type": "order_paid", "at": time_string(o.at, ZONE), "id": format!("p-{}-{}", o.id, p.copy),
            "user": user_json(&p.user),
            "order": {"id": o.id, "total": total, "shipping": 0, "coupons": coupon.iter().map(|c| &c.0).collect::<Vec<_>>(),
                      "items": [{"id": format!("i-{}", o.id), "category": "shoes", "price": total, "qty": 1}]}});
        self.emit(line);
        if let (Some((code, face)), 0) = (coupon, p.copy) {
            let line = json!({"type": "coupon_redeemed", "at": time_string(o.at, ZONE), "id": format!("r-{}", o.id),
                "user": {"id": p.user.id}, "code": code, "order_id": o.id, "discount": yuan_json(face)});
            self.emit(line);
        }
    }
}

/// Writes the events of `p`'s users to `out`, deciding them with the rules in `rules_dir`
/// (coupon codes seeded with `p.seed`, as `mintage replay --seed` does).
pub fn write(p: &Params, rules_dir: &Path, out: impl Write) -> Summary {
    let sources = mintage::check::load_paths(&[rules_dir.to_path_buf()]).expect("the rules load");
    let options = mintage::check::CheckOptions {
        now: None,
        zone: mintage::value::DEFAULT_ZONE,
    };
    let program = mintage::check::check(sources, &options)
        .program
        .expect("the rules check");
    let rules = Rules::new(program).expect("the rules compile");
    let runtime = Runtime::new(Arc::new(rules), CodeMinter::seeded(p.seed));
    let mut w = Writer {
        out: std::io::BufWriter::new(out),
        runtime,
        codes: HashMap::new(),
        arm_mismatches: 0,
        lines: 0,
    };
    let mut pending = BinaryHeap::new();
    let mut seq = 0u64;
    let mut exposed = [0u64; 3];
    for u in users(p) {
        while pending
            .peek()
            .is_some_and(|Reverse(p): &Reverse<Pending>| p.at <= u.exposed_at)
        {
            let Reverse(p) = pending.pop().unwrap();
            w.order(p);
        }
        w.exposure(&u);
        exposed[u.arm] += 1;
        let u = Arc::new(u);
        for o in &u.orders {
            for copy in 0..if o.duplicated { 2 } else { 1 } {
                seq += 1;
                let at = o.at + i64::from(copy) * 60_000;
                pending.push(Reverse(Pending {
                    at,
                    seq,
                    user: u.clone(),
                    order: SimOrder { at, ..o.clone() },
                    copy,
                }));
            }
        }
    }
    while let Some(Reverse(p)) = pending.pop() {
        w.order(p);
    }
    w.out.flush().unwrap();
    let summary = Summary {
        lines: w.lines,
        exposed,
        coupons: w.codes.len(),
        arm_mismatches: w.arm_mismatches,
    };
    // Freeing a million users' state one by one would only cost time.
    std::mem::forget(w.runtime);
    summary
}
