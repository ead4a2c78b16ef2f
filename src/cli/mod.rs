//! The `mintage` command line: one module per command; this one parses arguments and
//! maps outcomes to exit codes (0 ok, 1 rule errors or failed tests, 2 usage or I/O,
//! 3 input lines skipped).

mod analyze;
mod check;
mod consume;
mod diff;
mod explain;
mod fit;
mod fmt;
mod graph;
mod keys;
mod lines;
pub(crate) mod out;
mod quote;
mod redeem;
mod redeem_order;
pub(crate) mod replay;
mod returns;
mod run;
mod run_rows;
mod serve;
mod simulate;
mod test;
mod verify;

use clap::{Parser, Subcommand};
use out::errln;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mintage",
    version,
    about = "Campaign rules that mint coupons for consignment marketplaces"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Parse and check rule files (a folder means every `*.mint` in it)
    Check(check::Args),
    /// Rewrite rule files in place in canonical layout (`--check`: change nothing, list what would change)
    Fmt(fmt::Args),
    /// Run the `test` blocks written beside the rules
    Test(test::Args),
    /// Print the long explanation of a diagnostic code
    Explain(explain::Args),
    /// Run one event through fresh state and print its decisions
    Eval(replay::EvalArgs),
    /// Run a JSONL stream of events through fresh state; decisions as JSONL on stdout
    Replay(replay::Args),
    /// Replay events through two rule sets and report what the change would do
    Diff(diff::Args),
    /// Did a campaign's experiment work? Per arm conversion, GMV, cost, lift and ROI
    Analyze(analyze::Args),
    /// Fit a campaign's response model from its randomized decisions and the orders that followed
    Fit(fit::Args),
    /// Run a batch campaign over a user table
    Run(run::Args),
    /// Draw the evaluation graph (dot or mermaid)
    Graph(graph::Args),
    /// Run the HTTP service over a durable ledger
    Serve(serve::Args),
    /// Decide events from a NATS JetStream stream, partitioned by user, in a group of instances
    Consume(consume::Args),
    /// Publish JSON lines of events to a NATS JetStream stream, each to its user's partition
    Publish(consume::PublishArgs),
    /// Manage API keys of the service
    Keys(keys::Args),
    /// The best combination of a buyer's wallet (or of some codes) for an order, and how it is spread
    Quote(quote::Args),
    /// Redeem a coupon code against an order in the ledger (or commit or roll back an order)
    Redeem(redeem::Args),
    /// Lines of a paid order come back: each coupon gives back its part of them by funder
    Return(returns::Args),
    /// Run a synthetic marketplace through the rules, day by day; events, decisions, orders and the truth
    Simulate(simulate::Args),
    /// Judge a batch run's coupons by a simulated world's truth, beside the best uniform coupon and the oracle
    Verify(verify::Args),
    /// Check the ledger's budgets, limits and decision log against its coupons
    Audit(redeem::AuditArgs),
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Test(a) => test::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Eval(a) => replay::eval(a),
        Command::Replay(a) => replay::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Analyze(a) => analyze::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Run(a) => run::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Serve(a) => serve::run(a),
        Command::Consume(a) => consume::run(a),
        Command::Publish(a) => consume::publish_run(a),
        Command::Keys(a) => keys::run(a),
        Command::Quote(a) => quote::run(a),
        Command::Redeem(a) => redeem::run(a),
        Command::Return(a) => returns::run(a),
        Command::Audit(a) => redeem::audit(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Verify(a) => verify::run(a),
    };
    ExitCode::from(out::exit_code(code))
}

/// `--zone` of the commands that take rules.
#[derive(clap::Args, Clone, Copy)]
pub(crate) struct Zone {
    /// Time zone (IANA name) of campaigns whose window names none, of risk checks, test
    /// steps and decisions that name no campaign
    #[arg(long, env = "MINTAGE_ZONE", default_value_t = mintage::value::DEFAULT_ZONE, value_parser = zone)]
    pub zone: chrono_tz::Tz,
}

fn zone(name: &str) -> Result<chrono_tz::Tz, String> {
    mintage::value::parse_zone(name).map_err(|e| format!("{e} (from `--zone` or `MINTAGE_ZONE`)"))
}

/// Loads and checks rule files; prints diagnostics to stderr; `None` if they have errors.
pub(crate) fn load_rules(paths: &[PathBuf], zone: Zone) -> Option<mintage::check::program::Program> {
    let sources = match mintage::check::load_paths(paths) {
        Ok(s) => s,
        Err(e) => {
            errln!("error: {e}");
            return None;
        }
    };
    let options = mintage::check::CheckOptions {
        now: None,
        zone: zone.zone,
    };
    let checked = mintage::check::check(sources, &options);
    if checked.has_errors() {
        for d in checked.diagnostics.iter().filter(|d| d.is_error()) {
            errln!("{:?}", d.to_report(&checked.sources));
        }
        errln!("error: the rules have errors; fix them first (`mintage check`)");
        return None;
    }
    checked.program
}

/// Opens the ledger at `url` to decide with (or read by) `rules`, checked from `paths`:
/// the version every decision records covers the files and the models they read.
/// Errors are printed; the exit code is 2.
pub(crate) fn open_ledger(
    url: &str,
    paths: &[PathBuf],
    rules: std::sync::Arc<mintage::runtime::engine::Rules>,
    zone: Zone,
    options: mintage::ledger::LedgerOptions,
) -> Result<mintage::ledger::Ledger, u8> {
    let version = match mintage::check::load_paths(paths) {
        Ok(sources) => mintage::ledger::rules_version_with_models(&sources, &rules, zone.zone),
        Err(e) => {
            errln!("error: {e}");
            return Err(2);
        }
    };
    let rules = mintage::ledger::VersionedRules { rules, version };
    mintage::ledger::Ledger::open(url, rules, options).map_err(|e| {
        errln!("error: cannot open the ledger `{url}`: {e}");
        2
    })
}
