//! The runtime: events in, decisions out. State, timers, evaluation, risk, budgets,
//! experiment bucketing, coupon codes and batch allocation.

pub mod aggregate;
pub mod allocate;
pub mod batch;
pub mod batch_arms;
pub mod batch_row;
pub mod bucket;
pub mod choose;
pub mod codes;
pub mod decision;
pub mod engine;
pub mod eval;
pub mod explain;
pub mod exposure;
mod issue;
pub use issue::{PAUSED_SIGNAL, is_paused};
mod matching;
pub mod period;
pub mod state;
pub mod terms;

// Events and their JSON readers sit below `compile/`; their old paths stay.
pub use crate::event;
pub use crate::event::json;
