//! One stage planned: its mix (with what it includes), the counts of its
//! entries, its leaves, totals, shares and breakdowns. Each stage
//! definition is planned once per run, whichever recipes inherit it.

use super::alloc::{entry_counts, Mixed, Rules, Taken};
use super::expand::{reach, split, Root, Split};
use super::graph::StageKey;
use super::model::{Counted, EntryRow, LeafRow, PathCount, StagePlan, Totals};
use super::stats::{self, Part};
use super::{checks, PlanOptions, Planner};
use crate::catalog::{Catalog, DsId};
use crate::diag::{codes, Diagnostic, Diagnostics, Loc};
use crate::num::{apportion_weights, Dec};
use crate::recipe::Entry;
use rustc_hash::FxHashMap;

/// A stage planned, or the errors that stopped it, with its warnings.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub plan: Option<StagePlan>,
    pub diags: Vec<Diagnostic>,
    /// Every dataset the stage reaches (for the relevance of diagnostics).
    pub reached: Vec<DsId>,
    /// Leaves with their seen counts, for recipe-level checks.
    pub leaf_ids: Vec<DsId>,
}

impl Planner<'_> {
    /// The stage's mix: what it includes first, then its own entries.
    pub fn mix_of(&self, key: StageKey) -> Vec<Mixed<'_>> {
        let mut chain = vec![(key, None::<String>)];
        let mut cur = key;
        while let Some(next) = self.resolved.include_of(cur) {
            let written = self.resolved.stage(cur).include.as_ref().map(ToString::to_string);
            chain.push((next, written));
            cur = next;
            if chain.len() > self.inputs.recipes.len() * 64 + 64 {
                break; // cycles are cut by the resolver; this is a guard
            }
        }
        let mut mix = Vec::new();
        for (k, from) in chain.into_iter().rev() {
            mix.extend(self.resolved.stage(k).mix.iter().map(|entry| Mixed { entry, from: from.clone() }));
        }
        // Entries from deeper includes keep the label of their first hop:
        // relabel so each names the stage that `key` includes through.
        mix
    }

    /// Its own budget, else that of the stage it includes (and so on).
    pub fn budget_of(&self, key: StageKey) -> Option<(u64, &Loc)> {
        let mut cur = Some(key);
        while let Some(k) = cur {
            if let Some((b, loc)) = &self.resolved.stage(k).budget {
                return Some((*b, loc));
            }
            cur = self.resolved.include_of(k);
        }
        None
    }

    /// Its own sampling policy, else that of the stage it includes (and so on).
    pub fn sampling_of(&self, key: StageKey) -> Option<&crate::recipe::Sampling> {
        let mut cur = Some(key);
        while let Some(k) = cur {
            if let Some(s) = &self.resolved.stage(k).sampling {
                return Some(s);
            }
            cur = self.resolved.include_of(k);
        }
        None
    }

    /// Its own targets, else those of the stage it includes (and so on).
    pub fn targets_of(&self, key: StageKey) -> &[crate::recipe::Target] {
        let mut cur = Some(key);
        while let Some(k) = cur {
            let t = &self.resolved.stage(k).targets;
            if !t.is_empty() {
                return t;
            }
            cur = self.resolved.include_of(k);
        }
        &[]
    }

    /// Plans one stage definition (memoized).
    pub fn stage_outcome(&self, key: StageKey, opts: &PlanOptions) -> std::rc::Rc<Outcome> {
        if let Some(o) = self.stages.borrow().get(&key) {
            return o.clone();
        }
        let o = std::rc::Rc::new(self.plan_stage(key, opts));
        self.stages.borrow_mut().insert(key, o.clone());
        o
    }

    fn plan_stage(&self, key: StageKey, opts: &PlanOptions) -> Outcome {
        let catalog = &self.inputs.catalog;
        let stage = self.resolved.stage(key);
        let mut diags = Diagnostics::default();
        let mix = self.mix_of(key);
        let entries: Vec<&Entry> = mix.iter().map(|m| m.entry).collect();
        let walk = reach(catalog, entries.iter().map(|e| e.dataset), &mut diags);
        self.sizes.borrow_mut().fill(catalog, &walk.postorder, &mut diags);
        let sizes = self.sizes.borrow();
        let reached = walk.postorder.clone();
        let done = |diags: Diagnostics, plan| Outcome {
            plan,
            diags: diags.into_vec(),
            reached: reached.clone(),
            leaf_ids: vec![],
        };
        if diags.has_errors() {
            return done(diags, None);
        }
        let budget = self.budget_of(key);
        let include_loc =
            stage.include.as_ref().filter(|_| stage.budget.is_none() && budget.is_some()).map(|i| &i.loc);
        let rules = Rules {
            budget,
            include: include_loc,
            sampling: self.sampling_of(key),
            targets: self.targets_of(key),
        };
        let counts = entry_counts(catalog, &sizes, &entries, &rules, &mut diags);
        if diags.has_errors() {
            return done(diags, None);
        }
        let (passes, passes_stated) = match &stage.passes {
            Some((p, _)) => (*p, true),
            None => (Dec::ONE, false),
        };
        let composite = entries.iter().any(|e| catalog.get(e.dataset).is_composite());
        let parts: Split = if composite {
            let roots: Vec<Root> = entries
                .iter()
                .zip(&counts)
                .map(|(e, t)| Root {
                    ds: e.dataset,
                    loc: Some(e.loc.clone()),
                    taken: t.taken,
                    unique: t.unique,
                    approx: t.approx,
                })
                .collect();
            split(catalog, &sizes, &walk, &roots, &mut diags)
        } else {
            flat_leaves(catalog, &entries, &counts)
        };
        // Seen: taken × passes, split in proportion when passes are fractional.
        let entry_seen = seen(passes, counts.iter().map(|t| t.taken));
        let leaf_taken: Vec<Option<u64>> =
            parts.leaves.iter().map(|l| l.taken).chain([Some(parts.unattributed_taken)]).collect();
        let mut leaf_seen = seen(passes, leaf_taken.into_iter());
        let unattr_seen = leaf_seen.pop().flatten().unwrap_or(0);
        let known_unique: u128 = counts.iter().filter_map(|t| t.unique).map(u128::from).sum();
        let known_seen: u128 = entry_seen.iter().flatten().sum();
        let all_known = counts.iter().all(|t| t.taken.is_some());
        let leaves_known = parts.leaves.iter().all(|l| l.taken.is_some());
        let totals = Totals {
            total_unique: all_known.then_some(known_unique),
            total_seen: all_known.then_some(known_seen),
            known_unique,
            known_seen,
            complete: all_known && leaves_known && parts.unattributed_taken == 0,
        };
        let share = |s: Option<u128>| s.filter(|_| known_seen > 0).map(|s| s as f64 / known_seen as f64);
        let epochs = |s: Option<u128>, ds: DsId| {
            let size = sizes.get(ds).size.filter(|&n| n > 0)?;
            s.map(|s| s as f64 / size as f64)
        };
        // under a policy a weight scales the policy's rate: no share as written
        let weight_shares = match rules.sampling {
            None => stated_weight_shares(&entries, &counts),
            Some(_) => vec![None; entries.len()],
        };
        let mut entry_rows: Vec<EntryRow> = mix
            .iter()
            .zip(&counts)
            .zip(&entry_seen)
            .enumerate()
            .map(|(i, ((m, t), &s))| {
                let ds = catalog.get(m.entry.dataset);
                EntryRow {
                    dataset: ds.id.to_string(),
                    name: ds.name.clone(),
                    take: take_of(m.entry, rules.sampling),
                    amount: amount_of(m.entry, rules.sampling),
                    count: Counted {
                        unique: t.unique,
                        seen: s,
                        approx: t.approx,
                        epochs: epochs(s, m.entry.dataset),
                        share: share(s).or(weight_shares.get(i).copied().flatten()),
                    },
                    modalities: ds.modalities.iter().map(|m| m.as_str().to_string()).collect(),
                    languages: sorted(&ds.languages),
                    from: m.from.clone(),
                    written: m.entry.amount,
                }
            })
            .collect();
        entry_rows.sort_by(|a, b| {
            b.count
                .seen
                .cmp(&a.count.seen)
                .then_with(|| a.dataset.cmp(&b.dataset))
                .then_with(|| a.from.cmp(&b.from))
                .then_with(|| a.amount.cmp(&b.amount))
        });
        let mut leaf_rows: Vec<LeafRow> = parts
            .leaves
            .iter()
            .zip(&leaf_seen)
            .map(|(l, &s)| {
                let ds = catalog.get(l.ds);
                LeafRow {
                    dataset: ds.id.to_string(),
                    name: ds.name.clone(),
                    count: Counted {
                        unique: l.unique,
                        seen: s,
                        approx: l.approx,
                        epochs: epochs(s, l.ds),
                        share: share(s),
                    },
                    via: l.via.iter().map(|v| catalog.get(*v).id.to_string()).collect(),
                    via_omitted: l.via_omitted,
                    modalities: ds.modalities.iter().map(|m| m.as_str().to_string()).collect(),
                    languages: sorted(&ds.languages),
                    paths: l.paths,
                    batch: None,
                    per_pass: l.taken,
                }
            })
            .collect();
        leaf_rows.sort_by(|a, b| b.count.seen.cmp(&a.count.seen).then_with(|| a.dataset.cmp(&b.dataset)));
        let unattributed = (parts.unattributed_taken > 0 || parts.unattributed_unique > 0).then(|| Counted {
            unique: Some(parts.unattributed_unique),
            seen: Some(unattr_seen),
            approx: parts.unattributed_approx,
            epochs: None,
            share: share(Some(unattr_seen)),
        });
        let breakdown_parts = || {
            parts
                .leaves
                .iter()
                .zip(&leaf_seen)
                .filter_map(|(l, s)| s.map(|s| Part { dataset: Some(catalog.get(l.ds)), seen: s }))
                .chain(unattributed.as_ref().and_then(|u| u.seen).map(|s| Part { dataset: None, seen: s }))
        };
        let breakdown = stats::breakdown(breakdown_parts());
        let licenses = stats::licenses(breakdown_parts());
        let owner = &self.inputs.recipes.get(key.recipe).id;
        let target_rows = target_rows(catalog, &rules, &entries, &counts, &parts, &mut diags);
        // Warnings of the stage.
        checks::stage_warnings(
            self,
            key,
            &mix,
            &counts,
            &totals,
            &parts,
            &leaf_rows,
            unattributed.as_ref(),
            opts,
            &mut diags,
        );
        if let Some(b) = opts.batch_for(stage.training.as_ref().and_then(|t| t.global_batch)) {
            for leaf in &mut leaf_rows {
                leaf.batch = leaf.count.share.and_then(|p| stats::batch_stats(b, p));
            }
            if totals.total_seen.is_some_and(|t| u128::from(b) > t) {
                diags.push(
                    Diagnostic::warning(
                        codes::BATCH_LARGER_THAN_STAGE,
                        format!(
                            "a batch of {} is larger than the stage ({})",
                            crate::num::counted(u128::from(b), "sample", "samples"),
                            crate::num::thousands(totals.total_seen.unwrap_or(0))
                        ),
                    )
                    .at(Some(stage.loc.clone())),
                );
            }
        }
        let plan = StagePlan {
            id: stage.id.to_string(),
            kind: stage.kind,
            name: stage.name.clone(),
            after: stage.after.iter().map(|(a, _)| a.to_string()).collect(),
            include: stage.include.as_ref().map(ToString::to_string),
            defined_in: owner.to_string(),
            trainable: stage.trainable.clone(),
            budget: self.budget_of(key).map(|b| b.0),
            stated_samples: stage.stated.as_ref().map(|s| s.value),
            stated_as: stage.stated.as_ref().and_then(|s| s.text.clone()),
            training: stage.training.clone(),
            passes: passes.to_f64(),
            passes_stated,
            totals,
            entries: entry_rows,
            leaves: leaf_rows,
            unattributed,
            breakdown,
            licenses,
            sampling: rules.sampling.map(|s| super::model::SamplingInfo::of(&s.policy)),
            targets: target_rows,
            compute: None,
            warnings: Vec::new(),
        };
        let leaf_ids = parts.leaves.iter().map(|l| l.ds).collect();
        Outcome { plan: Some(plan), diags: diags.into_vec(), reached, leaf_ids }
    }
}

/// `policy` for an entry a stage's policy sizes, else the amount's kind.
fn take_of(e: &Entry, sampling: Option<&crate::recipe::Sampling>) -> &'static str {
    match (e.amount, sampling) {
        (crate::recipe::Amount::Whole, Some(_)) => "policy",
        (a, _) => a.kind(),
    }
}

/// The amount as written (the policy, for an entry it sizes), with the
/// entry's bounds: `cap t=350000, max 340,000`.
fn amount_of(e: &Entry, sampling: Option<&crate::recipe::Sampling>) -> String {
    let base = match (e.amount, sampling) {
        (crate::recipe::Amount::Whole, Some(s)) => s.policy.describe(),
        (a, _) => a.describe(),
    };
    if e.bounds.is_empty() {
        base
    } else {
        format!("{base}, {}", e.bounds.describe())
    }
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// A stage without composites: its leaves are its entries, summed by dataset.
fn flat_leaves(catalog: &Catalog, entries: &[&Entry], counts: &[Taken]) -> Split {
    let mut by: FxHashMap<DsId, (Option<u64>, Option<u64>, bool, u128)> = FxHashMap::default();
    for (e, t) in entries.iter().zip(counts) {
        let slot = by.entry(e.dataset).or_insert((Some(0), Some(0), false, 0));
        slot.0 = slot.0.zip(t.taken).and_then(|(a, b)| a.checked_add(b));
        slot.1 = slot.1.zip(t.unique).and_then(|(a, b)| a.checked_add(b));
        slot.2 |= t.approx;
        slot.3 += 1;
    }
    let mut leaves: Vec<super::expand::Leaf> = by
        .into_iter()
        .map(|(ds, (taken, unique, approx, n))| super::expand::Leaf {
            ds,
            taken,
            unique,
            approx,
            via: Vec::new(),
            via_omitted: 0,
            paths: PathCount::Exact(n),
        })
        .collect();
    leaves.sort_by(|a, b| catalog.get(a.ds).id.cmp(&catalog.get(b.ds).id));
    Split { leaves, ..Default::default() }
}

/// Seen counts: taken × passes; with fractional passes the rounded total is
/// split over the parts in proportion to what they take (largest
/// remainder), so the parts add up to the total exactly.
fn seen(passes: Dec, taken: impl Iterator<Item = Option<u64>>) -> Vec<Option<u128>> {
    let taken: Vec<Option<u64>> = taken.collect();
    if passes.is_integer() {
        let p = u128::from(passes.mant) * 10u128.pow(passes.exp.max(0) as u32);
        return taken.iter().map(|t| t.map(|t| u128::from(t) * p)).collect();
    }
    let known: u128 = taken.iter().flatten().map(|&t| u128::from(t)).sum();
    let total = crate::num::round_half_even(
        &(passes.to_rational() * num_rational::BigRational::from_integer(known.into())),
    );
    let total: u128 = num_traits::ToPrimitive::to_u128(&total).unwrap_or(u128::MAX);
    let weights: Vec<u128> = taken.iter().map(|t| t.map_or(0, u128::from)).collect();
    let split = apportion_weights(total, &weights, |a, b| a.cmp(&b));
    taken.iter().zip(split).map(|(t, s)| t.map(|_| s)).collect()
}

/// Shares that the recipe states as weights when no budget turns them into
/// counts: w ÷ Σw for each entry, if every entry of the stage is weighted.
fn stated_weight_shares(entries: &[&Entry], counts: &[Taken]) -> Vec<Option<f64>> {
    let all_weighted = entries.iter().all(|e| matches!(e.amount, crate::recipe::Amount::Weight(_)));
    if !all_weighted || counts.iter().any(|t| t.taken.is_some()) {
        return vec![None; entries.len()];
    }
    let ws: Vec<f64> = entries
        .iter()
        .map(|e| match e.amount {
            crate::recipe::Amount::Weight(w) => w.to_f64(),
            _ => 0.0,
        })
        .collect();
    let sum: f64 = ws.iter().sum();
    ws.iter().map(|w| (sum > 0.0).then(|| w / sum)).collect()
}

/// How close the stage came to each target (`[stage.targets]`, an entry's
/// `share`), measured on what the model sees: leaves, per pass. A miss
/// beyond what rounding explains is a `target-missed` warning.
fn target_rows(
    catalog: &Catalog,
    rules: &Rules,
    entries: &[&Entry],
    counts: &[Taken],
    parts: &Split,
    diags: &mut Diagnostics,
) -> Vec<super::model::TargetRow> {
    let Some((budget, _)) = rules.budget else { return Vec::new() };
    let total: Option<u128> = counts.iter().map(|t| t.taken.map(u128::from)).sum();
    let wanted = |share: Dec| {
        let w = crate::num::round_half_even(&(share.to_rational() * crate::num::int(budget)));
        num_traits::ToPrimitive::to_u128(&w).unwrap_or(0)
    };
    let leaves: Option<Vec<(Option<DsId>, u64)>> = parts
        .leaves
        .iter()
        .map(|l| l.taken.map(|n| (Some(l.ds), n)))
        .chain([Some((None, parts.unattributed_taken))])
        .collect();
    let mut rows = Vec::new();
    let mut check = |label: String, share: Dec, samples: Option<u128>, slack: u128, loc: &Loc| {
        let want = wanted(share);
        let achieved = samples.zip(total).filter(|(_, t)| *t > 0).map(|(s, t)| s as f64 / t as f64);
        if let Some(s) = samples.filter(|s| s.abs_diff(want) > slack) {
            diags.push(
                Diagnostic::warning(
                    codes::TARGET_MISSED,
                    format!(
                        "target {label} = {} asks for {} samples; the plan gives {} ({})",
                        share.text(),
                        crate::num::thousands(want),
                        crate::num::thousands(s),
                        crate::num::percent(achieved)
                    ),
                )
                .at(Some(loc.clone()))
                .help("the bounds, the policy's caps or the fixed entries keep it from the target: relax them, or change the target"),
            );
        }
        rows.push(super::model::TargetRow {
            target: label,
            share: Some(share.to_f64()),
            achieved,
            samples,
            wanted: want,
        });
    };
    for t in rules.targets {
        let in_group: Vec<&(Option<DsId>, u64)> = leaves
            .iter()
            .flatten()
            .filter(|(d, _)| d.is_some_and(|d| super::targets::in_group(catalog.get(d), &t.key)))
            .collect();
        let samples = leaves.as_ref().map(|l| super::targets::achieved(catalog, &t.key, l));
        check(t.key.label(), t.share, samples, 1 + in_group.len() as u128, &t.loc);
    }
    for (e, c) in entries.iter().zip(counts) {
        if let crate::recipe::Amount::Share(s) = e.amount {
            let label = format!("entry:{}", catalog.get(e.dataset).id);
            check(label, s, c.taken.map(u128::from), 1, &e.loc);
        }
    }
    rows
}
