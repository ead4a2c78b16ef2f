//! `mintage redeem --codes A,B --order ORDER.json`: every code of a checkout order held
//! together or not at all, as `POST /v1/checkout/redeem` does; `--reserve` holds them
//! for the reservation time (`mintage redeem --commit ORDER_ID` then pays them).

use crate::cli::out::errln;
use crate::cli::quote::{ORDER_HELP, read_order};
use crate::cli::redeem::print;
use mintage::ledger::{Ledger, OrderRedeemRequest, Stage};
use mintage::value::Millis;
use std::path::Path;

/// Exit codes: 0 every code held, 1 none held (each code's reason is in the JSON on
/// stdout), 2 bad input or an unreachable ledger.
pub fn run(ledger: &Ledger, codes: Vec<String>, path: &Path, at: Option<String>, stage: Stage, now: Millis) -> u8 {
    let order = match read_order(&path.to_path_buf()) {
        Ok(o) => o,
        Err(message) => {
            errln!("error: {message}");
            return 2;
        }
    };
    let request = OrderRedeemRequest {
        codes,
        order,
        at,
        stage,
    };
    if let Err(bad) = request.validate() {
        match bad.field.strip_prefix("order.") {
            Some(field) => errln!(
                "error: `{}` at `{field}`: {}\n  help: {ORDER_HELP}",
                path.display(),
                bad.message
            ),
            None if bad.field == "at" => errln!("error: `--at`: {}", bad.message),
            None => errln!("error: `--codes`: {}", bad.message),
        }
        return 2;
    }
    match ledger.redeem_order(&request, now) {
        Ok(out) => match print(&out) {
            0 if out.accepted => 0,
            0 => 1,
            code => code,
        },
        Err(e) => {
            errln!("error: {e}");
            2
        }
    }
}
