//! `users [ {…}, {…} ] run at TIME budget ¥N` in a test: every batch campaign of the rules
//! run over these rows, as `mintage run` runs one over a table (the same `BatchRun`:
//! audience, segments, model, the allocation under the budget), its budget replaced when
//! the step gives one. Each row is the test's `user {…}` defaults with the row's fields
//! over them. What each user got is an outcome of the step, for `expect "u-1" …`.

use super::{Got, Produced, describe};
use crate::runtime::batch::{BatchRun, user_event};
use crate::runtime::codes::CodeMinter;
use crate::runtime::engine::Rules;
use crate::runtime::event::Event;
use crate::syntax::ast::{Expr, ExprKind};
use crate::value::builtins::NoFacts;
use crate::value::{Fen, Millis};
use serde_json::{Map, Value as Json};

/// Runs every batch campaign over `users` (a JSON array of user objects) at `at`.
pub(super) fn run(
    rules: &Rules,
    users: &str,
    defaults: &Map<String, Json>,
    at: Millis,
    budget: Option<&Expr>,
    failures: &mut Vec<String>,
    step: &str,
) -> Produced {
    let rows: Vec<Map<String, Json>> = match serde_json::from_str(users) {
        Ok(r) => r,
        Err(e) => {
            failures.push(format!("{step}: the user rows are not a JSON array of objects: {e}"));
            return Produced::default();
        }
    };
    let budget: Option<Fen> = match budget.map(|b| &b.kind) {
        None => None,
        Some(ExprKind::Money(f)) => Some(*f),
        Some(_) => {
            failures.push(format!("{step}: a run's budget is an amount, as in `budget ¥500`"));
            return Produced::default();
        }
    };
    let mut events: Vec<Event> = Vec::with_capacity(rows.len());
    for (i, row) in rows.into_iter().enumerate() {
        let mut user = defaults.clone();
        user.extend(row);
        match user_event(&Json::Object(user).to_string(), i as u64 + 1, at) {
            Ok(e) => events.push(e),
            Err(e) => {
                failures.push(format!("{step}: user row {}: {e}", i + 1));
                return Produced::default();
            }
        }
    }
    let program = rules.program();
    let batches: Vec<&str> = program
        .campaigns
        .iter()
        .filter(|c| c.batch.is_some())
        .map(|c| &*c.id)
        .collect();
    if batches.is_empty() {
        failures.push(format!("{step}: the rules have no batch campaign to run"));
        return Produced::default();
    }
    let mut minter = CodeMinter::seeded(1);
    let mut produced = Produced::default();
    for campaign in batches {
        let mut run = match BatchRun::new(rules, campaign, at, budget) {
            Ok(r) => r,
            Err(e) => {
                failures.push(format!("{step}: {e}"));
                continue;
            }
        };
        for (i, e) in events.iter().enumerate() {
            let first = e.user.as_ref().and_then(|u| run.repeated(&u.id, i as u64 + 1));
            if let Some(first) = first {
                failures.push(format!(
                    "{step}: user row {} repeats the user of row {first}; a user gets one row",
                    i + 1
                ));
                continue;
            }
            run.add_row(e, &NoFacts, i as u64);
        }
        let allocation = run.allocate();
        for index in 0..run.rows.len() {
            let decision = if allocation.choice.get(index).copied().flatten().is_some() {
                let Some(e) = run
                    .rows
                    .get(index)
                    .and_then(|r| usize::try_from(r.offset).ok())
                    .and_then(|o| events.get(o))
                else {
                    continue;
                };
                run.decide(e, &NoFacts, index, &allocation)
            } else {
                run.left_out(index)
            };
            let Some(mut d) = decision else { continue };
            for c in &mut d.coupons {
                c.code = minter.mint();
            }
            let user = d.user_id.as_deref().unwrap_or_default().to_string();
            produced.got.extend(describe(&d, program).into_iter().map(|g| Got {
                line: format!("\"{user}\" {}", g.line),
                ..g
            }));
        }
        produced.trace.push(format!(
            "{campaign}: {} users eligible, {} offered, cost ¥{} of ¥{}",
            run.rows.len(),
            allocation.choice.iter().filter(|c| c.is_some()).count(),
            crate::value::yuan_string(allocation.total_cost),
            crate::value::yuan_string(run.budget)
        ));
    }
    produced
}
