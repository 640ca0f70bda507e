//! Composite datasets split over their leaves, once per stage, for all the
//! stage's entries together.
//!
//! The walk goes down from the entries in topological order (parents before
//! children): a composite holding n of a child passes it mass × n ÷ its
//! total, exactly, so a leaf's exact share is known however deep the
//! nesting; the exact shares are then rounded in one step (largest
//! remainder), so the leaves add up to the stage's count exactly. Cost: the
//! edges of the part of the catalog the stage reaches, never the number of
//! paths (a diamond of 1,000 levels has 2^1,000 paths and 2,000 edges).

use super::model::PathCount;
use super::sizes::Sizes;
use crate::catalog::{Catalog, DsId};
use crate::diag::{codes, Diagnostic, Diagnostics, Subject};
use crate::num::{apportion, int, scale, to_count};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use petgraph::graph::{DiGraph, NodeIndex};
use rustc_hash::{FxHashMap, FxHashSet};

/// What a walk from some datasets reaches through components.
#[derive(Debug, Default)]
pub struct Reach {
    /// Every dataset reached, children before parents.
    pub postorder: Vec<DsId>,
    /// Datasets on a cycle of components (reported).
    pub cyclic: FxHashSet<DsId>,
}

/// Walks from `roots` through components with an explicit stack. Cycles are
/// reported once each, the shortest cycle through the smallest id of each
/// strongly connected part, so the message does not depend on the order of
/// the files.
pub fn reach(catalog: &Catalog, roots: impl IntoIterator<Item = DsId>, diags: &mut Diagnostics) -> Reach {
    // 1 on the stack, 2 done
    let mut state: FxHashMap<DsId, u8> = FxHashMap::default();
    let mut out = Reach::default();
    let mut stack: Vec<(DsId, usize)> = Vec::new();
    let mut found_cycle = false;
    for root in roots {
        if state.contains_key(&root) {
            continue;
        }
        state.insert(root, 1);
        stack.push((root, 0));
        while let Some((node, i)) = stack.last_mut() {
            let node = *node;
            let comps = catalog.get(node).components.as_deref().unwrap_or(&[]);
            if *i < comps.len() {
                let child = comps[*i].child;
                *i += 1;
                if let Some(c) = child {
                    match state.get(&c) {
                        None => {
                            state.insert(c, 1);
                            stack.push((c, 0));
                        }
                        Some(1) => found_cycle = true,
                        _ => {}
                    }
                }
            } else {
                state.insert(node, 2);
                out.postorder.push(node);
                stack.pop();
            }
        }
    }
    if found_cycle {
        report_cycles(catalog, &out.postorder, &mut out.cyclic, diags);
    }
    out
}

/// The strongly connected parts of the reached sub-graph (petgraph's
/// iterative Kosaraju), each reported with a shortest cycle.
fn report_cycles(catalog: &Catalog, nodes: &[DsId], cyclic: &mut FxHashSet<DsId>, diags: &mut Diagnostics) {
    let mut g: DiGraph<DsId, ()> = DiGraph::new();
    let index: FxHashMap<DsId, NodeIndex> = nodes.iter().map(|&d| (d, g.add_node(d))).collect();
    for &d in nodes {
        for c in catalog.get(d).components.iter().flatten() {
            if let Some(t) = c.child.and_then(|ch| index.get(&ch)) {
                g.add_edge(index[&d], *t, ());
            }
        }
    }
    let mut sccs: Vec<Vec<DsId>> = petgraph::algo::kosaraju_scc(&g)
        .into_iter()
        .map(|scc| scc.into_iter().map(|n| g[n]).collect::<Vec<_>>())
        .filter(|scc: &Vec<DsId>| {
            scc.len() > 1 || catalog.get(scc[0]).components.iter().flatten().any(|c| c.child == Some(scc[0]))
        })
        .collect();
    let id = |d: DsId| catalog.get(d).id.as_str();
    for scc in &mut sccs {
        scc.sort_by(|a, b| id(*a).cmp(id(*b)));
    }
    sccs.sort_by(|a, b| id(a[0]).cmp(id(b[0])));
    for scc in sccs {
        cyclic.extend(scc.iter().copied());
        let members: FxHashSet<DsId> = scc.iter().copied().collect();
        let path = shortest_cycle(catalog, scc[0], &members);
        let names: Vec<String> = path.iter().map(|d| format!("`{}`", id(*d))).collect();
        let first = catalog.get(path[0]);
        let loc = first
            .components
            .iter()
            .flatten()
            .find(|c| c.child == path.get(1).copied())
            .map(|c| c.dataset_loc.clone());
        diags.push(
            super::graph::cycle_error(&names, loc, "contains").about(Subject::Dataset(first.id.to_string())),
        );
    }
}

/// Breadth-first from `start` back to itself inside one strongly connected
/// part; children in id order, so the cycle shown is a shortest one, always
/// the same.
fn shortest_cycle(catalog: &Catalog, start: DsId, members: &FxHashSet<DsId>) -> Vec<DsId> {
    let id = |d: DsId| catalog.get(d).id.as_str();
    let mut prev: FxHashMap<DsId, DsId> = FxHashMap::default();
    let mut queue = std::collections::VecDeque::from([start]);
    'bfs: while let Some(n) = queue.pop_front() {
        let mut next: Vec<DsId> = catalog
            .get(n)
            .components
            .iter()
            .flatten()
            .filter_map(|c| c.child)
            .filter(|c| members.contains(c))
            .collect();
        next.sort_by(|a, b| id(*a).cmp(id(*b)));
        for t in next {
            if let std::collections::hash_map::Entry::Vacant(v) = prev.entry(t) {
                v.insert(n);
                if t == start {
                    break 'bfs;
                }
                queue.push_back(t);
            }
        }
    }
    let mut rev = vec![start];
    let mut cur = start;
    while let Some(&p) = prev.get(&cur) {
        rev.push(p);
        cur = p;
        if cur == start || rev.len() > members.len() + 1 {
            break;
        }
    }
    rev.reverse();
    rev
}

/// What one entry brings to the split: its dataset and counts.
#[derive(Debug, Clone)]
pub struct Root {
    pub ds: DsId,
    /// Where the entry is written (for warnings).
    pub loc: Option<crate::diag::Loc>,
    /// Samples drawn per pass; `None` when unknown.
    pub taken: Option<u64>,
    /// Distinct samples; `None` when unknown.
    pub unique: Option<u64>,
    pub approx: bool,
}

/// One leaf dataset of a stage.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub ds: DsId,
    pub taken: Option<u64>,
    pub unique: Option<u64>,
    pub approx: bool,
    /// Composites passed through, outermost first; of a chain deeper than
    /// 2 × [`VIA_END`], the outermost and innermost [`VIA_END`] only.
    pub via: Vec<DsId>,
    /// Composites of the chain left out between the two ends of `via`.
    pub via_omitted: u32,
    pub paths: PathCount,
}

/// How many composites a leaf's chain keeps at each end. A deeper chain
/// counts the ones between, so a deep nest costs each leaf the same as a
/// shallow one (the whole chain of every leaf would be quadratic).
pub const VIA_END: usize = 8;

/// The leaves of a stage and what cannot be credited to any of them.
#[derive(Debug, Default)]
pub struct Split {
    pub leaves: Vec<Leaf>,
    pub unattributed_taken: u64,
    pub unattributed_unique: u64,
    pub unattributed_approx: bool,
}

#[derive(Debug, Clone)]
struct Node {
    ds: DsId,
    taken: BigRational,
    /// `None` while the distinct mass equals the taken mass (the common
    /// case: nothing repeated), which halves the exact arithmetic.
    unique: Option<BigRational>,
    unknown: bool,
    approx: bool,
    paths: PathCount,
    /// Depth of the best chain and the composite above on it.
    depth: u32,
    pred: Option<usize>,
    /// The first composite (local index) found to contain this node, and
    /// the first other one: enough to find one that is not `pred`, and a
    /// node costs the same however many composites hold it.
    parents: [Option<usize>; 2],
    /// How many entries name it directly.
    direct: u32,
}

/// Splits the entries of a stage over their leaves. `reach` must be the
/// walk from these entries' datasets, with sizes filled for all of it.
pub fn split(
    catalog: &Catalog,
    sizes: &Sizes,
    reach: &Reach,
    roots: &[Root],
    diags: &mut Diagnostics,
) -> Split {
    let order: Vec<DsId> =
        reach.postorder.iter().rev().copied().filter(|d| !reach.cyclic.contains(d)).collect();
    let local: FxHashMap<DsId, usize> = order.iter().enumerate().map(|(i, d)| (*d, i)).collect();
    let zero = BigRational::zero();
    let mut nodes: Vec<Node> = order
        .iter()
        .map(|&ds| Node {
            ds,
            taken: zero.clone(),
            unique: None,
            unknown: false,
            approx: false,
            paths: PathCount::Exact(0),
            depth: u32::MAX,
            pred: None,
            parents: [None; 2],
            direct: 0,
        })
        .collect();
    let mut total_taken: u128 = 0;
    let mut total_unique: u128 = 0;
    for r in roots {
        let Some(&i) = local.get(&r.ds) else { continue };
        let n = &mut nodes[i];
        match (r.taken, r.unique) {
            (Some(t), Some(u)) => {
                if t != u || n.unique.is_some() {
                    let mut un = n.unique.take().unwrap_or_else(|| n.taken.clone());
                    un += int(u);
                    n.unique = Some(un);
                }
                n.taken += int(t);
                total_taken += u128::from(t);
                total_unique += u128::from(u);
            }
            _ => n.unknown = true,
        }
        n.approx |= r.approx;
        n.paths = n.paths.plus(PathCount::Exact(1));
        n.depth = 0;
        n.direct += 1;
    }
    let mut unattr_t = zero.clone();
    let mut unattr_u = zero.clone();
    let mut unattr_approx = false;
    // Per part of the composite at hand: the child's local index, what the
    // part holds, whether that rests on a rounded size. Looked up once.
    let mut parts: Vec<(Option<usize>, Option<u64>, bool)> = Vec::new();
    for i in 0..nodes.len() {
        let ds = catalog.get(nodes[i].ds);
        let Some(components) = &ds.components else { continue };
        if nodes[i].paths == PathCount::Exact(0) && !nodes[i].unknown && nodes[i].taken.is_zero() {
            continue; // not reached by this stage's entries
        }
        let size = sizes.get(nodes[i].ds);
        // A composite's own mass is not read again once passed down; the
        // last part that takes it unchanged may take it by move.
        let mut taken = Some(std::mem::take(&mut nodes[i].taken));
        let unique = nodes[i].unique.take();
        let mut passed_t = zero.clone();
        let mut passed_u = zero.clone();
        let denom = size.denom.filter(|&d| d > 0);
        parts.clear();
        parts.extend(components.iter().map(|c| {
            let child = c.child.map(|ch| sizes.get(ch)).unwrap_or_default();
            let ci = c.child.and_then(|ch| local.get(&ch).copied());
            (ci, c.samples.or(child.size), c.samples.is_none() && child.approx)
        }));
        let (mut known_held, mut all_known, mut all_reached) = (0u128, true, true);
        for &(ci, held, _) in &parts {
            match held {
                Some(h) => known_held += u128::from(h),
                None => all_known = false,
            }
            all_reached &= ci.is_some();
        }
        let denom = denom.map(|d| u128::from(d).max(known_held));
        // Every part known and adding up to the split: nothing is left over,
        // so the rest need not be worked out.
        let whole = all_known && denom == Some(known_held) && all_reached;
        let last = parts.len() - 1;
        for (k, &(ci, held, part_approx)) in parts.iter().enumerate() {
            let Some(ci) = ci else { continue };
            let (node_unknown, node_approx, node_paths, node_depth) =
                (nodes[i].unknown, nodes[i].approx, nodes[i].paths, nodes[i].depth);
            let child = &mut nodes[ci];
            match child.parents {
                [None, _] => child.parents[0] = Some(i),
                [Some(first), None] if first != i => child.parents[1] = Some(i),
                _ => {}
            }
            child.unknown |= node_unknown;
            child.approx |= node_approx || part_approx;
            child.paths = child.paths.plus(node_paths);
            let depth = node_depth.saturating_add(1);
            let better = depth < child.depth
                || (depth == child.depth
                    && child.pred.is_some_and(|p| catalog.get(order[i]).id < catalog.get(order[p]).id));
            if better {
                child.depth = depth;
                child.pred = Some(i);
            }
            match (held, denom) {
                (Some(h), Some(d)) => {
                    // A part that is the whole (a chain of one-part
                    // composites) passes its mass on unchanged.
                    let (t, u) = if u128::from(h) == d {
                        // (after the last part of a whole split, the mass
                        // is not needed for the rest)
                        let own = if k == last && whole { taken.take() } else { taken.clone() };
                        (own.unwrap_or_default(), unique.clone())
                    } else {
                        let (h, own) = (u128::from(h), taken.as_ref().unwrap_or(&zero));
                        (scale(own, h, d), unique.as_ref().map(|u| scale(u, h, d)))
                    };
                    if !whole {
                        passed_t += &t;
                        passed_u += u.as_ref().unwrap_or(&t);
                    }
                    match (u, child.unique.as_mut()) {
                        (None, None) => {}
                        (u, _) => {
                            let mut cu = child.unique.take().unwrap_or_else(|| child.taken.clone());
                            cu += u.as_ref().unwrap_or(&t);
                            child.unique = Some(cu);
                        }
                    }
                    if child.taken.is_zero() {
                        child.taken = t;
                    } else {
                        child.taken += t;
                    }
                }
                _ => child.unknown = true,
            }
        }
        // What the known parts do not take: credited to no leaf.
        if !whole {
            let taken = taken.unwrap_or_default();
            let rest_t = &taken - &passed_t;
            let rest_u = unique.as_ref().unwrap_or(&taken) - &passed_u;
            if rest_t.is_positive() || rest_u.is_positive() {
                unattr_t += rest_t;
                unattr_u += rest_u;
                unattr_approx |= nodes[i].approx || size.approx;
            }
        }
    }
    // Leaves: the datasets reached that are not composites.
    let mut leaf_ix: Vec<usize> = (0..nodes.len())
        .filter(|&i| !catalog.get(nodes[i].ds).is_composite() && reached(&nodes[i]))
        .collect();
    leaf_ix.sort_by(|&a, &b| catalog.get(nodes[a].ds).id.cmp(&catalog.get(nodes[b].ds).id));
    // Known mass of a leaf that is also reached by an unknown path cannot
    // be shown as its count: it goes to the rest.
    for &i in &leaf_ix {
        if nodes[i].unknown {
            unattr_t += nodes[i].taken.clone();
            unattr_u += nodes[i].unique.clone().unwrap_or_else(|| nodes[i].taken.clone());
        }
    }
    let known: Vec<usize> = leaf_ix.iter().copied().filter(|&i| !nodes[i].unknown).collect();
    let round = |total: u128, masses: Vec<BigRational>, rest: BigRational| -> (Vec<Option<u64>>, u64) {
        let mut exact = masses;
        exact.push(rest);
        // The rest comes last in ties: after every leaf id.
        let n = exact.len();
        let counts = apportion(&BigInt::from(total), &exact, |a, b| {
            let key = |x: usize| {
                (x == n - 1, if x < n - 1 { catalog.get(nodes[known[x]].ds).id.as_str() } else { "" })
            };
            key(a).cmp(&key(b))
        });
        let mut out: Vec<Option<u64>> = counts.iter().map(to_count).collect();
        let rest = out.pop().flatten().unwrap_or(0);
        (out, rest)
    };
    let (taken, rest_t) =
        round(total_taken, known.iter().map(|&i| nodes[i].taken.clone()).collect(), unattr_t);
    let (unique, rest_u) = round(
        total_unique,
        known.iter().map(|&i| nodes[i].unique.clone().unwrap_or_else(|| nodes[i].taken.clone())).collect(),
        unattr_u,
    );
    let mut counts: FxHashMap<usize, (Option<u64>, Option<u64>)> = FxHashMap::default();
    for (k, &i) in known.iter().enumerate() {
        counts.insert(i, (taken[k], unique[k]));
    }
    let mut split = Split {
        leaves: Vec::with_capacity(leaf_ix.len()),
        unattributed_taken: rest_t,
        unattributed_unique: rest_u,
        unattributed_approx: unattr_approx,
    };
    let mut root_locs: FxHashMap<DsId, &crate::diag::Loc> = FxHashMap::default();
    for r in roots {
        if let Some(l) = &r.loc {
            let slot = root_locs.entry(r.ds).or_insert(l);
            if (l.file, l.span.start) < (slot.file, slot.span.start) {
                *slot = l;
            }
        }
    }
    // The node that ends the outer part of each node's best chain (at
    // depth VIA_END - 1); preds come before their nodes in `order`.
    let mut anchor: Vec<Option<usize>> = vec![None; nodes.len()];
    for i in 0..nodes.len() {
        let d = nodes[i].depth as usize;
        anchor[i] = match d.cmp(&(VIA_END - 1)) {
            std::cmp::Ordering::Less => None,
            std::cmp::Ordering::Equal => Some(i),
            std::cmp::Ordering::Greater => nodes[i].pred.and_then(|p| anchor[p]),
        };
    }
    for &i in &leaf_ix {
        let (t, u) = counts.get(&i).copied().unwrap_or((None, None));
        let n = &nodes[i];
        let (via, via_omitted) = chain(&nodes, &anchor, i);
        let top = via.first().copied().unwrap_or(n.ds);
        split.leaves.push(Leaf {
            ds: n.ds,
            taken: t,
            unique: u,
            approx: n.approx,
            via,
            via_omitted,
            paths: n.paths,
        });
        if n.paths.more_than_one() {
            let loc = roots
                .iter()
                .filter(|r| r.ds == top)
                .filter_map(|r| r.loc.clone())
                .min_by_key(|l| (l.file, l.span.start));
            diags
                .push(counted_twice(catalog, &nodes, &anchor, i).at(loc).label("reached through this entry"));
        }
    }
    split
}

fn reached(n: &Node) -> bool {
    n.paths != PathCount::Exact(0) || n.unknown || !n.taken.is_zero()
}

/// `n` steps up the best chain from node `i` (its preds), innermost first.
fn up(nodes: &[Node], i: usize, n: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut cur = nodes[i].pred;
    while let Some(p) = cur.filter(|_| out.len() < n) {
        out.push(p);
        cur = nodes[p].pred;
    }
    out
}

/// The composites on the best chain down to node `i`, outermost first, and
/// how many were left out between its two ends (see [`VIA_END`]).
fn chain(nodes: &[Node], anchor: &[Option<usize>], i: usize) -> (Vec<DsId>, u32) {
    let depth = nodes[i].depth as usize;
    let ids = |ix: Vec<usize>| ix.into_iter().rev().map(|p| nodes[p].ds);
    match anchor[i] {
        Some(a) if depth > 2 * VIA_END => {
            let mut outer = vec![a];
            outer.extend(up(nodes, a, VIA_END - 1));
            let mut out: Vec<DsId> = ids(outer).collect();
            out.extend(ids(up(nodes, i, VIA_END)));
            (out, (depth - 2 * VIA_END) as u32)
        }
        _ => (ids(up(nodes, i, usize::MAX)).collect(), 0),
    }
}

/// A chain as text: `a → b → … 12 more … → y → leaf`.
fn chain_text(catalog: &Catalog, via: &[DsId], omitted: u32, leaf: DsId) -> String {
    let mut parts: Vec<String> = via.iter().map(|d| catalog.get(*d).id.to_string()).collect();
    if omitted > 0 {
        parts.insert(VIA_END, format!("… {} more …", crate::num::thousands(u128::from(omitted))));
    }
    parts.push(catalog.get(leaf).id.to_string());
    format!("`{}`", parts.join(" → "))
}

/// A second chain to node `i`: at the lowest node of its best chain (up to
/// 2 × [`VIA_END`] levels above it) that has another way in (another
/// composite holding it, or an entry naming it directly), that way.
fn second_chain(nodes: &[Node], anchor: &[Option<usize>], i: usize) -> Option<(Vec<DsId>, u32)> {
    // Composites from the node reached so far down to the leaf, innermost first.
    let mut below: Vec<DsId> = Vec::new();
    let mut cur = i;
    for _ in 0..=2 * VIA_END {
        let n = &nodes[cur];
        if cur != i {
            below.push(n.ds);
        }
        let from_here = below.iter().rev().copied();
        if let Some(p) = n.parents.into_iter().flatten().find(|&p| Some(p) != n.pred) {
            let (mut c, omitted) = chain(nodes, anchor, p);
            c.push(nodes[p].ds);
            c.extend(from_here);
            return Some((c, omitted));
        }
        if (n.direct > 0 && n.pred.is_some()) || n.direct > 1 {
            return Some((from_here.collect(), 0));
        }
        cur = n.pred?;
    }
    None
}

fn counted_twice(catalog: &Catalog, nodes: &[Node], anchor: &[Option<usize>], i: usize) -> Diagnostic {
    let leaf = catalog.get(nodes[i].ds);
    let (via, omitted) = chain(nodes, anchor, i);
    let first = chain_text(catalog, &via, omitted, nodes[i].ds);
    let second = second_chain(nodes, anchor, i).map(|(c, o)| chain_text(catalog, &c, o, nodes[i].ds));
    let shown = match second {
        Some(s) if s != first => format!("{first} and {s}"),
        _ => first,
    };
    let more = match nodes[i].paths {
        PathCount::Exact(n) if n > 2 => format!(" and {} more", crate::num::thousands(n - 2)),
        PathCount::Over => " and more".to_string(),
        _ => String::new(),
    };
    Diagnostic::warning(
        codes::COUNTED_TWICE,
        format!(
            "`{}` is reached {} times in this stage ({shown}{more}); it is probably counted twice",
            leaf.id, nodes[i].paths
        ),
    )
    .key(leaf.id.to_string())
    .help(
        "take the leaf from one place only, or check that the composites really hold different samples of it",
    )
}

/// A leaf's chain of composites, and where the plan left some out of a
/// very deep one, `… N more …` in their place.
pub fn via_parts(v: &[String], omitted: u32) -> Vec<String> {
    let mut parts: Vec<String> = v.to_vec();
    if omitted > 0 {
        let at = VIA_END.min(parts.len());
        parts.insert(at, format!("… {} more …", crate::num::thousands(u128::from(omitted))));
    }
    parts
}
