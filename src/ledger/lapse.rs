//! Reservations that lapse. A coupon held in reserve past its `reserved_until` goes back
//! to its owner (or expires, releasing its budget, if its validity ended): when the tick
//! finds it (`release_lapsed`), and when an order wants the coupon before the tick got
//! there (`free_if_lapsed`, `release_own`), so that a lapsed reservation never blocks a
//! redemption. All three give it back through `release`.

use super::LedgerError;
use super::api::CouponState;
use super::store::{BudgetDelta, Changes, CouponRow, RedemptionRow, Tx};
use crate::value::Millis;

/// Whether the row is a reservation that lapsed by `at`.
pub(super) fn lapsed(r: &RedemptionRow, at: Millis) -> bool {
    r.status == "reserved" && r.reserved_until.is_some_and(|t| t <= at)
}

/// A coupon an order holds (reserved or redeemed, `c` locked) goes back at `now`: to its
/// owner if still valid, else expired. Its budget follows: a redeemed coupon is no longer
/// spent, and an expired one no longer reserved. Answers where it went. Rollbacks, lapses
/// and returns all give coupons back through here.
pub(super) fn give_back(tx: &mut dyn Tx, c: &CouponRow, now: Millis) -> Result<CouponState, LedgerError> {
    let back = if now < c.valid_until {
        CouponState::Issued
    } else {
        CouponState::Expired
    };
    if !tx.set_coupon_status(&c.code, c.status, back, None)? {
        return Err(LedgerError::conflict(format!("coupon `{}` changed meanwhile", c.code)));
    }
    let spent = if c.status == CouponState::Redeemed {
        -c.face_value
    } else {
        0
    };
    let reserved = if back == CouponState::Expired { -c.face_value } else { 0 };
    if spent != 0 || reserved != 0 {
        tx.apply(&Changes {
            budgets: vec![BudgetDelta {
                campaign: c.campaign.clone(),
                reserved,
                spent,
                limit: None,
            }],
            ..Changes::default()
        })?;
    }
    Ok(back)
}

/// Gives back the coupon of a lapsed reservation at `now`, if the order still holds it
/// (`coupon` is the coupon, locked): to its owner if still valid, expired (releasing its
/// budget, as a rollback does) otherwise. The redemption becomes `expired`.
fn release(
    tx: &mut dyn Tx,
    mut r: RedemptionRow,
    coupon: Option<&CouponRow>,
    now: Millis,
) -> Result<RedemptionRow, LedgerError> {
    if let Some(c) = coupon
        && c.status == CouponState::Reserved
        && c.order_id.as_deref() == Some(r.order_id.as_str())
    {
        give_back(tx, c, now)?;
    }
    r.status = "expired".into();
    tx.put_redemption(&r)?;
    Ok(r)
}

/// Gives back at most `limit` coupons whose reservation lapsed by `now` (see `release`).
/// Returns how many it looked at.
pub(super) fn release_lapsed(tx: &mut dyn Tx, now: Millis, limit: usize) -> Result<usize, LedgerError> {
    let mut lapsed = tx.lapsed_reservations(now, limit)?;
    let n = lapsed.len();
    // INVARIANT: coupons are locked in code order, here and in `redeem_order`.
    lapsed.sort_by(|a, b| a.code.cmp(&b.code));
    for r in lapsed {
        let coupon = tx.coupon(&r.code, true)?;
        release(tx, r, coupon.as_ref(), now)?;
    }
    Ok(n)
}

/// An order's redemptions with its reservations that lapsed by `at` given back (their
/// rows now `expired`): a retry after the lapse redeems afresh.
pub(super) fn release_own(
    tx: &mut dyn Tx,
    rows: Vec<RedemptionRow>,
    at: Millis,
) -> Result<Vec<RedemptionRow>, LedgerError> {
    let (mut gone, mut kept): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| lapsed(r, at));
    gone.sort_by(|a, b| a.code.cmp(&b.code));
    for r in gone {
        let coupon = tx.coupon(&r.code, true)?;
        kept.push(release(tx, r, coupon.as_ref(), at)?);
    }
    Ok(kept)
}

/// The locked coupon, given back first if another order's reservation of it lapsed by
/// `at` and the tick has not released it yet.
pub(super) fn free_if_lapsed(tx: &mut dyn Tx, coupon: CouponRow, at: Millis) -> Result<CouponRow, LedgerError> {
    let Some(order_id) = coupon
        .order_id
        .as_deref()
        .filter(|_| coupon.status == CouponState::Reserved)
    else {
        return Ok(coupon);
    };
    let held = tx.order_redemptions(order_id)?;
    let Some(row) = held.into_iter().find(|r| r.code == coupon.code && lapsed(r, at)) else {
        return Ok(coupon);
    };
    release(tx, row, Some(&coupon), at)?;
    tx.coupon(&coupon.code, true)?
        .ok_or_else(|| LedgerError::internal(format!("coupon `{}` is gone after its release", coupon.code)))
}
