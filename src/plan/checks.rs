//! The checks a practitioner wants on a plan, each with its own code:
//! stated totals, unknown and unattributed counts, empty stages, extreme
//! repetition, benchmarks used for training, data in the wrong kind of
//! stage, evaluation contamination and the license a use requires.

use super::alloc::{Mixed, Taken};
use super::expand::Split;
use super::graph::StageKey;
use super::model::{Counted, LeafRow, Totals};
use super::{PlanOptions, Planner};
use crate::catalog::license::{dataset_use, Use};
use crate::catalog::schema::DatasetStage;
use crate::catalog::{Catalog, DsId};
use crate::diag::{codes, Diagnostic, Diagnostics, Loc};
use crate::num::thousands as count;
use crate::recipe::schema::StageKind;
use crate::recipe::Amount;
use rustc_hash::{FxHashMap, FxHashSet};

/// Where the entries of a stage are written, by dataset id: of several
/// entries of one dataset, the one whose amount sorts first, so the choice
/// does not depend on the order of the entries.
struct EntryLocs<'a> {
    by_id: FxHashMap<&'a str, (String, Option<String>, &'a Loc)>,
}

impl<'a> EntryLocs<'a> {
    fn new(catalog: &'a Catalog, mix: &'a [Mixed<'a>]) -> Self {
        let mut by_id: FxHashMap<&'a str, (String, Option<String>, &'a Loc)> = FxHashMap::default();
        for m in mix {
            let key = (m.entry.amount.describe(), m.from.clone());
            let id = catalog.get(m.entry.dataset).id.as_str();
            match by_id.get(id) {
                Some((a, f, _)) if (a, f) <= (&key.0, &key.1) => {}
                _ => {
                    by_id.insert(id, (key.0, key.1, &m.entry.loc));
                }
            }
        }
        EntryLocs { by_id }
    }

    /// The entry that reaches a leaf: its outermost composite, or itself.
    fn of(&self, leaf: &LeafRow) -> Option<Loc> {
        let root = leaf.via.first().unwrap_or(&leaf.dataset);
        self.by_id.get(root.as_str()).map(|(_, _, l)| (*l).clone())
    }
}

#[allow(clippy::too_many_arguments)]
pub fn stage_warnings(
    planner: &Planner,
    key: StageKey,
    mix: &[Mixed],
    counts: &[Taken],
    totals: &Totals,
    parts: &Split,
    leaves: &[LeafRow],
    unattributed: Option<&Counted>,
    opts: &PlanOptions,
    diags: &mut Diagnostics,
) {
    let catalog = &planner.inputs.catalog;
    let stage = planner.resolved.stage(key);
    if mix.is_empty() && stage.include.is_none() {
        diags.push(
            Diagnostic::warning(codes::EMPTY_STAGE, format!("stage `{}` takes nothing", stage.id))
                .at(Some(stage.mix_loc.clone().unwrap_or_else(|| stage.loc.clone())))
                .label(if stage.mix_loc.is_some() { "empty mix" } else { "no `mix`" })
                .help("add entries to `mix`, `include` another stage, or remove the stage"),
        );
    }
    let unknown: Vec<(&Mixed, &Taken)> = mix.iter().zip(counts).filter(|(_, t)| t.taken.is_none()).collect();
    let all_weights =
        !unknown.is_empty() && unknown.iter().all(|(m, _)| matches!(m.entry.amount, Amount::Weight(_)));
    if all_weights && planner.budget_of(key).is_none() {
        diags.push(
            Diagnostic::note(
                codes::UNKNOWN_SIZE,
                "the stage states weights but no budget: the shares are known, the counts are not",
            )
            .at(Some(unknown[0].0.entry.loc.clone()))
            .label("a share of an unknown total")
            .help("add `budget = N` when a source gives the stage's size"),
        );
    } else if let Some((first, _)) = unknown.first() {
        let names: Vec<String> =
            unknown.iter().map(|(m, _)| format!("`{}`", catalog.get(m.entry.dataset).id)).collect();
        diags.push(
            Diagnostic::note(
                codes::UNKNOWN_SIZE,
                format!("unknown count: {}; the stage total is only the known part", names.join(", ")),
            )
            .at(Some(first.entry.loc.clone()))
            .label("no known size")
            .help("give the entry `samples = N` from a source, or the dataset a size in the catalog"),
        );
    }
    if let Some(u) = unattributed.filter(|u| u.unique.unwrap_or(0) > 0 || u.seen.unwrap_or(0) > 0) {
        let mut holders: Vec<&str> = parts
            .leaves
            .iter()
            .filter(|l| l.taken.is_none())
            .filter_map(|l| l.via.first().or(Some(&l.ds)).map(|d| catalog.get(*d).id.as_str()))
            .collect();
        holders.sort_unstable();
        holders.dedup();
        let which = if holders.is_empty() {
            String::new()
        } else {
            format!(
                " (parts of {} have no known size)",
                holders.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
            )
        };
        let first = holders
            .first()
            .and_then(|h| mix.iter().find(|m| catalog.get(m.entry.dataset).id.as_str() == *h))
            .map(|m| m.entry.loc.clone())
            .or_else(|| mix.first().map(|m| m.entry.loc.clone()));
        let mut d = Diagnostic::warning(
            codes::UNATTRIBUTED,
            format!(
                "{} of this stage's samples cannot be credited to a leaf dataset{which}",
                count(u.seen.unwrap_or(0)),
            ),
        )
        .at(first)
        .label("a known count over parts of unknown size")
        .note_line("breakdowns show them as `unattributed`; the stage is not complete")
        .help("give the composite's components their sizes from a source");
        for h in &holders {
            d = d.key(*h);
        }
        diags.push(d);
    }
    if let (Some(st), Some(total)) = (&stage.stated, totals.total_unique) {
        if !st.covers(total) {
            let said = st.text.as_ref().map_or(String::new(), |t| format!(" as `{t}`"));
            diags.push(
                Diagnostic::warning(
                    codes::STATED_MISMATCH,
                    format!(
                        "the plan counts {} distinct samples; the stage's source states {}{said}",
                        count(total),
                        count(u128::from(st.value))
                    ),
                )
                .at(Some(st.loc.clone()))
                .key(stage.id.to_string())
                .label("stated here")
                .help("check the parts against the source; keep a real disagreement visible and explain it in `notes`"),
            );
        }
    }
    let locs = EntryLocs::new(catalog, mix);
    epochs_warnings(&locs, stage, mix, leaves, opts, diags);
    kind_warnings(catalog, &locs, stage.kind, mix, leaves, diags);
}

fn epochs_warnings(
    locs: &EntryLocs,
    stage: &crate::recipe::Stage,
    mix: &[Mixed],
    leaves: &[LeafRow],
    opts: &PlanOptions,
    diags: &mut Diagnostics,
) {
    for l in leaves {
        let Some(e) = l.count.epochs.filter(|&e| e > opts.max_epochs) else { continue };
        diags.push(
            Diagnostic::warning(
                codes::HIGH_EPOCHS,
                format!(
                    "`{}` is seen {} times in this stage (more than {})",
                    l.dataset,
                    crate::num::decimal(e, 2),
                    crate::num::number(opts.max_epochs)
                ),
            )
            .at(locs.of(l))
            .key(l.dataset.clone())
            .label("repeated here")
            .help("check the amount and the stage's epochs; raise the threshold with `--max-epochs`"),
        );
    }
    if let Some((p, loc)) = &stage.passes {
        if p.cmp_int(1) == std::cmp::Ordering::Less && mix.iter().any(|m| m.entry.amount == Amount::Whole) {
            diags.push(
                Diagnostic::warning(
                    codes::LOW_EPOCHS,
                    format!(
                        "the stage trains for {} epochs, so datasets the mix takes whole are seen less than once",
                        crate::num::group(&p.text())
                    ),
                )
                .at(Some(loc.clone()))
                .label("less than one pass")
                .help("take part of those datasets with `fraction` instead, or check the epochs"),
            );
        }
    }
}

fn kind_warnings(
    catalog: &Catalog,
    locs: &EntryLocs,
    kind: StageKind,
    mix: &[Mixed],
    leaves: &[LeafRow],
    diags: &mut Diagnostics,
) {
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    for l in leaves {
        let Some(ix) = catalog.lookup(&l.dataset) else { continue };
        let ds = catalog.get(ix);
        if ds.is_eval_only() && seen.insert(ds.id.as_str()) {
            diags.push(
                Diagnostic::warning(
                    codes::EVAL_IN_TRAINING,
                    format!("`{}` is an evaluation benchmark (the catalog lists no training stage for it)", ds.id),
                )
                .at(locs.of(l))
                .key(ds.id.to_string())
                .label("used for training here")
                .help("train on a training split instead; if this is intended, add `allow = [\"eval-in-training\"]`"),
            );
        }
    }
    for m in mix {
        let ds = catalog.get(m.entry.dataset);
        let has = |s: DatasetStage| ds.stages.contains(&s);
        let mismatch = match kind {
            StageKind::Preference => !has(DatasetStage::Preference) && has(DatasetStage::Sft),
            StageKind::Sft | StageKind::Pretrain => {
                has(DatasetStage::Preference) && !has(DatasetStage::Sft) && !has(DatasetStage::Pretrain)
            }
        };
        if mismatch && seen.insert(ds.id.as_str()) {
            let lists: Vec<&str> = ds.stages.iter().map(|s| s.as_str()).collect();
            diags.push(
                Diagnostic::warning(
                    codes::STAGE_MISMATCH,
                    format!("`{}` is {} data, used in a {} stage", ds.id, lists.join("/"), kind.as_str()),
                )
                .at(Some(m.entry.loc.clone()))
                .key(ds.id.to_string())
                .label("here")
                .help("check the stage kind, or add the stage to the dataset's `stages` if a source says it serves it"),
            );
        }
    }
}

/// Training leaves that share a dataset, a lineage (`variant_of`) or media
/// (`image_sources`) with a benchmark the recipe reports on.
pub fn contamination(
    planner: &Planner,
    benchmarks: &[DsId],
    stages: &[(StageKey, &super::model::StagePlan)],
    diags: &mut Diagnostics,
) {
    let catalog = &planner.inputs.catalog;
    if benchmarks.is_empty() {
        return;
    }
    let mut lineage_memo: FxHashMap<DsId, Vec<DsId>> = FxHashMap::default();
    let mut lineage = |d: DsId| -> Vec<DsId> {
        lineage_memo
            .entry(d)
            .or_insert_with(|| {
                // d, then what it derives from, in order; a cycle stops it
                let mut out = vec![d];
                let mut cur = d;
                while let Some(n) = catalog.get(cur).at.variant_of_ix() {
                    if out.contains(&n) {
                        break;
                    }
                    out.push(n);
                    cur = n;
                }
                out
            })
            .clone()
    };
    let media = |line: &[DsId]| -> FxHashSet<DsId> {
        line.iter().flat_map(|d| catalog.get(*d).at.image_sources_ix().iter().copied()).collect()
    };
    for &b in benchmarks {
        let b_line = lineage(b);
        let b_media = media(&b_line);
        let b_id = &catalog.get(b).id;
        for (key, sp) in stages {
            let mix = planner.mix_of(*key);
            let locs = EntryLocs::new(catalog, &mix);
            for l in &sp.leaves {
                let Some(lix) = catalog.lookup(&l.dataset) else { continue };
                let l_line = lineage(lix);
                let path = {
                    let mut p = super::expand::via_parts(&l.via, l.via_omitted).join(" → ");
                    if !p.is_empty() {
                        p.push_str(" → ");
                    }
                    p.push_str(&l.dataset);
                    p
                };
                let shared_id = l_line.iter().find(|d| b_line.contains(d));
                let reason = if let Some(s) = shared_id {
                    if *s == lix && lix == b {
                        format!("`{path}` is the benchmark `{b_id}` itself")
                    } else {
                        format!(
                            "`{path}` and the benchmark `{b_id}` both derive from `{}`",
                            catalog.get(*s).id
                        )
                    }
                } else {
                    let l_media = media(&l_line);
                    let mut common: Vec<&str> =
                        l_media.intersection(&b_media).map(|m| catalog.get(*m).id.as_str()).collect();
                    if common.is_empty() {
                        continue;
                    }
                    common.sort_unstable();
                    format!(
                        "`{path}` and the benchmark `{b_id}` share media from {}",
                        common.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    )
                };
                diags.push(
                    Diagnostic::warning(codes::CONTAMINATION, format!("stage `{}`: {reason}", sp.id))
                        .at(locs.of(l))
                        .key(b_id.to_string())
                        .key(l.dataset.clone())
                        .label("trained on here")
                        .help(
                            "make sure the training data excludes the benchmark's test images and questions",
                        ),
                );
            }
        }
    }
}

/// `--require commercial`: every leaf must allow it.
pub fn require(planner: &Planner, want: Use, stages: &[&super::model::StagePlan], diags: &mut Diagnostics) {
    let catalog = &planner.inputs.catalog;
    let mut offending: std::collections::BTreeMap<Use, Vec<String>> = Default::default();
    for sp in stages {
        for l in &sp.leaves {
            let Some(ix) = catalog.lookup(&l.dataset) else { continue };
            let u = dataset_use(catalog.get(ix));
            if u < want {
                offending.entry(u).or_default().push(l.dataset.clone());
            }
        }
        if sp.unattributed.is_some() && want == Use::Commercial {
            offending.entry(Use::Unknown).or_default().push("(unattributed)".into());
        }
    }
    if offending.is_empty() {
        return;
    }
    let mut d = Diagnostic::error(
        codes::LICENSE_REQUIRED,
        format!("the plan trains on data that does not clearly allow {} use", want.as_str()),
    );
    for (u, mut ids) in offending {
        ids.sort();
        ids.dedup();
        d = d.note_line(format!("{}: {}", u.as_str(), ids.join(", ")));
    }
    diags.push(d.help("replace those datasets, or check their `license` and `generated_by` in the catalog"));
}
