//! Compiling a checked program into its evaluation graph: every condition, offer
//! parameter and limit key becomes a node of one shared arena, and rules are indexed by
//! trigger event type and, where a rule requires it, by item category.

pub mod draw;
pub mod graph;

use crate::check::program::{LimitKey, Program};
use crate::check::types::{Field, TExprKind};
use crate::syntax::ast::BinaryOp;
use crate::value::Value;
pub use graph::{Graph, Node, NodeId};
use std::collections::HashMap;
use std::sync::Arc;

/// A condition as a graph node, with its text for traces.
#[derive(Debug, Clone)]
pub struct Cond {
    pub node: NodeId,
    pub text: Arc<str>,
}

#[derive(Debug, Clone)]
pub enum Key {
    User,
    Day,
    Week,
    Month,
    Value(NodeId),
}

#[derive(Debug, Clone, Default)]
pub struct OfferNodes {
    pub value: Vec<NodeId>,
    pub min_spend: Option<NodeId>,
    pub worth: Option<NodeId>,
    pub cap: Option<NodeId>,
    pub scope: Option<NodeId>,
}

#[derive(Debug, Clone)]
pub struct RuleNodes {
    /// Campaign index in `Program::campaigns`, rule index in its `rules`.
    pub campaign: usize,
    pub rule: usize,
    pub conditions: Vec<Cond>,
    pub keys: Vec<Key>,
    pub offer: OfferNodes,
    pub alerts: Vec<Vec<(Arc<str>, NodeId)>>,
}

#[derive(Debug, Clone)]
pub struct CampaignNodes {
    pub audience: Vec<Cond>,
    pub unit: Option<NodeId>,
}

#[derive(Debug, Clone)]
pub struct SegmentNodes {
    pub when: Option<Cond>,
    pub offers: Vec<OfferNodes>,
}

#[derive(Debug, Clone)]
pub struct BatchNodes {
    pub segments: Vec<SegmentNodes>,
    pub bindings: Vec<NodeId>,
    pub cost: NodeId,
    pub gain: NodeId,
}

/// Rules of one trigger: those that need a given item category, and the others.
#[derive(Debug, Default, Clone)]
pub struct TriggerIndex {
    pub any: Vec<u32>,
    pub by_category: HashMap<Arc<str>, Vec<u32>>,
}

#[derive(Debug, Default)]
pub struct HotPath {
    pub rule_campaign: Vec<u32>,
    /// `[start, end)` of the rule's campaign; open campaigns use the full range.
    pub rule_window: Vec<(i64, i64)>,
    /// Range in `conditions` of the rule's campaign audience followed by its own conditions.
    pub rule_conditions: Vec<(u32, u32)>,
    pub conditions: Vec<NodeId>,
    /// Range of each campaign's audience in `conditions`.
    pub campaign_audience: Vec<(u32, u32)>,
}

fn flat_range(out: &mut Vec<NodeId>, nodes: impl Iterator<Item = NodeId>) -> (u32, u32) {
    let start = u32::try_from(out.len()).unwrap_or(u32::MAX);
    out.extend(nodes);
    (start, u32::try_from(out.len()).unwrap_or(u32::MAX))
}

fn hot_path(program: &Program, campaigns: &[CampaignNodes], rules: &[RuleNodes]) -> HotPath {
    let mut hot = HotPath::default();
    for c in campaigns {
        let range = flat_range(&mut hot.conditions, c.audience.iter().map(|a| a.node));
        hot.campaign_audience.push(range);
    }
    for r in rules {
        hot.rule_campaign.push(u32::try_from(r.campaign).unwrap_or(u32::MAX));
        let window = program.campaigns.get(r.campaign).and_then(|c| c.window).unwrap_or((i64::MIN, i64::MAX));
        hot.rule_window.push(window);
        let audience = campaigns.get(r.campaign).map(|c| c.audience.iter().map(|a| a.node)).into_iter().flatten();
        let range = flat_range(&mut hot.conditions, audience.chain(r.conditions.iter().map(|c| c.node)));
        hot.rule_conditions.push(range);
    }
    hot
}

#[derive(Debug)]
pub struct Compiled {
    pub program: Program,
    pub graph: Graph,
    pub campaigns: Vec<CampaignNodes>,
    /// All event rules in decision order (campaign order, then rule order).
    pub rules: Vec<RuleNodes>,
    pub risk: Vec<Cond>,
    pub batches: Vec<Option<BatchNodes>>,
    pub triggers: HashMap<Arc<str>, TriggerIndex>,
    /// The hot path of matching in flat arrays, indexed by rule id: what a candidate
    /// needs is a few contiguous words, not a walk through the program's structs.
    pub hot: HotPath,
    /// Longest period any built-in looks back over, so state older than it can be pruned.
    pub horizon_ms: i64,
}

impl Compiled {
    pub fn rule_id(&self, campaign: usize, rule: usize) -> Option<u32> {
        self.rules
            .iter()
            .position(|r| r.campaign == campaign && r.rule == rule)
            .and_then(|i| u32::try_from(i).ok())
    }
}

fn cond(graph: &mut Graph, c: &crate::check::program::Condition) -> Cond {
    Cond {
        node: graph.add(&c.expr),
        text: Arc::from(c.text.as_str()),
    }
}

fn offer_nodes(graph: &mut Graph, o: &crate::check::program::OfferSpec) -> OfferNodes {
    OfferNodes {
        value: o.value.iter().map(|v| graph.add(v)).collect(),
        min_spend: o.min_spend.as_ref().map(|e| graph.add(e)),
        worth: o.worth.as_ref().map(|e| graph.add(e)),
        cap: o.cap.as_ref().map(|e| graph.add(e)),
        scope: o.scope.as_ref().map(|e| graph.add(e)),
    }
}

/// The categories a rule requires, if one of its conditions is
/// `item.category == "x"` or `item.category in [...]`.
fn required_categories(conds: &[crate::check::program::Condition]) -> Option<Vec<Arc<str>>> {
    for c in conds {
        let TExprKind::Binary(op, a, b) = &c.expr.kind else {
            continue;
        };
        if !matches!(a.kind, TExprKind::Field(Field::ItemCategory)) {
            continue;
        }
        match (op, &b.kind) {
            (BinaryOp::Eq, TExprKind::Const(Value::Str(s))) => return Some(vec![s.clone()]),
            (BinaryOp::In, TExprKind::Const(Value::List(items))) => {
                let names: Option<Vec<Arc<str>>> = items
                    .iter()
                    .map(|v| match v {
                        Value::Str(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                if names.is_some() {
                    return names;
                }
            }
            (BinaryOp::In, TExprKind::List(items)) => {
                let names: Option<Vec<Arc<str>>> = items
                    .iter()
                    .map(|v| match &v.kind {
                        TExprKind::Const(Value::Str(s)) => Some(s.clone()),
                        _ => None,
                    })
                    .collect();
                if names.is_some() {
                    return names;
                }
            }
            _ => {}
        }
    }
    None
}

fn horizon(program: &Program) -> i64 {
    let mut longest = 30 * crate::value::DAY_MS;
    let mut visit = |e: &crate::check::types::TExpr| {
        e.walk(&mut |n| {
            if let TExprKind::Call(_, args) = &n.kind
                && let Some(TExprKind::Const(Value::Duration(ms))) = args.first().map(|a| &a.kind)
            {
                longest = longest.max(*ms);
            }
        })
    };
    for r in &program.risk {
        visit(&r.when.expr);
    }
    for c in &program.campaigns {
        c.audience.iter().for_each(|a| visit(&a.expr));
        for r in &c.rules {
            r.conditions.iter().for_each(|a| visit(&a.expr));
        }
    }
    longest
}

/// Builds the graph and indexes of a checked program.
pub fn compile(program: Program) -> Compiled {
    let mut graph = Graph::default();
    let mut campaigns = Vec::new();
    let mut rules = Vec::new();
    let mut batches = Vec::new();
    let mut triggers: HashMap<Arc<str>, TriggerIndex> = HashMap::new();
    for (ci, c) in program.campaigns.iter().enumerate() {
        campaigns.push(CampaignNodes {
            audience: c.audience.iter().map(|a| cond(&mut graph, a)).collect(),
            unit: c.experiment.as_ref().map(|e| graph.add(&e.unit)),
        });
        for (ri, r) in c.rules.iter().enumerate() {
            let id = u32::try_from(rules.len()).unwrap_or(u32::MAX);
            let keys = r
                .limit
                .iter()
                .flat_map(|l| l.keys.iter())
                .map(|k| match k {
                    LimitKey::User => Key::User,
                    LimitKey::Day => Key::Day,
                    LimitKey::Week => Key::Week,
                    LimitKey::Month => Key::Month,
                    LimitKey::Value(e) => Key::Value(graph.add(e)),
                })
                .collect();
            rules.push(RuleNodes {
                campaign: ci,
                rule: ri,
                conditions: r.conditions.iter().map(|a| cond(&mut graph, a)).collect(),
                keys,
                offer: r
                    .offer
                    .as_ref()
                    .map(|o| offer_nodes(&mut graph, o))
                    .unwrap_or_default(),
                alerts: r
                    .alerts
                    .iter()
                    .map(|a| {
                        a.details
                            .iter()
                            .map(|(n, e)| (n.clone(), graph.add(e)))
                            .collect()
                    })
                    .collect(),
            });
            let categories = required_categories(&r.conditions);
            for t in &r.triggers {
                let index = triggers.entry(t.clone()).or_default();
                match &categories {
                    Some(cats) => {
                        for cat in cats {
                            let list = index.by_category.entry(cat.clone()).or_default();
                            if list.last() != Some(&id) {
                                list.push(id);
                            }
                        }
                    }
                    None => index.any.push(id),
                }
            }
        }
        batches.push(c.batch.as_ref().map(|b| {
            BatchNodes {
                segments: b
                    .segments
                    .iter()
                    .map(|s| SegmentNodes {
                        when: s.when.as_ref().map(|w| cond(&mut graph, w)),
                        offers: s
                            .offers
                            .iter()
                            .map(|o| offer_nodes(&mut graph, o))
                            .collect(),
                    })
                    .collect(),
                bindings: b.bindings.iter().map(|(_, e)| graph.add(e)).collect(),
                cost: graph.add(&b.cost),
                gain: graph.add(&b.gain),
            }
        }));
    }
    let risk = program
        .risk
        .iter()
        .map(|r| cond(&mut graph, &r.when))
        .collect();
    let horizon_ms = horizon(&program);
    let hot = hot_path(&program, &campaigns, &rules);
    Compiled {
        hot,
        program,
        graph,
        campaigns,
        rules,
        risk,
        batches,
        triggers,
        horizon_ms,
    }
}
