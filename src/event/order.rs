//! What an `order_paid` event says was bought (`"order": {"id", "total", "items",
//! "coupons", "shipping"}`, money in yuan) and what a `coupon_redeemed` event says was
//! given (`"discount"`, yuan). Both are read leniently: the rules decide an event the same
//! whether these are well formed or not (they were unknown keys before), and analysis,
//! which needs them, reports a bad one as a bad line.

use crate::value::{Fen, fen_from_yuan};
use serde_json::Value;
use std::sync::Arc;

/// A paid order, read from a well-formed `order`.
#[derive(Debug, Clone, PartialEq)]
pub struct PaidOrder {
    pub id: Arc<str>,
    /// What the buyer paid (the GMV), fen.
    pub total: Fen,
    pub shipping: Option<Fen>,
    /// Codes of the coupons used on it.
    pub coupons: Vec<String>,
    /// `items` as written (JSON), kept for the ledger.
    pub items: String,
}

/// Money in yuan as fen: a number, not negative, at most two decimals.
pub fn money(field: &str, v: &Value) -> Result<Fen, String> {
    let Some(yuan) = v.as_f64() else {
        return Err(format!("`{field}` must be a number of yuan"));
    };
    match fen_from_yuan(yuan) {
        Some(f) if f >= 0 => Ok(f),
        _ => Err(format!(
            "`{field}` is {yuan}, not an amount of yuan (zero or more, at most two decimals)"
        )),
    }
}

impl PaidOrder {
    /// Reads `order`; the error says what is missing or wrong.
    pub fn read(order: &Value) -> Result<PaidOrder, String> {
        let Some(o) = order.as_object() else {
            return Err("`order` must be an object".into());
        };
        let id = match o.get("id") {
            Some(Value::String(s)) if !s.is_empty() => Arc::from(s.as_str()),
            Some(_) => return Err("`order.id` must be a non-empty string".into()),
            None => return Err("missing required field `order.id`".into()),
        };
        let total = match o.get("total") {
            Some(v) => money("order.total", v)?,
            None => return Err("missing required field `order.total`".into()),
        };
        let shipping = match o.get("shipping") {
            None | Some(Value::Null) => None,
            Some(v) => Some(money("order.shipping", v)?),
        };
        let coupons = match o.get("coupons") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(codes)) => codes
                .iter()
                .map(|c| c.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or("`order.coupons` must be a list of codes")?,
            Some(_) => return Err("`order.coupons` must be a list of codes".into()),
        };
        let items = o.get("items").map_or_else(|| "[]".to_string(), Value::to_string);
        Ok(PaidOrder {
            id,
            total,
            shipping,
            coupons,
            items,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_order_reads_in_fen() {
        let o = PaidOrder::read(&json!({"id": "o1", "total": 199.5, "shipping": 8, "coupons": ["K1"], "items": []}));
        let o = o.unwrap();
        assert_eq!((o.total, o.shipping, o.coupons.len()), (19_950, Some(800), 1));
    }

    #[test]
    fn a_missing_or_bad_total_is_said() {
        let e = PaidOrder::read(&json!({"id": "o1"})).unwrap_err();
        assert_eq!(e, "missing required field `order.total`");
        let e = PaidOrder::read(&json!({"id": "o1", "total": "12"})).unwrap_err();
        assert_eq!(e, "`order.total` must be a number of yuan");
        assert!(PaidOrder::read(&json!({"id": "o1", "total": -1})).is_err());
        assert!(PaidOrder::read(&json!({"total": 1})).is_err());
        assert!(PaidOrder::read(&json!([1])).is_err());
    }
}
