//! Compiling a checked program into its evaluation graph: every condition, offer
//! parameter and limit key becomes a node of one shared arena, and rules are indexed by
//! trigger event type and, where a rule requires it, by the value of one field.

pub mod draw;
pub mod graph;
pub mod ids;
pub mod index;
pub mod rules;

use crate::check::program::{Campaign, LimitKey, Program, Rule};
use crate::check::types::TExprKind;
use crate::value::Value;
pub use graph::{Graph, Node, NodeId};
pub use ids::{CampaignIdx, RuleId, TooLarge};
pub use rules::{CompileError, Rules};
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
    pub seller: Option<NodeId>,
}

#[derive(Debug, Clone)]
pub struct RuleNodes {
    /// Campaign index in `Program::campaigns`, rule index in its `rules`.
    pub campaign: CampaignIdx,
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

pub use index::{FieldIndex, KeyValue, Part, RuleList, RuleTest, TriggerIndex};

/// What matching tests of each rule. `implied[rule]`: the condition (position in
/// audience then conditions) its index key proves; it is left out, and so is any other
/// copy of the same node, as are repeated nodes.
fn rule_tests(
    program: &Program,
    campaigns: &[CampaignNodes],
    rules: &[RuleNodes],
    implied: &[Option<usize>],
) -> Vec<RuleTest> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let window = program
                .campaigns
                .get(r.campaign.index())
                .and_then(|c| c.window)
                .unwrap_or((i64::MIN, i64::MAX));
            let audience = campaigns
                .get(r.campaign.index())
                .map(|c| c.audience.as_slice())
                .unwrap_or(&[]);
            let all: Vec<NodeId> = audience.iter().chain(&r.conditions).map(|c| c.node).collect();
            let proven = implied.get(i).copied().flatten().and_then(|p| all.get(p).copied());
            let mut nodes: Vec<NodeId> = Vec::with_capacity(all.len());
            for n in all {
                if Some(n) != proven && !nodes.contains(&n) {
                    nodes.push(n);
                }
            }
            RuleTest { window, nodes }
        })
        .collect()
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
    pub triggers: foldhash::HashMap<Arc<str>, TriggerIndex>,
    /// Longest period any built-in looks back over, so state older than it can be pruned.
    pub horizon_ms: i64,
    /// Per aggregate of the program (same index): what feeds it on each event.
    pub aggregates: Vec<AggregateNodes>,
    /// Event type → the aggregates it feeds (indices), so other events skip them all.
    pub aggregates_by_event: foldhash::HashMap<Arc<str>, Vec<usize>>,
}

/// What an aggregate reads on each of the user's events of its type, when it happens.
#[derive(Debug, Clone)]
pub struct AggregateNodes {
    pub event: Arc<str>,
    /// `where …`: whether the event counts.
    pub cond: Option<NodeId>,
    /// The value summed or counted distinct.
    pub field: Option<NodeId>,
}

/// One event rule as the runtime reads it: its nodes, and its campaign's and its own
/// checked clauses (window, limit, wait, offer, revokes, alerts…).
#[derive(Debug, Clone, Copy)]
pub struct RuleRef<'a> {
    pub id: u32,
    pub nodes: &'a RuleNodes,
    pub campaign: &'a Campaign,
    pub rule: &'a Rule,
}

impl Compiled {
    /// Event rule `id` (its place in decision order), if there is one.
    pub fn rule(&self, id: u32) -> Option<RuleRef<'_>> {
        let nodes = self.rules.get(id as usize)?;
        let campaign = self.program.campaigns.get(nodes.campaign.index())?;
        let rule = campaign.rules.get(nodes.rule)?;
        Some(RuleRef {
            id,
            nodes,
            campaign,
            rule,
        })
    }

    /// Campaign `index` (its place in the program) and its nodes, if there is one.
    pub fn campaign(&self, index: usize) -> Option<(&Campaign, &CampaignNodes)> {
        Some((self.program.campaigns.get(index)?, self.campaigns.get(index)?))
    }

    pub fn rule_id(&self, campaign: CampaignIdx, rule: usize) -> Option<u32> {
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
        seller: o.seller.as_ref().map(|e| graph.add(e)),
    }
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

/// The compiled form of a program with no campaigns (it cannot be too large).
pub(crate) fn compile_empty() -> Compiled {
    Compiled {
        program: Program::default(),
        graph: Graph::default(),
        campaigns: Vec::new(),
        rules: Vec::new(),
        risk: Vec::new(),
        batches: Vec::new(),
        triggers: foldhash::HashMap::default(),
        horizon_ms: horizon(&Program::default()),
        aggregates: Vec::new(),
        aggregates_by_event: foldhash::HashMap::default(),
    }
}

/// Builds the graph and indexes of a checked program; a program too large to number
/// its rules, campaigns or nodes is an error.
pub fn compile(program: Program) -> Result<Compiled, TooLarge> {
    let mut graph = Graph::default();
    let mut campaigns = Vec::new();
    let mut rules = Vec::new();
    let mut batches = Vec::new();
    let mut triggers: foldhash::HashMap<Arc<str>, TriggerIndex> = foldhash::HashMap::default();
    let mut implied: Vec<Option<usize>> = Vec::new();
    for (ci, c) in program.campaigns.iter().enumerate() {
        let campaign = CampaignIdx::new(ci)?;
        campaigns.push(CampaignNodes {
            audience: c.audience.iter().map(|a| cond(&mut graph, a)).collect(),
            unit: c.experiment.as_ref().map(|e| graph.add(&e.unit)),
        });
        for (ri, r) in c.rules.iter().enumerate() {
            let id = RuleId::new(rules.len())?.get();
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
                campaign,
                rule: ri,
                conditions: r.conditions.iter().map(|a| cond(&mut graph, a)).collect(),
                keys,
                offer: r.offer.as_ref().map(|o| offer_nodes(&mut graph, o)).unwrap_or_default(),
                alerts: r
                    .alerts
                    .iter()
                    .map(|a| a.details.iter().map(|(n, e)| (n.clone(), graph.add(e))).collect())
                    .collect(),
            });
            let key = index::choose_key(&r.conditions, &c.audience);
            implied.push(key.as_ref().map(|(_, position)| *position));
            for t in &r.triggers {
                triggers
                    .entry(t.clone())
                    .or_default()
                    .add(id, key.as_ref().map(|(k, _)| k));
            }
        }
        batches.push(c.batch.as_ref().map(|b| {
            BatchNodes {
                segments: b
                    .segments
                    .iter()
                    .map(|s| SegmentNodes {
                        when: s.when.as_ref().map(|w| cond(&mut graph, w)),
                        offers: s.offers.iter().map(|o| offer_nodes(&mut graph, o)).collect(),
                    })
                    .collect(),
                bindings: b.bindings.iter().map(|(_, e)| graph.add(e)).collect(),
                cost: graph.add(&b.cost),
                gain: graph.add(&b.gain),
            }
        }));
    }
    let risk = program.risk.iter().map(|r| cond(&mut graph, &r.when)).collect();
    let aggregates = program
        .aggregates
        .iter()
        .map(|a| AggregateNodes {
            event: a.event.clone(),
            cond: a.cond.as_ref().map(|c| graph.add(c)),
            field: a.field.as_ref().map(|f| graph.add(f)),
        })
        .collect::<Vec<AggregateNodes>>();
    let mut aggregates_by_event: foldhash::HashMap<Arc<str>, Vec<usize>> = foldhash::HashMap::default();
    for (i, a) in aggregates.iter().enumerate() {
        aggregates_by_event.entry(a.event.clone()).or_default().push(i);
    }
    if let Some(e) = graph.too_large() {
        return Err(e);
    }
    graph.finish();
    let horizon_ms = horizon(&program);
    let tests = rule_tests(&program, &campaigns, &rules, &implied);
    triggers.values_mut().for_each(|t| t.fill(&tests, &graph));
    Ok(Compiled {
        program,
        graph,
        campaigns,
        rules,
        risk,
        batches,
        triggers,
        horizon_ms,
        aggregates,
        aggregates_by_event,
    })
}
