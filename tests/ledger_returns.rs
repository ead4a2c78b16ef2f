//! Returns in the ledger (`Ledger::return_order`) on SQLite and PostgreSQL: a returned
//! unit gives back its line's part of each coupon by funder; a coupon whose minimum spend
//! is missed gives back all it gave; coupons that gave everything back return to their
//! owner (or expire, their budget released); the whole order gives back the shipping too;
//! a retry answers the same; and the audit balances after each step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/pg.rs"]
mod pg;

use mintage::checkout::{Line, Order};
use mintage::ledger::returns::ReturnLine;
use mintage::ledger::{
    CouponState, Ledger, LedgerError, LedgerOptions, OrderItem, OrderRedeemRequest, RedeemRequest, ReturnOutcome,
    ReturnRequest, Stage, VersionedRules,
};
use mintage::runtime::event::Event;
use mintage::value::{Yuan, parse_time};
use serde_json::json;
use std::sync::Arc;

const RULES: &str = include_str!("cases/ledger/returns.mint");

fn ms(t: &str) -> i64 {
    parse_time(t).unwrap_or_else(|e| panic!("{t}: {e}"))
}

fn open(url: &str) -> Ledger {
    let rules = mintage::load_str("returns.mint", RULES).unwrap_or_else(|e| panic!("{e}"));
    let rules = VersionedRules {
        rules: Arc::new(rules),
        version: "r-returns".into(),
    };
    let options = LedgerOptions {
        seed: Some(11),
        ..LedgerOptions::default()
    };
    Ledger::open(url, rules, options).unwrap_or_else(|e| panic!("open {url}: {e}"))
}

/// `user` opens the app and looks at a bag on 10 March: the four coupons of `spring`.
fn seed(ledger: &Ledger, user: &str) {
    for (i, kind) in ["app_open", "view_item"].into_iter().enumerate() {
        let raw = json!({
            "id": format!("e-{user}-{i}"), "type": kind, "at": "2026-03-10T10:00:00+08:00",
            "user": {"id": user, "registered_at": "2026-01-01T09:00:00+08:00", "device_id": format!("d-{user}")},
            "item": {"id": "i-1", "category": "bags", "price": 400, "seller_id": "s-1"},
        })
        .to_string();
        let e = Event::from_json(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
        ledger.decide(&e, &raw).unwrap_or_else(|e| panic!("decide {raw}: {e}"));
    }
}

fn code(ledger: &Ledger, user: &str, rule: &str) -> String {
    let wallet = ledger.checkout_wallet(user, ms("2026-03-10T11:00:00+08:00")).unwrap();
    wallet.into_iter().find(|c| c.rule == rule).unwrap().code
}

fn status(ledger: &Ledger, code: &str) -> CouponState {
    ledger.coupon(code).unwrap().unwrap().status
}

fn assert_clean(ledger: &Ledger) {
    let a = ledger.audit().unwrap();
    assert!(a.budget_mismatches.is_empty(), "{a:?}");
    assert!(a.overspent.is_empty(), "{a:?}");
}

fn ask(id: &str, lines: Option<&[(&str, Option<u32>)]>, at: &str) -> ReturnRequest {
    ReturnRequest {
        return_id: id.into(),
        lines: lines.map(|l| {
            l.iter()
                .map(|(id, qty)| ReturnLine {
                    line_id: (*id).into(),
                    qty: *qty,
                })
                .collect()
        }),
        at: Some(at.into()),
    }
}

fn back(ledger: &Ledger, order: &str, req: &ReturnRequest) -> ReturnOutcome {
    ledger
        .return_order(order, req, ms("2026-03-20T00:00:00+08:00"))
        .unwrap_or_else(|e| panic!("return {}: {e}", req.return_id))
}

fn refusal(ledger: &Ledger, order: &str, req: &ReturnRequest) -> &'static str {
    match ledger.return_order(order, req, ms("2026-03-20T00:00:00+08:00")) {
        Err(LedgerError::Refused { reason, .. }) => reason,
        other => panic!("{}: not refused: {other:?}", req.return_id),
    }
}

fn clawback_of<'a>(answer: &'a ReturnOutcome, code: &str) -> &'a mintage::ledger::returns::CouponClawback {
    answer
        .coupons
        .iter()
        .find(|c| c.code == code)
        .unwrap_or_else(|| panic!("{code}: {answer:?}"))
}

/// A bag and three pairs of socks, with the four coupons; returned a pair, then the bag,
/// then the rest.
fn returned_in_three(ledger: &Ledger) {
    seed(ledger, "u-1");
    let [base, bags, ship, kit] = ["base", "bags", "ship", "kit"].map(|r| code(ledger, "u-1", r));
    let line = |id: &str, category: &str, price: i64, qty: u32, seller: &str| Line {
        id: id.into(),
        category: Some(category.into()),
        price: Yuan::whole(price),
        qty,
        seller_id: Some(seller.into()),
        on_sale: false,
    };
    let order = Order {
        id: "o-1".into(),
        buyer_id: "u-1".into(),
        lines: vec![
            line("bag", "bags", 400, 1, "s-1"),
            line("socks", "clothes", 20, 3, "s-2"),
        ],
        shipping: Yuan::whole(12),
    };
    let held = ledger
        .redeem_order(
            &OrderRedeemRequest {
                codes: vec![base.clone(), bags.clone(), ship.clone(), kit.clone()],
                order,
                at: Some("2026-03-10T12:00:00+08:00".into()),
                stage: Stage::Reserve,
            },
            ms("2026-03-10T12:00:00+08:00"),
        )
        .unwrap();
    assert!(held.accepted, "{held:?}");
    // Reserved is not paid.
    let pair = ask("r-1", Some(&[("socks", Some(1))]), "2026-03-11T10:00:00+08:00");
    assert_eq!(refusal(ledger, "o-1", &pair), "not_paid");
    ledger.commit_at("o-1", ms("2026-03-10T12:01:00+08:00")).unwrap();

    // One pair of socks: its third of base's ¥7.14 on the socks, rounded down.
    let one = back(ledger, "o-1", &pair);
    assert_eq!(
        (one.value, one.clawback, one.refund, one.owed),
        (Yuan(2000), Yuan(238), Yuan(1762), Yuan(0))
    );
    assert_eq!(one.coupons.len(), 1, "{one:?}");
    assert_eq!(clawback_of(&one, &base).status, CouponState::Redeemed);
    assert!(!one.fully_returned);
    let again = back(ledger, "o-1", &pair);
    assert!(again.replayed);
    assert_eq!(
        ReturnOutcome {
            replayed: false,
            ..again
        },
        one
    );
    let other = ask("r-1", Some(&[("socks", Some(2))]), "2026-03-11T10:00:00+08:00");
    assert_eq!(refusal(ledger, "o-1", &other), "return_id_reused");
    assert_clean(ledger);

    // The bag: the bags coupon gives back all of it (platform 70%, the seller 30%), and
    // base, with ¥40 of socks kept under its ¥300, all it has left.
    let bag = back(
        ledger,
        "o-1",
        &ask("r-2", Some(&[("bag", None)]), "2026-03-11T10:00:00+08:00"),
    );
    let b = clawback_of(&bag, &bags);
    assert_eq!((b.clawback, b.platform, b.seller), (Yuan(4000), Yuan(2800), Yuan(1200)));
    assert_eq!(b.sellers[0].seller_id, "s-1");
    assert_eq!(b.status, CouponState::Issued);
    let t = clawback_of(&bag, &base);
    assert_eq!(t.clawback, Yuan(5000 - 238));
    assert_eq!(serde_json::to_value(t.reason).unwrap(), "min_spend");
    assert_eq!(bag.refund, Yuan(40_000 - 4000 - 4762));
    assert_eq!(status(ledger, &bags), CouponState::Issued);
    assert_eq!(status(ledger, &base), CouponState::Issued);
    assert_eq!(status(ledger, &ship), CouponState::Redeemed);
    assert_eq!(
        status(ledger, &kit),
        CouponState::Redeemed,
        "a gift comes back only with the whole order"
    );
    assert_clean(ledger);

    let too_many = ask("r-3", Some(&[("socks", Some(3))]), "2026-03-13T10:00:00+08:00");
    assert_eq!(refusal(ledger, "o-1", &too_many), "over_return");
    let unknown = ask("r-3", Some(&[("hat", None)]), "2026-03-13T10:00:00+08:00");
    assert_eq!(refusal(ledger, "o-1", &unknown), "unknown_line");

    // The rest, after the shipping coupon and the gift ended: the shipping fee comes
    // back, and both expire, their face value back to the budget.
    let rest = back(ledger, "o-1", &ask("r-3", None, "2026-03-13T10:00:00+08:00"));
    assert!(rest.fully_returned);
    assert_eq!(
        (rest.value, rest.clawback, rest.refund),
        (Yuan(4000), Yuan(1200), Yuan(2800))
    );
    assert_eq!(clawback_of(&rest, &ship).shipping, Some(Yuan(1200)));
    assert_eq!(clawback_of(&rest, &kit).clawback, Yuan(0));
    assert_eq!(status(ledger, &ship), CouponState::Expired);
    assert_eq!(status(ledger, &kit), CouponState::Expired);
    let total: i64 = [&one, &bag, &rest].iter().map(|r| r.clawback.0).sum();
    assert_eq!(total, held.discount.0, "every fen the order got is back");
    assert_eq!(
        refusal(ledger, "o-1", &ask("r-4", None, "2026-03-13T10:00:00+08:00")),
        "nothing_to_return"
    );
    match ledger.rollback("o-1", None, ms("2026-03-13T10:00:00+08:00")) {
        Err(LedgerError::Refused { reason, .. }) => assert_eq!(reason, "order_returned"),
        other => panic!("{other:?}"),
    }
    assert_clean(ledger);
}

/// One code against an `items` order, then a return that takes the order under the
/// threshold: the buyer owes what the coupon gave beyond the refund.
fn owed_on_one_code(ledger: &Ledger) {
    seed(ledger, "u-2");
    let base = code(ledger, "u-2", "base");
    let item = |id: &str, price: f64| OrderItem {
        id: id.into(),
        category: Some("clothes".into()),
        price,
        seller_id: Some("s-2".into()),
        qty: 1,
    };
    let out = ledger
        .redeem(
            &RedeemRequest {
                code: base.clone(),
                order: mintage::ledger::Order {
                    id: "o-2".into(),
                    buyer_id: "u-2".into(),
                    items: vec![item("coat", 290.0), item("scarf", 20.0)],
                    shipping: None,
                },
                at: Some("2026-03-10T12:00:00+08:00".into()),
                stage: Stage::Commit,
            },
            ms("2026-03-10T12:00:00+08:00"),
        )
        .unwrap();
    assert!(out.accepted, "{out:?}");
    let scarf = back(
        ledger,
        "o-2",
        &ask("r-1", Some(&[("scarf", None)]), "2026-03-10T13:00:00+08:00"),
    );
    assert_eq!((scarf.value, scarf.clawback), (Yuan(2000), Yuan(5000)));
    assert_eq!((scarf.refund, scarf.owed), (Yuan(0), Yuan(3000)));
    assert_eq!(status(ledger, &base), CouponState::Issued);
    // A code redeemed again for this order is refused: the returns settled it.
    let again = ledger
        .redeem(
            &RedeemRequest {
                code: base.clone(),
                order: mintage::ledger::Order {
                    id: "o-2".into(),
                    buyer_id: "u-2".into(),
                    items: vec![item("coat", 290.0), item("scarf", 20.0)],
                    shipping: None,
                },
                at: Some("2026-03-10T14:00:00+08:00".into()),
                stage: Stage::Commit,
            },
            ms("2026-03-10T14:00:00+08:00"),
        )
        .unwrap();
    assert_eq!(again.reason.as_deref(), Some("order_returned"), "{again:?}");
    assert_eq!(
        refusal(ledger, "o-404", &ask("r-1", None, "2026-03-10T14:00:00+08:00")),
        "unknown_order"
    );
    assert_clean(ledger);
}

#[test]
fn returns_claw_back_by_funder_on_sqlite() {
    let ledger = open("sqlite::memory:");
    returned_in_three(&ledger);
    owed_on_one_code(&ledger);
}

#[test]
fn returns_claw_back_by_funder_on_postgres() {
    let db = pg::TestDb::new();
    let ledger = open(&db.url(""));
    returned_in_three(&ledger);
    owed_on_one_code(&ledger);
    let rows = db.count("SELECT COUNT(*) FROM redemptions WHERE status = 'returned'");
    assert_eq!(rows, 5, "the four coupons of o-1 and the one of o-2 came back");
    let net = db.count("SELECT COUNT(*) FROM redemptions WHERE discount <> 0 OR platform <> 0 OR seller <> 0");
    assert_eq!(net, 0, "each redemption is kept net of what its returns took back");
}
