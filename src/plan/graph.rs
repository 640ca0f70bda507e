//! The dependency graph: one petgraph graph over recipes, stages and
//! datasets. Edges say what must be known before what: a recipe extends a
//! recipe, a stage comes after a stage, includes a stage, inherits a stage
//! from the parent recipe, uses a dataset; a dataset contains a dataset.
//!
//! Cycles are rejected with the whole cycle spelled out (`tarjan_scc` finds
//! the strongly connected parts; a walk inside one recovers the path).

use crate::diag::{Diagnostic, Diagnostics, Loc};
use crate::id::Id;
use crate::load::Inputs;
use crate::recipe::{Recipe, Stage};
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Recipe(Id),
    Stage(Id, Id),
    Dataset(Id),
}

impl fmt::Display for Node {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Node::Recipe(r) => write!(f, "recipe {r}"),
            Node::Stage(r, s) => write!(f, "stage {r}:{s}"),
            Node::Dataset(d) => write!(f, "dataset {d}"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EdgeKind {
    Extends,
    Has,
    Inherits,
    After,
    Includes,
    Uses,
    Contains,
}

impl fmt::Display for EdgeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EdgeKind::Extends => "extends",
            EdgeKind::Has => "has",
            EdgeKind::Inherits => "inherits",
            EdgeKind::After => "after",
            EdgeKind::Includes => "includes",
            EdgeKind::Uses => "uses",
            EdgeKind::Contains => "contains",
        })
    }
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub kind: EdgeKind,
    pub loc: Option<Loc>,
}

/// A stage as a recipe sees it after `extends`: defined by `owner`.
#[derive(Debug, Clone)]
pub struct EffStage<'a> {
    pub owner: &'a Id,
    pub stage: &'a Stage,
}

/// The graph plus what was resolved while building it.
pub struct Resolved<'a> {
    pub graph: DiGraph<Node, Edge>,
    index: BTreeMap<Node, NodeIndex>,
    /// Each recipe's stages in training order.
    pub stages: BTreeMap<Id, Vec<EffStage<'a>>>,
    /// Cycles already reported (by their smallest node), so a second pass
    /// over the grown graph does not report them again.
    reported: BTreeSet<Node>,
}

impl<'a> Resolved<'a> {
    /// Builds the graph over everything loaded; problems go to `diags`.
    pub fn build(inputs: &'a Inputs, diags: &mut Diagnostics) -> Resolved<'a> {
        let mut r = Resolved {
            graph: DiGraph::new(),
            index: BTreeMap::new(),
            stages: BTreeMap::new(),
            reported: BTreeSet::new(),
        };
        r.add_datasets(inputs);
        for recipe in inputs.recipes.iter() {
            r.node(Node::Recipe(recipe.id.clone()));
        }
        for recipe in inputs.recipes.iter() {
            if let Some((parent, loc)) = &recipe.extends {
                if inputs.recipes.get(parent.as_str()).is_some() {
                    r.edge(
                        Node::Recipe(recipe.id.clone()),
                        Node::Recipe(parent.clone()),
                        EdgeKind::Extends,
                        Some(loc.clone()),
                    );
                } else {
                    diags.push(inputs.recipes.unknown(parent.as_str(), Some(loc.clone())));
                }
            }
        }
        let cyclic = r.report_cycles(diags);
        for recipe in inputs.recipes.iter() {
            if !cyclic.contains(&Node::Recipe(recipe.id.clone())) {
                let eff = effective_stages(inputs, recipe);
                r.stages.insert(recipe.id.clone(), eff);
            }
        }
        r.add_stage_edges(inputs, diags);
        r.report_cycles(diags);
        r.order_stages();
        r
    }

    fn node(&mut self, n: Node) -> NodeIndex {
        if let Some(&i) = self.index.get(&n) {
            return i;
        }
        let i = self.graph.add_node(n.clone());
        self.index.insert(n, i);
        i
    }

    fn edge(&mut self, from: Node, to: Node, kind: EdgeKind, loc: Option<Loc>) {
        let (a, b) = (self.node(from), self.node(to));
        self.graph.add_edge(a, b, Edge { kind, loc });
    }

    pub fn index_of(&self, n: &Node) -> Option<NodeIndex> {
        self.index.get(n).copied()
    }

    fn add_datasets(&mut self, inputs: &Inputs) {
        for ds in inputs.catalog.iter() {
            self.node(Node::Dataset(ds.id.clone()));
        }
        for ds in inputs.catalog.iter() {
            for c in ds.components.iter().flatten() {
                if let Some(child) = inputs.catalog.resolve(&c.dataset) {
                    self.edge(
                        Node::Dataset(ds.id.clone()),
                        Node::Dataset(child.id.clone()),
                        EdgeKind::Contains,
                        Some(c.dataset_loc.clone()),
                    );
                }
            }
        }
    }

    fn add_stage_edges(&mut self, inputs: &Inputs, diags: &mut Diagnostics) {
        let stages = self.stages.clone();
        for (rid, eff) in &stages {
            let ids: BTreeSet<&Id> = eff.iter().map(|e| &e.stage.id).collect();
            for e in eff {
                let me = Node::Stage(rid.clone(), e.stage.id.clone());
                self.edge(Node::Recipe(rid.clone()), me.clone(), EdgeKind::Has, None);
                if e.owner != rid {
                    let from = Node::Stage(e.owner.clone(), e.stage.id.clone());
                    self.edge(me.clone(), from, EdgeKind::Inherits, None);
                    continue;
                }
                for (after, loc) in &e.stage.after {
                    if ids.contains(after) {
                        self.edge(
                            me.clone(),
                            Node::Stage(rid.clone(), after.clone()),
                            EdgeKind::After,
                            Some(loc.clone()),
                        );
                    } else {
                        diags.push(unknown_stage(rid, after, &ids, loc));
                    }
                }
                if let Some(inc) = &e.stage.include {
                    match stages.get(&inc.recipe) {
                        Some(other) if other.iter().any(|s| s.stage.id == inc.stage) => self.edge(
                            me.clone(),
                            Node::Stage(inc.recipe.clone(), inc.stage.clone()),
                            EdgeKind::Includes,
                            Some(inc.loc.clone()),
                        ),
                        Some(other) => {
                            let ids = other.iter().map(|s| &s.stage.id).collect();
                            diags.push(unknown_stage(&inc.recipe, &inc.stage, &ids, &inc.loc));
                        }
                        None if inputs.recipes.get(inc.recipe.as_str()).is_none() => {
                            diags.push(inputs.recipes.unknown(inc.recipe.as_str(), Some(inc.loc.clone())))
                        }
                        None => {}
                    }
                }
                for entry in &e.stage.mix {
                    self.edge(
                        me.clone(),
                        Node::Dataset(entry.dataset.clone()),
                        EdgeKind::Uses,
                        Some(entry.loc.clone()),
                    );
                }
            }
        }
    }

    /// Reports every cycle once; returns the nodes that lie on one.
    fn report_cycles(&mut self, diags: &mut Diagnostics) -> BTreeSet<Node> {
        let mut on_cycle = BTreeSet::new();
        let mut sccs = petgraph::algo::tarjan_scc(&self.graph);
        sccs.iter_mut().for_each(|c| c.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b])));
        sccs.sort_by(|a, b| self.graph[a[0]].cmp(&self.graph[b[0]]));
        for scc in sccs {
            let self_loop = scc.len() == 1 && self.graph.contains_edge(scc[0], scc[0]);
            if scc.len() < 2 && !self_loop {
                continue;
            }
            on_cycle.extend(scc.iter().map(|i| self.graph[*i].clone()));
            if !self.reported.insert(self.graph[scc[0]].clone()) {
                continue;
            }
            let members: BTreeSet<NodeIndex> = scc.iter().copied().collect();
            let path = self.cycle_path(scc[0], &members);
            let names: Vec<String> = path.iter().map(|(n, _)| self.short(*n)).collect();
            let loc = path.first().and_then(|(_, e)| e.clone());
            let kind = path.first().and_then(|(n, _)| self.first_kind(*n, &members));
            diags.push(
                Diagnostic::error(format!("dependency cycle: {}", names.join(" → ")))
                    .at(loc)
                    .label(format!(
                        "first link of the cycle ({})",
                        kind.map_or("depends on".into(), |k| k.to_string())
                    ))
                    .help("a dataset, stage or recipe cannot depend on itself; remove one link of the cycle"),
            );
        }
        on_cycle
    }

    fn first_kind(&self, n: NodeIndex, members: &BTreeSet<NodeIndex>) -> Option<EdgeKind> {
        self.graph
            .edges(n)
            .filter(|e| members.contains(&e.target()))
            .min_by(|a, b| self.graph[a.target()].cmp(&self.graph[b.target()]))
            .map(|e| e.weight().kind)
    }

    /// A path from `start` back to itself inside one strongly connected part,
    /// each node with the location of the edge leaving it. Breadth-first, so
    /// the cycle shown is a shortest one; neighbours in id order.
    fn cycle_path(&self, start: NodeIndex, members: &BTreeSet<NodeIndex>) -> Vec<(NodeIndex, Option<Loc>)> {
        let mut prev: BTreeMap<NodeIndex, (NodeIndex, Option<Loc>)> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(n) = queue.pop_front() {
            let mut next: Vec<_> = self.graph.edges(n).filter(|e| members.contains(&e.target())).collect();
            next.sort_by(|a, b| self.graph[a.target()].cmp(&self.graph[b.target()]));
            for e in next {
                let t = e.target();
                if let std::collections::btree_map::Entry::Vacant(v) = prev.entry(t) {
                    v.insert((n, e.weight().loc.clone()));
                    if t == start {
                        queue.clear();
                        break;
                    }
                    queue.push_back(t);
                }
            }
        }
        // Walk back from start to start.
        let mut rev = Vec::new();
        let mut cur = start;
        while let Some((p, loc)) = prev.get(&cur).cloned() {
            rev.push((p, loc));
            cur = p;
            if cur == start || rev.len() > members.len() {
                break;
            }
        }
        rev.reverse();
        let mut path: Vec<(NodeIndex, Option<Loc>)> = rev;
        path.push((start, None));
        path
    }

    fn short(&self, n: NodeIndex) -> String {
        match &self.graph[n] {
            Node::Recipe(r) => format!("recipe `{r}`"),
            Node::Stage(r, s) => format!("`{r}:{s}`"),
            Node::Dataset(d) => format!("`{d}`"),
        }
    }

    /// Puts each recipe's stages in training order: `after` first, file
    /// order among stages that do not depend on each other.
    fn order_stages(&mut self) {
        for eff in self.stages.values_mut() {
            let pos: BTreeMap<&Id, usize> = eff.iter().enumerate().map(|(i, e)| (&e.stage.id, i)).collect();
            let deps: Vec<Vec<usize>> = eff
                .iter()
                .map(|e| e.stage.after.iter().filter_map(|(a, _)| pos.get(a).copied()).collect())
                .collect();
            let mut done = vec![false; eff.len()];
            let mut order = Vec::with_capacity(eff.len());
            while order.len() < eff.len() {
                let next = (0..eff.len()).find(|&i| !done[i] && deps[i].iter().all(|&d| done[d]));
                // A cycle among `after` was reported already; keep file order.
                let i = next.unwrap_or_else(|| (0..eff.len()).find(|&i| !done[i]).unwrap_or(0));
                done[i] = true;
                order.push(i);
            }
            let sorted: Vec<EffStage<'a>> = order.into_iter().map(|i| eff[i].clone()).collect();
            *eff = sorted;
        }
    }
}

fn unknown_stage(recipe: &Id, stage: &Id, ids: &BTreeSet<&Id>, loc: &Loc) -> Diagnostic {
    Diagnostic::error(format!("recipe `{recipe}` has no stage `{stage}`"))
        .at(Some(loc.clone()))
        .label("unknown stage")
        .maybe_help(crate::diag::suggest(stage.as_str(), ids.iter().map(|i| i.as_str())).or_else(|| {
            let list: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
            (!list.is_empty()).then(|| format!("its stages are {}", list.join(", ")))
        }))
}

/// The recipe's own stages over its parent's: a stage with the same id
/// replaces the parent's in place; new stages follow.
fn effective_stages<'a>(inputs: &'a Inputs, recipe: &'a Recipe) -> Vec<EffStage<'a>> {
    let mut chain = vec![recipe];
    let mut cur = recipe;
    while let Some(parent) = cur.extends.as_ref().and_then(|(p, _)| inputs.recipes.get(p.as_str())) {
        if chain.iter().any(|r| r.id == parent.id) {
            break;
        }
        chain.push(parent);
        cur = parent;
    }
    let mut out: Vec<EffStage<'a>> = Vec::new();
    for r in chain.into_iter().rev() {
        for s in &r.stages {
            let eff = EffStage { owner: &r.id, stage: s };
            match out.iter_mut().find(|e| e.stage.id == s.id) {
                Some(slot) => *slot = eff,
                None => out.push(eff),
            }
        }
    }
    out
}
