//! Checkout, by example: one test per combination rule, step of the order of
//! application and reason a coupon is not chosen (`docs/checkout.md` states them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::checkout::{Quote, QuoteRequest, quote};
use serde_json::{Value, json};

/// Lines: `(id, category, price in yuan, seller, on_sale)`, quantity 1.
fn order(lines: &[(&str, &str, f64, &str, bool)], shipping: f64) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(id, cat, price, seller, on_sale)| {
            json!({"id": id, "category": cat, "price": price, "seller_id": seller, "on_sale": on_sale})
        })
        .collect();
    json!({"id": "o-1", "buyer_id": "u-1", "lines": lines, "shipping": shipping})
}

fn two_bags() -> Value {
    order(
        &[("a", "bags", 300.0, "s-1", false), ("b", "shoes", 100.0, "s-2", false)],
        10.0,
    )
}

/// A coupon: code, `campaign.rule`, kind, then any other terms.
fn coupon(code: &str, rule: &str, kind: &str, terms: Value) -> Value {
    let (campaign, rule) = rule.split_once('.').unwrap();
    let mut c = json!({"code": code, "campaign": campaign, "rule": rule, "kind": kind});
    c.as_object_mut().unwrap().extend(terms.as_object().unwrap().clone());
    c
}

fn run(order: Value, wallet: Vec<Value>) -> Quote {
    let req: QuoteRequest =
        serde_json::from_value(json!({"order": order, "wallet": wallet, "at": "2026-11-11T10:00:00+08:00"})).unwrap();
    quote(&req).unwrap()
}

fn chosen(q: &Quote) -> Vec<&str> {
    q.coupons.iter().map(|c| c.code.as_str()).collect()
}

fn reason<'q>(q: &'q Quote, code: &str) -> &'q str {
    &q.not_chosen.iter().find(|n| n.code == code).unwrap().reason
}

fn yuan(q: &Quote) -> Value {
    serde_json::to_value(q.discount).unwrap()
}

#[test]
fn different_rules_combine_threshold_category_and_gift() {
    let q = run(
        two_bags(),
        vec![
            coupon(
                "T",
                "double11.base",
                "threshold",
                json!({"amount": 30, "min_spend": 299}),
            ),
            coupon(
                "C",
                "double11.bags",
                "amount_off",
                json!({"amount": 20, "categories": ["bags"]}),
            ),
            coupon("G", "double11.gift", "gift", json!({"gift": "tote"})),
        ],
    );
    assert_eq!(
        chosen(&q),
        ["C", "T", "G"],
        "item-scoped first, then order-wide, gifts last"
    );
    assert_eq!(yuan(&q), json!(50));
    assert!(q.not_chosen.is_empty());
}

#[test]
fn one_coupon_per_rule_unless_stackable() {
    let wallet = |stackable: bool| {
        vec![
            coupon("A", "c.r", "amount_off", json!({"amount": 20, "stackable": stackable})),
            coupon("B", "c.r", "amount_off", json!({"amount": 30, "stackable": stackable})),
        ]
    };
    let q = run(two_bags(), wallet(false));
    assert_eq!(chosen(&q), ["B"]);
    assert_eq!(reason(&q, "A"), "rule_once");
    let q = run(two_bags(), wallet(true));
    assert_eq!(chosen(&q), ["A", "B"]);
    assert_eq!(yuan(&q), json!(50));
}

#[test]
fn exclusive_combines_with_nothing_and_the_better_side_wins() {
    let q = run(
        two_bags(),
        vec![
            coupon("X", "vip.solo", "amount_off", json!({"amount": 35, "exclusive": true})),
            coupon("A", "d.a", "amount_off", json!({"amount": 20})),
            coupon("B", "d.b", "amount_off", json!({"amount": 20})),
        ],
    );
    assert_eq!(chosen(&q), ["A", "B"]);
    assert_eq!(reason(&q, "X"), "exclusive");
    let q = run(
        two_bags(),
        vec![
            coupon("X", "vip.solo", "amount_off", json!({"amount": 45, "exclusive": true})),
            coupon("A", "d.a", "amount_off", json!({"amount": 20})),
            coupon("G", "d.g", "gift", json!({"gift": "tote"})),
        ],
    );
    assert_eq!(chosen(&q), ["X"], "an exclusive coupon keeps out gifts too");
    assert_eq!(reason(&q, "G"), "exclusive");
}

#[test]
fn exclusive_with_names_a_rule_of_another_campaign_and_works_both_ways() {
    let wallet = || {
        vec![
            coupon(
                "N",
                "newbie.welcome",
                "amount_off",
                json!({"amount": 25, "exclusive_with": ["double11.base"]}),
            ),
            coupon("D", "double11.base", "amount_off", json!({"amount": 30})),
            coupon("O", "double11.other", "amount_off", json!({"amount": 5})),
        ]
    };
    let q = run(two_bags(), wallet());
    assert_eq!(chosen(&q), ["D", "O"]);
    assert_eq!(reason(&q, "N"), "exclusive");
    // A bare rule name means the coupon's own campaign.
    let q = run(
        two_bags(),
        vec![
            coupon(
                "A",
                "double11.base",
                "amount_off",
                json!({"amount": 30, "exclusive_with": ["other"]}),
            ),
            coupon("O", "double11.other", "amount_off", json!({"amount": 5})),
        ],
    );
    assert_eq!(chosen(&q), ["A"]);
    assert_eq!(reason(&q, "O"), "exclusive");
}

#[test]
fn not_on_sale_items_are_not_covered_nor_counted_for_the_minimum_spend() {
    let sale = order(
        &[("a", "bags", 300.0, "s-1", true), ("b", "shoes", 100.0, "s-2", false)],
        0.0,
    );
    let c = |min: f64| {
        coupon(
            "N",
            "c.r",
            "percent_off",
            json!({"percent": 10, "min_spend": min, "not_on_sale": true}),
        )
    };
    let q = run(sale.clone(), vec![c(100.0)]);
    assert_eq!(yuan(&q), json!(10), "10% of the line not on sale");
    assert_eq!(q.lines[0].discount.0, 0);
    let q = run(sale, vec![c(101.0)]);
    assert_eq!(reason(&q, "N"), "min_spend");
    let all_sale = order(&[("a", "bags", 300.0, "s-1", true)], 0.0);
    assert_eq!(reason(&run(all_sale, vec![c(0.0)]), "N"), "on_sale");
}

#[test]
fn minimum_spend_is_checked_before_any_discount_and_percent_is_of_what_is_left() {
    // The bags coupon leaves ¥380, below the ¥399 threshold: it still applies. 9.99% of
    // the ¥380 left is ¥37.962, rounded down to ¥37.96 (under its ¥40 cap).
    let q = run(
        two_bags(),
        vec![
            coupon(
                "B",
                "d.bags",
                "amount_off",
                json!({"amount": 20, "categories": ["bags"]}),
            ),
            coupon("T", "d.base", "threshold", json!({"amount": 30, "min_spend": 399})),
            coupon("P", "d.pct", "percent_off", json!({"percent": 9.99, "cap": 40})),
        ],
    );
    assert_eq!(
        chosen(&q),
        ["B", "P", "T"],
        "percentages before fixed amounts in a class"
    );
    let p = &q.coupons[1];
    assert_eq!(serde_json::to_value(p.discount).unwrap(), json!(37.96));
    assert_eq!(yuan(&q), json!(87.96));
    let capped = run(
        two_bags(),
        vec![coupon("P", "d.pct", "percent_off", json!({"percent": 9.99, "cap": 30}))],
    );
    assert_eq!(yuan(&capped), json!(30), "capped after rounding");
}

#[test]
fn percentage_rounds_down_to_the_fen() {
    let q = run(
        order(&[("a", "bags", 0.99, "s-1", false)], 0.0),
        vec![coupon("P", "c.r", "percent_off", json!({"percent": 50}))],
    );
    assert_eq!(q.discount.0, 49, "half of 99 fen is 49 fen, not 50");
}

#[test]
fn free_shipping_takes_the_fee_left_and_a_second_gives_nothing() {
    let q = run(
        two_bags(),
        vec![
            coupon("S1", "d.ship", "free_shipping", json!({"amount": 6})),
            coupon("S2", "e.ship", "free_shipping", json!({})),
            coupon("S3", "f.ship", "free_shipping", json!({})),
        ],
    );
    assert_eq!(serde_json::to_value(q.shipping_discount).unwrap(), json!(10));
    assert_eq!(chosen(&q), ["S2"], "one coupon takes the whole fee: fewer coupons win");
    assert_eq!(reason(&q, "S1"), "not_better");
    assert_eq!(q.total.0, 40_000);
}

#[test]
fn a_campaign_caps_its_discount_per_order() {
    let q = run(
        two_bags(),
        vec![
            coupon("A", "d.a", "amount_off", json!({"amount": 250, "campaign_cap": 250})),
            coupon("B", "d.b", "amount_off", json!({"amount": 100, "campaign_cap": 250})),
            coupon("C", "e.c", "amount_off", json!({"amount": 50})),
        ],
    );
    assert_eq!(yuan(&q), json!(300));
    assert_eq!(chosen(&q), ["A", "C"]);
    assert_eq!(reason(&q, "B"), "campaign_cap");
}

#[test]
fn no_line_goes_below_zero() {
    let q = run(
        order(&[("a", "bags", 10.0, "s-1", false)], 0.0),
        vec![
            coupon("A", "d.a", "amount_off", json!({"amount": 8})),
            coupon("B", "d.b", "amount_off", json!({"amount": 8})),
        ],
    );
    assert_eq!(yuan(&q), json!(10));
    assert_eq!(q.lines[0].pays.0, 0);
    assert_eq!(q.coupons[1].discount.0, 200);
}

#[test]
fn coupons_that_cannot_apply_say_why() {
    let q = run(
        order(
            &[("a", "bags", 300.0, "s-1", false), ("b", "shoes", 100.0, "u-1", false)],
            0.0,
        ),
        vec![
            coupon(
                "E",
                "d.e",
                "amount_off",
                json!({"amount": 5, "valid_until": "2026-11-11T09:00:00+08:00"}),
            ),
            coupon(
                "F",
                "d.f",
                "amount_off",
                json!({"amount": 5, "valid_from": "2026-11-12T00:00:00+08:00"}),
            ),
            coupon(
                "W",
                "d.w",
                "amount_off",
                json!({"amount": 5, "categories": ["watches"]}),
            ),
            coupon(
                "S",
                "d.s",
                "amount_off",
                json!({"amount": 5, "categories": ["bags"], "seller": "s-9"}),
            ),
            coupon("M", "d.m", "amount_off", json!({"amount": 5, "min_spend": 500})),
            coupon("R", "d.r", "amount_off", json!({"amount": 5, "categories": ["shoes"]})),
        ],
    );
    for (code, why) in [
        ("E", "expired"),
        ("F", "not_yet_valid"),
        ("W", "category_scope"),
        ("S", "seller_scope"),
        ("M", "min_spend"),
        ("R", "risk:self_dealing"),
    ] {
        assert_eq!(reason(&q, code), why, "{code}");
    }
    assert!(q.coupons.is_empty());
}

#[test]
fn sellers_pay_only_for_lines_of_known_sellers() {
    let mut o = two_bags();
    o["lines"][1]["seller_id"] = Value::Null;
    let q = run(
        o,
        vec![coupon(
            "C",
            "d.c",
            "amount_off",
            json!({"amount": 10, "funding": {"platform": 70, "seller": 30}}),
        )],
    );
    assert_eq!(reason(&q, "C"), "bad_order");
}

#[test]
fn equal_discounts_go_to_fewer_coupons_then_to_the_first_in_the_order_of_application() {
    let wallet = || {
        vec![
            coupon("A", "d.a", "amount_off", json!({"amount": 10})),
            coupon("B", "d.b", "amount_off", json!({"amount": 10})),
            coupon(
                "C",
                "d.c",
                "amount_off",
                json!({"amount": 20, "valid_until": "2026-12-01T00:00:00Z"}),
            ),
            coupon(
                "D",
                "d.d",
                "amount_off",
                json!({"amount": 20, "valid_until": "2026-11-20T00:00:00Z"}),
            ),
        ]
    };
    // ¥50 is the most: A + C + D, B + C + D (and all four, one coupon more). A comes
    // before B in the order of application (same class, both fixed: by code);
    // `valid_until` plays no part.
    let q = run(order(&[("a", "bags", 50.0, "s-1", false)], 0.0), wallet());
    assert_eq!(yuan(&q), json!(50));
    assert_eq!(chosen(&q), ["A", "C", "D"]);
    // ¥20 with one coupon beats ¥20 with two; C comes before D.
    let q = run(order(&[("a", "bags", 20.0, "s-1", false)], 0.0), wallet());
    assert_eq!(chosen(&q), ["C"]);
    assert_eq!(reason(&q, "D"), "not_better");
    // A percentage comes before a fixed amount in its class.
    let q = run(
        order(&[("a", "bags", 100.0, "s-1", false)], 0.0),
        vec![
            coupon("A", "d.a", "amount_off", json!({"amount": 10})),
            coupon("Z", "d.z", "percent_off", json!({"percent": 10})),
            coupon("Y", "d.y", "amount_off", json!({"amount": 90})),
        ],
    );
    assert_eq!(yuan(&q), json!(100));
    assert_eq!(
        chosen(&q),
        ["Z", "Y"],
        "Z + Y and A + Y both give ¥100: Z applies first"
    );
}

#[test]
fn discount_spreads_over_lines_by_what_is_left_and_funders_split_by_seller() {
    let q = run(
        order(
            &[
                ("a", "bags", 1.0, "s-2", false),
                ("b", "bags", 1.0, "s-1", false),
                ("c", "bags", 1.0, "s-1", false),
            ],
            0.0,
        ),
        vec![coupon(
            "C",
            "d.c",
            "amount_off",
            json!({"amount": 1, "funding": {"platform": 50, "seller": 50}}),
        )],
    );
    let parts: Vec<i64> = q.lines.iter().map(|l| l.discount.0).collect();
    assert_eq!(parts, [34, 33, 33], "largest remainder; ties to the earlier line");
    let f = &q.coupons[0].funding;
    assert_eq!((f.platform.0, f.seller.0), (50, 50));
    let by: Vec<(&str, i64)> = f.sellers.iter().map(|s| (s.seller_id.as_str(), s.amount.0)).collect();
    // s-1 has 66 fen of the parts and s-2 34: 50 fen split 33 / 17.
    assert_eq!(by, [("s-1", 33), ("s-2", 17)]);
}

#[test]
fn bad_wallets_and_orders_are_errors() {
    let req = |order: Value, wallet: Value| -> QuoteRequest {
        serde_json::from_value(json!({"order": order, "wallet": wallet, "at": "2026-11-11T10:00:00Z"})).unwrap()
    };
    let dup = json!([
        coupon("A", "d.a", "gift", json!({})),
        coupon("A", "d.b", "gift", json!({}))
    ]);
    assert_eq!(quote(&req(two_bags(), dup)).unwrap_err().code(), "bad_wallet");
    let shares = json!([coupon(
        "A",
        "d.a",
        "gift",
        json!({"funding": {"platform": 70, "seller": 20}})
    )]);
    assert_eq!(quote(&req(two_bags(), shares)).unwrap_err().code(), "bad_wallet");
    let twice = order(
        &[("a", "bags", 1.0, "s-1", false), ("a", "bags", 1.0, "s-1", false)],
        0.0,
    );
    assert_eq!(quote(&req(twice, json!([]))).unwrap_err().code(), "bad_order");
}
