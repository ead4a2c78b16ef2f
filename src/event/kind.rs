//! An event's type, parsed once: the contract's types are variants that code matches
//! on; any other (a type a marketer's rules name, such as `wishlist_price_drop`) is
//! `Other` with its name.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// An event's type (`"type"` in the contract's JSON).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum EventKind {
    AppOpen,
    ViewItem,
    AddToCart,
    CheckoutStarted,
    PaymentAbandoned,
    OrderPaid,
    CartAbandoned,
    /// A coupon was used; it carries the coupon's `code`.
    CouponRedeemed,
    /// The clock moves: due timers fire; nothing else is decided.
    Tick,
    /// A live signal's new value (`name`, `key`, `value`).
    Signal,
    /// A type the contract does not define.
    Other(Arc<str>),
}

/// The contract's types, in the contract's order, with their names.
const CONTRACT: [(EventKind, &str); 10] = [
    (EventKind::AppOpen, "app_open"),
    (EventKind::ViewItem, "view_item"),
    (EventKind::AddToCart, "add_to_cart"),
    (EventKind::CheckoutStarted, "checkout_started"),
    (EventKind::PaymentAbandoned, "payment_abandoned"),
    (EventKind::OrderPaid, "order_paid"),
    (EventKind::CartAbandoned, "cart_abandoned"),
    (EventKind::CouponRedeemed, "coupon_redeemed"),
    (EventKind::Tick, "tick"),
    (EventKind::Signal, "signal"),
];

impl EventKind {
    /// The kind named `name` (an interned name is kept for `Other`).
    pub fn parse(name: Arc<str>) -> EventKind {
        match CONTRACT.iter().find(|(_, n)| **n == *name) {
            Some((kind, _)) => kind.clone(),
            None => EventKind::Other(name),
        }
    }

    /// The type's name, as events and rules write it.
    pub fn as_str(&self) -> &str {
        match self {
            EventKind::Other(name) => name,
            known => CONTRACT.iter().find(|(k, _)| k == known).map_or("", |(_, n)| n),
        }
    }

    /// The name as a shared string (the contract's names are allocated once).
    pub fn name(&self) -> Arc<str> {
        static NAMES: OnceLock<Vec<Arc<str>>> = OnceLock::new();
        if let EventKind::Other(name) = self {
            return name.clone();
        }
        let names = NAMES.get_or_init(|| CONTRACT.iter().map(|(_, n)| Arc::from(*n)).collect());
        match CONTRACT.iter().position(|(k, _)| k == self).and_then(|i| names.get(i)) {
            Some(name) => name.clone(),
            None => Arc::from(self.as_str()),
        }
    }

    /// Whether events of this type name a user (all but `tick` and `signal`).
    pub fn needs_user(&self) -> bool {
        !matches!(self, EventKind::Tick | EventKind::Signal)
    }

    /// The contract's type names, in its order.
    pub fn contract_names() -> impl Iterator<Item = &'static str> {
        CONTRACT.iter().map(|(_, n)| *n)
    }
}

impl std::ops::Deref for EventKind {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contracts_types_are_the_checkers_and_round_trip() {
        let names: Vec<&str> = EventKind::contract_names().collect();
        assert_eq!(names, crate::check::resolve::CONTRACT_EVENTS);
        for name in names {
            let kind = EventKind::parse(Arc::from(name));
            assert!(!matches!(kind, EventKind::Other(_)), "`{name}` is the contract's");
            assert_eq!(kind.as_str(), name);
            assert_eq!(&*kind.name(), name);
        }
    }

    #[test]
    fn other_types_keep_their_name() {
        let kind = EventKind::parse(Arc::from("wishlist_price_drop"));
        assert_eq!(kind, EventKind::Other(Arc::from("wishlist_price_drop")));
        assert_eq!(kind.to_string(), "wishlist_price_drop");
        assert!(kind.needs_user());
        assert!(!EventKind::Tick.needs_user());
    }
}
