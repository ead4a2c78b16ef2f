//! Who pays a redemption's seller share: the sellers of the covered items, each for its
//! items' part of the discount, to the fen; coupons scoped to one seller's items; the
//! platform never paying a seller's share.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::ledger::{Ledger, LedgerOptions, Order, OrderItem, RedeemOutcome, RedeemRequest, Stage, VersionedRules};
use mintage::runtime::event::Event;
use serde_json::{Value, json};
use std::sync::Arc;

fn open(rules: mintage::runtime::engine::Rules) -> Ledger {
    Ledger::open(
        "sqlite::memory:",
        VersionedRules {
            rules: Arc::new(rules),
            version: "r-test".into(),
        },
        LedgerOptions {
            seed: Some(1),
            explain: false,
            ..LedgerOptions::default()
        },
    )
    .expect("ledger opens")
}

/// The coupons (rule → coupon JSON) a `view_item` of `item` gives `user`.
fn coupons(ledger: &Ledger, id: &str, at: &str, user: &str, item: Value) -> Vec<(String, Value)> {
    let raw = json!({"id": id, "type": "view_item", "at": at,
        "user": {"id": user, "registered_at": "2025-01-01T09:00:00+08:00", "paid_orders": 3, "device_id": format!("d-{user}")},
        "item": item, "scores": {"fraud_risk": 0.01}})
    .to_string();
    let event = Event::from_json(&raw).expect("valid event");
    let d = ledger.decide(&event, &raw).expect("decides");
    d.decided.decision["coupons"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| (c["rule"].as_str().unwrap().to_string(), c.clone()))
        .collect()
}

fn code(coupons: &[(String, Value)], rule: &str) -> String {
    let c = coupons
        .iter()
        .find(|(r, _)| r == rule)
        .unwrap_or_else(|| panic!("no `{rule}` in {coupons:?}"));
    c.1["code"].as_str().unwrap().to_string()
}

/// (category, unit price in yuan, qty, seller)
type Line<'a> = (&'a str, f64, u32, Option<&'a str>);

fn redeem(ledger: &Ledger, code: &str, order_id: &str, buyer: &str, lines: &[Line<'_>]) -> RedeemOutcome {
    let order = Order {
        id: order_id.into(),
        buyer_id: buyer.into(),
        items: lines
            .iter()
            .enumerate()
            .map(|(i, (cat, price, qty, seller))| OrderItem {
                id: format!("i-{i}"),
                category: Some(cat.to_string()),
                price: *price,
                seller_id: seller.map(str::to_string),
                qty: *qty,
            })
            .collect(),
        shipping: None,
    };
    let at = mintage::value::parse_time("2026-11-11T12:00:00+08:00").unwrap();
    ledger
        .redeem(
            &RedeemRequest {
                code: code.into(),
                order,
                at: None,
                stage: Stage::Commit,
            },
            at,
        )
        .expect("redeem")
}

/// The settlement as (discount, platform, seller, [(seller id, amount)]), all in yuan.
fn charged(r: &RedeemOutcome) -> (f64, f64, f64, Vec<(String, f64)>) {
    let s = r.settlement.as_ref().unwrap_or_else(|| panic!("refused: {r:?}"));
    // Fen over 100 is the nearest float to the amount, as the literals below are.
    let yuan = |y: mintage::value::Yuan| y.0 as f64 / 100.0;
    let sellers = s
        .sellers
        .iter()
        .map(|c| (c.seller_id.clone(), yuan(c.amount)))
        .collect();
    (yuan(s.discount), yuan(s.platform), yuan(s.seller), sellers)
}

#[test]
fn a_double11_category_coupon_charges_each_seller_its_part_to_the_fen() {
    let ledger = open(mintage::load(&["rules".into()]).unwrap());
    let got = coupons(
        &ledger,
        "e-1",
        "2026-11-11T10:00:00+08:00",
        "u-1",
        json!({"id": "i-1", "category": "bags", "price": 1280, "seller_id": "s-4", "stock_age_days": 10}),
    );
    let hot = code(&got, "hot_category");
    // Covered: the bags of s-4 (¥333.33) and s-9 (2 × ¥500), not s-1's shoes. 10 % of
    // ¥1,333.33 is ¥133.33 (rounded down), 70 % platform ¥93.33 and 30 % sellers ¥40.00
    // (largest remainder: 9,333.1 and 3,999.9 fen). The lines' parts of the discount are
    // 3,333 and 10,000 fen (exact 3,333.2 and 9,999.8), so s-4 pays 40 × 3,333 / 13,333 =
    // ¥9.999… → ¥10.00 and s-9 pays 40 × 10,000 / 13,333 = ¥30.0007… → ¥30.00.
    let r = redeem(
        &ledger,
        &hot,
        "o-1",
        "u-1",
        &[
            ("bags", 333.33, 1, Some("s-4")),
            ("shoes", 200.0, 1, Some("s-1")),
            ("bags", 500.0, 2, Some("s-9")),
        ],
    );
    assert_eq!(
        charged(&r),
        (133.33, 93.33, 40.0, vec![("s-4".into(), 10.0), ("s-9".into(), 30.0)]),
        "{r:?}"
    );
}

#[test]
fn seller_shares_split_by_largest_remainder_ties_by_seller_id() {
    let ledger = open(mintage::load(&["rules".into()]).unwrap());
    let got = coupons(
        &ledger,
        "e-1",
        "2026-11-11T10:00:00+08:00",
        "u-1",
        json!({"id": "i-1", "category": "bags", "price": 1280, "seller_id": "s-4", "stock_age_days": 10}),
    );
    let hot = code(&got, "hot_category");
    // Three sellers' bags of ¥1.11 each: 10 % is 33 fen; platform 23 fen (exact 23.1),
    // sellers 10 fen (9.9). Each line's part is 11 fen, so each seller's exact share is
    // 3⅓ fen: the fen left over goes to the first seller by id, not by line.
    let r = redeem(
        &ledger,
        &hot,
        "o-1",
        "u-1",
        &[
            ("bags", 1.11, 1, Some("s-c")),
            ("bags", 1.11, 1, Some("s-a")),
            ("bags", 1.11, 1, Some("s-b")),
        ],
    );
    let three = vec![("s-a".into(), 0.04), ("s-b".into(), 0.03), ("s-c".into(), 0.03)];
    assert_eq!(charged(&r), (0.33, 0.23, 0.1, three), "{r:?}");
}

const SELLER_RULES: &str = r#"
campaign own_promo "s-8848's own week" {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  for seller "s-8848"
  rule flat {
    on view_item
    once per user
    give amount_off ¥50 min_spend ¥300 valid 7d
  }
}

campaign item_seller {
  window 2026-11-01 00:00 .. 2026-12-01 00:00 Asia/Shanghai
  rule bags {
    on view_item
    when item.category == "bags"
    once per user
    give percent_off 10% cap ¥100 for "bags" for seller item.seller_id valid 7d
  }
  rule shared {
    on view_item
    once per user
    give amount_off ¥30 valid 7d funded platform 50% seller 50%
  }
  rule platform_paid {
    on view_item
    once per user
    give amount_off ¥10 for seller item.seller_id valid 7d funded platform 100%
  }
}
"#;

fn seller_ledger() -> (Ledger, Vec<(String, Value)>) {
    let ledger = open(mintage::load_str("sellers.mint", SELLER_RULES).unwrap());
    let got = coupons(
        &ledger,
        "e-1",
        "2026-11-11T10:00:00+08:00",
        "u-1",
        json!({"id": "i-1", "category": "bags", "price": 800, "seller_id": "s-4"}),
    );
    (ledger, got)
}

#[test]
fn a_coupon_carries_its_seller_scope_and_a_seller_only_offer_is_paid_by_the_seller() {
    let (_, got) = seller_ledger();
    let of = |rule: &str| got.iter().find(|(r, _)| r == rule).unwrap().1.clone();
    let flat = of("flat");
    assert_eq!(flat["seller"], "s-8848");
    assert_eq!(flat["categories"], json!([]));
    assert_eq!(flat["funding"], json!({"platform": 0, "seller": 100}));
    let bags = of("bags");
    assert_eq!(
        bags["seller"], "s-4",
        "`for seller item.seller_id`: the viewed item's seller"
    );
    assert_eq!(bags["categories"], json!(["bags"]));
    assert_eq!(bags["funding"], json!({"platform": 0, "seller": 100}));
    assert_eq!(of("shared")["seller"], Value::Null);
    assert_eq!(of("platform_paid")["funding"], json!({"platform": 100, "seller": 0}));
}

#[test]
fn a_seller_scoped_coupon_counts_only_that_sellers_items() {
    let (ledger, got) = seller_ledger();
    let flat = code(&got, "flat");
    let r = redeem(&ledger, &flat, "o-1", "u-1", &[("bags", 900.0, 1, Some("s-1"))]);
    assert_eq!(r.reason.as_deref(), Some("seller_scope"), "{r:?}");
    assert!(r.detail.as_deref().unwrap_or_default().contains("`s-8848`"), "{r:?}");
    // Only s-8848's ¥200 counts toward the ¥300 minimum spend.
    let r = redeem(
        &ledger,
        &flat,
        "o-2",
        "u-1",
        &[("bags", 200.0, 1, Some("s-8848")), ("bags", 900.0, 1, Some("s-1"))],
    );
    assert_eq!(r.reason.as_deref(), Some("min_spend"), "{r:?}");
    let r = redeem(
        &ledger,
        &flat,
        "o-3",
        "u-1",
        &[("bags", 350.0, 1, Some("s-8848")), ("bags", 900.0, 1, Some("s-1"))],
    );
    assert_eq!(charged(&r), (50.0, 0.0, 50.0, vec![("s-8848".into(), 50.0)]));

    // Category and seller together: s-4's bags only, not its shoes nor s-9's bags.
    let bags = code(&got, "bags");
    let r = redeem(&ledger, &bags, "o-4", "u-1", &[("shoes", 600.0, 1, Some("s-4"))]);
    assert_eq!(r.reason.as_deref(), Some("category_scope"), "{r:?}");
    let r = redeem(&ledger, &bags, "o-4", "u-1", &[("bags", 600.0, 1, Some("s-9"))]);
    assert_eq!(r.reason.as_deref(), Some("seller_scope"), "{r:?}");
    let r = redeem(
        &ledger,
        &bags,
        "o-5",
        "u-1",
        &[
            ("bags", 400.0, 1, Some("s-4")),
            ("shoes", 600.0, 1, Some("s-4")),
            ("bags", 1000.0, 1, Some("s-9")),
        ],
    );
    assert_eq!(charged(&r), (40.0, 0.0, 40.0, vec![("s-4".into(), 40.0)]));
}

#[test]
fn a_seller_share_is_never_moved_to_the_platform() {
    let (ledger, got) = seller_ledger();
    let shared = code(&got, "shared");
    // A line without a seller cannot carry its part of the sellers' share.
    let r = redeem(
        &ledger,
        &shared,
        "o-1",
        "u-1",
        &[("bags", 100.0, 1, Some("s-1")), ("bags", 100.0, 1, None)],
    );
    assert_eq!(r.reason.as_deref(), Some("bad_order"), "{r:?}");
    assert!(
        r.detail
            .as_deref()
            .unwrap_or_default()
            .contains("`order.items[1].seller_id`"),
        "{r:?}"
    );
    // ¥30 over lines of ¥100 (s-1) and ¥200 (s-2): the sellers' ¥15 is ¥5 and ¥10.
    let r = redeem(
        &ledger,
        &shared,
        "o-2",
        "u-1",
        &[("bags", 100.0, 1, Some("s-1")), ("bags", 100.0, 2, Some("s-2"))],
    );
    assert_eq!(
        charged(&r),
        (30.0, 15.0, 15.0, vec![("s-1".into(), 5.0), ("s-2".into(), 10.0)])
    );
}

#[test]
fn self_dealing_still_holds_for_platform_money_only() {
    let (ledger, _) = seller_ledger();
    // The buyer u-2 sells the bag: the platform may not pay for it…
    let got2 = coupons(
        &ledger,
        "e-2",
        "2026-11-11T10:05:00+08:00",
        "u-2",
        json!({"id": "i-2", "category": "bags", "price": 800, "seller_id": "u-2"}),
    );
    let own = code(&got2, "platform_paid");
    let r = redeem(&ledger, &own, "o-2", "u-2", &[("bags", 800.0, 1, Some("u-2"))]);
    assert_eq!(r.reason.as_deref(), Some("risk:self_dealing"), "{r:?}");
    // …but a seller may discount its own item with its own money.
    let bags = code(&got2, "bags");
    let r = redeem(&ledger, &bags, "o-3", "u-2", &[("bags", 800.0, 1, Some("u-2"))]);
    assert_eq!(charged(&r), (80.0, 0.0, 80.0, vec![("u-2".into(), 80.0)]));
}
