//! Order-level redemption (`Ledger::redeem_order`) on SQLite and PostgreSQL: every code
//! of the order held, or none; the split the checkout engine gives; two orders racing
//! for shared codes (each code won once); reservations that lapse at the tick and a
//! commit after that refused `reservation_expired`; the audit clean after all of it.
//! Single-code reservations lapse too; a lapsed reservation the tick has not reached
//! does not block another order; `stage: commit` commits what the order holds in reserve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::checkout::{Line, Order};
use mintage::ledger::{
    CouponState, Ledger, LedgerError, LedgerOptions, OrderRedeemOutcome, OrderRedeemRequest, RedeemOutcome,
    RedeemRequest, Stage, VersionedRules,
};
use mintage::runtime::event::Event;
use mintage::value::{Yuan, parse_time, time_string};
use serde_json::json;
use std::sync::Arc;

const RULES: &str = include_str!("cases/parse/checkout_terms.mint");
const AT: &str = "2026-11-11T12:00:00+08:00";
const MINUTE: i64 = 60_000;

fn ms(t: &str) -> i64 {
    parse_time(t).unwrap_or_else(|e| panic!("{t}: {e}"))
}

fn rules() -> VersionedRules {
    let rules = mintage::load_str("checkout_terms.mint", RULES).unwrap_or_else(|e| panic!("{e}"));
    VersionedRules {
        rules: Arc::new(rules),
        version: "r-terms".into(),
    }
}

fn open(url: &str) -> Ledger {
    let options = LedgerOptions {
        seed: Some(7),
        reservation_ttl: 30 * MINUTE,
        ..LedgerOptions::default()
    };
    Ledger::open(url, rules(), options).unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// Gives `user` the coupons of the rules: double11's base threshold, three stackable
/// `bags` coupons, newbie's welcome and late (exclusive).
fn seed(ledger: &Ledger, user: &str) {
    for (i, (kind, at, item)) in [
        ("app_open", "2026-11-11T09:00:00+08:00", "i-1"),
        ("view_item", "2026-11-11T09:01:00+08:00", "i-1"),
        ("view_item", "2026-11-11T09:02:00+08:00", "i-2"),
        ("view_item", "2026-11-11T09:03:00+08:00", "i-3"),
    ]
    .into_iter()
    .enumerate()
    {
        let raw = json!({
            "id": format!("e-{user}-{i}"),
            "type": kind,
            "at": at,
            "user": {"id": user, "registered_at": "2026-10-28T09:00:00+08:00", "paid_orders": 0, "device_id": format!("d-{user}")},
            "item": {"id": item, "category": "bags", "price": 300, "seller_id": "s-1"},
            "scores": {"fraud_risk": 0.01},
        })
        .to_string();
        let e = Event::from_json(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        ledger.decide(&e, &raw).unwrap_or_else(|e| panic!("decide {raw}: {e}"));
    }
}

/// The codes of `user`'s coupons of `rule`, in code order.
fn codes(ledger: &Ledger, user: &str, rule: &str) -> Vec<String> {
    let mut out: Vec<String> = ledger
        .checkout_wallet(user, ms(AT))
        .unwrap()
        .into_iter()
        .filter(|c| c.rule == rule)
        .map(|c| c.code)
        .collect();
    out.sort();
    out
}

fn order(id: &str, buyer: &str) -> Order {
    let line = |id: &str, price: i64, seller: &str| Line {
        id: id.into(),
        category: Some("bags".into()),
        price: Yuan::whole(price),
        qty: 1,
        seller_id: Some(seller.into()),
        on_sale: false,
    };
    Order {
        id: id.into(),
        buyer_id: buyer.into(),
        lines: vec![line("a", 100, "s-1"), line("b", 33, "s-2")],
        shipping: Yuan::whole(0),
    }
}

fn ask(codes: &[String], order: Order, stage: Stage) -> OrderRedeemRequest {
    OrderRedeemRequest {
        codes: codes.to_vec(),
        order,
        at: Some(AT.into()),
        stage,
    }
}

fn status(ledger: &Ledger, code: &str) -> CouponState {
    ledger.coupon(code).unwrap().unwrap().status
}

fn assert_clean(ledger: &Ledger) {
    let a = ledger.audit().unwrap();
    assert!(a.budget_mismatches.is_empty(), "{a:?}");
    assert!(a.overspent.is_empty(), "{a:?}");
}

fn reasons(o: &OrderRedeemOutcome) -> Vec<(String, String)> {
    o.codes
        .iter()
        .map(|c| (c.code.clone(), c.reason.clone().unwrap_or_default()))
        .collect()
}

/// Two stackable coupons reserved together, split by line and by funder to the fen;
/// the same request again is a replay; a commit holds them for good.
fn held_together_and_split(ledger: &Ledger) {
    seed(ledger, "u-1");
    let bags = codes(ledger, "u-1", "bags");
    let now = ms(AT);
    let out = ledger
        .redeem_order(&ask(&bags[..2], order("o-1", "u-1"), Stage::Reserve), now)
        .unwrap();
    assert!(out.accepted, "{out:?}");
    assert_eq!(out.status, Some(CouponState::Reserved));
    assert_eq!(out.reserved_until.as_deref(), Some("2026-11-11T04:30:00Z"));
    assert_eq!(out.discount, Yuan::whole(40), "two ¥20 coupons");
    let mut sum = 0;
    for c in &out.codes {
        let s = c.settlement.as_ref().unwrap();
        let lines: i64 = c.lines.iter().map(|l| l.amount.0).sum();
        assert_eq!(lines, s.discount.0, "the lines add up: {c:?}");
        assert_eq!(s.platform.0 + s.seller.0, s.discount.0, "the funders add up: {c:?}");
        let sellers: i64 = s.sellers.iter().map(|p| p.amount.0).sum();
        assert_eq!(sellers, s.seller.0, "the sellers add up: {c:?}");
        sum += s.discount.0;
        assert_eq!(status(ledger, &c.code), CouponState::Reserved);
    }
    assert_eq!(sum, out.discount.0);
    let again = ledger
        .redeem_order(&ask(&bags[..2], order("o-1", "u-1"), Stage::Reserve), now + MINUTE)
        .unwrap();
    assert!(again.replayed && again.accepted, "{again:?}");
    assert_eq!(again.discount, out.discount);
    assert_eq!(again.codes, out.codes);
    let other = ledger
        .redeem_order(&ask(&bags[1..], order("o-1", "u-1"), Stage::Reserve), now)
        .unwrap();
    assert!(!other.accepted, "{other:?}");
    assert_eq!(reasons(&other)[0].1, "order_held");
    let committed = ledger.commit_at("o-1", now + 10 * MINUTE).unwrap();
    assert!(
        committed.coupons.iter().all(|c| c.status == CouponState::Redeemed),
        "{committed:?}"
    );
    ledger.tick(now + 60 * MINUTE, usize::MAX).unwrap();
    assert_eq!(
        status(ledger, &bags[0]),
        CouponState::Redeemed,
        "a commit does not lapse"
    );
    assert_clean(ledger);
}

/// One code refused holds nothing: the others say `not_held`.
fn all_or_nothing(ledger: &Ledger) {
    seed(ledger, "u-2");
    let bags = codes(ledger, "u-2", "bags");
    let other = codes(ledger, "u-3", "bags");
    seed(ledger, "u-3");
    let theirs = codes(ledger, "u-3", "bags");
    assert!(other.is_empty() && theirs.len() == 3);
    let now = ms(AT);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![bags[0].clone(), theirs[0].clone()], "not_owner"),
        (vec![bags[0].clone(), bags[0].clone()], "duplicate_code"),
        (vec![bags[0].clone(), "MNT-NOPE".into()], "invalid_code"),
    ];
    for (typed, reason) in cases {
        let out = ledger
            .redeem_order(&ask(&typed, order("o-2", "u-2"), Stage::Reserve), now)
            .unwrap();
        assert!(!out.accepted, "{out:?}");
        let got = reasons(&out);
        assert!(got.iter().any(|(_, r)| r == reason), "{reason}: {got:?}");
        assert!(got.iter().all(|(_, r)| !r.is_empty()), "every code says why: {got:?}");
        assert_eq!(status(ledger, &bags[0]), CouponState::Issued, "nothing held");
    }
    // The checkout engine's terms: `late` is exclusive, so it does not join `welcome`.
    let welcome = codes(ledger, "u-2", "welcome");
    let late = codes(ledger, "u-2", "late");
    let typed = [welcome[0].clone(), late[0].clone()];
    let out = ledger
        .redeem_order(&ask(&typed, order("o-2", "u-2"), Stage::Commit), now)
        .unwrap();
    assert!(!out.accepted, "{out:?}");
    let got = reasons(&out);
    assert!(got.iter().any(|(_, r)| r == "not_held"), "{got:?}");
    assert!(got.iter().any(|(_, r)| r != "not_held"), "{got:?}");
    assert_eq!(status(ledger, &welcome[0]), CouponState::Issued);
    assert_eq!(status(ledger, &late[0]), CouponState::Issued);
    assert_clean(ledger);
}

/// A reservation not committed in time goes back at the tick; committing it then is
/// refused, and the coupon can be redeemed again.
fn reservations_lapse(ledger: &Ledger) {
    seed(ledger, "u-4");
    let bags = codes(ledger, "u-4", "bags");
    let now = ms(AT);
    let out = ledger
        .redeem_order(&ask(&bags[..2], order("o-4", "u-4"), Stage::Reserve), now)
        .unwrap();
    assert!(out.accepted, "{out:?}");
    ledger.tick(now + 29 * MINUTE, usize::MAX).unwrap();
    assert_eq!(
        status(ledger, &bags[0]),
        CouponState::Reserved,
        "still held before the ttl"
    );
    match ledger.commit_at("o-4", now + 31 * MINUTE) {
        Err(LedgerError::Refused { reason, .. }) => assert_eq!(reason, "reservation_expired"),
        other => panic!("a lapsed reservation was committed: {other:?}"),
    }
    assert_eq!(
        status(ledger, &bags[0]),
        CouponState::Reserved,
        "the tick releases it, not the commit"
    );
    ledger.tick(now + 31 * MINUTE, usize::MAX).unwrap();
    assert_eq!(status(ledger, &bags[0]), CouponState::Issued);
    assert_eq!(status(ledger, &bags[1]), CouponState::Issued);
    match ledger.commit_at("o-4", now + 32 * MINUTE) {
        Err(LedgerError::Refused { reason, .. }) => assert_eq!(reason, "reservation_expired"),
        other => panic!("a released reservation was committed: {other:?}"),
    }
    assert_eq!(status(ledger, &bags[0]), CouponState::Issued);
    assert_clean(ledger);
    // Released, not held: another order takes the coupon, and so may this one again.
    let next = ledger
        .redeem_order(&ask(&bags[..1], order("o-5", "u-4"), Stage::Commit), now + 33 * MINUTE)
        .unwrap();
    assert!(next.accepted, "{next:?}");
    let back = ledger
        .redeem_order(
            &ask(&bags[1..2], order("o-4", "u-4"), Stage::Reserve),
            now + 33 * MINUTE,
        )
        .unwrap();
    assert!(back.accepted, "{back:?}");
    assert!(ledger.commit_at("o-4", now + 40 * MINUTE).is_ok());
    assert_eq!(status(ledger, &bags[1]), CouponState::Redeemed);
    assert_clean(ledger);
}

/// A reservation lapses by the ledger's clock: a request dated past its end, while the
/// clock is not there yet, does not take the coupon from the order that holds it.
fn lapse_by_the_clock(ledger: &Ledger) {
    seed(ledger, "u-6");
    let bags = codes(ledger, "u-6", "bags");
    let now = ms(AT);
    let held = ledger
        .redeem_order(&ask(&bags[..1], order("o-6", "u-6"), Stage::Reserve), now)
        .unwrap();
    assert!(held.accepted, "{held:?}");
    let mut early = ask(&bags[..1], order("o-7", "u-6"), Stage::Commit);
    early.at = Some(mintage::value::time_string(now + 31 * MINUTE, chrono_tz::UTC));
    let out = ledger.redeem_order(&early, now + 29 * MINUTE).unwrap();
    assert_eq!(reasons(&out), [(bags[0].clone(), "already_redeemed".to_string())]);
    let out = ledger.redeem_order(&early, now + 31 * MINUTE).unwrap();
    assert!(out.accepted, "lapsed by the clock now: {out:?}");
    assert_clean(ledger);
}

/// Two threads redeem overlapping codes for two orders: the shared code is won once,
/// and the loser holds nothing.
fn race(ledger: Arc<Ledger>, rounds: usize) {
    for round in 0..rounds {
        let user = format!("r-{round}");
        seed(&ledger, &user);
        let bags = codes(&ledger, &user, "bags");
        let sets = [bags[..2].to_vec(), bags[1..].to_vec()];
        let handles: Vec<_> = sets
            .iter()
            .enumerate()
            .map(|(i, set)| {
                let ledger = ledger.clone();
                let request = ask(set, order(&format!("o-{round}-{i}"), &user), Stage::Reserve);
                std::thread::spawn(move || ledger.redeem_order(&request, ms(AT)).unwrap())
            })
            .collect();
        let outs: Vec<OrderRedeemOutcome> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let won: Vec<&OrderRedeemOutcome> = outs.iter().filter(|o| o.accepted).collect();
        assert_eq!(won.len(), 1, "round {round}: {outs:?}");
        let shared = ledger.coupon(&bags[1]).unwrap().unwrap();
        assert_eq!(shared.order_id.as_deref(), Some(won[0].order_id.as_str()));
        let lost = outs.iter().find(|o| !o.accepted).unwrap();
        let only = lost.codes.iter().find(|c| c.code != bags[1]).unwrap();
        assert_eq!(
            status(&ledger, &only.code),
            CouponState::Issued,
            "round {round}: {lost:?}"
        );
    }
    assert_clean(&ledger);
}

/// The request of `ask` at `at` (ms) instead of `AT`.
fn ask_at(codes: &[String], order: Order, stage: Stage, at: i64) -> OrderRedeemRequest {
    OrderRedeemRequest {
        at: Some(time_string(at, chrono_tz::UTC)),
        ..ask(codes, order, stage)
    }
}

/// One code for `order`'s two lines, at `at` (ms).
fn redeem_one(ledger: &Ledger, code: &str, order: &str, buyer: &str, stage: &str, at: i64) -> RedeemOutcome {
    let request = json!({
        "code": code, "stage": stage, "at": time_string(at, chrono_tz::UTC),
        "order": {"id": order, "buyer_id": buyer, "items": [
            {"id": "a", "category": "bags", "price": 100, "seller_id": "s-1"},
            {"id": "b", "category": "bags", "price": 33, "seller_id": "s-2"}]},
    });
    let request: RedeemRequest = serde_json::from_value(request).unwrap();
    ledger
        .redeem(&request, at)
        .unwrap_or_else(|e| panic!("redeem {code}: {e}"))
}

fn refused_expired(ledger: &Ledger, order: &str, at: i64) {
    match ledger.commit_at(order, at) {
        Err(LedgerError::Refused { reason, .. }) => assert_eq!(reason, "reservation_expired"),
        other => panic!("a lapsed reservation of `{order}` was committed: {other:?}"),
    }
}

/// A code reserved alone holds until the reservation time, answered as `reserved_until`;
/// the tick gives it back after that, and the commit is refused.
fn one_code_reservations_lapse(ledger: &Ledger) {
    seed(ledger, "u-6");
    let bags = codes(ledger, "u-6", "bags");
    let now = ms(AT);
    let out = redeem_one(ledger, &bags[0], "o-6", "u-6", "reserve", now);
    assert!(out.accepted, "{out:?}");
    assert_eq!(out.status, Some(CouponState::Reserved));
    assert_eq!(out.reserved_until.as_deref(), Some("2026-11-11T04:30:00Z"));
    let again = redeem_one(ledger, &bags[0], "o-6", "u-6", "reserve", now + MINUTE);
    assert!(again.replayed, "{again:?}");
    assert_eq!(again.reserved_until, out.reserved_until);
    ledger.tick(now + 29 * MINUTE, usize::MAX).unwrap();
    assert_eq!(status(ledger, &bags[0]), CouponState::Reserved, "before the ttl");
    refused_expired(ledger, "o-6", now + 31 * MINUTE);
    ledger.tick(now + 31 * MINUTE, usize::MAX).unwrap();
    assert_eq!(status(ledger, &bags[0]), CouponState::Issued, "the tick gave it back");
    refused_expired(ledger, "o-6", now + 32 * MINUTE);
    // Committed at once, a redemption has no reservation time.
    let paid = redeem_one(ledger, &bags[0], "o-6b", "u-6", "commit", now + 33 * MINUTE);
    assert!(paid.accepted && paid.reserved_until.is_none(), "{paid:?}");
    assert_clean(ledger);
}

/// A reservation past its time that the tick has not reached is given back when another
/// order (or the same one) asks for its coupon: to its owner, or expired (its budget
/// released) if its validity ended meanwhile.
fn lapsed_reservations_do_not_block(ledger: &Ledger) {
    seed(ledger, "u-7");
    let bags = codes(ledger, "u-7", "bags");
    let now = ms(AT);
    let later = now + 31 * MINUTE;
    let held = ledger
        .redeem_order(&ask(&bags[..1], order("o-7", "u-7"), Stage::Reserve), now)
        .unwrap();
    assert!(held.accepted, "{held:?}");
    let taken = ledger
        .redeem_order(&ask_at(&bags[..1], order("o-8", "u-7"), Stage::Commit, later), later)
        .unwrap();
    assert!(
        taken.accepted,
        "no tick ran, and the lapsed order does not block: {taken:?}"
    );
    assert_eq!(
        ledger.coupon(&bags[0]).unwrap().unwrap().order_id.as_deref(),
        Some("o-8")
    );
    refused_expired(ledger, "o-7", later);
    // One code: reserved by one order, taken by another after the lapse.
    assert!(redeem_one(ledger, &bags[1], "o-9", "u-7", "reserve", now).accepted);
    let taken = redeem_one(ledger, &bags[1], "o-10", "u-7", "commit", later);
    assert!(taken.accepted && !taken.replayed, "{taken:?}");
    assert_eq!(status(ledger, &bags[1]), CouponState::Redeemed);
    // The same order after its lapse: redeemed afresh, with a new reservation time.
    let first = ledger
        .redeem_order(&ask(&bags[2..], order("o-11", "u-7"), Stage::Reserve), now)
        .unwrap();
    let again = ledger
        .redeem_order(&ask_at(&bags[2..], order("o-11", "u-7"), Stage::Reserve, later), later)
        .unwrap();
    assert!(again.accepted && !again.replayed, "{again:?}");
    assert_ne!(again.reserved_until, first.reserved_until);
    assert!(ledger.commit_at("o-11", later + MINUTE).is_ok());
    assert_eq!(status(ledger, &bags[2]), CouponState::Redeemed);
    assert_clean(ledger);

    // Reserved a minute before its validity ends (24 hours after the view), it lapses
    // expired: the next order is refused `expired`, and the budget is released.
    seed(ledger, "u-8");
    let bags = codes(ledger, "u-8", "bags");
    let eve = ms("2026-11-12T09:00:00+08:00");
    let held = ledger
        .redeem_order(&ask_at(&bags[..1], order("o-12", "u-8"), Stage::Reserve, eve), eve)
        .unwrap();
    assert!(held.accepted, "{held:?}");
    let after = eve + 31 * MINUTE;
    let out = ledger
        .redeem_order(&ask_at(&bags[..1], order("o-13", "u-8"), Stage::Reserve, after), after)
        .unwrap();
    assert_eq!(reasons(&out)[0].1, "expired", "{out:?}");
    assert_eq!(status(ledger, &bags[0]), CouponState::Expired);
    assert_clean(ledger);
}

/// `stage: commit` for codes the order holds in reserve commits them; the same again is
/// a replay.
fn a_commit_of_held_codes_commits(ledger: &Ledger) {
    seed(ledger, "u-9");
    let bags = codes(ledger, "u-9", "bags");
    let now = ms(AT);
    let held = ledger
        .redeem_order(&ask(&bags[..2], order("o-14", "u-9"), Stage::Reserve), now)
        .unwrap();
    assert!(held.accepted, "{held:?}");
    let paid = ledger
        .redeem_order(&ask(&bags[..2], order("o-14", "u-9"), Stage::Commit), now + MINUTE)
        .unwrap();
    assert!(paid.accepted && !paid.replayed, "{paid:?}");
    assert_eq!(paid.status, Some(CouponState::Redeemed));
    assert_eq!(paid.reserved_until, None);
    assert_eq!(paid.codes, held.codes, "the same split, lines and all");
    for code in &bags[..2] {
        assert_eq!(status(ledger, code), CouponState::Redeemed);
    }
    let again = ledger
        .redeem_order(&ask(&bags[..2], order("o-14", "u-9"), Stage::Commit), now + 2 * MINUTE)
        .unwrap();
    assert!(again.replayed, "{again:?}");
    assert_eq!((again.status, &again.codes), (paid.status, &paid.codes));
    // One code.
    assert!(redeem_one(ledger, &bags[2], "o-15", "u-9", "reserve", now).accepted);
    let paid = redeem_one(ledger, &bags[2], "o-15", "u-9", "commit", now + MINUTE);
    assert!(paid.accepted && !paid.replayed, "{paid:?}");
    assert_eq!(
        (paid.status, paid.reserved_until.as_deref()),
        (Some(CouponState::Redeemed), None)
    );
    assert_eq!(status(ledger, &bags[2]), CouponState::Redeemed);
    let again = redeem_one(ledger, &bags[2], "o-15", "u-9", "commit", now + 2 * MINUTE);
    assert!(
        again.replayed && again.status == Some(CouponState::Redeemed),
        "{again:?}"
    );
    ledger.tick(now + 60 * MINUTE, usize::MAX).unwrap();
    assert_eq!(
        status(ledger, &bags[2]),
        CouponState::Redeemed,
        "a commit does not lapse"
    );
    assert_clean(ledger);
}

#[test]
fn reservations_lapse_and_commit_on_sqlite() {
    lapse_by_the_clock(&open("sqlite::memory:"));
    let ledger = open("sqlite::memory:");
    one_code_reservations_lapse(&ledger);
    lapsed_reservations_do_not_block(&ledger);
    a_commit_of_held_codes_commits(&ledger);
}

#[test]
fn reservations_lapse_and_commit_on_postgres() {
    let db = pg::TestDb::new();
    let ledger = open(&db.url(""));
    one_code_reservations_lapse(&ledger);
    lapsed_reservations_do_not_block(&ledger);
    a_commit_of_held_codes_commits(&ledger);
    let one = db.count(
        "SELECT COUNT(*) FROM redemptions WHERE order_id = 'o-6' AND status = 'expired' AND reserved_until IS NOT NULL",
    );
    assert_eq!(one, 1, "a single code's reservation has its time");
}

#[test]
fn codes_are_held_together_and_split_on_sqlite() {
    let ledger = open("sqlite::memory:");
    held_together_and_split(&ledger);
    all_or_nothing(&ledger);
    reservations_lapse(&ledger);
}

#[test]
fn codes_are_held_together_and_split_on_postgres() {
    let db = pg::TestDb::new();
    let ledger = open(&db.url(""));
    held_together_and_split(&ledger);
    all_or_nothing(&ledger);
    reservations_lapse(&ledger);
    let lapsed = db.count("SELECT COUNT(*) FROM redemptions WHERE status = 'expired' AND reserved_until IS NOT NULL");
    assert_eq!(lapsed, 1, "of the two codes of o-4 that lapsed, one was redeemed again");
}

#[test]
fn a_shared_code_is_won_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("race.db").display());
    race(Arc::new(open(&url)), 8);
}

#[test]
fn a_shared_code_is_won_once_on_postgres() {
    let db = pg::TestDb::new();
    race(Arc::new(open(&db.url("pool=4"))), 8);
}
