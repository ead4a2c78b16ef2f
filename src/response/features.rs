//! The columns a response model reads: each user feature taken from the user row at the
//! time of the decision, standardised by the training data's mean and spread; a missing
//! value is the mean (0 after standardising) with a `missing` column that says so.

use crate::event::User;
use crate::event::fields::OfferView;
use crate::value::{DAY_MS, Fen, Millis};
use serde::{Deserialize, Serialize};

/// What a column is read from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Source {
    PaidOrders,
    /// `ln(1 + total_spend in yuan)`.
    LogTotalSpend,
    /// In yuan.
    AvgOrderValue,
    DaysSinceLastOrder,
    DaysSinceRegistered,
    /// `scores.NAME`.
    Score(String),
}

impl Source {
    /// The fixed user fields, in column order (scores follow, by name).
    pub const FIXED: [Source; 5] = [
        Source::PaidOrders,
        Source::LogTotalSpend,
        Source::AvgOrderValue,
        Source::DaysSinceLastOrder,
        Source::DaysSinceRegistered,
    ];

    /// The value of the user at `now`, `None` when the row lacks it.
    pub fn read(&self, user: &User, now: Millis) -> Option<f64> {
        let days = |t: Millis| ((now - t) as f64 / DAY_MS as f64).max(0.0);
        match self {
            Source::PaidOrders => user.paid_orders,
            Source::LogTotalSpend => user.total_spend.map(|f| (f.max(0) as f64 / 100.0).ln_1p()),
            Source::AvgOrderValue => user.avg_order_value.map(|f| f as f64 / 100.0),
            Source::DaysSinceLastOrder => user.last_order_at.map(days),
            Source::DaysSinceRegistered => user.registered_at.map(days),
            Source::Score(name) => user
                .scores
                .as_ref()
                .and_then(|s| s.iter().find(|(n, _)| &**n == name.as_str()))
                .map(|(_, v)| *v),
        }
        .filter(|v| v.is_finite())
    }
}

impl From<Source> for String {
    fn from(s: Source) -> String {
        match s {
            Source::PaidOrders => "paid_orders".into(),
            Source::LogTotalSpend => "log1p_total_spend".into(),
            Source::AvgOrderValue => "avg_order_value".into(),
            Source::DaysSinceLastOrder => "days_since_last_order".into(),
            Source::DaysSinceRegistered => "days_since_registered".into(),
            Source::Score(name) => format!("scores.{name}"),
        }
    }
}

impl TryFrom<String> for Source {
    type Error = String;
    fn try_from(s: String) -> Result<Source, String> {
        if let Some(name) = s.strip_prefix("scores.") {
            return Ok(Source::Score(name.to_string()));
        }
        Source::FIXED
            .iter()
            .find(|f| String::from((*f).clone()) == s)
            .cloned()
            .ok_or_else(|| format!("unknown feature source `{s}`"))
    }
}

/// One column of the user part of the design.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "column", rename_all = "snake_case")]
pub enum Column {
    /// `(x − mean) / sd`; a missing value gives 0.
    Numeric { source: Source, mean: f64, sd: f64 },
    /// 1 when the source is missing.
    Missing { source: Source },
    /// 1 when `ltv_tier` is this tier.
    Tier { tier: String },
}

impl Column {
    pub fn name(&self) -> String {
        match self {
            Column::Numeric { source, .. } => String::from(source.clone()),
            Column::Missing { source } => format!("{}_missing", String::from(source.clone())),
            Column::Tier { tier } => format!("ltv_tier={tier}"),
        }
    }

    pub fn value(&self, user: &User, now: Millis) -> f64 {
        match self {
            Column::Numeric { source, mean, sd } => source.read(user, now).map_or(0.0, |x| (x - mean) / sd),
            Column::Missing { source } => f64::from(u8::from(source.read(user, now).is_none())),
            Column::Tier { tier } => f64::from(u8::from(user.ltv_tier.as_deref() == Some(tier.as_str()))),
        }
    }
}

/// Fills `out` (as long as `columns`) with the user's standardised columns at `now`.
pub fn fill_user(columns: &[Column], user: &User, now: Millis, out: &mut [f64]) {
    for (c, o) in columns.iter().zip(out.iter_mut()) {
        *o = c.value(user, now);
    }
}

/// The discount a coupon is expected to give on an order of `order_value` fen:
/// `percent_off` its percent of the order (at most its cap), `amount_off` its amount,
/// any other kind its face value. `min_spend` is not applied: the expected order value is
/// an average, and orders below it still happen.
pub fn expected_discount(offer: &OfferView, order_value: Fen) -> Fen {
    match offer.kind {
        "percent_off" => {
            let pct = offer.percent.unwrap_or(0).max(0) as i128;
            let raw = i64::try_from(order_value.max(0) as i128 * pct / 10_000).unwrap_or(i64::MAX);
            offer.cap.map_or(raw, |cap| raw.min(cap))
        }
        "amount_off" => offer.amount.or(offer.face_value).unwrap_or(0),
        _ => offer.face_value.or(offer.amount).unwrap_or(0),
    }
}

/// What a user with a usual order of `reference` fen spends with the offer: at least its
/// minimum spend.
pub fn spend(offer: &OfferView, reference: Fen) -> Fen {
    reference.max(offer.min_spend.unwrap_or(0))
}

/// Depth: the expected discount as a share of what the user spends with the offer (the
/// reference order value, or the minimum spend if that is more), in `[0, 1]`.
pub fn depth(offer: &OfferView, reference: Fen) -> f64 {
    let spend = spend(offer, reference);
    if spend <= 0 {
        return 0.0;
    }
    (expected_discount(offer, spend) as f64 / spend as f64).clamp(0.0, 1.0)
}

/// Stretch: how far the minimum spend is above the reference order value, as a share of
/// it (`min_spend / reference − 1`, 0 when below), at most [`MAX_STRETCH`]. A coupon
/// that asks for more than the user usually spends reaches fewer of its holders.
pub fn stretch(offer: &OfferView, reference: Fen) -> f64 {
    let min = offer.min_spend.unwrap_or(0);
    if reference <= 0 || min <= reference {
        return 0.0;
    }
    (min as f64 / reference as f64 - 1.0).min(MAX_STRETCH)
}

/// Where the model's depth coordinate bends: `ln(1 + depth / DEPTH_BEND)`.
pub const DEPTH_BEND: f64 = 0.05;

/// The depth coordinate of the model: `ln(1 + depth / DEPTH_BEND)`, 0 at no discount,
/// rising ever more slowly (diminishing returns: the first yuan off moves a buyer more
/// than the fiftieth).
pub fn depth_curve(depth: f64) -> f64 {
    (depth.max(0.0) / DEPTH_BEND).ln_1p()
}

/// The largest stretch a model reads.
pub const MAX_STRETCH: f64 = 4.0;

/// The shape of an offer for a user: its depth and stretch.
pub fn shape(offer: &OfferView, reference: Fen) -> (f64, f64) {
    (depth(offer, reference), stretch(offer, reference))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(kind: &'static str) -> OfferView {
        OfferView {
            kind,
            amount: Some(2000),
            percent: Some(1500),
            cap: Some(5000),
            min_spend: Some(10_000),
            face_value: Some(3000),
        }
    }

    #[test]
    fn discounts_follow_the_kind() {
        assert_eq!(expected_discount(&view("percent_off"), 20_000), 3000);
        assert_eq!(expected_discount(&view("percent_off"), 100_000), 5000, "capped");
        assert_eq!(
            expected_discount(&view("amount_off"), 100),
            2000,
            "min_spend not applied"
        );
        assert_eq!(expected_discount(&view("perk"), 100), 3000);
        assert!((depth(&view("amount_off"), 20_000) - 0.1).abs() < 1e-12);
        // Below the minimum spend, depth is at the minimum spend, and the stretch says so.
        assert!((depth(&view("amount_off"), 5_000) - 0.2).abs() < 1e-12);
        assert!((stretch(&view("amount_off"), 5_000) - 1.0).abs() < 1e-12);
        assert_eq!(stretch(&view("amount_off"), 20_000), 0.0);
        assert_eq!(stretch(&view("amount_off"), 100), MAX_STRETCH);
        assert_eq!(depth(&view("amount_off"), 0), 0.2, "the minimum spend is the spend");
        let mut free = view("amount_off");
        free.min_spend = None;
        assert_eq!(depth(&free, 0), 0.0);
        assert_eq!(stretch(&free, 0), 0.0);
    }

    #[test]
    fn sources_round_trip_their_names() {
        for s in Source::FIXED.into_iter().chain([Source::Score("p_convert".into())]) {
            assert_eq!(Source::try_from(String::from(s.clone())), Ok(s));
        }
        assert!(Source::try_from("height".to_string()).is_err());
    }
}
