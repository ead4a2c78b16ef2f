//! The files of a run: `users.jsonl` (the rows at the start, for `mintage run --users`),
//! `events.jsonl` (every event fed, for `mintage replay` and `mintage analyze`),
//! `decisions.jsonl` (as `mintage replay` prints them), `orders.jsonl` (the `order_paid`
//! events), `truth.jsonl` (each user's true order probability without a coupon and with
//! each coupon it got) and `summary.json`.

use super::market::{Got, SimOptions, SimOutput};
use super::{SimUser, World};
use crate::value::Fen;
use serde_json::{Value, json};
use std::io::Write;
use std::path::Path;

fn yuan(f: Fen) -> f64 {
    f as f64 / 100.0
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The user rows, one JSON line each.
pub fn rows(world: &World) -> Vec<String> {
    world.users.iter().map(|u| u.row_json(world.tz).to_string()).collect()
}

/// A coupon's truth: the user's order probability over the days it was valid, with it and
/// without, and what an order would pay.
pub fn coupon_truth(world: &World, user: &SimUser, got: &Got) -> Value {
    let w = got.valid_days.max(1);
    let e = world.truth.effect(user, &got.view, w, w);
    json!({
        "code": got.coupon.code,
        "campaign": &*got.coupon.campaign,
        "rule": &*got.coupon.rule,
        "trigger": got.trigger,
        "day": got.day,
        "valid_days": w,
        "p_order": round6(e.p_with),
        "p_order_without": round6(e.p_without),
        "expected_order_value": yuan(e.value_with),
        "expected_order_value_without": yuan(e.value_without),
        "expected_cost": round6(e.expected_cost / 100.0),
        "incremental_gmv": round6(e.incremental_gmv / 100.0),
    })
}

/// One user's truth line.
pub fn user_truth(world: &World, out: &SimOutput, index: usize, days: u32, coupons: &[&Got]) -> Option<Value> {
    let u = world.users.get(index)?;
    let t = &world.truth;
    Some(json!({
        "id": &*u.id,
        "kind": u.kind.as_str(),
        "ring": u.ring,
        "visit_rate": round6(u.visit_rate),
        "conversion": round6(u.conversion),
        "sensitivity": round6(u.sensitivity),
        "basket": yuan(u.basket),
        "first_visit_day": out.first_visit_day.get(index).copied().flatten(),
        "window_days": days,
        "p_order": round6(t.p_order(u, None, days)),
        "expected_order_value": yuan(t.expected_order_value(u, None)),
        "coupons": coupons.iter().map(|g| coupon_truth(world, u, g)).collect::<Vec<_>>(),
    }))
}

/// The summary: counts, GMV, discount and the true incremental GMV of the coupons.
pub fn summary(world: &World, out: &SimOutput, options: &SimOptions) -> Value {
    let kinds = ["new", "active", "dormant"].map(|k| (k, world.users.iter().filter(|u| u.kind.as_str() == k).count()));
    let mut incremental = 0.0;
    let mut by_trigger = std::collections::BTreeMap::<&str, u64>::new();
    for g in &out.got {
        *by_trigger.entry(g.trigger).or_default() += 1;
        if let Some(u) = world.users.get(g.user) {
            incremental += coupon_truth(world, u, g)["incremental_gmv"].as_f64().unwrap_or(0.0);
        }
    }
    json!({
        "seed": options.seed,
        "days": options.days,
        "users": world.users.len(),
        "new": kinds[0].1, "active": kinds[1].1, "dormant": kinds[2].1,
        "ring_accounts": world.users.iter().filter(|u| u.ring.is_some()).count(),
        "visitors": out.first_visit_day.iter().filter(|d| d.is_some()).count(),
        "events": out.event_count,
        "decisions": out.decisions.len(),
        "coupons_issued": out.got.len(),
        "coupons_by_trigger": by_trigger,
        "coupons_redeemed": out.redeemed,
        "orders": out.orders.len(),
        "orders_with_coupon": out.orders_with_coupon,
        "gmv": yuan(out.gmv),
        "discount": yuan(out.discount),
        "true_incremental_gmv": (incremental * 100.0).round() / 100.0,
        "code_seed": options.seed,
    })
}

fn lines(dir: &Path, name: &str, items: impl Iterator<Item = String>) -> std::io::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(dir.join(name))?);
    for line in items {
        f.write_all(line.as_bytes())?;
        f.write_all(b"\n")?;
    }
    f.flush()
}

/// Writes the run's files into `dir` (made if missing); `start_rows` are the user rows
/// before the run; `events.jsonl` too unless the events went there already (`streamed`).
/// Returns the summary.
pub fn write(
    dir: &Path,
    start_rows: &[String],
    world: &World,
    out: &SimOutput,
    options: &SimOptions,
    streamed: bool,
) -> std::io::Result<Value> {
    std::fs::create_dir_all(dir)?;
    lines(dir, "users.jsonl", start_rows.iter().cloned())?;
    if !streamed {
        lines(dir, "events.jsonl", out.events.iter().cloned())?;
    }
    lines(
        dir,
        "decisions.jsonl",
        out.decisions
            .iter()
            .map(|d| serde_json::to_string(d).unwrap_or_default()),
    )?;
    lines(dir, "orders.jsonl", out.orders.iter().cloned())?;
    let mut by_user: Vec<Vec<&Got>> = vec![Vec::new(); world.users.len()];
    for g in &out.got {
        if let Some(list) = by_user.get_mut(g.user) {
            list.push(g);
        }
    }
    lines(
        dir,
        "truth.jsonl",
        (0..world.users.len()).filter_map(|i| {
            let coupons = by_user.get(i).map_or(&[][..], Vec::as_slice);
            user_truth(world, out, i, options.days, coupons).map(|v| v.to_string())
        }),
    )?;
    let summary = summary(world, out, options);
    std::fs::write(
        dir.join("summary.json"),
        serde_json::to_string_pretty(&summary).unwrap_or_default() + "\n",
    )?;
    Ok(summary)
}
