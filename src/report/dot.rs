//! The dependency graph of one recipe as Graphviz DOT.

use crate::plan::graph::{Node, Resolved};
use petgraph::visit::{Dfs, EdgeRef};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// Everything the recipe depends on: its stages, the stages they include or
/// inherit, the recipes it extends, and the datasets down to the leaves.
pub fn render(resolved: &Resolved, recipe: &str) -> String {
    let Some(start) = resolved.index_of(&Node::Recipe(
        crate::id::Id::parse(recipe).unwrap_or_else(|_| crate::id::Id::parse("x").expect("valid id")),
    )) else {
        return String::new();
    };
    let g = &resolved.graph;
    let mut reach = BTreeSet::new();
    let mut dfs = Dfs::new(g, start);
    while let Some(n) = dfs.next(g) {
        reach.insert(n);
    }
    let mut nodes: Vec<(&Node, String)> = reach.iter().map(|&n| (&g[n], name(&g[n]))).collect();
    nodes.sort();
    let mut edges: Vec<(String, String, String)> = reach
        .iter()
        .flat_map(|&n| g.edges(n))
        .map(|e| (name(&g[e.source()]), name(&g[e.target()]), e.weight().kind.to_string()))
        .collect();
    edges.sort();
    let mut out = String::new();
    let _ = writeln!(out, "digraph {:?} {{", recipe);
    let _ = writeln!(out, "    rankdir=LR;");
    for (node, id) in nodes {
        let (shape, label) = match node {
            Node::Recipe(r) => ("doubleoctagon", format!("{r}")),
            Node::Stage(r, s) => ("box", format!("{r}:{s}")),
            Node::Dataset(d) => ("ellipse", format!("{d}")),
        };
        let _ = writeln!(out, "    {id:?} [shape={shape}, label={label:?}];");
    }
    for (a, b, kind) in edges {
        let _ = writeln!(out, "    {a:?} -> {b:?} [label={kind:?}];");
    }
    let _ = writeln!(out, "}}");
    out
}

fn name(n: &Node) -> String {
    match n {
        Node::Recipe(r) => format!("recipe:{r}"),
        Node::Stage(r, s) => format!("stage:{r}:{s}"),
        Node::Dataset(d) => format!("dataset:{d}"),
    }
}
