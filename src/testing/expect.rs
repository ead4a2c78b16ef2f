//! `expect coupon RULE OFFER`: the offer an expectation writes, read into exact values,
//! compared term by term with an issued coupon, and the issued coupon written back in the
//! same words for a failure's message.

use crate::runtime::decision::Coupon;
use crate::syntax::ast::{Choice, Expr, ExprKind, Funding, Offer, OfferKind, ValidOn, Validity};
use crate::value::calendar::{Calendar, Clock, days_named};
use crate::value::{BasisPoints, DAY_MS, Fen, Millis, Value, duration_string};
use std::collections::BTreeSet;

/// The terms an expectation writes; `None`: not written, so not compared.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Expected {
    pub kind: &'static str,
    pub amount: Option<Fen>,
    pub percent: Option<BasisPoints>,
    pub cap: Option<Fen>,
    pub min_spend: Option<Fen>,
    pub categories: Option<BTreeSet<String>>,
    pub seller: Option<String>,
    /// A gift's or perk's name.
    pub item: Option<String>,
    pub worth: Option<Fen>,
    pub validity: Option<Lasts>,
    /// `on weekends`: the days, Monday first, as the coupon's calendar names them.
    pub valid_days: Option<Vec<String>>,
    /// `between 20:00 and 23:00`.
    pub valid_hours: Option<(Clock, Clock)>,
    /// (platform, seller) in basis points.
    pub funding: Option<(BasisPoints, BasisPoints)>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lasts {
    For(Millis),
    UntilWindowEnd,
}

const LITERAL_HELP: &str = "an expectation compares written values: use literals such as `¥30`, `15%`, `\"bags\"`, `[\"bags\", \"shoes\"]` or `72h`";

fn money(e: &Expr, what: &str) -> Result<Fen, String> {
    match e.kind {
        ExprKind::Money(m) => Ok(m),
        _ => Err(format!("{what} is not a money literal; {LITERAL_HELP}")),
    }
}

fn text(e: &Expr, what: &str) -> Result<String, String> {
    match &e.kind {
        ExprKind::Str(s) => Ok(s.clone()),
        _ => Err(format!("{what} is not a string literal; {LITERAL_HELP}")),
    }
}

fn categories(e: &Expr) -> Result<BTreeSet<String>, String> {
    match &e.kind {
        ExprKind::List(items) => items.iter().map(|i| text(i, "a category")).collect(),
        _ => Ok(BTreeSet::from([text(e, "the category scope")?])),
    }
}

/// The days and hours an expectation writes (in UTC: the zone is not compared).
fn calendar(on: &ValidOn) -> Result<Calendar, String> {
    let days = on.days.iter().filter_map(|d| days_named(&d.text)).fold(0, |a, b| a | b);
    let between = match &on.between {
        None => None,
        Some((from, until)) => Some((Clock::parse(&from.text, false)?, Clock::parse(&until.text, true)?)),
    };
    Ok(Calendar::new(days, between, chrono_tz::UTC))
}

fn funding(f: &Funding) -> Result<(BasisPoints, BasisPoints), String> {
    let (mut platform, mut seller) = (0, 0);
    for s in &f.shares {
        let ExprKind::Percent(bp) = s.percent.kind else {
            return Err(format!("the share of `{}` is not a percentage literal", s.funder.text));
        };
        if s.funder.text == "platform" {
            platform = bp;
        } else {
            seller = bp;
        }
    }
    Ok((platform, seller))
}

impl Expected {
    /// Reads an expectation's offer; an error names a term written as something other than
    /// a literal (an expectation states values, it does not compute them).
    pub fn of(o: &Offer) -> Result<Expected, String> {
        let mut x = Expected {
            kind: o.kind.as_str(),
            ..Expected::default()
        };
        match &o.value {
            Some(Choice::One(e)) => match (o.kind, &e.kind) {
                (OfferKind::PercentOff, ExprKind::Percent(p)) => x.percent = Some(*p),
                (OfferKind::PercentOff, _) => {
                    return Err(format!("the percentage is not a literal; {LITERAL_HELP}"));
                }
                _ => x.amount = Some(money(e, "the amount")?),
            },
            Some(Choice::Menu(..)) => {
                return Err("an expectation names the one value issued, not `one of` a menu".into());
            }
            None => {}
        }
        let opt_money = |e: &Option<Expr>, what: &str| e.as_ref().map(|e| money(e, what)).transpose();
        x.cap = opt_money(&o.cap, "the cap")?;
        x.min_spend = opt_money(&o.min_spend, "the minimum spend")?;
        x.worth = opt_money(&o.worth, "the worth")?;
        x.categories = o.scope.as_ref().map(categories).transpose()?;
        x.seller = o.seller.as_ref().map(|e| text(e, "the seller scope")).transpose()?;
        x.item = o.item.as_ref().map(|n| n.text.clone());
        x.validity = match &o.validity {
            None => None,
            Some(Validity::UntilWindowEnd(_)) => Some(Lasts::UntilWindowEnd),
            Some(Validity::For(e)) => match e.kind {
                ExprKind::Duration(ms) => Some(Lasts::For(ms)),
                _ => return Err(format!("the validity is not a duration literal; {LITERAL_HELP}")),
            },
        };
        if let Some(on) = &o.valid_on {
            let c = calendar(on)?;
            x.valid_days = (!on.days.is_empty()).then_some(c.days);
            x.valid_hours = c.between;
        }
        x.funding = o.funded.as_ref().map(funding).transpose()?;
        Ok(x)
    }

    /// Whether `c` has every term written here. `window_end`: the end of the issuing
    /// campaign's window, for `valid until window end`.
    pub fn matches(&self, c: &Coupon, window_end: Option<Millis>) -> bool {
        let same = |want: Option<Fen>, got: Option<Fen>| want.is_none_or(|w| got == Some(w));
        let item = match c.kind {
            "gift" => c.gift.as_deref(),
            "perk" => c.perk.as_deref(),
            _ => None,
        };
        let valid = match self.validity {
            None => true,
            Some(Lasts::For(ms)) => c.valid_until - c.valid_from == ms,
            Some(Lasts::UntilWindowEnd) => c.valid_until == until_window_end(c, window_end),
        };
        self.kind == c.kind
            && same(self.amount, c.amount)
            && self.percent.is_none_or(|p| c.percent == Some(p))
            && same(self.cap, c.cap)
            && same(self.min_spend, Some(c.min_spend))
            && same(self.worth, Some(c.face_value))
            && self
                .categories
                .as_ref()
                .is_none_or(|want| c.categories.len() == want.len() && c.categories.iter().all(|x| want.contains(&**x)))
            && self
                .seller
                .as_ref()
                .is_none_or(|s| c.seller.as_deref() == Some(s.as_str()))
            && self.item.as_ref().is_none_or(|i| item == Some(i.as_str()))
            && valid
            && self.valid_days.as_ref().is_none_or(|want| {
                let got = c.valid_on.as_ref().map_or(&[][..], |on| on.days.as_slice());
                got == want.as_slice()
            })
            && self
                .valid_hours
                .is_none_or(|want| c.valid_on.as_ref().is_some_and(|on| on.between == Some(want)))
            && self.funding.is_none_or(|f| f == (c.platform_share, c.seller_share))
    }
}

/// When a coupon valid until its window's end ends (a batch campaign has no window).
fn until_window_end(c: &Coupon, window_end: Option<Millis>) -> Millis {
    window_end.unwrap_or(c.valid_from + 30 * DAY_MS)
}

/// Every term of an issued coupon, in the words an expectation uses, so that a failing
/// test shows what to write (or what the rule really issues).
pub fn coupon_words(c: &Coupon, window_end: Option<Millis>) -> String {
    let m = |f: Fen| Value::Money(f).to_string();
    let mut w: Vec<String> = Vec::new();
    match c.kind {
        "threshold" => w.push(format!(
            "threshold spend {} get {} off",
            m(c.min_spend),
            m(c.amount.unwrap_or(0))
        )),
        "gift" | "perk" => {
            let name = if c.kind == "gift" { &c.gift } else { &c.perk };
            w.push(format!(
                "{} {} worth {}",
                c.kind,
                name.as_deref().unwrap_or("?"),
                m(c.face_value)
            ));
        }
        "free_shipping" if c.face_value > 0 => w.push(format!("free_shipping worth {}", m(c.face_value))),
        kind => {
            w.push(kind.to_string());
            if let Some(a) = c.amount {
                w.push(m(a));
            }
            if let Some(p) = c.percent {
                w.push(Value::Percent(p).to_string());
            }
        }
    }
    if let Some(cap) = c.cap {
        w.push(format!("cap {}", m(cap)));
    }
    if c.min_spend > 0 && c.kind != "threshold" {
        w.push(format!("min_spend {}", m(c.min_spend)));
    }
    match c.categories.as_slice() {
        [] => {}
        [one] => w.push(format!("for {:?}", &**one)),
        many => w.push(format!(
            "for [{}]",
            many.iter()
                .map(|s| format!("{:?}", &**s))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
    if let Some(s) = &c.seller {
        w.push(format!("for seller {:?}", &**s));
    }
    if window_end.is_some() && c.valid_until == until_window_end(c, window_end) {
        w.push("valid until window end".into());
    } else {
        w.push(format!("valid {}", duration_string(c.valid_until - c.valid_from)));
    }
    if let Some(on) = &c.valid_on {
        w.push(on.describe());
    }
    let shares: Vec<String> = [("platform", c.platform_share), ("seller", c.seller_share)]
        .iter()
        .filter(|(_, bp)| *bp != 0)
        .map(|(who, bp)| format!("{who} {}", Value::Percent(*bp)))
        .collect();
    w.push(format!("funded {}", shares.join(" ")));
    w.join(" ")
}
