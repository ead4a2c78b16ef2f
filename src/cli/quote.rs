//! `mintage quote`: the best combination of a buyer's wallet in the ledger (or of the
//! codes the buyer typed) for an order, and how its discount is spread: the same answer
//! as `POST /v1/checkout/quote`. Nothing is reserved.

use crate::cli::out::{errln, outln};
use mintage::checkout::Order;
use mintage::ledger::quote::{QuoteAnswer, QuoteAsk};
use mintage::ledger::{Ledger, LedgerOptions, VersionedRules};
use mintage::runtime::engine::Rules;
use mintage::value::{Yuan, yuan_string};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(clap::Args)]
pub struct Args {
    /// The order as JSON: `{"id", "buyer_id", "lines": [{"id", "category", "price", "qty", "seller_id", "on_sale"}], "shipping"}`
    /// (`-` for standard input)
    #[arg(long)]
    order: PathBuf,
    /// Only these codes, as the buyer typed them (comma-separated); the buyer's whole wallet by default
    #[arg(long, value_delimiter = ',')]
    codes: Option<Vec<String>>,
    /// When the checkout happens (RFC 3339): validity is checked then; now by default
    #[arg(long)]
    at: Option<String>,
    /// The answer as JSON (the API's) or as text for a person
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
    /// The ledger (as for `mintage serve`)
    #[arg(long, default_value = "sqlite:mintage.db")]
    db: String,
}

pub(super) const ORDER_HELP: &str = "the order is `{\"id\": \"o-1\", \"buyer_id\": \"u-1\", \"shipping\": 10, \
     \"lines\": [{\"id\": \"l1\", \"category\": \"bags\", \"price\": 150, \"qty\": 2, \"seller_id\": \"s-1\", \"on_sale\": false}]}`";

pub(super) fn read_order(path: &PathBuf) -> Result<Order, String> {
    let name = path.display();
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .map_err(|e| format!("cannot read the order from standard input: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read `{name}`: {e}"))?
    };
    mintage::service::body::parse::<Order>(&text).map_err(|e| {
        let at = e.field.map(|f| format!(" at `{f}`")).unwrap_or_default();
        format!("`{name}`{at}: not an order: {}\n  help: {ORDER_HELP}", e.message)
    })
}

/// Exit codes: 0 answered (whatever was chosen), 2 bad input or an unreachable ledger.
pub fn run(args: Args) -> u8 {
    let order = match read_order(&args.order) {
        Ok(o) => o,
        Err(message) => {
            errln!("error: {message}");
            return 2;
        }
    };
    let ask = QuoteAsk {
        order,
        codes: args.codes,
        at: args.at,
    };
    if let Err(bad) = ask.validate() {
        match bad.field.strip_prefix("order.") {
            Some(field) => errln!(
                "error: `{}` at `{field}`: {}\n  help: {ORDER_HELP}",
                args.order.display(),
                bad.message
            ),
            None if bad.field == "at" => errln!("error: `--at`: {}", bad.message),
            None => errln!("error: `--codes`: {}", bad.message),
        }
        return 2;
    }
    let rules = VersionedRules {
        rules: Arc::new(Rules::none()),
        version: "r-none".to_string(),
    };
    // A quote reads the coupons' stored terms, not the rules.
    let ledger = match Ledger::open(&args.db, rules, LedgerOptions::default()) {
        Ok(l) => l,
        Err(e) => {
            errln!("error: cannot open the ledger `{}`: {e}", args.db);
            return 2;
        }
    };
    let answer = mintage::ledger::clock_ms().and_then(|now| ledger.quote(&ask, now));
    match answer {
        Ok(answer) => print(&answer, args.format),
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}

fn print(answer: &QuoteAnswer, format: Format) -> u8 {
    match format {
        Format::Json => match serde_json::to_string_pretty(answer) {
            Ok(text) => {
                outln!("{text}");
                0
            }
            Err(e) => {
                errln!("error: {e}");
                2
            }
        },
        Format::Text => {
            outln!("{}", text(answer));
            0
        }
    }
}

fn y(v: Yuan) -> String {
    format!("¥{}", yuan_string(v.0))
}

/// The answer for a person: the totals, each coupon chosen with its lines and funders,
/// each line with its coupons, and why every other coupon was not chosen.
pub fn text(answer: &QuoteAnswer) -> String {
    let q = &answer.quote;
    let mut out = vec![format!(
        "order {}: {} + shipping {}, {} off, pays {} (at {})",
        q.order_id,
        y(q.subtotal),
        y(q.shipping),
        y(q.discount),
        y(q.total),
        answer.at
    )];
    out.push(if q.coupons.is_empty() {
        "no coupon chosen".to_string()
    } else {
        "chosen:".to_string()
    });
    for c in &q.coupons {
        let extra = c
            .gift
            .as_ref()
            .or(c.perk.as_ref())
            .map(|x| format!(" ({x})"))
            .unwrap_or_default();
        out.push(format!(
            "  {} {}.{} {}{extra}: {} off",
            c.code,
            c.campaign,
            c.rule,
            c.kind.as_str(),
            y(c.discount)
        ));
        let parts: Vec<String> = c
            .lines
            .iter()
            .map(|l| format!("{} {}", l.line_id, y(l.amount)))
            .collect();
        if !parts.is_empty() {
            out.push(format!("    lines: {}", parts.join(", ")));
        }
        if c.shipping.0 != 0 {
            out.push(format!("    shipping: {}", y(c.shipping)));
        }
        if c.discount.0 != 0 {
            let sellers: Vec<String> = c
                .funding
                .sellers
                .iter()
                .map(|s| format!("{} {}", s.seller_id, y(s.amount)))
                .collect();
            let by = if sellers.is_empty() {
                String::new()
            } else {
                format!(" ({})", sellers.join(", "))
            };
            out.push(format!(
                "    paid by: platform {}, sellers {}{by}",
                y(c.funding.platform),
                y(c.funding.seller)
            ));
        }
    }
    out.push("lines:".to_string());
    for l in &q.lines {
        let parts: Vec<String> = l
            .coupons
            .iter()
            .map(|c| format!("{} {}", c.code, y(c.amount)))
            .collect();
        let by = if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        };
        out.push(format!(
            "  {}: {} - {} = {}{by}",
            l.id,
            y(l.amount),
            y(l.discount),
            y(l.pays)
        ));
    }
    if !q.not_chosen.is_empty() {
        out.push("not chosen:".to_string());
        for n in &q.not_chosen {
            out.push(format!("  {} {}: {}", n.code, n.reason, n.detail));
        }
    }
    out.join("\n")
}
