//! Composite datasets resolved to their leaves, once per dataset.
//!
//! Each dataset gets an [`Expansion`]: its effective size and, per leaf, how
//! many samples of that leaf it holds (an exact rational, since a composite
//! may hold a subset of a child composite), how many paths reach the leaf and
//! the two smallest chains of composites on the way. Datasets are processed
//! children first (topological order), each from its direct components only,
//! so the cost grows with the number of edges times the leaves per node,
//! never with the number of paths: 60 levels of shared diamonds (2^60 paths)
//! take a few thousand steps.

use crate::catalog::{Catalog, Dataset};
use crate::diag::{Diagnostic, Diagnostics};
use crate::id::Id;
use crate::num::int;
use crate::plan::graph::{Node, Resolved};
use num_rational::BigRational;
use num_traits::Zero;
use std::collections::BTreeMap;

/// How a leaf sits inside a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct LeafPart {
    /// Samples of the leaf the dataset holds; `None` when unknown.
    pub amount: Option<BigRational>,
    /// Number of distinct chains from the dataset down to the leaf.
    pub paths: u128,
    /// The smallest chains (at most two), each the composites passed through,
    /// starting with the dataset itself; empty for the leaf itself.
    pub chains: Vec<Vec<Id>>,
    /// The amount rests on a rounded ("about") figure.
    pub approx: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Expansion {
    /// Samples of the dataset: its own figure, or for a composite the sum of
    /// its components; the stated figure where a component is unknown, or
    /// where it is exact and the components' sum rests on rounded figures.
    pub size: Option<u64>,
    /// The size rests on a rounded ("about") figure somewhere.
    pub approx: bool,
    pub leaves: BTreeMap<Id, LeafPart>,
}

impl Expansion {
    /// What one sample of the dataset holds of each leaf: 1 ÷ the sum of the
    /// leaf amounts when all are known (so k samples split into exactly k),
    /// else 1 ÷ the size; `None` when neither is known.
    pub fn per_sample(&self, size: Option<u64>) -> Option<BigRational> {
        let all: Option<BigRational> = self.leaves.values().map(|p| p.amount.clone()).sum();
        let denom = match all {
            Some(t) if !t.is_zero() => t,
            _ => int(size.filter(|&s| s > 0)?),
        };
        Some(BigRational::from_integer(1.into()) / denom)
    }
}

/// Expansions of every dataset in the catalog.
#[derive(Debug, Default)]
pub struct Expansions {
    map: BTreeMap<Id, Expansion>,
}

impl Expansions {
    pub fn get(&self, id: &Id) -> &Expansion {
        static EMPTY: std::sync::OnceLock<Expansion> = std::sync::OnceLock::new();
        self.map.get(id).unwrap_or_else(|| EMPTY.get_or_init(Expansion::default))
    }

    /// Computes all expansions, children before parents.
    pub fn build(catalog: &Catalog, resolved: &Resolved, diags: &mut Diagnostics) -> Expansions {
        let mut out = Expansions::default();
        let order = match petgraph::algo::toposort(&resolved.graph, None) {
            Ok(order) => order,
            Err(_) => return out, // cycles were reported while building the graph
        };
        for ix in order.into_iter().rev() {
            if let Node::Dataset(id) = &resolved.graph[ix] {
                if let Some(ds) = catalog.get(id.as_str()) {
                    let exp = out.expand(catalog, ds, diags);
                    out.map.insert(id.clone(), exp);
                }
            }
        }
        out
    }

    fn expand(&self, catalog: &Catalog, ds: &Dataset, diags: &mut Diagnostics) -> Expansion {
        let Some(components) = &ds.components else {
            let part =
                LeafPart { amount: ds.samples.map(int), paths: 1, chains: vec![vec![]], approx: ds.approx };
            return Expansion {
                size: ds.samples,
                approx: ds.approx,
                leaves: BTreeMap::from([(ds.id.clone(), part)]),
            };
        };
        let mut leaves: BTreeMap<Id, LeafPart> = BTreeMap::new();
        let mut sum: Option<u64> = Some(0);
        let mut sum_approx = false;
        let mut overflow = false;
        for c in components {
            let Some(child) = catalog.resolve(&c.dataset) else { continue };
            let child_exp = self.get(&child.id);
            let held = c.samples.or(child_exp.size);
            sum_approx |= c.samples.is_none() && child_exp.approx;
            sum = match (sum, held) {
                (Some(s), Some(h)) => s.checked_add(h).or_else(|| {
                    overflow = true;
                    None
                }),
                _ => None,
            };
            for (leaf, part) in scaled(child, child_exp, c.samples) {
                merge(&mut leaves, &ds.id, leaf, part);
            }
        }
        if overflow {
            diags.push(
                Diagnostic::error(format!("the size of composite `{}` overflows 64 bits", ds.id))
                    .at(ds.components_loc.clone())
                    .label("these components add up to more than 18446744073709551615 samples")
                    .help("check the component counts"),
            );
        }
        let (size, approx) = self.check_stated(ds, sum, sum_approx, diags);
        Expansion { size, approx, leaves }
    }

    /// A stated composite size must agree with its components.
    fn check_stated(
        &self,
        ds: &Dataset,
        sum: Option<u64>,
        sum_approx: bool,
        diags: &mut Diagnostics,
    ) -> (Option<u64>, bool) {
        match (ds.samples, sum) {
            (Some(stated), Some(sum)) if stated != sum && sum_approx && !ds.approx => {
                diags.push(
                    Diagnostic::warning(format!(
                        "composite `{}` states {stated} samples; its components, some of them rounded, add up to {sum}",
                        ds.id
                    ))
                    .at(ds.samples_loc.clone())
                    .label("exact figure kept")
                    .help("the planner uses the exact figure and splits it in the components' proportions"),
                );
                (Some(stated), false)
            }
            (Some(stated), Some(sum)) if stated != sum => {
                let d = if ds.approx { Diagnostic::warning("") } else { Diagnostic::error("") };
                diags.push(Diagnostic {
                    message: format!(
                        "composite `{}` states {stated} samples but its components add up to {sum}",
                        ds.id
                    ),
                    ..d.at(ds.samples_loc.clone()).label("stated here").help(if ds.approx {
                        "the figure is marked approx; the planner uses the components' sum"
                    } else {
                        "fix the figure or a component, or set `approx = true` if the figure is rounded"
                    })
                });
                (Some(sum), sum_approx)
            }
            (_, Some(sum)) => (Some(sum), sum_approx),
            (stated, None) => (stated, ds.approx),
        }
    }
}

/// The leaves a component brings: the whole child, or `samples` of it.
fn scaled(child: &Dataset, exp: &Expansion, samples: Option<u64>) -> Vec<(Id, LeafPart)> {
    let factor = match (samples, child.is_composite(), exp.size) {
        (None, _, _) => Some(None),
        (Some(n), false, _) => {
            let part = LeafPart { amount: Some(int(n)), paths: 1, chains: vec![vec![]], approx: false };
            return vec![(child.id.clone(), part)];
        }
        (Some(n), true, size) => exp.per_sample(size).map(|f| Some(f * int(n))),
    };
    exp.leaves
        .iter()
        .map(|(leaf, part)| {
            let amount = match &factor {
                Some(None) => part.amount.clone(),
                Some(Some(f)) => part.amount.as_ref().map(|a| a * f),
                None => None,
            };
            (leaf.clone(), LeafPart { amount, ..part.clone() })
        })
        .collect()
}

/// Adds a child's leaf to the parent's, prefixing the parent's id to chains.
fn merge(leaves: &mut BTreeMap<Id, LeafPart>, parent: &Id, leaf: Id, part: LeafPart) {
    let chains: Vec<Vec<Id>> =
        part.chains.into_iter().map(|c| std::iter::once(parent.clone()).chain(c).collect()).collect();
    match leaves.get_mut(&leaf) {
        None => {
            leaves.insert(
                leaf,
                LeafPart { amount: part.amount, paths: part.paths, chains, approx: part.approx },
            );
        }
        Some(have) => {
            have.amount = match (have.amount.take(), part.amount) {
                (Some(a), Some(b)) => Some(a + b),
                _ => None,
            };
            have.paths = have.paths.saturating_add(part.paths);
            have.approx |= part.approx;
            have.chains.extend(chains);
            keep_smallest(&mut have.chains);
        }
    }
}

/// Keeps the two smallest distinct chains.
pub fn keep_smallest(chains: &mut Vec<Vec<Id>>) {
    chains.sort();
    chains.dedup();
    chains.truncate(2);
}
