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

/// How many datasets a box stacks in one column before starting the next:
/// about 2·√n, since a label is some four times as wide as it is tall, so a
/// box of n datasets comes out near square (a mix of 90 is 5 columns of 19
/// rather than one column of 90); at least 6, at most 24.
fn rows(n: usize) -> usize {
    ((2.0 * (n as f64).sqrt()).ceil() as usize).clamp(6, 24)
}

/// Who draws a dataset inside their box: the one composite that contains
/// it, else the stages that use it (one box per set of stages, so a mix that
/// a later stage takes again is drawn once); a dataset in several
/// composites stands outside any box.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Owner<'a> {
    Composite(&'a str),
    Stages(Vec<&'a str>),
}

fn owners(g: &Graph) -> std::collections::BTreeMap<&str, Owner<'_>> {
    let mut parents: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    let mut users: std::collections::BTreeMap<&str, Vec<&str>> = std::collections::BTreeMap::new();
    for e in &g.edges {
        match e.kind {
            "contains" => parents.entry(e.to.as_str()).or_default().push(e.from.as_str()),
            "uses" => users.entry(e.to.as_str()).or_default().push(e.from.as_str()),
            _ => {}
        }
    }
    let order = |id: &str| g.nodes.iter().find(|n| n.id == id).and_then(|n| n.order).unwrap_or(usize::MAX);
    let mut out = std::collections::BTreeMap::new();
    for n in g.nodes.iter().filter(|n| n.kind == "dataset") {
        let p = parents.get(n.id.as_str()).map_or(&[][..], Vec::as_slice);
        match p {
            [one] => {
                out.insert(n.id.as_str(), Owner::Composite(one));
            }
            [] => {
                let mut u = users.get(n.id.as_str()).cloned().unwrap_or_default();
                u.sort_by_key(|s| (order(s), *s));
                u.dedup();
                if !u.is_empty() {
                    out.insert(n.id.as_str(), Owner::Stages(u));
                }
            }
            _ => {}
        }
    }
    out
}

/// Graphviz: left to right, the stages in training order in one box, the
/// datasets of each stage (or set of stages) in a box to their right,
/// composites as boxes of their parts, laid out in columns of [`rows`]. A
/// dataset in several composites stands outside and gets an arrow from each.
fn dot(g: &Graph) -> String {
    let owners = owners(g);
    let members = |o: &Owner| -> Vec<&Node> {
        g.nodes.iter().filter(|n| owners.get(n.id.as_str()) == Some(o)).collect()
    };
    let mut groups: Vec<&Owner> = Vec::new();
    for n in &g.nodes {
        if let Some(o @ Owner::Stages(_)) = owners.get(n.id.as_str()) {
            if !groups.contains(&o) {
                groups.push(o);
            }
        }
    }
    let order = |id: &str| g.nodes.iter().find(|n| n.id == id).and_then(|n| n.order).unwrap_or(usize::MAX);
    groups.sort_by_key(|o| match o {
        Owner::Stages(s) => (s.iter().map(|x| order(x)).collect::<Vec<_>>(), s.clone()),
        Owner::Composite(_) => (vec![], vec![]),
    });
    let label_of = |id: &str| g.nodes.iter().find(|n| n.id == id).map_or(id.to_string(), |n| n.label.clone());
    let mut out = String::new();
    let _ = writeln!(out, "digraph {:?} {{", g.recipe);
    let _ = writeln!(out, "    rankdir=LR;\n    compound=true;\n    ranksep=0.4;\n    nodesep=0.15;");
    let _ = writeln!(out, "    node [fontname=\"Helvetica\", fontsize=11, height=0.3];");
    let _ = writeln!(out, "    edge [fontname=\"Helvetica\", fontsize=9, arrowsize=0.6];");
    let _ = writeln!(
        out,
        "    subgraph cluster_stages {{\n        label=\"training order\";\n        style=rounded;"
    );
    let stage_attrs = "shape=box, style=\"rounded,bold\"";
    for n in g.nodes.iter().filter(|n| n.kind == "recipe" || n.order.is_some()) {
        let shape = if n.kind == "recipe" { "shape=doubleoctagon" } else { stage_attrs };
        let _ = writeln!(out, "        {:?} [{shape}, label={:?}];", n.id, label(n));
    }
    let _ = writeln!(out, "    }}");
    // Stages of other recipes that a stage includes stand outside the order.
    for n in g.nodes.iter().filter(|n| n.kind == "stage" && n.order.is_none()) {
        let _ = writeln!(out, "    {:?} [{stage_attrs}, label={:?}];", n.id, label(n));
    }
    let mut clusters = 0usize;
    let mut invisible: Vec<(String, String)> = Vec::new();
    let mut into_mix: Vec<(String, String, usize)> = Vec::new();
    for group in groups {
        let Owner::Stages(stages) = group else { continue };
        let own = members(group);
        clusters += 1;
        let id = clusters;
        let names: Vec<String> = stages.iter().map(|s| label_of(s)).collect();
        let _ = writeln!(out, "    subgraph cluster_{id} {{");
        let _ = writeln!(
            out,
            "        label={:?};\n        style=\"rounded,dashed\";",
            format!(
                "{}: {}",
                names.join(" and "),
                crate::num::counted(own.len() as u128, "dataset", "datasets")
            )
        );
        boxes(&mut out, &own, 2, &members, &mut clusters, &mut invisible);
        grid(stages[0], &own, &mut invisible);
        let _ = writeln!(out, "    }}");
        for s in stages {
            into_mix.push((s.to_string(), own[0].id.clone(), id));
        }
    }
    for n in g.nodes.iter().filter(|n| n.kind == "dataset" && !owners.contains_key(n.id.as_str())) {
        let _ = writeln!(out, "    {:?} [{}];", n.id, dataset_attrs(n));
    }
    for e in &g.edges {
        let attrs = match e.kind {
            "then" => "style=bold".to_string(),
            "includes" => "style=dashed, label=\"includes\"".to_string(),
            "uses" if matches!(owners.get(e.to.as_str()), Some(Owner::Stages(_))) => continue,
            "contains" if owners.get(e.to.as_str()) == Some(&Owner::Composite(&e.from)) => continue,
            "uses" | "contains" => String::new(),
            other => format!("label={other:?}"),
        };
        let attrs = if attrs.is_empty() { String::new() } else { format!(" [{attrs}]") };
        let _ = writeln!(out, "    {:?} -> {:?}{attrs};", e.from, e.to);
    }
    for (stage, first, id) in into_mix {
        let _ = writeln!(out, "    {stage:?} -> {first:?} [lhead=cluster_{id}];");
    }
    for (a, b) in invisible {
        let _ = writeln!(out, "    {a:?} -> {b:?} [style=invis];");
    }
    let _ = writeln!(out, "}}");
    out
}

/// The datasets of one box; a composite with parts of its own becomes a
/// box inside it.
fn boxes<'g>(
    out: &mut String,
    list: &[&'g Node],
    depth: usize,
    members: &dyn Fn(&Owner<'g>) -> Vec<&'g Node>,
    clusters: &mut usize,
    invisible: &mut Vec<(String, String)>,
) {
    let pad = "    ".repeat(depth);
    for n in list {
        let parts = if n.composite { members(&Owner::Composite(&n.id)) } else { vec![] };
        if parts.is_empty() {
            let _ = writeln!(out, "{pad}{:?} [{}];", n.id, dataset_attrs(n));
            continue;
        }
        *clusters += 1;
        let _ = writeln!(out, "{pad}subgraph cluster_{} {{", clusters);
        let _ = writeln!(
            out,
            "{pad}    label=\"\";\n{pad}    style=\"rounded,filled\";\n{pad}    fillcolor=\"#f2f2f2\";"
        );
        let _ = writeln!(out, "{pad}    {:?} [{}];", n.id, dataset_attrs(n));
        boxes(out, &parts, depth + 1, members, clusters, invisible);
        grid(&n.id, &parts, invisible);
        let _ = writeln!(out, "{pad}}}");
    }
}

/// Invisible edges that lay `list` out in columns of [`rows`] to the right
/// of `head`.
fn grid(head: &str, list: &[&Node], invisible: &mut Vec<(String, String)>) {
    let rows = rows(list.len());
    for (i, n) in list.iter().enumerate() {
        let from = if i < rows { head.to_string() } else { list[i - rows].id.clone() };
        invisible.push((from, n.id.clone()));
    }
}

fn dataset_attrs(n: &Node) -> String {
    let shape = if n.composite { "folder" } else { "box, style=rounded" };
    format!("shape={shape}, label={:?}", label(n))
}

/// Mermaid flowchart (renders in GitHub and most Markdown viewers); a
/// composite and the parts only it contains form a subgraph.
fn mermaid(g: &Graph) -> String {
    let ids: std::collections::BTreeMap<&str, String> =
        g.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), format!("n{i}"))).collect();
    let owners = owners(g);
    let owned_by = |n: &Node, o: Option<&Owner>| match owners.get(n.id.as_str()) {
        Some(c @ Owner::Composite(_)) => Some(c) == o,
        _ => o.is_none(),
    };
    let mut out = String::from("flowchart LR\n");
    let mut subgraphs = 0;
    mermaid_nodes(&mut out, g, &ids, None, 1, &owned_by, &mut subgraphs);
    for e in &g.edges {
        let arrow = if e.kind == "includes" { "-.->" } else { "-->" };
        let _ = writeln!(out, "    {} {arrow}|{}| {}", ids[e.from.as_str()], e.kind, ids[e.to.as_str()]);
    }
    out
}

/// The nodes whose owner is `owner` (`None`: the top level), a composite
/// with parts of its own as a subgraph.
fn mermaid_nodes(
    out: &mut String,
    g: &Graph,
    ids: &std::collections::BTreeMap<&str, String>,
    owner: Option<&Owner>,
    depth: usize,
    owned_by: &dyn Fn(&Node, Option<&Owner>) -> bool,
    subgraphs: &mut usize,
) {
    let pad = "    ".repeat(depth);
    for n in g.nodes.iter().filter(|n| owned_by(n, owner)) {
        let text = label(n).replace('"', "'").replace('\n', "<br/>");
        let (open, close) = match (n.kind, n.composite) {
            ("recipe", _) => ("{{", "}}"),
            ("stage", _) => ("[", "]"),
            (_, true) => ("[[", "]]"),
            _ => ("(", ")"),
        };
        let node = format!("{}{open}\"{text}\"{close}", ids[n.id.as_str()]);
        let own = Owner::Composite(&n.id);
        if !(n.composite && g.nodes.iter().any(|m| owned_by(m, Some(&own)))) {
            let _ = writeln!(out, "{pad}{node}");
            continue;
        }
        *subgraphs += 1;
        let _ = writeln!(out, "{pad}subgraph c{subgraphs} [\" \"]");
        let _ = writeln!(out, "{pad}    {node}");
        mermaid_nodes(out, g, ids, Some(&own), depth + 1, owned_by, subgraphs);
        let _ = writeln!(out, "{pad}end");
    }
}
