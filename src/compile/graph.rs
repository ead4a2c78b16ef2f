//! The evaluation graph: an arena of expression nodes with small ids. Identical
//! sub-expressions of all campaigns share one node (hash-consing), so a condition such as
//! `user.paid_orders == 0` written in ten campaigns is evaluated once per event; constant
//! sub-expressions are folded when the graph is built.

use super::ids::TooLarge;
use crate::check::types::{Builtin, Field, TExpr, TExprKind};
use crate::syntax::Span;
use crate::syntax::ast::BinaryOp;
use crate::value::{Value, builtins, ops};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Index of a node in [`Graph::nodes`].
pub use super::ids::NodeId;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A literal or folded constant.
    Const(Value),
    /// `user.paid_orders`, `item.category`, `now`…
    Field(Field),
    /// A batch model's `let` binding.
    Local(u16),
    /// `min(a, b)`, `signal("category_heat", item.category)`…
    Call(Builtin, Vec<NodeId>),
    /// A Rhai function of the program.
    UserCall(usize, Vec<NodeId>),
    /// `not a`
    Not(NodeId),
    /// `-a`
    Neg(NodeId),
    /// `a op b`
    Binary(BinaryOp, NodeId, NodeId),
    /// `if c then a else b`
    If(NodeId, NodeId, NodeId),
    /// `[a, b, c]` with non-constant items.
    List(Vec<NodeId>),
}

/// Hashes a node by structure; floats by their bits, so that `0.8` shares with `0.8`.
struct NodeKey(Node);

impl PartialEq for NodeKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}
impl Eq for NodeKey {}

impl Hash for NodeKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_node(&self.0, state);
    }
}

fn hash_value<H: Hasher>(v: &Value, state: &mut H) {
    std::mem::discriminant(v).hash(state);
    match v {
        Value::Missing => {}
        Value::Bool(b) => b.hash(state),
        Value::Number(n) => n.to_bits().hash(state),
        Value::Money(x) | Value::Percent(x) | Value::Duration(x) | Value::Time(x) => x.hash(state),
        Value::Str(s) => s.hash(state),
        Value::List(items) => items.iter().for_each(|i| hash_value(i, state)),
    }
}

fn hash_node<H: Hasher>(n: &Node, state: &mut H) {
    std::mem::discriminant(n).hash(state);
    match n {
        Node::Const(v) => hash_value(v, state),
        Node::Field(f) => f.hash(state),
        Node::Local(i) => i.hash(state),
        Node::Call(b, args) => {
            b.hash(state);
            args.hash(state);
        }
        Node::UserCall(i, args) => {
            i.hash(state);
            args.hash(state);
        }
        Node::Not(a) | Node::Neg(a) => a.hash(state),
        Node::Binary(op, a, b) => {
            op.hash(state);
            a.hash(state);
            b.hash(state);
        }
        Node::If(c, a, b) => {
            c.hash(state);
            a.hash(state);
            b.hash(state);
        }
        Node::List(items) => items.hash(state),
    }
}

/// Comparisons of one field with constants (`item.price >= ¥300`, `>= ¥500`, …): when
/// one is needed, the field is read once and all are answered together.
#[derive(Debug, Clone)]
pub struct FieldGroup {
    pub field: NodeId,
    /// Sorted by operator, so that answering them all mispredicts few branches.
    pub members: Vec<(NodeId, BinaryOp, Value)>,
    /// The members' constants again, unwrapped, in `members` order.
    pub consts: GroupConsts,
}

/// A group's constants as plain numbers or strings, when all are of one kind: the field's
/// value is then compared with each without going through [`Value`].
#[derive(Debug, Clone)]
pub enum GroupConsts {
    Numbers(Vec<f64>),
    /// Money, percentages, durations or times, all of the kind of the first.
    Ints(Value, Vec<i64>),
    Strs(Vec<Arc<str>>),
    Mixed,
}

impl GroupConsts {
    fn of(members: &[(NodeId, BinaryOp, Value)]) -> GroupConsts {
        let values = || members.iter().map(|(_, _, c)| c);
        let first = members.first().map(|(_, _, c)| c);
        if let Some(numbers) = values()
            .map(|c| if let Value::Number(n) = c { Some(*n) } else { None })
            .collect()
        {
            return GroupConsts::Numbers(numbers);
        }
        if let Some(strs) = values()
            .map(|c| if let Value::Str(s) = c { Some(s.clone()) } else { None })
            .collect()
        {
            return GroupConsts::Strs(strs);
        }
        if let Some(kind) = first
            && let Some(ints) = values().map(|c| same_int(kind, c)).collect()
        {
            return GroupConsts::Ints(kind.clone(), ints);
        }
        GroupConsts::Mixed
    }
}

/// `v`'s integer if it is money, a percentage, a duration or a time, like `kind`.
pub fn same_int(kind: &Value, v: &Value) -> Option<i64> {
    match (kind, v) {
        (Value::Money(_), Value::Money(x))
        | (Value::Percent(_), Value::Percent(x))
        | (Value::Duration(_), Value::Duration(x))
        | (Value::Time(_), Value::Time(x)) => Some(*x),
        _ => None,
    }
}

#[derive(Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub groups: Vec<FieldGroup>,
    /// Group of each node (`u32::MAX` for none).
    pub group_of: Vec<u32>,
    /// Whether a node is worth memoising per event (it does work beyond a field read).
    pub memo: Vec<bool>,
    /// Whether a node calls a script or reads state (signals, issued coupons), directly or
    /// through its inputs: matching evaluates such conditions only for rules whose
    /// window is open, as it may not do with cheap ones.
    pub costly: Vec<bool>,
    /// Where each node was first written, for drawing it in the rule language's own words
    /// (`24h` as written, not `1d`).
    pub written: Vec<Span>,
    interned: HashMap<NodeKey, NodeId>,
    /// How many times `add` met a node that already existed: shared sub-expressions.
    pub shared_hits: usize,
    /// Set when a node could not be numbered: the program is too large to compile.
    too_large: Option<TooLarge>,
}

impl std::fmt::Debug for NodeKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl Graph {
    pub fn node(&self, id: NodeId) -> &Node {
        // INVARIANT: ids are only made by `intern`, which pushes the node first.
        &self.nodes[id.index()]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    pub fn costly(&self, id: NodeId) -> bool {
        self.costly.get(id.index()).copied().unwrap_or(true)
    }

    /// Finishes the graph once all nodes are added: field groups, costly nodes.
    /// Why the program is too large to compile, if it is.
    pub fn too_large(&self) -> Option<TooLarge> {
        self.too_large.clone()
    }

    pub fn finish(&mut self) {
        self.build_groups();
        self.mark_costly();
    }

    /// Inputs have smaller ids than the nodes that use them, so one pass in id order
    /// sees every input's answer before its users.
    fn mark_costly(&mut self) {
        let mut costly: Vec<bool> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let input = |i: &NodeId| costly.get(i.index()).copied().unwrap_or(true);
            let c = match node {
                Node::Const(_) | Node::Field(_) | Node::Local(_) => false,
                Node::UserCall(..) => true,
                Node::Call(b, args) => b.reads_state() || args.iter().any(input),
                Node::Not(a) | Node::Neg(a) => input(a),
                Node::Binary(_, a, b) => input(a) || input(b),
                Node::If(c, a, b) => input(c) || input(a) || input(b),
                Node::List(items) => items.iter().any(input),
            };
            costly.push(c);
        }
        self.costly = costly;
    }

    /// Groups the field-versus-constant comparisons by field.
    fn build_groups(&mut self) {
        let mut by_field: HashMap<NodeId, Vec<(NodeId, BinaryOp, Value)>> = HashMap::new();
        for (node, i) in self.nodes.iter().zip(NodeId::first(self.nodes.len())) {
            let Node::Binary(op, a, b) = node else { continue };
            let comparison = matches!(
                op,
                BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge | BinaryOp::Eq | BinaryOp::Ne
            );
            if let (true, Some(Node::Field(_)), Some(Node::Const(c))) =
                (comparison, self.nodes.get(a.index()), self.nodes.get(b.index()))
                && !matches!(c, Value::List(_) | Value::Missing)
            {
                by_field.entry(*a).or_default().push((i, *op, c.clone()));
            }
        }
        self.group_of = vec![u32::MAX; self.nodes.len()];
        let mut fields: Vec<_> = by_field.into_iter().filter(|(_, m)| m.len() > 1).collect();
        fields.sort_by_key(|(f, _)| *f);
        // A group has two members or more, so there are fewer groups than `u32::MAX`
        // (the mark of none).
        for ((field, mut members), g) in fields.into_iter().zip(0..u32::MAX) {
            for (id, _, _) in &members {
                if let Some(slot) = self.group_of.get_mut(id.index()) {
                    *slot = g;
                }
            }
            members.sort_by_key(|(id, op, _)| (*op as u8, *id));
            let consts = GroupConsts::of(&members);
            self.groups.push(FieldGroup { field, members, consts });
        }
    }

    fn intern(&mut self, node: Node, span: Span) -> NodeId {
        let key = NodeKey(node);
        if let Some(id) = self.interned.get(&key) {
            self.shared_hits += 1;
            return *id;
        }
        let id = match NodeId::new(self.nodes.len()) {
            Ok(id) => id,
            Err(e) => {
                // A placeholder: `compile` fails on `too_large` before the graph is used.
                self.too_large.get_or_insert(e);
                return NodeId::FIRST;
            }
        };
        let memo = !matches!(key.0, Node::Const(_) | Node::Field(_) | Node::Local(_));
        self.nodes.push(key.0.clone());
        self.memo.push(memo);
        self.written.push(span);
        self.interned.insert(key, id);
        id
    }

    fn constant(&self, id: NodeId) -> Option<&Value> {
        match self.node(id) {
            Node::Const(v) => Some(v),
            _ => None,
        }
    }

    /// Adds a typed expression, sharing and folding as it goes.
    pub fn add(&mut self, e: &TExpr) -> NodeId {
        let node = match &e.kind {
            TExprKind::Const(v) => Node::Const(v.clone()),
            TExprKind::Field(f) => Node::Field(f.clone()),
            TExprKind::Local(i) => Node::Local(u16::try_from(*i).unwrap_or(u16::MAX)),
            TExprKind::Call(b, args) => Node::Call(*b, args.iter().map(|a| self.add(a)).collect()),
            TExprKind::UserCall(i, args) => Node::UserCall(*i, args.iter().map(|a| self.add(a)).collect()),
            TExprKind::Not(a) => Node::Not(self.add(a)),
            TExprKind::Neg(a) => Node::Neg(self.add(a)),
            TExprKind::Binary(op, a, b) => Node::Binary(*op, self.add(a), self.add(b)),
            TExprKind::If(c, a, b) => {
                let c = self.add(c);
                let a = self.add(a);
                let b = self.add(b);
                match self.constant(c) {
                    Some(Value::Bool(true)) => return a,
                    Some(Value::Bool(false)) => return b,
                    _ => Node::If(c, a, b),
                }
            }
            TExprKind::List(items) => {
                let ids: Vec<NodeId> = items.iter().map(|a| self.add(a)).collect();
                let consts: Option<Vec<Value>> = ids.iter().map(|i| self.constant(*i).cloned()).collect();
                match consts {
                    Some(values) => Node::Const(Value::List(values.into())),
                    None => Node::List(ids),
                }
            }
        };
        let node = self.fold(node);
        self.intern(node, e.span)
    }

    /// Evaluates a pure node whose inputs are all constants.
    fn fold(&self, node: Node) -> Node {
        let inputs: Vec<NodeId> = match &node {
            Node::Binary(_, a, b) => vec![*a, *b],
            Node::Not(a) | Node::Neg(a) => vec![*a],
            Node::Call(b, args) if !b.reads_state() => args.clone(),
            _ => return node,
        };
        if !inputs.iter().all(|i| self.constant(*i).is_some()) {
            return node;
        }
        let c = |i: &NodeId| self.constant(*i).cloned().unwrap_or_default();
        let value = match &node {
            Node::Binary(BinaryOp::And, a, b) => ops::and(c(a), || c(b)),
            Node::Binary(BinaryOp::Or, a, b) => ops::or(c(a), || c(b)),
            Node::Binary(op, a, b) => ops::binary(*op, &c(a), &c(b), 0),
            Node::Not(a) => ops::not(c(a)),
            Node::Neg(a) => ops::neg(c(a)),
            Node::Call(b, args) => {
                let values: Vec<Value> = args.iter().map(c).collect();
                builtins::call(*b, &values, &builtins::NoFacts, None, 0)
            }
            _ => return node,
        };
        if value.is_missing() { node } else { Node::Const(value) }
    }
}
