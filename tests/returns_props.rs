//! Returns, by property, on the checkout engine's own answers: each coupon's allocation
//! adds up to its discount by line, by platform and by seller; any sequence of returns
//! takes back, step by step, never a negative fen and in total exactly what one return
//! of the same units takes; a line never gives back more than the coupon put on it; a
//! coupon whose minimum spend the kept lines miss gives back all it gave; and the whole
//! order returned gives back every coupon's whole discount, to the fen, by funder.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/checkout_gen.rs"]
mod checkout_gen;

use checkout_gen::request;
use mintage::checkout::returns::{Allocation, Claw, Paid, Why, clawed, of_chosen};
use mintage::checkout::{QuoteRequest, quote};
use mintage::value::Fen;
use proptest::prelude::*;
use std::collections::BTreeMap;

/// The chosen coupons of the quote, each with the order as paid and its allocation.
fn allocations(req: &QuoteRequest) -> Vec<(Paid, Allocation, mintage::checkout::answer::Chosen)> {
    let q = quote(req).unwrap();
    q.coupons
        .iter()
        .map(|c| {
            let min = req.wallet.iter().find(|w| w.code == c.code).unwrap().min_spend.0;
            let (paid, a) = of_chosen(&req.order, c, min).unwrap_or_else(|e| panic!("{}: {e}", c.code));
            (paid, a, c.clone())
        })
        .collect()
}

fn add(into: &mut BTreeMap<String, Fen>, claw: &Claw) {
    *into.entry("platform".into()).or_default() += claw.platform();
    for (id, a) in claw.sellers() {
        *into.entry(id).or_default() += a;
    }
    for p in &claw.lines {
        *into.entry(format!("line {}", p.line_id)).or_default() += p.amount();
    }
    *into.entry("shipping".into()).or_default() += claw.shipping.amount();
}

fn non_negative(claw: &Claw) -> bool {
    claw.lines.iter().all(|p| p.platform >= 0 && p.seller >= 0)
        && claw.shipping.platform >= 0
        && claw.shipping.sellers.iter().all(|(_, a)| *a >= 0)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn allocations_add_up_by_line_and_funder(req in request(8)) {
        for (_, a, c) in allocations(&req) {
            prop_assert_eq!(a.discount(), c.discount.0, "{}", c.code);
            let platform: Fen = a.parts.iter().map(|p| p.platform).sum::<Fen>()
                + a.shipping.as_ref().map_or(0, |s| s.platform);
            prop_assert_eq!(platform, c.funding.platform.0, "{}", c.code);
            let whole = clawed(&a, &Paid { lines: Vec::new(), shipping: 0 }, &BTreeMap::new(), true);
            let mut by_seller = whole.sellers();
            by_seller.retain(|_, v| *v != 0);
            let want: BTreeMap<String, Fen> = c.funding.sellers.iter()
                .filter(|s| s.amount.0 != 0)
                .map(|s| (s.seller_id.clone(), s.amount.0)).collect();
            prop_assert_eq!(by_seller, want, "{}", c.code);
            for p in &a.parts {
                prop_assert!(p.platform >= 0 && p.seller >= 0, "{}: {:?}", c.code, p);
                let line = req.order.lines.iter().find(|l| l.id == p.line_id).unwrap();
                if p.seller > 0 {
                    prop_assert_eq!(p.seller_id.as_ref(), line.seller_id.as_ref());
                }
            }
        }
    }

    #[test]
    fn returns_in_steps_take_back_what_one_return_takes(
        req in request(8),
        steps in prop::collection::vec(prop::collection::vec((0usize..6, 1u32..4), 1..4), 1..5),
        finish in any::<bool>(),
    ) {
        let coupons = allocations(&req);
        let Some((paid, _, _)) = coupons.first() else { return Ok(()) };
        let paid = paid.clone();
        let mut returned: BTreeMap<String, u32> = BTreeMap::new();
        let mut taken: Vec<BTreeMap<String, Fen>> = vec![BTreeMap::new(); coupons.len()];
        let mut steps = steps;
        if finish {
            steps.push(paid.lines.iter().enumerate().map(|(i, l)| (i, l.qty)).collect());
        }
        let all_back = |r: &BTreeMap<String, u32>| paid.lines.iter().all(|l| r.get(&l.id).copied().unwrap_or(0) >= l.qty);
        for step in steps {
            let mut after = returned.clone();
            for (i, n) in step {
                let Some(l) = paid.lines.get(i % paid.lines.len()) else { continue };
                let e = after.entry(l.id.clone()).or_default();
                *e = (*e + n).min(l.qty);
            }
            let whole = all_back(&after);
            for (k, (p, a, c)) in coupons.iter().enumerate() {
                let was = clawed(a, p, &returned, all_back(&returned));
                let is = clawed(a, p, &after, whole);
                let d = is.minus(&was);
                prop_assert!(non_negative(&d), "{}: a step takes back a negative amount: {:?}", c.code, d);
                add(&mut taken[k], &d);
                // Never more than the coupon put on a line.
                for (part, got) in a.parts.iter().zip(&is.lines) {
                    prop_assert!(got.platform <= part.platform && got.seller <= part.seller, "{}", c.code);
                }
                if is.why == Why::MinSpend {
                    prop_assert_eq!(is.total(), a.discount(), "{}", c.code);
                }
            }
            returned = after;
        }
        let whole = all_back(&returned);
        for (k, (p, a, c)) in coupons.iter().enumerate() {
            let at_once = clawed(a, p, &returned, whole);
            let mut want = BTreeMap::new();
            add(&mut want, &at_once);
            want.retain(|_, v| *v != 0);
            taken[k].retain(|_, v| *v != 0);
            prop_assert_eq!(&taken[k], &want, "{}: steps and one return differ", c.code);
            if whole {
                prop_assert_eq!(at_once.total(), c.discount.0, "{}", c.code);
                prop_assert_eq!(at_once.platform(), c.funding.platform.0, "{}", c.code);
            }
        }
    }
}
