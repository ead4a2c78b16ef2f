//! `mintage analyze RULES (--events FILE.jsonl | --db URL)`: did a campaign's experiment
//! work? From events, they are replayed in memory with outcomes recorded (the same
//! decisions `replay` makes); from a ledger, its recorded outcomes are read. Then the
//! report of `mintage::analysis` (see `docs/analysis.md`). Without `--campaign`, the one
//! campaign with an experiment is analysed; if several have one, `--campaign` must say
//! which. Exit codes: 0 ok, 1 rules with errors, 2 usage (an unknown campaign or arm) or
//! unreadable input, 3 bad lines reported and skipped (after the report).

use crate::cli::out::{errln, outln};
use mintage::analysis::design::window_of;
use mintage::analysis::recorded::into_outcomes;
use mintage::analysis::stats::Settings;
use mintage::analysis::{AnalysisError, Design, Options, Outcomes, analyze};
use mintage::runtime::codes::CodeMinter;
use mintage::runtime::engine::{Rules, Runtime};
use mintage::runtime::event::{Event, EventKind};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["events", "db"])))]
pub struct Args {
    /// Rule files or folders
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    /// Events, one JSON object per line (`-` for standard input), replayed in memory
    #[arg(long)]
    events: Option<PathBuf>,
    /// A ledger that decided the events (`sqlite:PATH`, `postgres://…`)
    #[arg(long)]
    db: Option<String>,
    /// The campaign to analyse (needed when several campaigns have an experiment)
    #[arg(long)]
    campaign: Option<String>,
    /// The arm the others are compared with (default: the arm that holds out, else the first)
    #[arg(long)]
    baseline: Option<String>,
    /// Report per value of a field of the exposed user (`user.ltv_tier`)
    #[arg(long)]
    by: Option<String>,
    /// Sequential test (confidence sequences, valid however often the report is read)
    #[arg(long)]
    sequential: bool,
    /// CUPED: adjust for `user.total_spend` at exposure
    #[arg(long)]
    cuped: bool,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Seed of the coupon codes of the replay (the numbers do not depend on it)
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

fn analysis_error(e: &AnalysisError) -> u8 {
    errln!("error[{}]: {e}", e.code());
    errln!("  help: {}", e.help());
    2
}

pub fn run(args: Args) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let design = match Design::of(&program, args.campaign.as_deref()) {
        Ok(d) => d,
        Err(e) => return analysis_error(&e),
    };
    let mut settings = Settings::default();
    settings.sequential = args.sequential;
    settings.cuped = args.cuped;
    let options = Options {
        baseline: args.baseline.clone(),
        by: args.by.clone(),
        settings,
    };
    // Wrong options are said before any input is read.
    if let Err(e) = analyze(&Outcomes::builder().build(), &design, &options) {
        return analysis_error(&e);
    }
    let window = window_of(&program, &design.campaign);
    let rules = match Rules::new(program) {
        Ok(rules) => Arc::new(rules),
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let (outcomes, skipped) = match (&args.events, &args.db) {
        (Some(events), _) => match replay(&rules, events, &design.campaign, window, args.seed) {
            Ok(found) => found,
            Err(code) => return code,
        },
        (None, Some(url)) => match from_ledger(&args, rules, url, &design.campaign, window) {
            Ok(o) => (o, 0),
            Err(code) => return code,
        },
        (None, None) => {
            errln!("error: give `--events FILE.jsonl` or `--db URL`");
            return 2;
        }
    };
    let report = match analyze(&outcomes, &design, &options) {
        Ok(r) => r,
        Err(e) => return analysis_error(&e),
    };
    match args.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        Format::Text => crate::cli::out::out!("{}", mintage::analysis::text::render(&report)),
    }
    if skipped > 0 {
        errln!("{skipped} line(s) skipped");
        return 3;
    }
    0
}

/// What is wrong with an event's outcome fields, for analysis (the rules decide it anyway).
fn outcome_problem(event: &Event) -> Option<String> {
    match (&event.kind, &event.order, &event.discount) {
        (EventKind::OrderPaid, None, _) => Some("an `order_paid` event needs `order` with `id` and `total`".into()),
        (EventKind::OrderPaid, Some(Err(e)), _) | (_, _, Some(Err(e))) => Some(e.clone()),
        _ => None,
    }
}

/// Replays the events with outcomes recorded; bad lines are reported and counted.
fn replay(
    rules: &Arc<Rules>,
    path: &std::path::Path,
    campaign: &str,
    window: i64,
    seed: u64,
) -> Result<(Outcomes, usize), u8> {
    let mut reader = crate::cli::lines::open(path).map_err(|e| {
        errln!("error: {e}");
        2u8
    })?;
    let mut runtime = Runtime::new(rules.clone(), CodeMinter::seeded(seed)).record_outcomes(true);
    let name = path.display().to_string();
    let skipped = crate::cli::lines::each_event(&mut reader, &name, |_, event| {
        runtime.process(&event);
        outcome_problem(&event).map_or(Ok(()), |problem| Err(format!("outcome not counted: {problem}")))
    });
    let state = std::mem::take(&mut runtime.state);
    drop(runtime);
    let outcomes = into_outcomes(rules, state, campaign, window).map_err(|e| {
        errln!("error: {e}");
        2u8
    })?;
    Ok((outcomes, skipped))
}

fn from_ledger(args: &Args, rules: Arc<Rules>, url: &str, campaign: &str, window: i64) -> Result<Outcomes, u8> {
    let options = mintage::ledger::LedgerOptions::default();
    let ledger = crate::cli::open_ledger(url, &args.rules, rules, args.zone, options)?;
    ledger.outcomes(campaign, window).map_err(|e| {
        errln!("error: cannot read the ledger `{url}`: {e}");
        2u8
    })
}
