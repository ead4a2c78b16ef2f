//! `mintage keys add --scope decide,redeem [--label L] [--db URL]`: a new API key, printed
//! once (the ledger keeps only its digest).

use crate::cli::out::{errln, outln};
use mintage::ledger::{Ledger, LedgerOptions, Scope, VersionedRules};
use mintage::runtime::engine::Rules;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Make a key with the given scopes and print it (only this once)
    Add(AddArgs),
}

#[derive(clap::Args)]
struct AddArgs {
    /// Comma-separated scopes: `decide`, `redeem`, `admin`, `report` (experiment reports only), `read` (the console's dashboards only)
    #[arg(long, value_delimiter = ',', required = true, value_parser = parse_scope)]
    scope: Vec<Scope>,
    /// A note on whom the key is for
    #[arg(long, default_value = "")]
    label: String,
    /// The ledger (as for `mintage serve`)
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
}

fn parse_scope(text: &str) -> Result<Scope, String> {
    Scope::parse(text).ok_or_else(|| format!("unknown scope `{text}`: use `decide`, `redeem`, `report` or `admin`"))
}

pub fn run(args: Args) -> u8 {
    match args.command {
        Command::Add(a) => add(a),
    }
}

fn add(args: AddArgs) -> u8 {
    // INVARIANT: key management reads no rules; the ledger is opened with none (and the
    // version `r-none`), which it must not mistake for a rules change.
    let rules = VersionedRules {
        rules: Arc::new(Rules::none()),
        version: "r-none".to_string(),
    };
    let ledger = match Ledger::open(&args.db, rules, LedgerOptions::default()) {
        Ok(l) => l,
        Err(e) => {
            errln!("error: cannot open the ledger `{}`: {e}", args.db);
            return 2;
        }
    };
    let mut scopes = args.scope;
    scopes.dedup();
    match ledger.add_key(&scopes, &args.label) {
        Ok(key) => {
            outln!("{key}");
            let names: Vec<&str> = scopes.iter().map(|s| s.as_str()).collect();
            errln!(
                "a key with scope {} was made; it is shown only this once (the ledger keeps its digest)",
                names.join(",")
            );
            0
        }
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}
