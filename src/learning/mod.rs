//! Fitting the response (`mintage fit`): from the randomized decisions of a campaign (the
//! coupons of a `random offer` arm and the holdout's suppressions), the user rows and the
//! orders that followed, a [`ResponseModel`]: a ridge logistic regression for P(order
//! within the window) fitted by Newton's method, a ridge log-linear model for the order
//! value, and their metrics on the 20 % of users held out of training. See
//! `docs/learning.md`.

pub mod data;
pub mod design;
pub mod metrics;
pub mod solve;
pub mod synthetic;

use crate::response::{FORMAT, FittedOn, ResponseModel};
use crate::value::Millis;
use std::path::{Path, PathBuf};

/// Where a fit's lines come from: a JSONL file, or lines read elsewhere (a ledger), under
/// a name for messages.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Lines { name: String, lines: Vec<String> },
}

impl Source {
    pub fn name(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Lines { name, .. } => name.clone(),
        }
    }
}

impl From<PathBuf> for Source {
    fn from(path: PathBuf) -> Source {
        Source::File(path)
    }
}

/// What a fit reads and how.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub campaign: String,
    pub decisions: Source,
    pub users: Source,
    pub orders: Source,
    /// Orders count within this long after a decision (ms).
    pub window: Millis,
    /// The ridge penalty on standardised columns.
    pub l2: f64,
    /// When the fit is made (written in the file, not part of its version).
    pub fitted_at: Millis,
}

/// A fit, with the lines it skipped.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub model: ResponseModel,
    /// `FILE:LINE: problem` for each line skipped.
    pub warnings: Vec<String>,
}

/// The fewest orders (and non-orders) among the training decisions to fit at all.
pub const MIN_ORDERS: u64 = 10;

/// Orders per coefficient below which a fit is called noisy: the rule of thumb of ten
/// events per variable for logistic regression (Peduzzi et al., 1996).
pub const ORDERS_PER_COEFFICIENT: f64 = 10.0;

/// What a marketer should know before allocating with `model`: too few orders for its
/// coefficients, no better than the base rate, an uplift ranking no better than chance.
pub fn advice(model: &ResponseModel) -> Vec<String> {
    let mut out = Vec::new();
    let f = &model.fitted_on;
    let m = &model.metrics;
    let coefficients = model.order.len().max(1);
    let ordered = f.ordered as f64 * f.train as f64 / (f.train + f.test).max(1) as f64;
    if ordered < ORDERS_PER_COEFFICIENT * coefficients as f64 {
        out.push(format!(
            "about {ordered:.0} training orders for {coefficients} coefficients (fewer than {ORDERS_PER_COEFFICIENT:.0} each): the fit is noisy; explore on more users or for longer before allocating with it"
        ));
    }
    if m.log_loss >= m.base_log_loss {
        out.push(
            "the model predicts the held-out users no better than their base rate: it has not learned who orders"
                .to_string(),
        );
    }
    if m.qini <= 0.0 {
        out.push(
            "its uplift ranking is no better than chance on the held-out users: a uniform coupon may do as well"
                .to_string(),
        );
    }
    out
}

#[derive(Debug, thiserror::Error)]
pub enum FitError {
    #[error("cannot read `{file}`: {error}")]
    Read { file: String, error: String },
    #[error(
        "`{file}` has no randomized decisions of campaign `{campaign}` ({skipped} of its decisions were neither a `random` coupon nor a `holdout`); fit on the decisions of a run with a `random offer` arm and a holdout (`mintage run --arm explore,holdout`)"
    )]
    NoRandomized {
        file: String,
        campaign: String,
        skipped: u64,
    },
    #[error(
        "user `{user}` of `{decisions_file}` line {line} is not in `{users_file}`; pass the user table the run read (`mintage run --users`)"
    )]
    MissingUser {
        user: String,
        users_file: String,
        decisions_file: String,
        line: u64,
    },
    #[error(
        "too few outcomes to fit: {ordered} of {train} training decisions were followed by an order within the window (at least {MIN_ORDERS} with and {MIN_ORDERS} without are needed); give more decisions, the orders file that covers them, or a longer `--window`"
    )]
    TooFewOrders { ordered: u64, train: u64 },
    #[error("the fit failed: {0}; try a larger `--l2` (say 10)")]
    Numeric(String),
    #[error("`--l2` must be a number of at least 0, not `{0}`")]
    Penalty(f64),
}

impl FitError {
    pub fn read(path: &Path, e: &std::io::Error) -> FitError {
        FitError::Read {
            file: path.display().to_string(),
            error: e.to_string(),
        }
    }
}

/// Reads the files and fits the model.
pub fn fit(inputs: &Inputs) -> Result<Fitted, FitError> {
    if !(inputs.l2.is_finite() && inputs.l2 >= 0.0) {
        return Err(FitError::Penalty(inputs.l2));
    }
    let data = data::read(
        &inputs.campaign,
        inputs.window,
        &inputs.decisions,
        &inputs.users,
        &inputs.orders,
    )?;
    let fitted_on = FittedOn {
        decisions_file: inputs.decisions.name(),
        users_file: inputs.users.name(),
        orders_file: inputs.orders.name(),
        decisions: data.decisions,
        random: data.random,
        holdout: data.holdout,
        skipped: data.skipped,
        train: 0,
        test: 0,
        orders: data.orders,
        ordered: data.samples.iter().filter(|s| s.order.is_some()).count() as u64,
        window_ms: inputs.window,
        l2: inputs.l2,
    };
    let skeleton = ResponseModel {
        format: FORMAT.to_string(),
        version: String::new(),
        campaign: inputs.campaign.clone(),
        fitted_at: crate::value::time_string(inputs.fitted_at, chrono_tz::UTC),
        fitted_on,
        columns: Vec::new(),
        kinds: Vec::new(),
        options: data.options.clone(),
        order: Vec::new(),
        value: Vec::new(),
        smearing: 1.0,
        metrics: Default::default(),
    };
    let model = design::fit_model(&data, skeleton, inputs.l2)?;
    Ok(Fitted {
        model,
        warnings: data.warnings,
    })
}
