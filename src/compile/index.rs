//! Rule indexes: rules are found by trigger event type, and within a trigger by the value
//! of one field that the rule requires to equal a constant (`item.category in [...]`,
//! `user.ltv_tier == "high"`, an audience's `user.paid_orders == 0`). An event then meets
//! only the rules of its type that need no particular value, plus those keyed by the
//! values it carries; like an alpha memory of a Rete network.

use crate::check::program::Condition;
use crate::check::types::{Field, TExpr, TExprKind};
use crate::syntax::ast::BinaryOp;
use crate::value::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// A field value as an index key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum KeyValue {
    Str(Arc<str>),
    /// Float bits, with `-0.0` folded into `0.0`.
    Number(u64),
    /// Money, percentages, durations and times: their exact integers.
    Int(i64),
    Bool(bool),
}

impl KeyValue {
    pub fn of(v: &Value) -> Option<KeyValue> {
        Some(match v {
            Value::Str(s) => KeyValue::Str(s.clone()),
            Value::Number(n) if n.is_finite() => KeyValue::Number(if *n == 0.0 { 0 } else { n.to_bits() }),
            Value::Money(i) | Value::Percent(i) | Value::Duration(i) | Value::Time(i) => KeyValue::Int(*i),
            Value::Bool(b) => KeyValue::Bool(*b),
            _ => return None,
        })
    }
}

/// Rule ids in decision order, with a copy of each rule's hot data beside them, so that
/// matching walks memory in order instead of jumping into the rule table.
#[derive(Debug, Clone, Default)]
pub struct RuleList {
    pub ids: Vec<u32>,
    pub hot: Vec<super::HotRule>,
}

impl RuleList {
    fn push(&mut self, id: u32) {
        if self.ids.last() != Some(&id) {
            self.ids.push(id);
        }
    }

    pub fn fill(&mut self, table: &[super::HotRule]) {
        self.hot = self
            .ids
            .iter()
            .filter_map(|id| table.get(*id as usize).copied())
            .collect();
    }
}

/// Rules of one trigger keyed by one field's value.
#[derive(Debug, Clone)]
pub struct FieldIndex {
    pub field: Field,
    pub by_value: HashMap<KeyValue, RuleList>,
}

/// The rules of one trigger event type, each list in decision order.
#[derive(Debug, Default, Clone)]
pub struct TriggerIndex {
    /// Rules that require no particular field value.
    pub any: RuleList,
    pub fields: Vec<FieldIndex>,
}

impl TriggerIndex {
    pub fn add(&mut self, id: u32, key: Option<&(Field, Vec<KeyValue>)>) {
        let Some((field, values)) = key else {
            self.any.push(id);
            return;
        };
        let pos = match self.fields.iter().position(|f| f.field == *field) {
            Some(p) => p,
            None => {
                self.fields.push(FieldIndex {
                    field: field.clone(),
                    by_value: HashMap::new(),
                });
                self.fields.len() - 1
            }
        };
        if let Some(index) = self.fields.get_mut(pos) {
            for v in values {
                index.by_value.entry(v.clone()).or_default().push(id);
            }
        }
    }

    /// Copies the rules' hot data into the lists (after the rule table is built).
    pub fn fill(&mut self, table: &[super::HotRule]) {
        self.any.fill(table);
        for f in &mut self.fields {
            f.by_value.values_mut().for_each(|l| l.fill(table));
        }
    }

    /// Every rule id, for drawing.
    pub fn all(&self) -> Vec<u32> {
        let mut ids = self.any.ids.clone();
        for f in &self.fields {
            ids.extend(f.by_value.values().flat_map(|l| l.ids.iter()));
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Fields worth indexing: read from the event alone (not from state or the clock).
fn indexable(f: &Field) -> bool {
    !matches!(
        f,
        Field::Now
            | Field::OfferKind
            | Field::OfferAmount
            | Field::OfferPercent
            | Field::OfferCap
            | Field::OfferMinSpend
            | Field::OfferFaceValue
            | Field::UserTags
            | Field::CartCategories
    )
}

fn constant_values(e: &TExpr) -> Option<Vec<KeyValue>> {
    match &e.kind {
        TExprKind::Const(Value::List(items)) => items.iter().map(KeyValue::of).collect(),
        TExprKind::Const(v) => KeyValue::of(v).map(|k| vec![k]),
        TExprKind::List(items) => items
            .iter()
            .map(|i| match &i.kind {
                TExprKind::Const(v) => KeyValue::of(v),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `field == constant` or `field in [constants]`, as (field, accepted values).
fn equality(c: &Condition) -> Option<(Field, Vec<KeyValue>)> {
    let TExprKind::Binary(op, a, b) = &c.expr.kind else {
        return None;
    };
    let (field, values) = match (&a.kind, &b.kind, op) {
        (TExprKind::Field(f), _, BinaryOp::Eq | BinaryOp::In) => (f, b),
        (_, TExprKind::Field(f), BinaryOp::Eq) => (f, a),
        _ => return None,
    };
    if !indexable(field) {
        return None;
    }
    let values = constant_values(values)?;
    (!values.is_empty()).then(|| (field.clone(), values))
}

/// The best index key of a rule: an item-category equality first (the most selective in
/// a marketplace), then the one with the fewest accepted values.
/// Also says which condition it came from (its position in `audience` then
/// `conditions`): being found through the index already proves it.
pub fn choose_key(conditions: &[Condition], audience: &[Condition]) -> Option<((Field, Vec<KeyValue>), usize)> {
    let mut best: Option<((Field, Vec<KeyValue>), usize)> = None;
    for (position, c) in audience.iter().chain(conditions.iter()).enumerate() {
        let Some(candidate) = equality(c) else {
            continue;
        };
        let better = match &best {
            None => true,
            Some(((f, v), _)) => {
                let rank = |field: &Field| usize::from(*field != Field::ItemCategory);
                (rank(&candidate.0), candidate.1.len()) < (rank(f), v.len())
            }
        };
        if better {
            best = Some((candidate, position));
        }
    }
    best
}
