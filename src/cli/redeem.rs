//! `mintage redeem`: a code checked against an order in the ledger (the same checks as
//! `POST /v1/redeem`), or with `--codes` every code of a checkout order together (as
//! `POST /v1/checkout/redeem`, in `redeem_order`), and the order's commit or rollback;
//! `mintage audit`: the ledger's sums checked against its coupons.

use crate::cli::out::{errln, outln};
use mintage::ledger::{Ledger, LedgerOptions, Order, RedeemRequest, Stage, VersionedRules};
use mintage::runtime::engine::Rules;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args)]
pub struct Args {
    /// The coupon code, as the customer typed it
    #[arg(long, required_unless_present_any = ["commit", "rollback", "codes"])]
    code: Option<String>,
    /// Every code of the order (comma-separated), held together or not at all with the
    /// checkout engine's split; `--order` is then a checkout order (`lines`, as for `mintage quote`)
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["code", "commit", "rollback"])]
    codes: Option<Vec<String>>,
    /// The order as JSON: `{"id", "buyer_id", "items": [{"id", "category", "price", "seller_id", "qty"}], "shipping"}`
    /// (with `--codes`: `{"id", "buyer_id", "lines": [{"id", "category", "price", "qty", "seller_id", "on_sale"}], "shipping"}`;
    /// `-` for standard input)
    #[arg(long, required_unless_present_any = ["commit", "rollback"])]
    order: Option<PathBuf>,
    /// When the redemption happens (RFC 3339); now by default
    #[arg(long)]
    at: Option<String>,
    /// Only hold the coupon for the order; commit or roll back later
    #[arg(long)]
    reserve: bool,
    /// Commit the coupons this order holds in reserve (the order is paid)
    #[arg(long, value_name = "ORDER_ID", conflicts_with_all = ["rollback", "order"])]
    commit: Option<String>,
    /// The order was cancelled: give its coupons back (or only `--code`'s)
    #[arg(long, value_name = "ORDER_ID", conflicts_with = "order")]
    rollback: Option<String>,
    /// The ledger (as for `mintage serve`)
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
}

#[derive(clap::Args)]
pub struct AuditArgs {
    /// The rule files (budgets and limits are checked against them)
    #[arg(required = true)]
    rules: Vec<PathBuf>,
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
    #[command(flatten)]
    zone: crate::cli::Zone,
}

pub(super) fn open(db: &str, rules: Rules) -> Result<Ledger, u8> {
    let rules = VersionedRules {
        rules: Arc::new(rules),
        version: "r-none".to_string(),
    };
    Ledger::open(db, rules, LedgerOptions::default()).map_err(|e| {
        errln!("error: cannot open the ledger `{db}`: {e}");
        2
    })
}

pub(super) fn print(value: &impl serde::Serialize) -> u8 {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            outln!("{text}");
            0
        }
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}

/// Exit codes: 0 accepted (or committed, rolled back), 1 refused (the reason is in the
/// JSON on stdout), 2 bad input or an unreachable ledger.
pub fn run(args: Args) -> u8 {
    // Redemption reads the coupon's stored terms, not the rules.
    let ledger = match open(&args.db, Rules::none()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let now = match mintage::ledger::clock_ms() {
        Ok(now) => now,
        Err(e) => return fail(e),
    };
    if let Some(codes) = args.codes {
        let Some(path) = args.order else {
            errln!("error: `--order` is needed to redeem `--codes`");
            return 2;
        };
        let stage = if args.reserve { Stage::Reserve } else { Stage::Commit };
        return crate::cli::redeem_order::run(&ledger, codes, &path, args.at, stage, now);
    }
    if let Some(order_id) = &args.commit {
        return match ledger.commit(order_id) {
            Ok(out) => print(&out),
            Err(e) => fail(e),
        };
    }
    if let Some(order_id) = &args.rollback {
        let now = match args.at.as_deref().map(mintage::value::parse_time) {
            Some(Ok(t)) => t,
            Some(Err(e)) => {
                errln!("error: `--at`: {e}");
                return 2;
            }
            None => now,
        };
        return match ledger.rollback(order_id, args.code.as_deref(), now) {
            Ok(out) => print(&out),
            Err(e) => fail(e),
        };
    }
    let (Some(code), Some(path)) = (args.code, args.order) else {
        errln!("error: `--code` and `--order` are needed to redeem");
        return 2;
    };
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            errln!("error: cannot read the order from standard input: {e}");
            return 2;
        }
        s
    } else {
        match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                errln!("error: cannot read `{}`: {e}", path.display());
                return 2;
            }
        }
    };
    let order: Order = match serde_json::from_str(&text) {
        Ok(o) => o,
        Err(e) => {
            errln!(
                "error: `{}`: not an order: {}",
                path.display(),
                mintage::runtime::event::describe_json_error(&e)
            );
            return 2;
        }
    };
    if let Some(at) = &args.at
        && let Err(e) = mintage::value::parse_time(at)
    {
        errln!("error: `--at`: {e}");
        return 2;
    }
    let request = RedeemRequest {
        code,
        order,
        at: args.at,
        stage: if args.reserve { Stage::Reserve } else { Stage::Commit },
    };
    match ledger.redeem(&request, now) {
        Ok(out) => {
            let accepted = out.accepted;
            let code = print(&out);
            if code != 0 {
                code
            } else if accepted {
                0
            } else {
                1
            }
        }
        Err(e) => fail(e),
    }
}

fn fail(e: mintage::ledger::LedgerError) -> u8 {
    errln!("error: {e}");
    2
}

/// Exit codes: 0 every sum agrees, 1 a budget, a limit or a redemption's parts are off
/// (printed), 2 no ledger.
pub fn audit(args: AuditArgs) -> u8 {
    let Some(program) = crate::cli::load_rules(&args.rules, args.zone) else {
        return 1;
    };
    let rules = match Rules::new(program) {
        Ok(rules) => rules,
        Err(e) => {
            errln!("error: {e}");
            return 1;
        }
    };
    let ledger = match open(&args.db, rules) {
        Ok(l) => l,
        Err(code) => return code,
    };
    match ledger.audit() {
        Ok(a) => {
            let code = print(&a);
            let clean = a.overspent.is_empty()
                && a.budget_mismatches.is_empty()
                && a.limit_violations.is_empty()
                && a.duplicate_decisions == 0
                && a.unbalanced_redemptions == 0
                && a.caps_exceeded.is_empty()
                && a.period_overspent.is_empty();
            if code != 0 {
                code
            } else if clean {
                0
            } else {
                1
            }
        }
        Err(e) => fail(e),
    }
}
