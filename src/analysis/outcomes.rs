//! What an analysis reads: who was exposed to which arm of a campaign's experiment, which
//! orders they paid, and which of the campaign's coupons were issued and redeemed. The
//! runtime (or the ledger) fills an [`OutcomesBuilder`] as it decides; the rules of
//! recording live here, so that every source counts the same way:
//!
//! - the first exposure of a user to a campaign wins (the earliest; on a tie, the first
//!   recorded), later ones are ignored;
//! - an order id is counted once, however often its `order_paid` arrives;
//! - a coupon code is issued once and redeemed once;
//! - a user's orders count for a campaign when `exposure_at <= at < exposure_at + window`.
//!
//! Strings are interned: a million users cost one allocation per user id.

use crate::value::{DAY_MS, Fen, Millis};
use foldhash::{HashMap, HashSet};
use std::sync::Arc;

/// How long after exposure a user's orders count, unless the experiment says otherwise.
pub const DEFAULT_WINDOW: Millis = 7 * DAY_MS;

/// One exposure as a source reports it.
#[derive(Clone, Copy, Debug)]
pub struct Exposed<'a> {
    pub campaign: &'a str,
    pub experiment: &'a str,
    pub arm: &'a str,
    pub user: &'a str,
    pub at: Millis,
    /// `user.total_spend` at that moment (CUPED's covariate); 0 when the event had none.
    pub total_spend: Fen,
    /// The user's fields at that moment, for `--by` (`ltv_tier` → `high`), without the
    /// `user.` prefix; values as text (numbers as JSON writes them).
    pub fields: &'a [(&'a str, &'a str)],
}

/// A recorded exposure.
#[derive(Clone, Debug, PartialEq)]
pub struct Exposure {
    pub arm: Arc<str>,
    pub user: Arc<str>,
    pub at: Millis,
    pub total_spend: Fen,
    pub fields: Vec<(Arc<str>, Arc<str>)>,
}

impl Exposure {
    /// The value of a user field (`ltv_tier`), if the exposure recorded one.
    pub fn field(&self, name: &str) -> Option<&Arc<str>> {
        self.fields.iter().find(|(n, _)| &**n == name).map(|(_, v)| v)
    }
}

/// The exposures of one campaign, in the order recorded.
#[derive(Clone, Debug, Default)]
pub struct CampaignExposures {
    pub experiment: Arc<str>,
    pub exposures: Vec<Exposure>,
    by_user: HashMap<Arc<str>, usize>,
}

impl CampaignExposures {
    /// The index of a user's exposure in [`CampaignExposures::exposures`].
    pub fn of_user(&self, user: &str) -> Option<usize> {
        self.by_user.get(user).copied()
    }
}

/// A paid order (`order_paid`): `total` is what the buyer paid, the GMV.
#[derive(Clone, Debug, PartialEq)]
pub struct Order {
    pub id: Arc<str>,
    pub user: Arc<str>,
    pub at: Millis,
    pub total: Fen,
}

/// A coupon a campaign issued.
#[derive(Clone, Debug, PartialEq)]
pub struct Issued {
    pub campaign: Arc<str>,
    pub arm: Option<Arc<str>>,
    pub user: Arc<str>,
    pub face_value: Fen,
}

/// Everything an analysis reads, recorded by an [`OutcomesBuilder`].
#[derive(Clone, Debug)]
pub struct Outcomes {
    campaigns: Vec<(Arc<str>, CampaignExposures)>,
    orders: Vec<Order>,
    /// Code → coupon.
    issued: HashMap<Arc<str>, Issued>,
    /// Code → the discount given, when the redemption said (else the face value counts).
    redeemed: HashMap<Arc<str>, Option<Fen>>,
    window: Millis,
}

impl Outcomes {
    pub fn builder() -> OutcomesBuilder {
        OutcomesBuilder::default()
    }

    /// The campaigns with exposures, in the order first seen.
    pub fn campaigns(&self) -> impl Iterator<Item = (&str, &CampaignExposures)> {
        self.campaigns.iter().map(|(id, c)| (&**id, c))
    }

    pub fn campaign(&self, id: &str) -> Option<&CampaignExposures> {
        self.campaigns.iter().find(|(c, _)| &**c == id).map(|(_, c)| c)
    }

    /// Every distinct order, in the order recorded.
    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    /// Every issued coupon by code.
    pub fn issued(&self) -> impl Iterator<Item = (&str, &Issued)> {
        self.issued.iter().map(|(code, c)| (&**code, c))
    }

    /// Whether a code was redeemed, and the discount it gave: `Some(None)` when the
    /// redemption did not say (its coupon's face value counts then).
    pub fn redemption(&self, code: &str) -> Option<Option<Fen>> {
        self.redeemed.get(code).copied()
    }

    /// The attribution window.
    pub fn window(&self) -> Millis {
        self.window
    }

    /// Whether an order at `at` counts for an exposure at `exposed`.
    pub fn attributed(&self, exposed: Millis, at: Millis) -> bool {
        exposed <= at && at < exposed.saturating_add(self.window)
    }
}

/// Records outcomes with the rules of the module doc.
#[derive(Debug, Default)]
pub struct OutcomesBuilder {
    strings: HashSet<Arc<str>>,
    campaigns: Vec<(Arc<str>, CampaignExposures)>,
    orders: Vec<Order>,
    order_ids: HashSet<Arc<str>>,
    issued: HashMap<Arc<str>, Issued>,
    redeemed: HashMap<Arc<str>, Option<Fen>>,
    window: Option<Millis>,
    /// Exposures a campaign's tables are sized for when it is first seen ([`Self::reserve`]).
    exposures_hint: usize,
}

/// A window that is not a positive duration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the attribution window must be a positive duration")]
pub struct InvalidWindow;

impl OutcomesBuilder {
    fn intern(&mut self, s: &str) -> Arc<str> {
        if let Some(found) = self.strings.get(s) {
            return found.clone();
        }
        let arc: Arc<str> = Arc::from(s);
        self.strings.insert(arc.clone());
        arc
    }

    /// Room for about `exposures` exposures (per campaign), `orders` orders and `coupons`
    /// coupons, so that a million users' tables are sized once instead of growing (and
    /// rehashing) twenty times over. Only a hint: more fit all the same.
    pub fn reserve(&mut self, exposures: usize, orders: usize, coupons: usize) -> &mut Self {
        self.strings.reserve(orders);
        self.orders.reserve(orders);
        self.order_ids.reserve(orders);
        self.issued.reserve(coupons);
        self.redeemed.reserve(coupons);
        self.exposures_hint = exposures;
        self
    }

    /// Sets the attribution window (default [`DEFAULT_WINDOW`]).
    pub fn window(&mut self, window: Millis) -> Result<&mut Self, InvalidWindow> {
        if window <= 0 {
            return Err(InvalidWindow);
        }
        self.window = Some(window);
        Ok(self)
    }

    /// Records an exposure; `false` if the user was already exposed to the campaign at
    /// or before `at` (the earlier one stays). An earlier exposure reported late replaces
    /// the later one.
    pub fn expose(&mut self, e: Exposed<'_>) -> bool {
        let campaign = self.intern(e.campaign);
        // A user id is not interned: each campaign's `by_user` holds it once already, and
        // a second table of a million ids cost a tenth of an analysis from a ledger.
        let user = self
            .campaigns
            .iter()
            .find(|(c, _)| **c == *e.campaign)
            .and_then(|(_, c)| c.by_user.get_key_value(e.user))
            .map_or_else(|| Arc::from(e.user), |(k, _)| k.clone());
        let arm = self.intern(e.arm);
        let fields = e.fields.iter().map(|(n, v)| (self.intern(n), self.intern(v))).collect();
        let exposure = Exposure {
            arm,
            user: user.clone(),
            at: e.at,
            total_spend: e.total_spend,
            fields,
        };
        let index = match self.campaigns.iter().position(|(c, _)| *c == campaign) {
            Some(i) => i,
            None => {
                let experiment = self.intern(e.experiment);
                let exposures = CampaignExposures {
                    experiment,
                    exposures: Vec::with_capacity(self.exposures_hint),
                    by_user: HashMap::with_capacity_and_hasher(self.exposures_hint, Default::default()),
                };
                self.campaigns.push((campaign, exposures));
                self.campaigns.len() - 1
            }
        };
        let Some((_, c)) = self.campaigns.get_mut(index) else {
            return false;
        };
        match c.by_user.get(&user).copied() {
            Some(i) => match c.exposures.get_mut(i) {
                Some(old) if e.at < old.at => {
                    *old = exposure;
                    true
                }
                _ => false,
            },
            None => {
                c.by_user.insert(user, c.exposures.len());
                c.exposures.push(exposure);
                true
            }
        }
    }

    /// Records a paid order; `false` if its id was recorded before (counted once).
    pub fn order(&mut self, id: &str, user: &str, at: Millis, total: Fen) -> bool {
        if self.order_ids.contains(id) {
            return false;
        }
        let id = self.intern(id);
        let user = self.intern(user);
        self.order_ids.insert(id.clone());
        self.orders.push(Order { id, user, at, total });
        true
    }

    /// Records an issued coupon; `false` if its code was recorded before.
    pub fn issued(&mut self, campaign: &str, arm: Option<&str>, user: &str, code: &str, face_value: Fen) -> bool {
        if self.issued.contains_key(code) {
            return false;
        }
        let coupon = Issued {
            campaign: self.intern(campaign),
            arm: arm.map(|a| self.intern(a)),
            user: self.intern(user),
            face_value,
        };
        self.issued.insert(Arc::from(code), coupon);
        true
    }

    /// Records a redemption with the discount it gave, if known; `false` if the code was
    /// redeemed before (the first redemption stays).
    pub fn redeemed(&mut self, code: &str, discount: Option<Fen>) -> bool {
        if self.redeemed.contains_key(code) {
            return false;
        }
        self.redeemed.insert(Arc::from(code), discount);
        true
    }

    pub fn build(self) -> Outcomes {
        Outcomes {
            campaigns: self.campaigns,
            orders: self.orders,
            issued: self.issued,
            redeemed: self.redeemed,
            window: self.window.unwrap_or(DEFAULT_WINDOW),
        }
    }
}

/// A window as the report writes it: whole days as `7d`, else the rule language's form.
pub fn window_string(window: Millis) -> String {
    if window > 0 && window % DAY_MS == 0 {
        format!("{}d", window / DAY_MS)
    } else {
        crate::value::duration_string(window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exposed<'a>(user: &'a str, arm: &'a str, at: Millis) -> Exposed<'a> {
        Exposed {
            campaign: "c",
            experiment: "e",
            arm,
            user,
            at,
            total_spend: 0,
            fields: &[],
        }
    }

    #[test]
    fn the_first_exposure_wins() {
        let mut b = Outcomes::builder();
        assert!(b.expose(exposed("u1", "a", 10)));
        assert!(!b.expose(exposed("u1", "b", 20)));
        assert!(!b.expose(exposed("u1", "b", 10)));
        // Reported late but earlier: it is the first exposure.
        assert!(b.expose(exposed("u1", "c", 5)));
        let o = b.build();
        let c = o.campaign("c").map(|c| c.exposures.clone()).unwrap_or_default();
        assert_eq!(c.len(), 1);
        assert_eq!((&*c[0].arm, c[0].at), ("c", 5));
    }

    #[test]
    fn an_order_id_counts_once_and_codes_once() {
        let mut b = Outcomes::builder();
        assert!(b.order("o1", "u1", 1, 100));
        assert!(!b.order("o1", "u1", 2, 999));
        assert!(b.issued("c", Some("a"), "u1", "K1", 1000));
        assert!(!b.issued("c", Some("b"), "u2", "K1", 3000));
        assert!(b.redeemed("K1", Some(500)));
        assert!(!b.redeemed("K1", None));
        let o = b.build();
        assert_eq!(o.orders().len(), 1);
        assert_eq!(o.orders()[0].total, 100);
        assert_eq!(o.redemption("K1"), Some(Some(500)));
        assert_eq!(o.redemption("K2"), None);
    }

    #[test]
    fn the_window_is_half_open() {
        let o = Outcomes::builder().build();
        assert!(o.attributed(0, 0));
        assert!(o.attributed(0, DEFAULT_WINDOW - 1));
        assert!(!o.attributed(0, DEFAULT_WINDOW));
        assert!(!o.attributed(10, 9));
        assert_eq!(window_string(o.window()), "7d");
        assert_eq!(Outcomes::builder().window(0).err(), Some(InvalidWindow));
    }
}
