//! Checkout, by property: the branch and bound finds what brute force over every subset
//! finds (wallets of up to 12 coupons); each coupon's parts add up to its discount and
//! its funders to the same; no line goes below zero; a set has one value whatever order
//! it is given in, and a wallet one answer whatever order it is listed in.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::checkout::plan::Plan;
use mintage::checkout::{Coupon, Funding, Kind, Line, Order, QuoteRequest, Time, quote, search};
use mintage::value::{Fen, Yuan};
use proptest::prelude::*;

#[path = "support/checkout_gen.rs"]
mod checkout_gen;
use checkout_gen::{AT, request};

fn dense(mut req: QuoteRequest) -> QuoteRequest {
    for l in &mut req.order.lines {
        if l.seller_id.as_deref() == Some("u-1") {
            l.seller_id = Some("s-1".into());
        }
    }
    for c in &mut req.wallet {
        c.valid_from = None;
        c.valid_until = None;
        c.min_spend = Yuan(0);
        c.funding = Funding::default();
        if !c.kind.discounts() {
            c.kind = Kind::AmountOff;
        }
    }
    req
}

/// Every subset of the wallet's coupons that may discount, by the rules alone.
fn brute_force(plan: &Plan<'_>) -> (Fen, Vec<usize>) {
    let usable: Vec<usize> = plan.discounts.clone();
    let mut best: Option<(Fen, usize, Vec<usize>, Vec<usize>)> = None;
    for mask in 0u32..(1 << usable.len()) {
        let set: Vec<usize> = (0..usable.len())
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| usable[b])
            .collect();
        if !plan.allowed(&set) {
            continue;
        }
        let value = plan.evaluate(&set).total;
        let key = plan.tie_key(&set);
        let better = match &best {
            None => true,
            Some((v, n, k, _)) => value > *v || (value == *v && (set.len() < *n || (set.len() == *n && key < *k))),
        };
        if better {
            best = Some((value, set.len(), key, set));
        }
    }
    let (v, _, _, mut set) = best.unwrap();
    set.sort_unstable();
    (v, set)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn best_is_brute_force(req in request(12)) {
        let plan = Plan::new(&req).unwrap();
        let found = search::best(&plan);
        let mut coupons = found.coupons.clone();
        coupons.sort_unstable();
        let (value, set) = brute_force(&plan);
        prop_assert_eq!(found.discount, value);
        prop_assert_eq!(coupons, set);
    }

    /// The same with every coupon usable on its own (valid, no minimum spend, platform-
    /// funded, no buyer's own items): twelve coupons in the search, not a few.
    #[test]
    fn best_is_brute_force_on_dense_wallets(req in request(12).prop_map(dense)) {
        let plan = Plan::new(&req).unwrap();
        let found = search::best(&plan);
        let mut coupons = found.coupons.clone();
        coupons.sort_unstable();
        let (value, set) = brute_force(&plan);
        prop_assert_eq!(found.discount, value);
        prop_assert_eq!(coupons, set);
    }

    #[test]
    fn parts_and_funders_add_up_and_lines_stay_above_zero(req in request(12)) {
        let q = quote(&req).unwrap();
        let mut by_lines: Fen = 0;
        for c in &q.coupons {
            let parts: Fen = c.lines.iter().map(|l| l.amount.0).sum();
            prop_assert_eq!(parts + c.shipping.0, c.discount.0, "coupon {}", c.code);
            prop_assert_eq!(c.funding.platform.0 + c.funding.seller.0, c.discount.0);
            prop_assert_eq!(c.funding.sellers.iter().map(|s| s.amount.0).sum::<Fen>(), c.funding.seller.0);
            prop_assert!(c.discount.0 >= 0 && c.funding.platform.0 >= 0 && c.funding.seller.0 >= 0);
            if !c.kind.discounts() {
                prop_assert_eq!(c.discount.0, 0);
            }
        }
        for l in &q.lines {
            prop_assert!(l.pays.0 >= 0, "line {} pays {}", l.id, l.pays.0);
            prop_assert_eq!(l.coupons.iter().map(|c| c.amount.0).sum::<Fen>(), l.discount.0);
            prop_assert_eq!(l.amount.0 - l.discount.0, l.pays.0);
            by_lines += l.discount.0;
        }
        prop_assert_eq!(by_lines + q.shipping_discount.0, q.discount.0);
        prop_assert!(q.shipping_discount.0 <= q.shipping.0);
        prop_assert_eq!(q.subtotal.0 + q.shipping.0 - q.discount.0, q.total.0);
        prop_assert_eq!(q.coupons.len() + q.not_chosen.len(), req.wallet.len());
        // A campaign's coupons together stay within its cap.
        for c in &req.wallet {
            if let Some(cap) = c.campaign_cap {
                let given: Fen = q.coupons.iter().filter(|x| x.campaign == c.campaign).map(|x| x.discount.0).sum();
                prop_assert!(given <= cap.0);
            }
        }
    }

    #[test]
    fn a_set_has_one_value_and_a_wallet_one_answer(req in request(10), seed in any::<u64>()) {
        let plan = Plan::new(&req).unwrap();
        let mut set: Vec<usize> = plan.discounts.iter().copied().filter(|i| (seed >> (i % 64)) & 1 == 1).collect();
        let once = plan.evaluate(&set);
        // What each coupon's lines have left, kept as lines change, is their sum.
        for (i, standing) in plan.standing.iter().enumerate() {
            if let Ok(u) = standing
                && !plan.is_shipping(i)
            {
                let sum: Fen = u.lines.iter().map(|l| once.end.left[*l]).sum();
                prop_assert_eq!(once.end.covered[i], sum);
            }
        }
        // Adding one coupon from the states of a set's steps is evaluating the larger set.
        let states = plan.states(&set);
        for i in plan.discounts.iter().copied().filter(|i| !set.contains(i)) {
            let mut with = set.clone();
            with.push(i);
            let full = plan.evaluate(&with);
            let (total, step) = plan.with_one(&once, &states, i);
            prop_assert_eq!(total, full.total);
            prop_assert_eq!(Some(&step), full.steps.iter().find(|(x, _)| *x == i).map(|(_, s)| s));
        }
        set.reverse();
        prop_assert_eq!(&plan.evaluate(&set), &once);
        let mut shuffled = req.clone();
        let n = shuffled.wallet.len();
        if n > 1 {
            shuffled.wallet.rotate_left((seed as usize) % n);
            shuffled.wallet.swap(0, n - 1);
        }
        prop_assert_eq!(quote(&shuffled).unwrap(), quote(&req).unwrap());
    }
}

/// Thirty interchangeable ¥10 coupons of different rules on a ¥100 order: C(30, 10) sets
/// give the most. The search must not walk them: the first it meets wins the tie, and a
/// set of fewer coupons would need more than the largest discounts left can give.
#[test]
fn ties_do_not_make_the_search_walk_every_equal_set() {
    let mut wallet = Vec::new();
    for i in 0..30 {
        let mut c = Coupon::new(&format!("MNT-{i:02}"), "c", &format!("r{i}"), Kind::AmountOff);
        c.amount = Some(Yuan::whole(10));
        wallet.push(c);
    }
    let req = QuoteRequest {
        order: Order {
            id: "o".into(),
            buyer_id: "u-1".into(),
            lines: vec![Line {
                id: "l".into(),
                category: None,
                price: Yuan::whole(100),
                qty: 1,
                seller_id: None,
                on_sale: false,
            }],
            shipping: Yuan(0),
        },
        wallet,
        at: Time(AT),
    };
    let plan = Plan::new(&req).unwrap();
    let best = search::best(&plan);
    assert_eq!(best.discount, 10_000);
    assert_eq!(best.coupons, (0..10).collect::<Vec<_>>());
    assert!(best.nodes < 5_000, "{} nodes", best.nodes);
}
