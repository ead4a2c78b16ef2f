//! `mintage return`: lines of a paid order come back (as `POST /v1/orders/{id}/return`),
//! and each coupon of the order gives back its part of them by funder.

use crate::cli::out::errln;
use crate::cli::redeem::{open, print};
use mintage::ledger::returns::ReturnLine;
use mintage::ledger::{LedgerError, ReturnRequest};
use mintage::runtime::engine::Rules;

#[derive(clap::Args)]
pub struct Args {
    /// The order whose lines come back
    #[arg(long)]
    order: String,
    /// Your id for this return: the same id again answers the same, and takes nothing twice
    #[arg(long)]
    return_id: String,
    /// The lines returned (comma-separated), each `LINE` for all its units left or
    /// `LINE:QTY`; every line of the order when absent
    #[arg(long, value_delimiter = ',', value_parser = line)]
    lines: Option<Vec<ReturnLine>>,
    /// When the return happens (RFC 3339); now by default
    #[arg(long)]
    at: Option<String>,
    /// The ledger (as for `mintage serve`)
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
}

fn line(s: &str) -> Result<ReturnLine, String> {
    match s.rsplit_once(':') {
        Some((id, qty)) => {
            let qty: u32 = qty
                .parse()
                .map_err(|_| format!("`{s}`: the quantity after `:` must be a whole number of units"))?;
            Ok(ReturnLine {
                line_id: id.to_string(),
                qty: Some(qty),
            })
        }
        None => Ok(ReturnLine {
            line_id: s.to_string(),
            qty: None,
        }),
    }
}

/// Exit codes: 0 returned (the answer on stdout), 1 refused by the ledger (why on
/// stderr), 2 bad input or an unreachable ledger.
pub fn run(args: Args) -> u8 {
    // A return reads what the redemptions kept, not the rules.
    let ledger = match open(&args.db, Rules::none()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let now = match mintage::ledger::clock_ms() {
        Ok(now) => now,
        Err(e) => {
            errln!("error: {e}");
            return 2;
        }
    };
    let request = ReturnRequest {
        return_id: args.return_id,
        lines: args.lines,
        at: args.at,
    };
    match ledger.return_order(&args.order, &request, now) {
        Ok(answer) => print(&answer),
        Err(e @ LedgerError::Refused { reason, .. }) => {
            errln!("error: {e} ({reason})");
            1
        }
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}
