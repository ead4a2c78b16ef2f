//! Rule indexes: rules are found by trigger event type, and within a trigger by the value
//! of one field that the rule requires to equal a constant (`item.category in [...]`,
//! `user.ltv_tier == "high"`, an audience's `user.paid_orders == 0`). An event then meets
//! only the rules of its type that need no particular value, plus those keyed by the
//! values it carries; like an alpha memory of a Rete network.

use super::graph::{Graph, NodeId};
use crate::check::program::Condition;
use crate::check::types::{Field, TExpr, TExprKind};
use crate::event::Event;
use crate::event::fields::{read_field, str_field};
use crate::syntax::ast::BinaryOp;
use crate::value::{Millis, Value};
use foldhash::HashMap;
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

/// What matching tests of one rule: its campaign's window and the conditions (audience
/// first) that its index key does not already prove.
#[derive(Debug, Clone, Default)]
pub struct RuleTest {
    pub window: (Millis, Millis),
    pub nodes: Vec<NodeId>,
}

/// The rules of a list that test the same number of conditions, with a copy of their
/// windows and condition nodes beside their ids, so that matching walks three arrays
/// in step and tests every rule the same way, without a data-dependent branch.
#[derive(Debug, Clone, Default)]
pub struct Part {
    /// Condition nodes per rule.
    pub width: usize,
    /// Some rule's condition calls a script or reads state: such rules are tested one
    /// by one, their conditions evaluated only inside the window.
    pub costly: bool,
    /// Ascending.
    pub ids: Vec<u32>,
    /// Each rule's window as its start and its length (0 if it ends before it starts).
    pub windows: Vec<(Millis, u64)>,
    /// `width` nodes per rule, rule after rule.
    pub nodes: Vec<NodeId>,
}

/// Rule ids in decision order, and the same rules split into parts for matching.
#[derive(Debug, Clone, Default)]
pub struct RuleList {
    pub ids: Vec<u32>,
    pub parts: Vec<Part>,
    /// The field groups and the other conditions that the cheap parts test, each once:
    /// answered before any rule of the list is tested.
    pub groups: Vec<u32>,
    pub singles: Vec<NodeId>,
}

impl RuleList {
    fn push(&mut self, id: u32) {
        if self.ids.last() != Some(&id) {
            self.ids.push(id);
        }
    }

    /// Builds the parts (after the rules' tests are known and the graph is finished).
    pub fn fill(&mut self, tests: &[RuleTest], graph: &Graph) {
        self.parts.clear();
        self.groups.clear();
        self.singles.clear();
        for id in &self.ids {
            let Some(test) = tests.get(*id as usize) else {
                continue;
            };
            let (width, costly) = (test.nodes.len(), test.nodes.iter().any(|n| graph.costly(*n)));
            let at = match self.parts.iter().position(|p| p.width == width && p.costly == costly) {
                Some(at) => at,
                None => {
                    self.parts.push(Part {
                        width,
                        costly,
                        ..Part::default()
                    });
                    self.parts.len() - 1
                }
            };
            if let Some(part) = self.parts.get_mut(at) {
                part.ids.push(*id);
                let (start, end) = test.window;
                let length = u64::try_from(i128::from(end) - i128::from(start)).unwrap_or(0);
                part.windows.push((start, length));
                part.nodes.extend_from_slice(&test.nodes);
            }
            if costly {
                continue;
            }
            for n in &test.nodes {
                match graph.group_of.get(n.index()) {
                    Some(&g) if g != u32::MAX => self.groups.push(g),
                    _ => self.singles.push(*n),
                }
            }
        }
        self.groups.sort_unstable();
        self.groups.dedup();
        self.singles.sort_unstable();
        self.singles.dedup();
    }
}

/// Rules of one trigger keyed by one field's value.
#[derive(Debug, Clone)]
pub struct FieldIndex {
    pub field: Field,
    /// String keys apart, so that an event's string is looked up where it is.
    by_str: HashMap<Arc<str>, RuleList>,
    by_key: HashMap<KeyValue, RuleList>,
}

impl FieldIndex {
    fn new(field: Field) -> FieldIndex {
        FieldIndex {
            field,
            by_str: HashMap::default(),
            by_key: HashMap::default(),
        }
    }

    fn list_mut(&mut self, key: &KeyValue) -> &mut RuleList {
        match key {
            KeyValue::Str(s) => self.by_str.entry(s.clone()).or_default(),
            _ => self.by_key.entry(key.clone()).or_default(),
        }
    }

    /// The rules keyed by `key`.
    pub fn get(&self, key: &KeyValue) -> Option<&RuleList> {
        match key {
            KeyValue::Str(s) => self.by_str.get(&**s),
            _ => self.by_key.get(key),
        }
    }

    /// The rules keyed by the event's value of the field.
    pub fn list_for(&self, event: &Event) -> Option<&RuleList> {
        match str_field(&self.field, event) {
            Some(text) => text.and_then(|t| self.by_str.get(t)),
            None => match read_field(&self.field, event) {
                Value::Str(s) => self.by_str.get(&*s),
                v => KeyValue::of(&v).and_then(|k| self.by_key.get(&k)),
            },
        }
    }

    /// Every list, in no particular order.
    pub fn lists(&self) -> impl Iterator<Item = &RuleList> {
        self.by_str.values().chain(self.by_key.values())
    }

    fn lists_mut(&mut self) -> impl Iterator<Item = &mut RuleList> {
        self.by_str.values_mut().chain(self.by_key.values_mut())
    }
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
                self.fields.push(FieldIndex::new(field.clone()));
                self.fields.len() - 1
            }
        };
        if let Some(index) = self.fields.get_mut(pos) {
            for v in values {
                index.list_mut(v).push(id);
            }
        }
    }

    /// Builds every list's parts.
    pub fn fill(&mut self, tests: &[RuleTest], graph: &Graph) {
        self.any.fill(tests, graph);
        for f in &mut self.fields {
            f.lists_mut().for_each(|l| l.fill(tests, graph));
        }
    }

    /// The lists an event meets: the rules needing no particular value, then for each
    /// indexed field the rules keyed by the event's value. A rule is in one of them only.
    pub fn lists_for<'a>(&'a self, event: &'a Event) -> impl Iterator<Item = &'a RuleList> {
        std::iter::once(&self.any).chain(self.fields.iter().filter_map(|f| f.list_for(event)))
    }

    /// Every rule id, for drawing.
    pub fn all(&self) -> Vec<u32> {
        let mut ids = self.any.ids.clone();
        for f in &self.fields {
            ids.extend(f.lists().flat_map(|l| l.ids.iter()));
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
