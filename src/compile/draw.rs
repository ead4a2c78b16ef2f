//! Drawing the evaluation graph (`mintage graph FILE --format dot|mermaid`): triggers
//! point at rules, rules at their condition nodes, and shared nodes appear once.

use super::{Compiled, Node, NodeId};
use std::collections::BTreeSet;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
}

fn label(c: &Compiled, id: NodeId) -> String {
    let text = match c.graph.node(id) {
        Node::Const(v) => v.to_string(),
        Node::Field(f) => format!("{f:?}"),
        Node::Local(i) => format!("let #{i}"),
        Node::Call(b, _) => format!("{}()", b.name()),
        Node::UserCall(i, _) => c
            .program
            .functions
            .get(*i)
            .map_or("fn".into(), |f| format!("{}()", f.name)),
        Node::Not(_) => "not".into(),
        Node::Neg(_) => "neg".into(),
        Node::Binary(op, _, _) => op.symbol().to_string(),
        Node::If(..) => "if".into(),
        Node::List(_) => "list".into(),
    };
    text.replace('"', "'")
}

fn children(node: &Node) -> Vec<NodeId> {
    match node {
        Node::Const(_) | Node::Field(_) | Node::Local(_) => vec![],
        Node::Call(_, a) | Node::UserCall(_, a) | Node::List(a) => a.clone(),
        Node::Not(a) | Node::Neg(a) => vec![*a],
        Node::Binary(_, a, b) => vec![*a, *b],
        Node::If(x, a, b) => vec![*x, *a, *b],
    }
}

/// Renders the graph as Graphviz dot or a Mermaid flowchart.
pub fn draw(c: &Compiled, format: Format) -> String {
    let mut edges: BTreeSet<(String, String)> = BTreeSet::new();
    let mut labels: Vec<(String, String)> = Vec::new();
    let mut reached: BTreeSet<NodeId> = BTreeSet::new();
    let mut stack: Vec<NodeId> = Vec::new();
    let mut triggers: Vec<_> = c.triggers.iter().collect();
    triggers.sort_by(|a, b| a.0.cmp(b.0));
    for (t, index) in triggers {
        let tid = format!("t_{t}");
        labels.push((tid.clone(), format!("on {t}")));
        for id in index.all() {
            edges.insert((tid.clone(), format!("r{id}")));
        }
    }
    for (i, r) in c.rules.iter().enumerate() {
        let campaign = &c.program.campaigns[r.campaign];
        let name = campaign.rules.get(r.rule).map_or("?", |x| &*x.name);
        labels.push((format!("r{i}"), format!("{}.{}", campaign.id, name)));
        let audience = c
            .campaigns
            .get(r.campaign)
            .map(|a| a.audience.iter())
            .into_iter()
            .flatten();
        for cond in audience.chain(r.conditions.iter()) {
            edges.insert((format!("r{i}"), format!("n{}", cond.node)));
            stack.push(cond.node);
        }
    }
    for (i, cond) in c.risk.iter().enumerate() {
        let name = c.program.risk.get(i).map_or("?", |r| &*r.name);
        labels.push((format!("k{i}"), format!("risk {name}")));
        edges.insert((format!("k{i}"), format!("n{}", cond.node)));
        stack.push(cond.node);
    }
    while let Some(id) = stack.pop() {
        if !reached.insert(id) {
            continue;
        }
        for child in children(c.graph.node(id)) {
            edges.insert((format!("n{id}"), format!("n{child}")));
            stack.push(child);
        }
    }
    for id in &reached {
        labels.push((format!("n{id}"), label(c, *id)));
    }
    let mut out = String::new();
    match format {
        Format::Dot => {
            out.push_str("digraph mintage {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
            for (id, l) in &labels {
                let _ = writeln!(out, "  {id} [label=\"{l}\"];");
            }
            for (a, b) in &edges {
                let _ = writeln!(out, "  {a} -> {b};");
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for (id, l) in &labels {
                let _ = writeln!(out, "  {id}[\"{l}\"]");
            }
            for (a, b) in &edges {
                let _ = writeln!(out, "  {a} --> {b}");
            }
        }
    }
    out
}
