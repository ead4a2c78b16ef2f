//! Random checkout requests for property tests: orders of up to 5 lines (categories,
//! sellers, items on sale) and wallets of every kind of coupon and checkout term.
#![allow(dead_code)]

use mintage::checkout::{Coupon, Funding, Kind, Line, Order, QuoteRequest, Time};
use mintage::value::{Percent, Yuan};
use proptest::prelude::*;

pub const AT: i64 = 1_000_000;
pub const CATEGORIES: &[&str] = &["bags", "shoes", "watches"];
pub const SELLERS: &[&str] = &["s-1", "s-2", "s-3", "u-1"];

pub fn line() -> impl Strategy<Value = (Option<usize>, i64, u32, Option<usize>, bool)> {
    (
        prop::option::weighted(0.9, 0..CATEGORIES.len()),
        0i64..40_000,
        1u32..4,
        prop::option::weighted(0.9, 0..SELLERS.len()),
        prop::bool::weighted(0.2),
    )
}

pub fn order() -> impl Strategy<Value = Order> {
    (prop::collection::vec(line(), 1..6), 0i64..2_000).prop_map(|(lines, shipping)| Order {
        id: "o-1".into(),
        buyer_id: "u-1".into(),
        lines: lines
            .into_iter()
            .enumerate()
            .map(|(i, (cat, price, qty, seller, on_sale))| Line {
                id: format!("l{i}"),
                category: cat.map(|c| CATEGORIES[c].to_string()),
                price: Yuan(price),
                qty,
                seller_id: seller.map(|s| SELLERS[s].to_string()),
                on_sale,
            })
            .collect(),
        shipping: Yuan(shipping),
    })
}

prop_compose! {
    pub fn coupon()(
        campaign in 0usize..3, rule in 0usize..3, kind in 0usize..6,
        amount in 0i64..20_000, percent in 0i64..=10_000, cap in prop::option::of(0i64..15_000),
        min_spend in prop::option::weighted(0.4, 0i64..60_000),
        categories in prop::collection::vec(0..CATEGORIES.len(), 0..2),
        seller in prop::option::weighted(0.2, 0..SELLERS.len()),
        validity in 0usize..10, platform in 0i64..=10_000,
        stackable in prop::bool::weighted(0.3), exclusive in prop::bool::weighted(0.1),
        exclusive_with in prop::collection::vec((0usize..3, 0usize..3), 0..2),
        not_on_sale in prop::bool::weighted(0.2), campaign_cap in prop::option::weighted(0.2, 0i64..20_000),
    ) -> Coupon {
        let kinds = [Kind::AmountOff, Kind::PercentOff, Kind::Threshold, Kind::FreeShipping, Kind::Gift, Kind::Perk];
        let mut c = Coupon::new("", &format!("c{campaign}"), &format!("r{rule}"), kinds[kind]);
        c.amount = Some(Yuan(amount));
        c.percent = Some(Percent(percent));
        c.cap = cap.map(Yuan);
        c.min_spend = Yuan(min_spend.unwrap_or(0));
        c.categories = categories.into_iter().map(|i| CATEGORIES[i].to_string()).collect();
        c.seller = seller.map(|s| SELLERS[s].to_string());
        match validity {
            0 => c.valid_until = Some(Time(AT)),
            1 => c.valid_from = Some(Time(AT + 1)),
            v => c.valid_until = Some(Time(AT + 1 + (v as i64 % 3))),
        }
        c.funding = Funding { platform: Percent(platform), seller: Percent(10_000 - platform) };
        c.stackable = stackable;
        c.exclusive = exclusive;
        c.exclusive_with = exclusive_with.into_iter().map(|(c, r)| format!("c{c}.r{r}")).collect();
        c.not_on_sale = not_on_sale;
        c.campaign_cap = campaign_cap.map(Yuan);
        if kind == 4 { c.gift = Some("tote".into()); }
        if kind == 5 { c.perk = Some("lounge".into()); }
        c
    }
}

pub fn request(max: usize) -> impl Strategy<Value = QuoteRequest> {
    (order(), prop::collection::vec(coupon(), 0..=max)).prop_map(|(order, wallet)| QuoteRequest {
        order,
        wallet: wallet
            .into_iter()
            .enumerate()
            .map(|(i, mut c)| {
                c.code = format!("MNT-{:02}", (i * 7) % 13);
                c
            })
            .collect(),
        at: Time(AT),
    })
}
