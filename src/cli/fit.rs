//! `mintage fit RULES --campaign ID (--users U --decisions D --orders O | --db URL) --out
//! MODEL.json`: fits the campaign's response model from its randomized decisions (`mintage::learning`,
//! see `docs/learning.md`), writes it, and prints what it fitted on and how well it does
//! on the users held out. Exit codes: 0 ok, 1 rules with errors, 2 usage or input that
//! cannot be fitted, 3 lines skipped (after the model is written).

use crate::cli::out::{errln, out, outln};
use mintage::learning::{FitError, Inputs, Source, fit};
use mintage::response::ResponseModel;
use mintage::value::{DAY_MS, HOUR_MS, Millis};
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("files").multiple(true).args(["users", "decisions", "orders"]).conflicts_with("db")))]
pub struct Args {
    /// Rule files or folders
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    /// The campaign whose response is fitted
    #[arg(long)]
    campaign: String,
    /// The user table the run read (JSONL, as `mintage run --users`)
    #[arg(long, required_unless_present = "db")]
    users: Option<PathBuf>,
    /// The decisions of the run (JSONL, as `mintage run` or `replay` writes them)
    #[arg(long, required_unless_present = "db")]
    decisions: Option<PathBuf>,
    /// Events with the `order_paid` orders that followed (JSONL)
    #[arg(long, required_unless_present = "db")]
    orders: Option<PathBuf>,
    /// A ledger that decided the campaign's events (`sqlite:PATH`, `postgres://…`), instead
    /// of the three files
    #[arg(long)]
    db: Option<String>,
    /// Where to write the model (JSON)
    #[arg(long)]
    out: PathBuf,
    /// How long after a decision an order counts (`14d`, `36h`); default: the experiment's `measure`
    #[arg(long, value_parser = window)]
    window: Option<Millis>,
    /// Ridge penalty on the standardised columns
    #[arg(long, default_value_t = 1.0)]
    l2: f64,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

/// `14d`, `36h` or `90m` as milliseconds.
fn window(text: &str) -> Result<Millis, String> {
    let t = text.trim();
    let unit = match t.chars().last() {
        Some('d') => DAY_MS,
        Some('h') => HOUR_MS,
        Some('m') => 60_000,
        _ => {
            return Err(format!(
                "`{text}` is not a duration; write a number of days, hours or minutes: `14d`, `36h`, `90m`"
            ));
        }
    };
    match t.get(..t.len() - 1).and_then(|n| n.parse::<i64>().ok()) {
        Some(n) if n > 0 => Ok(n.saturating_mul(unit)),
        _ => Err(format!(
            "`{text}` is not a positive duration; write `14d`, `36h` or `90m`"
        )),
    }
}

/// The campaign's decisions, users and orders from a ledger.
fn from_ledger(
    args: &Args,
    url: &str,
    program: mintage::check::program::Program,
) -> Result<(Source, Source, Source), u8> {
    let rules = match mintage::compile::Rules::new(program) {
        Ok(rules) => std::sync::Arc::new(rules),
        Err(e) => {
            errln!("error: {e}");
            return Err(1);
        }
    };
    let options = mintage::ledger::LedgerOptions::default();
    let ledger = crate::cli::open_ledger(url, &args.rules, rules, args.zone, options)?;
    let lines = ledger.fit_lines(&args.campaign).map_err(|e| {
        errln!("error: cannot read the ledger `{url}`: {e}");
        2u8
    })?;
    let named = |table: &str, lines: Vec<String>| Source::Lines {
        name: format!("{url} ({table})"),
        lines,
    };
    Ok((
        named("decisions", lines.decisions),
        named("exposures", lines.users),
        named("orders", lines.orders),
    ))
}

fn fit_error(e: &FitError) -> u8 {
    errln!("error: {e}");
    2
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let Some(campaign) = program.campaign(&args.campaign) else {
        let names = program.campaigns.iter().map(|c| &*c.id);
        let hint = match mintage::diagnostic::did_you_mean(&args.campaign, names) {
            Some(s) => format!("; did you mean `{s}`?"),
            None => "; name a campaign of the rules with `--campaign`".to_string(),
        };
        errln!("error: no campaign `{}` in the rules{hint}", args.campaign);
        return 2;
    };
    let measure = campaign.experiment.as_ref().map(|e| e.measure);
    let Some(window) = args.window.or(measure) else {
        errln!(
            "error: campaign `{}` has no experiment to take the window from; give `--window 14d`",
            args.campaign
        );
        return 2;
    };
    let (decisions, users, orders) = match (&args.db, &args.decisions, &args.users, &args.orders) {
        (Some(url), ..) => match from_ledger(&args, url, program) {
            Ok(found) => found,
            Err(code) => return code,
        },
        (None, Some(d), Some(u), Some(o)) => (d.clone().into(), u.clone().into(), o.clone().into()),
        _ => {
            errln!("error: give `--users`, `--decisions` and `--orders`, or `--db URL`");
            return 2;
        }
    };
    let inputs = Inputs {
        campaign: args.campaign.clone(),
        decisions,
        users,
        orders,
        window,
        l2: args.l2,
        fitted_at: chrono::Utc::now().timestamp_millis(),
    };
    let fitted = match fit(&inputs) {
        Ok(f) => f,
        Err(e) => return fit_error(&e),
    };
    for w in &fitted.warnings {
        errln!("{w}");
    }
    let json = match serde_json::to_string_pretty(&fitted.model) {
        Ok(j) => j,
        Err(e) => {
            errln!("error: cannot write the model: {e}");
            return 2;
        }
    };
    if let Err(e) = std::fs::write(&args.out, json + "\n") {
        errln!(
            "error: cannot write `{}`: {e}; check the folder exists and is writable",
            args.out.display()
        );
        return 2;
    }
    match args.format {
        Format::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&summary(&fitted.model)).unwrap_or_default()
        ),
        Format::Text => out!("{}", text(&fitted.model)),
    }
    if !fitted.warnings.is_empty() {
        errln!("{} line(s) skipped", fitted.warnings.len());
        return 3;
    }
    0
}

/// The JSON summary: the model's version, what it was fitted on and its metrics.
fn summary(m: &ResponseModel) -> serde_json::Value {
    serde_json::json!({
        "version": m.version,
        "campaign": m.campaign,
        "fitted_on": m.fitted_on,
        "metrics": m.metrics,
        "advice": mintage::learning::advice(m),
    })
}

/// The text summary.
pub fn text(m: &ResponseModel) -> String {
    let f = &m.fitted_on;
    let x = &m.metrics;
    let mut s = format!("model {} (campaign {})\n", m.version, m.campaign);
    s += &format!(
        "decisions {}: {} random, {} holdout, {} not randomized (skipped)\n",
        f.decisions, f.random, f.holdout, f.skipped
    );
    s += &format!(
        "train {}, test {}; {} ordered within {}; {} orders read\n",
        f.train,
        f.test,
        f.ordered,
        mintage::value::duration_string(f.window_ms),
        f.orders
    );
    s += &format!(
        "log-loss {:.4} (base rate {:.4}: {:.4}); newton {} iterations{}\n",
        x.log_loss,
        x.base_rate,
        x.base_log_loss,
        x.iterations,
        if x.converged { "" } else { " (not converged)" }
    );
    s += &format!(
        "qini {:.4}, auuc {:.4} ({} treated, {} control held out)\n",
        x.qini, x.auuc, x.treated, x.control
    );
    s += &format!(
        "monotone in depth for {:.1}% of users over depth 0..{:.3} (predictions are projected to be)\n",
        100.0 * x.monotone_share,
        x.max_depth
    );
    for a in mintage::learning::advice(m) {
        s += &format!("advice: {a}\n");
    }
    s += "bin        count  predicted  observed\n";
    for b in x.reliability.iter().filter(|b| b.count > 0) {
        s += &format!(
            "{:.1}-{:.1}  {:>8}  {:>9.4}  {:>8.4}\n",
            b.from, b.to, b.count, b.mean_predicted, b.observed
        );
    }
    s
}
