//! Mintage: a campaign-rules engine that mints coupons for consignment marketplaces.

pub mod check;
pub mod compile;
pub mod diagnostic;
pub mod runtime;
pub mod syntax;
pub mod testing;
pub mod value;
