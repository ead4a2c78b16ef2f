//! One adapter per engine. Each loads the workload's rules from its own rule text (timed
//! as compile/load), builds its native context from an event (untimed, for the
//! pre-built-context measurement), evaluates, and goes from event JSON to the JSON list of
//! matched rule names (the JSON-in to decision-out measurement). Every adapter reports
//! matches as rule ids of the workload (`Workload::rules` positions), in any order.

pub mod cedar;
pub mod cel;
pub mod mintage;
pub mod native;
pub mod rhai;
pub mod zen;

pub trait Engine {
    type Ctx;
    /// The event in the engine's own input form, built before timing.
    fn context(&self, json: &str) -> Self::Ctx;
    fn eval(&mut self, ctx: &Self::Ctx, out: &mut Vec<u32>);
    /// Parse the event, evaluate, and write the matched rules' names as JSON into `buf`.
    fn decide_json(&mut self, json: &str, out: &mut Vec<u32>, buf: &mut Vec<u8>);
}
