//! From the samples to the fitted model: the user columns and their standardisation
//! (from the training users only), the value model, then the order model over
//! `[1, users…, treated, kinds…, d, d², d × users…, stretch]`, then the metrics on the
//! held-out users.

use super::FitError;
use super::data::{Data, Sample, is_test_user};
use super::metrics::{self, Scored};
use super::solve::{self, Design};
use crate::event::User;
use crate::event::fields::OfferView;
use crate::response::features::{Column, Source, fill_user, shape};
use crate::response::{Coefficient, ResponseModel, layout};
use std::collections::BTreeMap;

/// At most this many `scores.*` columns and `ltv_tier` values (the most frequent).
const MAX_SCORES: usize = 16;
const MAX_TIERS: usize = 8;
const MAX_ITERATIONS: u32 = 50;

fn user_of<'d>(data: &'d Data, s: &Sample) -> Option<&'d User> {
    data.users.get(s.user as usize).and_then(Option::as_ref)
}

/// Running mean and variance (Welford), with a count of missing values.
#[derive(Default, Clone, Copy)]
struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
    missing: u64,
}

impl Moments {
    fn add(&mut self, x: Option<f64>) {
        let Some(x) = x else {
            self.missing += 1;
            return;
        };
        self.n += 1;
        let d = x - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (x - self.mean);
    }

    fn sd(&self) -> f64 {
        if self.n > 1 {
            (self.m2 / (self.n - 1) as f64).sqrt()
        } else {
            0.0
        }
    }
}

/// The user columns, from the training samples.
pub fn columns_of(data: &Data, train: &[&Sample]) -> Vec<Column> {
    let mut score_counts: BTreeMap<&str, u64> = BTreeMap::new();
    let mut tier_counts: BTreeMap<&str, u64> = BTreeMap::new();
    for s in train {
        let Some(u) = user_of(data, s) else { continue };
        for (name, _) in u.scores.iter().flatten() {
            *score_counts.entry(name).or_default() += 1;
        }
        *tier_counts.entry(u.ltv_tier.as_deref().unwrap_or("")).or_default() += 1;
    }
    let most = |counts: BTreeMap<&str, u64>, max: usize| {
        let mut v: Vec<(&str, u64)> = counts.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        v.truncate(max);
        let mut names: Vec<String> = v.into_iter().map(|(n, _)| n.to_string()).collect();
        names.sort();
        names
    };
    let sources: Vec<Source> = Source::FIXED
        .into_iter()
        .chain(most(score_counts, MAX_SCORES).into_iter().map(Source::Score))
        .collect();
    let mut moments = vec![Moments::default(); sources.len()];
    for s in train {
        let Some(u) = user_of(data, s) else { continue };
        for (m, src) in moments.iter_mut().zip(&sources) {
            m.add(src.read(u, s.at));
        }
    }
    let mut columns = Vec::new();
    for (src, m) in sources.into_iter().zip(moments) {
        let sd = m.sd();
        if sd > 1e-12 && sd.is_finite() {
            columns.push(Column::Numeric {
                source: src.clone(),
                mean: m.mean,
                sd,
            });
        }
        if m.missing > 0 && m.n > 0 {
            columns.push(Column::Missing { source: src });
        }
    }
    let tiers = most(tier_counts, MAX_TIERS);
    if tiers.len() > 1 {
        columns.extend(
            tiers
                .into_iter()
                .filter(|t| !t.is_empty())
                .map(|tier| Column::Tier { tier }),
        );
    }
    columns
}

/// The order model's design row of a sample: `[1, u…, treated, kinds[1..]…, d, d², d·u…,
/// stretch]`, `d` the depth curve of the offer's depth.
fn row(model: &ResponseModel, u: &[f64], offer: Option<(&OfferView, (f64, f64))>, out: &mut Vec<f64>) {
    out.clear();
    out.push(1.0);
    out.extend_from_slice(u);
    out.push(f64::from(u8::from(offer.is_some())));
    for k in model.kinds.iter().skip(1) {
        out.push(f64::from(u8::from(offer.is_some_and(|(o, _)| o.kind == k.as_str()))));
    }
    let (depth, stretch) = offer.map_or((0.0, 0.0), |(_, shape)| shape);
    let d = crate::response::features::depth_curve(depth);
    out.push(d);
    out.push(d * d);
    out.extend(u.iter().map(|x| d * x));
    out.push(stretch);
}

/// The names of the value model's columns, `[intercept, users…]`, and of the order
/// model's, in [`row`]'s order.
fn names(model: &ResponseModel) -> (Vec<String>, Vec<String>) {
    let users: Vec<String> = model.columns.iter().map(Column::name).collect();
    let mut value = vec!["intercept".to_string()];
    value.extend(users.iter().cloned());
    let mut order = value.clone();
    order.push("treated".into());
    order.extend(model.kinds.iter().skip(1).map(|k| format!("kind={k}")));
    order.push("depth".into());
    order.push("depth^2".into());
    order.extend(users.iter().map(|u| format!("depth*{u}")));
    order.push("stretch".into());
    (value, order)
}

fn named(names: Vec<String>, beta: &[f64]) -> Vec<Coefficient> {
    names
        .into_iter()
        .zip(beta)
        .map(|(name, value)| Coefficient { name, value: *value })
        .collect()
}

/// Fits the value and order models into `model` (which brings the options and counts).
pub fn fit_model(data: &Data, mut model: ResponseModel, l2: f64) -> Result<ResponseModel, FitError> {
    let test_user: Vec<bool> = data.user_ids.iter().map(|id| is_test_user(id)).collect();
    let is_test = |s: &Sample| test_user.get(s.user as usize).copied().unwrap_or(false);
    let (test, train): (Vec<&Sample>, Vec<&Sample>) = data.samples.iter().partition(|s| is_test(s));
    model.fitted_on.train = train.len() as u64;
    model.fitted_on.test = test.len() as u64;
    let ordered = train.iter().filter(|s| s.order.is_some()).count() as u64;
    if ordered < super::MIN_ORDERS || (train.len() as u64) < ordered + super::MIN_ORDERS {
        return Err(FitError::TooFewOrders {
            ordered,
            train: train.len() as u64,
        });
    }
    model.columns = columns_of(data, &train);
    let mut kinds: Vec<String> = model.options.iter().map(|o| o.kind.clone()).collect();
    kinds.sort();
    kinds.dedup();
    model.kinds = kinds;
    let views: Vec<OfferView> = model.options.iter().map(|o| o.view()).collect();
    let offer_of = |s: &Sample| s.option.and_then(|o| views.get(usize::from(o)));
    let k = model.columns.len();
    let (order_len, value_len) = layout(k, model.kinds.len());
    let mut u = vec![0.0; k];
    let mut r = Vec::with_capacity(order_len);

    // The order value: ln(yuan) of the first order's price before its coupon, by ridge
    // least squares over the user's columns (what a coupon takes off is then exact).
    let mut xv = Design::new(value_len);
    let mut yv = Vec::new();
    for s in &train {
        let (Some(user), Some(gross)) = (user_of(data, s), s.gross) else {
            continue;
        };
        if gross <= 0 {
            continue;
        }
        fill_user(&model.columns, user, s.at, &mut u);
        r.clear();
        r.push(1.0);
        r.extend_from_slice(&u);
        xv.push(&r);
        yv.push((gross as f64 / 100.0).ln());
    }
    let bv = solve::ridge(&xv, &yv, l2).ok_or_else(|| FitError::Numeric("the order value model is singular".into()))?;
    let resid_exp: f64 = (0..xv.rows())
        .map(|i| (yv[i] - solve::predict(xv.row(i), &bv)).exp())
        .sum();
    model.smearing = if yv.is_empty() {
        1.0
    } else {
        resid_exp / yv.len() as f64
    };
    model.value = named(names(&model).0, &bv);

    // P(order): ridge logistic regression by Newton's method.
    let mut x = Design::with_capacity(order_len, train.len());
    let mut y = Vec::with_capacity(train.len());
    let mut max_depth: f64 = 0.0;
    for s in &train {
        let Some(user) = user_of(data, s) else { continue };
        fill_user(&model.columns, user, s.at, &mut u);
        let offer = offer_of(s).map(|o| (o, shape(o, model.gross_of_row(&u))));
        max_depth = max_depth.max(offer.map_or(0.0, |(_, (d, _))| d));
        row(&model, &u, offer, &mut r);
        x.push(&r);
        y.push(s.order.is_some());
    }
    let fit = solve::logistic(&x, &y, l2, MAX_ITERATIONS)
        .ok_or_else(|| FitError::Numeric("the order model's Newton system is not positive definite".into()))?;
    model.order = named(names(&model).1, &fit.beta);
    model.metrics.iterations = fit.iterations;
    model.metrics.converged = fit.converged;
    model.metrics.max_depth = max_depth;
    model.metrics.base_rate = ordered as f64 / train.len() as f64;
    let mut monotone = (0..x.rows())
        .filter(|i| model.monotone_for(x.row(*i).get(1..=k).unwrap_or(&[]), max_depth))
        .count();
    drop(x);

    // Metrics on the held-out users.
    let (mut p, mut outcome, mut scored) = (Vec::new(), Vec::new(), Vec::new());
    for s in &test {
        let Some(user) = user_of(data, s) else { continue };
        fill_user(&model.columns, user, s.at, &mut u);
        monotone += usize::from(model.monotone_for(&u, max_depth));
        let offer = offer_of(s);
        p.push(model.p_of_row(&u, offer));
        outcome.push(s.order.is_some());
        let none = model.p_of_row(&u, None);
        let uplift = views.iter().map(|o| model.p_of_row(&u, Some(o)) - none).sum::<f64>() / views.len().max(1) as f64;
        scored.push(Scored {
            uplift,
            treated: offer.is_some(),
            ordered: s.order.is_some(),
        });
    }
    let m = &mut model.metrics;
    m.monotone_share = monotone as f64 / data.samples.len().max(1) as f64;
    m.log_loss = metrics::log_loss(&p, &outcome);
    m.base_log_loss = metrics::log_loss(&vec![m.base_rate; outcome.len()], &outcome);
    m.reliability = metrics::reliability(&p, &outcome);
    let q = metrics::qini(&scored);
    (m.qini, m.auuc) = (q.coefficient, q.auuc);
    m.treated = scored.iter().filter(|s| s.treated).count() as u64;
    m.control = scored.len() as u64 - m.treated;
    model.version = version(&model);
    Ok(model)
}

/// `CAMPAIGN-<12 hex>`: the start of the SHA-256 of the coefficients, columns and what the
/// model was fitted on (not when), so the same fit of the same data has the same version.
pub fn version(model: &ResponseModel) -> String {
    use sha2::{Digest, Sha256};
    let what = serde_json::json!({
        "order": model.order,
        "value": model.value,
        "smearing": model.smearing,
        "columns": model.columns,
        "kinds": model.kinds,
        "fitted_on": model.fitted_on,
    });
    let digest = Sha256::digest(what.to_string().as_bytes());
    let hex = hex::encode(digest);
    format!("{}-{}", model.campaign, hex.get(..12).unwrap_or(&hex))
}
