//! Target shares: counts for the entries a stage sizes that meet the
//! shares asked for (an entry's `share`, `[stage.targets]` by task tag,
//! modality or language) where the bounds allow, and come closest where
//! they do not.
//!
//! Entries that belong to the same targets form a cell. The cells' totals
//! are found first, then each cell's total is split over its entries by
//! the stage's policy ([`crate::num::waterfill`]), so a target moves whole
//! groups and never reorders the entries within one.
//!
//! - When every entry belongs wholly to at most one target (the common
//!   case: `ocr = 0.2, chart = 0.1` over datasets tagged one or the
//!   other), the totals are exact: round(share × budget) less what fixed
//!   entries already give the group, within the cell's bounds; the cell
//!   of untargeted entries takes the rest, and when its bounds cannot, the
//!   targeted cells share the difference in proportion to their targets.
//! - Otherwise (a dataset tagged `ocr` and `chart` under targets for both,
//!   or a composite partly in a group) the totals come from iterative
//!   proportional fitting from the policy's own split, then rounded by
//!   the same largest-remainder rule.
//!
//! How close the plan came is measured afterwards on the leaves
//! ([`achieved`]), so the report says what the model actually sees.

use super::sizes::Sizes;
use crate::catalog::{Catalog, Dataset, DsId};
use crate::num::{waterfill, Bound, Dec, Infeasible};
use crate::recipe::{Entry, Target, TargetKey};
use num_bigint::BigInt;
use num_rational::BigRational;
use std::cmp::Ordering;
use std::collections::BTreeMap;

/// An entry the solver sizes: its index in the mix, rate, bounds and share.
pub struct Sized {
    pub ix: usize,
    pub rate: BigRational,
    pub bound: Bound,
    pub share: Option<Dec>,
}

/// A target group: its wanted total (samples of the whole stage) and each
/// entry's part in it.
struct Group {
    share: BigRational,
    /// For each sized entry, the fraction of its samples in the group.
    member: Vec<f64>,
    /// Samples the fixed entries already give the group.
    fixed: f64,
    /// `fixed` is a whole number of samples (every fixed entry wholly in or out).
    fixed_exact: bool,
}

/// Counts for the sized entries: `rest` samples split by their rates and
/// bounds, steered to the targets.
#[allow(clippy::too_many_arguments)]
pub fn solve(
    catalog: &Catalog,
    sizes: &Sizes,
    mix: &[&Entry],
    fixed: &[(usize, u64)],
    sized: &[Sized],
    targets: &[Target],
    budget: u64,
    rest: u128,
    tie: &dyn Fn(usize, usize) -> Ordering,
) -> Result<Vec<u128>, Infeasible> {
    let rates: Vec<BigRational> = sized.iter().map(|z| z.rate.clone()).collect();
    let bounds: Vec<Bound> = sized.iter().map(|z| z.bound).collect();
    let groups = groups(catalog, sizes, mix, fixed, sized, targets);
    if groups.is_empty() {
        return waterfill(rest, &rates, &bounds, tie);
    }
    // Feasible at all? (The cells' bounds are the entries' bounds added.)
    waterfill(rest, &vec![BigRational::from_integer(1.into()); sized.len()], &bounds, |a, b| a.cmp(&b))?;
    let disjoint = groups.iter().all(|g| g.fixed_exact && g.member.iter().all(|&m| m == 0.0 || m == 1.0))
        && (0..sized.len()).all(|i| groups.iter().filter(|g| g.member[i] > 0.0).count() <= 1);
    // cells: entries with the same membership, keyed by it
    let mut cells: BTreeMap<Vec<u64>, Vec<usize>> = BTreeMap::new();
    for i in 0..sized.len() {
        let key: Vec<u64> = groups.iter().map(|g| g.member[i].to_bits()).collect();
        cells.entry(key).or_default().push(i);
    }
    let cells: Vec<Vec<usize>> = cells.into_values().collect();
    let cell_bounds: Vec<Bound> = cells
        .iter()
        .map(|c| Bound {
            lo: c.iter().map(|&i| bounds[i].lo).sum(),
            hi: c.iter().try_fold(0u128, |a, &i| bounds[i].hi.map(|h| a.saturating_add(h))),
        })
        .collect();
    let totals = if disjoint {
        exact_totals(&groups, &cells, &cell_bounds, budget, rest)?
    } else {
        let base = waterfill(rest, &rates, &bounds, tie)?;
        fitted_totals(&groups, &cells, &cell_bounds, &base, budget, rest)?
    };
    let mut out = vec![0u128; sized.len()];
    for (cell, total) in cells.iter().zip(totals) {
        let r: Vec<BigRational> = cell.iter().map(|&i| rates[i].clone()).collect();
        let b: Vec<Bound> = cell.iter().map(|&i| bounds[i]).collect();
        let counts = waterfill(total, &r, &b, |x, y| tie(cell[x], cell[y]))?;
        for (&i, n) in cell.iter().zip(counts) {
            out[i] = n;
        }
    }
    Ok(out)
}

/// The target groups: the stage's targets, then one per `share` entry.
fn groups(
    catalog: &Catalog,
    sizes: &Sizes,
    mix: &[&Entry],
    fixed: &[(usize, u64)],
    sized: &[Sized],
    targets: &[Target],
) -> Vec<Group> {
    let mut memo: BTreeMap<(DsId, usize), Option<f64>> = BTreeMap::new();
    let mut out = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        let mut part = |ds: DsId| -> (f64, bool) {
            let m = membership(catalog, sizes, ds, &target.key, t, &mut memo, 0);
            (m.unwrap_or(0.0), m.is_some_and(|m| m == 0.0 || m == 1.0))
        };
        let member: Vec<f64> = sized.iter().map(|z| part(mix[z.ix].dataset).0).collect();
        let mut fixed_sum = 0.0;
        let mut exact = true;
        for &(i, n) in fixed {
            let (m, whole) = part(mix[i].dataset);
            fixed_sum += m * n as f64;
            exact &= whole;
        }
        out.push(Group { share: target.share.to_rational(), member, fixed: fixed_sum, fixed_exact: exact });
    }
    for (k, z) in sized.iter().enumerate() {
        if let Some(s) = z.share {
            let member = (0..sized.len()).map(|i| if i == k { 1.0 } else { 0.0 }).collect();
            out.push(Group { share: s.to_rational(), member, fixed: 0.0, fixed_exact: true });
        }
    }
    out
}

/// Whether a dataset is in a target's group: 1 or 0 for a leaf; for a
/// composite, the part of its samples whose leaves are. `None` when a
/// component's size is unknown.
fn membership(
    catalog: &Catalog,
    sizes: &Sizes,
    ds: DsId,
    key: &TargetKey,
    t: usize,
    memo: &mut BTreeMap<(DsId, usize), Option<f64>>,
    depth: usize,
) -> Option<f64> {
    if let Some(m) = memo.get(&(ds, t)) {
        return *m;
    }
    let d = catalog.get(ds);
    let m = match &d.components {
        None => Some(if in_group(d, key) { 1.0 } else { 0.0 }),
        Some(_) if depth > 256 => None,
        Some(components) => {
            let mut sum = 0.0;
            let mut weight = 0.0;
            let mut known = true;
            for c in components {
                let Some(child) = c.child else {
                    known = false;
                    continue;
                };
                let w = c.samples.or(sizes.get(child).size);
                match (w, membership(catalog, sizes, child, key, t, memo, depth + 1)) {
                    (Some(w), Some(m)) => {
                        sum += w as f64 * m;
                        weight += w as f64;
                    }
                    _ => known = false,
                }
            }
            (known && weight > 0.0).then(|| sum / weight)
        }
    };
    memo.insert((ds, t), m);
    m
}

/// Whether a leaf dataset carries the target's tag, modality or language.
pub fn in_group(d: &Dataset, key: &TargetKey) -> bool {
    match key {
        TargetKey::Task(task) => d.tasks.contains(task),
        TargetKey::Modality(m) => d.modalities.contains(m),
        TargetKey::Language(l) => d.languages.iter().any(|x| x == l),
    }
}

/// round_half_even(share × budget) less what fixed entries give the group.
fn wanted(g: &Group, budget: u64) -> i128 {
    let w = crate::num::round_half_even(&(&g.share * BigRational::from_integer(BigInt::from(budget))));
    num_traits::ToPrimitive::to_i128(&w).unwrap_or(i128::MAX) - g.fixed.round() as i128
}

/// Cell totals when each cell is in at most one group: exact.
fn exact_totals(
    groups: &[Group],
    cells: &[Vec<usize>],
    bounds: &[Bound],
    budget: u64,
    rest: u128,
) -> Result<Vec<u128>, Infeasible> {
    let group_of = |cell: &Vec<usize>| groups.iter().position(|g| g.member[cell[0]] == 1.0);
    let mut totals: Vec<Option<u128>> = cells
        .iter()
        .zip(bounds)
        .map(|(c, b)| group_of(c).map(|g| b.clamp(wanted(&groups[g], budget).clamp(0, rest as i128) as u128)))
        .collect();
    let targeted: u128 = totals.iter().flatten().sum();
    let free = totals.iter().position(Option::is_none);
    if let Some(f) = free {
        let want = rest.saturating_sub(targeted);
        let got = bounds[f].clamp(want);
        totals[f] = Some(got);
        if got == want && targeted <= rest {
            return Ok(totals.into_iter().map(|t| t.unwrap_or(0)).collect());
        }
    } else if targeted == rest {
        return Ok(totals.into_iter().map(|t| t.unwrap_or(0)).collect());
    }
    // The untargeted entries cannot take what is left: the targeted cells
    // share the difference, in proportion to their targets.
    let free_total = free.and_then(|f| totals[f]).unwrap_or(0);
    let idx: Vec<usize> = (0..cells.len()).filter(|&k| Some(k) != free).collect();
    let rates: Vec<BigRational> = idx
        .iter()
        .map(|&k| {
            group_of(&cells[k]).map_or(BigRational::from_integer(1.into()), |g| groups[g].share.clone())
        })
        .collect();
    let b: Vec<Bound> = idx.iter().map(|&k| bounds[k]).collect();
    let split = waterfill(rest - free_total, &rates, &b, |x, y| idx[x].cmp(&idx[y]))?;
    let mut out: Vec<u128> = totals.into_iter().map(|t| t.unwrap_or(0)).collect();
    for (&k, n) in idx.iter().zip(split) {
        out[k] = n;
    }
    Ok(out)
}

/// Cell totals when groups overlap: iterative proportional fitting from
/// the policy's own split, each step kept within the cells' bounds, then
/// whole counts by largest remainder.
fn fitted_totals(
    groups: &[Group],
    cells: &[Vec<usize>],
    bounds: &[Bound],
    base: &[u128],
    budget: u64,
    rest: u128,
) -> Result<Vec<u128>, Infeasible> {
    let r = rest as f64;
    let member = |g: &Group, c: &Vec<usize>| g.member[c[0]];
    let mut c: Vec<f64> =
        cells.iter().map(|cell| cell.iter().map(|&i| base[i] as f64).sum::<f64>().max(1e-9)).collect();
    let want: Vec<f64> = groups.iter().map(|g| (wanted(g, budget) as f64).clamp(0.0, r)).collect();
    let clamp = |k: usize, x: f64| {
        let x = x.max(bounds[k].lo as f64);
        bounds[k].hi.map_or(x, |h| x.min(h as f64))
    };
    for _ in 0..500 {
        let mut worst: f64 = 0.0;
        for (g, w) in groups.iter().zip(&want) {
            let inside: f64 = cells.iter().zip(&c).map(|(cell, x)| member(g, cell) * x).sum();
            let outside: f64 = cells.iter().zip(&c).map(|(cell, x)| (1.0 - member(g, cell)) * x).sum();
            worst = worst.max((inside - w).abs());
            let f_in = if inside > 0.0 { w / inside } else { 1.0 };
            let f_out = if outside > 0.0 { (r - w) / outside } else { 1.0 };
            for (k, cell) in cells.iter().enumerate() {
                let a = member(g, cell);
                c[k] = clamp(k, c[k] * f_in.max(1e-12).powf(a) * f_out.max(1e-12).powf(1.0 - a));
            }
        }
        if worst < 1e-6 * r.max(1.0) {
            break;
        }
    }
    let rates: Vec<BigRational> = c
        .iter()
        .map(|x| BigRational::from_float(x.max(1e-9)).unwrap_or_else(|| BigRational::from_integer(1.into())))
        .collect();
    waterfill(rest, &rates, bounds, |a, b| a.cmp(&b))
}

/// How close a stage came to one target: the wanted and achieved samples
/// (per pass) among `parts` (dataset, samples), `None` for the
/// unattributed rest.
pub fn achieved(catalog: &Catalog, key: &TargetKey, parts: &[(Option<DsId>, u64)]) -> u128 {
    parts
        .iter()
        .filter(|(d, _)| d.is_some_and(|d| in_group(catalog.get(d), key)))
        .map(|(_, n)| u128::from(*n))
        .sum()
}
