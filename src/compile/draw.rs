//! Drawing the evaluation graph (`mintage graph FILE --format dot|mermaid`): triggers
//! point at rules, rules at their condition nodes, batch campaigns at their audience,
//! segments and model; shared nodes appear once. Nodes are labelled in the rule
//! language's own words (`user.paid_orders`, `coupons_issued(24h)`, `¥30`), as the author
//! wrote them where the graph remembers it.

use super::{Compiled, Cond, Node, NodeId};
use std::collections::BTreeSet;
use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Dot,
    Mermaid,
}

/// The text a node was first written as, on one line; `None` if the graph made it.
fn written(c: &Compiled, id: NodeId) -> Option<String> {
    let span = c.graph.written.get(id.index())?;
    let text = c.program.sources.snippet(*span);
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!text.is_empty()).then_some(text)
}

/// A node in the language: leaves in full, operators by their symbol (their operands
/// are the nodes they point at), calls with leaf arguments written out.
fn label(c: &Compiled, id: NodeId) -> String {
    match c.graph.node(id) {
        Node::Const(v) => written(c, id).unwrap_or_else(|| v.to_string()),
        Node::Field(f) => crate::check::types::field_name(f),
        Node::Local(i) => written(c, id).unwrap_or_else(|| format!("let #{i}")),
        Node::Call(b, args) => call(c, b.name(), args),
        Node::UserCall(i, args) => {
            let name = c.program.functions.get(*i).map_or("function", |f| &*f.name);
            call(c, name, args)
        }
        Node::Not(_) => "not".into(),
        Node::Neg(_) => "-".into(),
        Node::Binary(op, _, _) => op.symbol().to_string(),
        Node::If(..) => "if … then … else …".into(),
        Node::List(_) => "[…]".into(),
    }
}

fn call(c: &Compiled, name: &str, args: &[NodeId]) -> String {
    let args: Vec<String> = args
        .iter()
        .map(|a| match c.graph.node(*a) {
            Node::Const(_) | Node::Field(_) | Node::Local(_) => label(c, *a),
            _ => "…".into(),
        })
        .collect();
    format!("{name}({})", args.join(", "))
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

/// What is drawn: labelled boxes and edges between them, before either format.
#[derive(Default)]
struct Drawing {
    labels: Vec<(String, String)>,
    edges: BTreeSet<(String, String)>,
    /// Expression nodes to draw with everything below them.
    roots: Vec<NodeId>,
}

impl Drawing {
    fn boxed(&mut self, id: String, label: String) -> String {
        self.labels.push((id.clone(), label));
        id
    }

    fn point_at(&mut self, from: &str, node: NodeId) {
        self.edges.insert((from.to_string(), format!("n{node}")));
        self.roots.push(node);
    }

    fn point_at_all<'a>(&mut self, from: &str, conds: impl IntoIterator<Item = &'a Cond>) {
        for cond in conds {
            self.point_at(from, cond.node);
        }
    }
}

/// Renders the graph as Graphviz dot or a Mermaid flowchart.
pub fn draw(c: &Compiled, format: Format) -> String {
    let mut d = Drawing::default();
    let mut triggers: Vec<_> = c.triggers.iter().collect();
    triggers.sort_by(|a, b| a.0.cmp(b.0));
    for (t, index) in triggers {
        let tid = d.boxed(format!("t_{t}"), format!("on {t}"));
        for id in index.all() {
            d.edges.insert((tid.clone(), format!("r{id}")));
        }
    }
    for (i, r) in c.rules.iter().enumerate() {
        let (campaign, name) = match u32::try_from(i).ok().and_then(|id| c.rule(id)) {
            Some(rule) => (&*rule.campaign.id, &*rule.rule.name),
            None => ("?", "?"),
        };
        let rid = d.boxed(format!("r{i}"), format!("{campaign}.{name}"));
        let audience = c
            .campaigns
            .get(r.campaign.index())
            .map(|a| a.audience.as_slice())
            .unwrap_or(&[]);
        d.point_at_all(&rid, audience.iter().chain(r.conditions.iter()));
    }
    for (ci, batch) in c.batches.iter().enumerate() {
        let (Some(batch), Some(campaign)) = (batch, c.program.campaigns.get(ci)) else {
            continue;
        };
        let bid = d.boxed(format!("b{ci}"), format!("batch {}", campaign.id));
        let audience = c.campaigns.get(ci).map(|a| a.audience.as_slice()).unwrap_or(&[]);
        d.point_at_all(&bid, audience);
        let names = campaign.batch.as_ref().map(|b| b.segments.as_slice()).unwrap_or(&[]);
        for (si, segment) in batch.segments.iter().enumerate() {
            let name = names.get(si).map_or("?", |s| &*s.name);
            let sid = d.boxed(format!("b{ci}_s{si}"), format!("segment {name}"));
            d.edges.insert((bid.clone(), sid.clone()));
            d.point_at_all(&sid, segment.when.iter());
        }
        for (output, node) in [("cost", batch.cost), ("gain", batch.gain)] {
            let oid = d.boxed(format!("b{ci}_{output}"), format!("{output} ="));
            d.edges.insert((bid.clone(), oid.clone()));
            d.point_at(&oid, node);
        }
    }
    for (i, cond) in c.risk.iter().enumerate() {
        let name = c.program.risk.get(i).map_or("?", |r| &*r.name);
        let kid = d.boxed(format!("k{i}"), format!("risk {name}"));
        d.point_at(&kid, cond.node);
    }
    let mut reached: BTreeSet<NodeId> = BTreeSet::new();
    let mut stack = std::mem::take(&mut d.roots);
    while let Some(id) = stack.pop() {
        if !reached.insert(id) {
            continue;
        }
        for child in children(c.graph.node(id)) {
            d.edges.insert((format!("n{id}"), format!("n{child}")));
            stack.push(child);
        }
    }
    for id in &reached {
        d.labels.push((format!("n{id}"), label(c, *id)));
    }
    render(&d, format)
}

fn render(d: &Drawing, format: Format) -> String {
    let mut out = String::new();
    match format {
        Format::Dot => {
            out.push_str("digraph mintage {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
            for (id, l) in &d.labels {
                let l = l.replace('\\', "\\\\").replace('"', "\\\"");
                let _ = writeln!(out, "  {id} [label=\"{l}\"];");
            }
            for (a, b) in &d.edges {
                let _ = writeln!(out, "  {a} -> {b};");
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for (id, l) in &d.labels {
                // Mermaid's entity codes: `#` starts one, so it is written as one too.
                let l = l.replace('#', "#35;").replace('"', "#quot;");
                let _ = writeln!(out, "  {id}[\"{l}\"]");
            }
            for (a, b) in &d.edges {
                let _ = writeln!(out, "  {a} --> {b}");
            }
        }
    }
    out
}
