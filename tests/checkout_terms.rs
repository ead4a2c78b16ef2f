//! The checkout terms of the rule language reach the typed program (`check::program`):
//! `stackable`, `not on sale items`, `exclusive with` across campaigns, and a campaign's
//! `at most ¥300 off per order`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use mintage::check::program::RuleId;
use mintage::check::{CheckOptions, check};
use mintage::syntax::Sources;

const RULES: &str = include_str!("cases/parse/checkout_terms.mint");

#[test]
fn the_program_carries_the_checkout_terms() {
    let mut sources = Sources::default();
    sources.add("checkout_terms.mint", RULES);
    let checked = check(sources, &CheckOptions::default());
    let errors: Vec<&str> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let program = checked.program.unwrap();
    let double11 = program.campaign("double11").unwrap();
    assert_eq!(double11.order_cap, Some(30_000));
    let bags = double11.rules.iter().find(|r| &*r.name == "bags").unwrap();
    assert!(bags.stackable && bags.not_on_sale);
    let base = double11.rules.iter().find(|r| &*r.name == "base").unwrap();
    assert!(!base.stackable && !base.not_on_sale && base.exclusive_with.is_none());
    let newbie = program.campaign("newbie").unwrap();
    assert_eq!(newbie.order_cap, None);
    let welcome = newbie.rules.iter().find(|r| &*r.name == "welcome").unwrap();
    let id = |c: &str, r: &str| RuleId {
        campaign: c.into(),
        rule: r.into(),
    };
    assert_eq!(welcome.exclusive_rules, [id("double11", "base"), id("newbie", "late")]);
    // As coupons carry it (and `redeem` reads it): another campaign's rule as `campaign/rule`.
    let written: Vec<&str> = welcome.exclusive_with.iter().flatten().map(|s| &**s).collect();
    assert_eq!(written, ["double11/base", "late"]);
    let late = newbie.rules.iter().find(|r| &*r.name == "late").unwrap();
    assert_eq!(
        late.exclusive_with.as_deref(),
        Some(&[][..]),
        "`exclusive` alone: every other coupon"
    );
}
