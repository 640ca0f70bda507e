//! The dependency graph of one recipe: its stages in training order, what
//! they include and inherit, and the datasets down to the leaves; as
//! Graphviz DOT, Mermaid or JSON.

use super::{count, Format};
use crate::catalog::DsId;
use crate::diag::Diagnostics;
use crate::plan::graph::StageKey;
use crate::plan::Planner;
use crate::recipe::RecipeIx;
use serde::Serialize;
use std::collections::BTreeSet;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct Graph {
    pub recipe: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Node {
    /// `recipe:ID`, `stage:RECIPE:STAGE` or `dataset:ID`.
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    /// Training order of a stage of the recipe (from 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<usize>,
    /// A dataset's size, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    pub composite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    /// `then` (training order), `includes`, `inherits`, `uses`, `contains`.
    pub kind: &'static str,
}

/// What the recipe depends on, from the planner's resolution.
pub fn build(planner: &Planner, recipe: RecipeIx) -> Graph {
    let inputs = planner.inputs;
    let catalog = &inputs.catalog;
    let rid = planner.recipe_id(recipe).to_string();
    let mut scratch = Diagnostics::default();
    let keys = planner.resolved.effective(recipe, &mut scratch);
    let mut nodes: BTreeSet<Node> = BTreeSet::new();
    let mut edges: BTreeSet<Edge> = BTreeSet::new();
    let stage_id = |k: StageKey| format!("stage:{}", planner.resolved.stage_name(k));
    let root = format!("recipe:{rid}");
    nodes.insert(Node {
        id: root.clone(),
        kind: "recipe",
        label: rid.clone(),
        order: None,
        samples: None,
        composite: false,
    });
    let mut stage_work: Vec<StageKey> = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        let st = planner.resolved.stage(*k);
        let label = if k.recipe == recipe {
            format!("{} ({})", st.id, st.kind.as_str())
        } else {
            format!("{} ({}, from {})", st.id, st.kind.as_str(), planner.recipe_id(k.recipe))
        };
        nodes.insert(Node {
            id: stage_id(*k),
            kind: "stage",
            label,
            order: Some(i + 1),
            samples: None,
            composite: false,
        });
        if i == 0 {
            edges.insert(Edge { from: root.clone(), to: stage_id(*k), kind: "then" });
        } else {
            edges.insert(Edge { from: stage_id(keys[i - 1]), to: stage_id(*k), kind: "then" });
        }
        stage_work.push(*k);
    }
    let mut datasets: Vec<DsId> = Vec::new();
    let mut seen_stages = BTreeSet::new();
    while let Some(k) = stage_work.pop() {
        if !seen_stages.insert(k) {
            continue;
        }
        let st = planner.resolved.stage(k);
        if let Some(t) = planner.resolved.include_of(k) {
            if !keys.contains(&t) {
                let ts = planner.resolved.stage(t);
                nodes.insert(Node {
                    id: stage_id(t),
                    kind: "stage",
                    label: planner.resolved.stage_name(t) + &format!(" ({})", ts.kind.as_str()),
                    order: None,
                    samples: None,
                    composite: false,
                });
            }
            edges.insert(Edge { from: stage_id(k), to: stage_id(t), kind: "includes" });
            stage_work.push(t);
        }
        for e in &st.mix {
            edges.insert(Edge {
                from: stage_id(k),
                to: format!("dataset:{}", catalog.get(e.dataset).id),
                kind: "uses",
            });
            datasets.push(e.dataset);
        }
    }
    let walk = crate::plan::expand::reach(catalog, datasets, &mut scratch);
    for d in &walk.postorder {
        let ds = catalog.get(*d);
        nodes.insert(Node {
            id: format!("dataset:{}", ds.id),
            kind: "dataset",
            label: ds.id.to_string(),
            order: None,
            samples: planner.size_of(*d).size,
            composite: ds.is_composite(),
        });
        for c in ds.components.iter().flatten() {
            if let Some(ch) = c.child {
                edges.insert(Edge {
                    from: format!("dataset:{}", ds.id),
                    to: format!("dataset:{}", catalog.get(ch).id),
                    kind: "contains",
                });
            }
        }
    }
    Graph { recipe: rid, nodes: nodes.into_iter().collect(), edges: edges.into_iter().collect() }
}

pub fn render(g: &Graph, format: Format) -> String {
    match format {
        Format::Json => super::json(g),
        Format::Mermaid => mermaid(g),
        _ => dot(g),
    }
}

fn label(n: &Node) -> String {
    match n.samples {
        Some(s) => format!("{}\n{}", n.label, count(u128::from(s))),
        None => n.label.clone(),
    }
}

/// Graphviz: left to right, stages first and in order, composites as
/// clusters of their parts.
fn dot(g: &Graph) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "digraph {:?} {{", g.recipe);
    let _ = writeln!(out, "    rankdir=LR;\n    node [fontname=\"Helvetica\"];");
    let _ = writeln!(out, "    subgraph cluster_stages {{\n        label=\"training order\";");
    for n in g.nodes.iter().filter(|n| n.kind != "dataset") {
        let shape = if n.kind == "recipe" { "doubleoctagon" } else { "box" };
        let _ = writeln!(out, "        {:?} [shape={shape}, label={:?}];", n.id, label(n));
    }
    let _ = writeln!(out, "    }}");
    for n in g.nodes.iter().filter(|n| n.kind == "dataset") {
        let shape = if n.composite { "folder" } else { "ellipse" };
        let _ = writeln!(out, "    {:?} [shape={shape}, label={:?}];", n.id, label(n));
    }
    for e in &g.edges {
        let style = match e.kind {
            "then" => "style=bold",
            "includes" => "style=dashed",
            _ => "",
        };
        let _ = writeln!(
            out,
            "    {:?} -> {:?} [label={:?}{}{style}];",
            e.from,
            e.to,
            e.kind,
            if style.is_empty() { "" } else { ", " }
        );
    }
    let _ = writeln!(out, "}}");
    out
}

/// Mermaid flowchart (renders in GitHub and most Markdown viewers).
fn mermaid(g: &Graph) -> String {
    let ids: std::collections::BTreeMap<&str, String> =
        g.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), format!("n{i}"))).collect();
    let mut out = String::from("flowchart LR\n");
    for n in &g.nodes {
        let text = label(n).replace('"', "'").replace('\n', "<br/>");
        let (open, close) = match (n.kind, n.composite) {
            ("recipe", _) => ("{{", "}}"),
            ("stage", _) => ("[", "]"),
            (_, true) => ("[[", "]]"),
            _ => ("(", ")"),
        };
        let _ = writeln!(out, "    {}{open}\"{text}\"{close}", ids[n.id.as_str()]);
    }
    for e in &g.edges {
        let arrow = if e.kind == "includes" { "-.->" } else { "-->" };
        let _ = writeln!(out, "    {} {arrow}|{}| {}", ids[e.from.as_str()], e.kind, ids[e.to.as_str()]);
    }
    out
}
