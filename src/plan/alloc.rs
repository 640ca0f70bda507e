//! The counting rules of one stage: how many samples each entry takes, and
//! how an entry's samples split over the leaves of a composite.
//!
//! | amount        | samples taken                                  |
//! |---------------|------------------------------------------------|
//! | whole         | size                                           |
//! | `samples = N` | N                                              |
//! | `fraction = f`| round_half_even(f × size)                      |
//! | `epochs = e`  | round_half_even(e × size)                      |
//! | `weight = w`  | (budget − absolute samples) × w ÷ Σw, split by largest remainder |
//!
//! A composite taken k times its leaf amounts ÷ its size is apportioned over
//! its leaves by largest remainder in one step, from the exact shares, so
//! every leaf is within one sample of its exact share and the leaves add up
//! to k exactly however deep the nesting.

use super::expand::keep_smallest;
use super::graph::EffStage;
use super::{EntryPlan, LeafPlan, PlanOptions, Planner, StagePlan};
use crate::diag::{Diagnostic, Diagnostics};
use crate::id::Id;
use crate::num::{apportion, int, round_half_even, to_count};
use crate::recipe::{Amount, Entry};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use std::collections::BTreeMap;

/// A mix entry with the stage it was included from.
#[derive(Debug, Clone)]
pub struct Mixed {
    pub entry: Entry,
    pub from: Option<String>,
}

/// A leaf's samples summed over the entries of a stage.
#[derive(Debug, Default)]
struct LeafAcc {
    samples: Option<u64>,
    unknown: bool,
    paths: u128,
    chains: Vec<Vec<Id>>,
    approx: bool,
}

/// Samples of each entry; `None` where unknown.
pub fn entry_samples(
    planner: &Planner,
    mix: &[Mixed],
    budget: Option<u64>,
    diags: &mut Diagnostics,
) -> Vec<Option<u64>> {
    let size = |e: &Entry| planner.expansions.get(&e.dataset).size;
    let mut out: Vec<Option<u64>> = mix
        .iter()
        .map(|m| {
            let e = &m.entry;
            match &e.amount {
                Amount::Whole => size(e),
                Amount::Samples(n) => Some(*n),
                Amount::Fraction(f) | Amount::Epochs(f) => {
                    let s = size(e)?;
                    let n = to_count(&round_half_even(&(f * int(s))));
                    if n.is_none() {
                        diags.push(overflow(e, "this entry's samples"));
                    }
                    n
                }
                Amount::Weight(_) | Amount::Subset => None,
            }
        })
        .collect();
    let weighted: Vec<usize> =
        (0..mix.len()).filter(|&i| matches!(mix[i].entry.amount, Amount::Weight(_))).collect();
    if weighted.is_empty() {
        return out;
    }
    let Some(budget) = budget else {
        return out; // weights without a budget: shares are stated, counts unknown
    };
    let absolute: Vec<usize> = (0..mix.len()).filter(|i| !weighted.contains(i)).collect();
    if absolute.iter().any(|&i| out[i].is_none()) {
        return out; // the remainder of the budget is unknown, so are the weighted counts
    }
    let taken: u128 = absolute.iter().map(|&i| u128::from(out[i].unwrap_or(0))).sum();
    if taken > u128::from(budget) {
        let e = &mix[absolute[0]].entry;
        diags.push(
            Diagnostic::error(format!(
                "the stage's absolute entries take {taken} samples, more than its budget of {budget}"
            ))
            .at(Some(e.loc.clone()))
            .label("first absolute entry")
            .help("raise `budget` or take fewer samples; weighted entries share what is left"),
        );
        return out;
    }
    let rest = BigInt::from(u128::from(budget) - taken);
    let weights: Vec<&BigRational> = weighted
        .iter()
        .map(|&i| match &mix[i].entry.amount {
            Amount::Weight(w) => w,
            _ => unreachable!("filtered to weights"),
        })
        .collect();
    let sum: BigRational = weights.iter().copied().sum();
    // Ties go to the smaller dataset id; the amount breaks ties between two
    // entries of one dataset, so the order of entries never matters.
    let exact: Vec<((&str, String), BigRational)> = weighted
        .iter()
        .zip(&weights)
        .map(|(&i, &w)| {
            let key = (mix[i].entry.dataset.as_str(), mix[i].entry.amount.describe());
            (key, BigRational::from_integer(rest.clone()) * w / &sum)
        })
        .collect();
    for (&i, n) in weighted.iter().zip(apportion(&rest, &exact)) {
        out[i] = to_count(&n);
    }
    out
}

fn overflow(e: &Entry, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} overflow 64 bits"))
        .at(Some(e.loc.clone()))
        .label("too many samples")
        .help("check the figure: a count must fit in 64 bits")
}

/// Plans one stage: entries, leaves, totals and shares.
pub fn plan_stage(
    planner: &Planner,
    eff: &EffStage,
    mix: &[Mixed],
    budget: Option<u64>,
    opts: &PlanOptions,
    diags: &mut Diagnostics,
) -> Option<StagePlan> {
    let before = diags.error_count();
    let samples = entry_samples(planner, mix, budget, diags);
    let mut total: u64 = 0;
    for (m, s) in mix.iter().zip(&samples) {
        if let Some(s) = s {
            total = match total.checked_add(*s) {
                Some(t) => t,
                None => {
                    diags.push(overflow(&m.entry, "the stage's samples"));
                    return None;
                }
            };
        }
    }
    if diags.error_count() > before {
        return None;
    }
    let mut leaves: BTreeMap<Id, LeafAcc> = BTreeMap::new();
    let approx: Vec<bool> = mix.iter().map(|m| rests_on_rounded(planner, &m.entry)).collect();
    for ((m, s), a) in mix.iter().zip(&samples).zip(&approx) {
        spread(planner, &m.entry.dataset, *s, *a, &mut leaves);
    }
    let catalog = &planner.inputs.catalog;
    let share = |n: Option<u64>| n.filter(|_| total > 0).map(|n| n as f64 / total as f64);
    let epochs = |n: Option<u64>, id: &Id| {
        let size = planner.expansions.get(id).size?;
        n.map(|n| n as f64 / size as f64)
    };
    let mut entries: Vec<EntryPlan> = mix
        .iter()
        .zip(&samples)
        .zip(&approx)
        .map(|((m, &s), &approx)| EntryPlan {
            approx,
            dataset: m.entry.dataset.to_string(),
            name: catalog.get(m.entry.dataset.as_str()).map_or(String::new(), |d| d.name.clone()),
            modalities: modalities_of(catalog, &m.entry.dataset),
            languages: languages_of(catalog, &m.entry.dataset),
            take: m.entry.amount.kind().to_string(),
            amount: m.entry.amount.describe(),
            samples: s,
            epochs: epochs(s, &m.entry.dataset),
            share: share(s),
            from: m.from.clone(),
        })
        .collect();
    entries.sort_by(|a, b| {
        b.samples
            .cmp(&a.samples)
            .then_with(|| a.dataset.cmp(&b.dataset))
            .then_with(|| a.from.cmp(&b.from))
            .then_with(|| a.amount.cmp(&b.amount))
    });
    let mut warnings = Vec::new();
    let mut leaf_plans: Vec<LeafPlan> = leaves
        .into_iter()
        .map(|(id, acc)| {
            if acc.paths > 1 {
                warnings.push(double_count(&id, &acc));
            }
            let samples = if acc.unknown { None } else { acc.samples };
            LeafPlan {
                approx: acc.approx,
                name: catalog.get(id.as_str()).map_or(String::new(), |d| d.name.clone()),
                modalities: modalities_of(catalog, &id),
                languages: languages_of(catalog, &id),
                samples,
                epochs: epochs(samples, &id),
                share: share(samples),
                via: acc.chains.first().map_or(vec![], |c| c.iter().map(Id::to_string).collect()),
                paths: acc.paths,
                batch: None,
                dataset: id.to_string(),
            }
        })
        .collect();
    leaf_plans.sort_by(|a, b| b.samples.cmp(&a.samples).then_with(|| a.dataset.cmp(&b.dataset)));
    let complete = samples.iter().all(Option::is_some);
    if let Some(st) = eff.stage.stated.as_ref().filter(|s| complete && !s.figure.covers(total)) {
        let said = st.text.as_ref().map_or(String::new(), |t| format!(" as `{t}`"));
        warnings.push(format!(
            "the plan counts {total} samples; the stage's source states {}{said}",
            st.figure.value
        ));
    }
    if !complete {
        let unknown: Vec<String> =
            entries.iter().filter(|e| e.samples.is_none()).map(|e| format!("`{}`", e.dataset)).collect();
        warnings.push(format!(
            "unknown size: {}; the stage total counts the known part only",
            unknown.join(", ")
        ));
    }
    let mut stage = StagePlan {
        id: eff.stage.id.to_string(),
        kind: eff.stage.kind,
        after: eff.stage.after.iter().map(|(a, _)| a.to_string()).collect(),
        include: eff.stage.include.as_ref().map(ToString::to_string),
        defined_in: eff.owner.to_string(),
        trainable: eff.stage.trainable.clone(),
        budget,
        stated_samples: eff.stage.stated.as_ref().map(|s| s.figure.value),
        stated_as: eff.stage.stated.as_ref().and_then(|s| s.text.clone()),
        training: eff.stage.training.clone(),
        total_samples: total,
        complete,
        entries,
        leaves: leaf_plans,
        breakdown: Default::default(),
        effective_datasets: None,
        warnings,
    };
    super::stats::finish_stage(planner, &mut stage, opts);
    Some(stage)
}

/// Splits an entry's samples over the leaves of its dataset.
/// An entry's count rests on a rounded figure when it takes a share of a
/// dataset whose size is rounded (`samples = N` and weights do not).
fn rests_on_rounded(planner: &Planner, e: &Entry) -> bool {
    matches!(e.amount, Amount::Whole | Amount::Fraction(_) | Amount::Epochs(_))
        && planner.expansions.get(&e.dataset).approx
}

fn spread(
    planner: &Planner,
    dataset: &Id,
    samples: Option<u64>,
    approx: bool,
    leaves: &mut BTreeMap<Id, LeafAcc>,
) {
    let exp = planner.expansions.get(dataset);
    let is_leaf = exp.leaves.len() == 1 && exp.leaves.contains_key(dataset);
    let counts: BTreeMap<&Id, Option<u64>> = match (samples, exp.size) {
        (Some(k), _) if is_leaf => BTreeMap::from([(dataset, Some(k))]),
        (Some(k), size) if exp.per_sample(size).is_some() => split(k, size, exp),
        _ => exp.leaves.keys().map(|l| (l, None)).collect(),
    };
    for (leaf, part) in &exp.leaves {
        let acc = leaves.entry(leaf.clone()).or_default();
        match counts.get(leaf).copied().flatten() {
            Some(n) => acc.samples = Some(acc.samples.unwrap_or(0).saturating_add(n)),
            None => acc.unknown = true,
        }
        acc.paths = acc.paths.saturating_add(part.paths);
        acc.approx |= approx || (part.approx && !is_leaf);
        acc.chains.extend(part.chains.iter().cloned());
        keep_smallest(&mut acc.chains);
    }
}

/// k samples of a composite of `size`: each leaf's exact share k × amount ÷
/// size, apportioned by largest remainder; leaves of unknown amount get none.
fn split(k: u64, size: Option<u64>, exp: &super::expand::Expansion) -> BTreeMap<&Id, Option<u64>> {
    let factor = exp.per_sample(size).unwrap_or_default() * int(k);
    let known: Vec<(&Id, BigRational)> =
        exp.leaves.iter().filter_map(|(id, p)| p.amount.as_ref().map(|a| (id, a * &factor))).collect();
    let exact_total: BigRational = known.iter().map(|(_, x)| x.clone()).sum();
    let total = if known.len() == exp.leaves.len() { BigInt::from(k) } else { round_half_even(&exact_total) };
    let mut out: BTreeMap<&Id, Option<u64>> = exp.leaves.keys().map(|l| (l, None)).collect();
    if total.is_zero() && known.is_empty() {
        return out;
    }
    for ((id, _), n) in known.iter().zip(apportion(&total, &known)) {
        out.insert(id, to_count(&n));
    }
    out
}

fn double_count(leaf: &Id, acc: &LeafAcc) -> String {
    let shown: Vec<String> = acc
        .chains
        .iter()
        .map(|c| {
            let mut parts: Vec<&str> = c.iter().map(Id::as_str).collect();
            parts.push(leaf.as_str());
            format!("`{}`", parts.join(" → "))
        })
        .collect();
    let more = if acc.paths > 2 { format!(" and {} more", acc.paths - 2) } else { String::new() };
    format!(
        "`{leaf}` is reached {} times in this stage ({}{more}); it is probably counted twice",
        acc.paths,
        shown.join(" and "),
    )
}

fn modalities_of(catalog: &crate::catalog::Catalog, id: &Id) -> Vec<String> {
    catalog.get(id.as_str()).map_or(vec![], |d| d.modalities.iter().map(|m| m.as_str().to_string()).collect())
}

fn languages_of(catalog: &crate::catalog::Catalog, id: &Id) -> Vec<String> {
    catalog.get(id.as_str()).map_or(vec![], |d| d.languages.clone())
}
