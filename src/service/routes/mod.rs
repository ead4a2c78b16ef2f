//! The handlers, one module per area of the API.

pub mod admin;
pub mod checkout_redeem;
pub mod console;
pub mod decide;
pub mod query;
pub mod quote;
pub mod redeem;
pub mod report;
pub mod returns;
