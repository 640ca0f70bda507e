//! From a plan to a trainer: one stage written as a trainer's own data
//! config, and trainers' configs read back as recipes.
//!
//! - [`model`]: the items every format works from and the report rows;
//! - [`paths`]: `PATHS.toml`, where the user keeps each dataset;
//! - one module per format: [`llava`] (LLaVA-NeXT data YAML), [`internvl`]
//!   (meta JSON), [`megatron`] (blend files), [`energon`] (metadatasets),
//!   [`llama_factory`] (`dataset_info.json` and data arguments), [`hf`]
//!   (`interleave_datasets` probabilities). Each also works out, by the
//!   trainer's own rounding, what its loader will make of the file;
//! - [`import`]: a LLaVA-NeXT YAML or InternVL meta JSON back into a recipe;
//! - [`schedule`]: Megatron's blend index, bit for bit, as `.npy` files.
//!
//! What the files draw: a trainer's data file describes one pass over the
//! data and its epoch flag repeats it, so the exporters write the stage's
//! count **per pass** (unique × the entry's repeats) and give the stage's
//! epochs as the flag to pass. Megatron (and Energon's weighted blend)
//! have no epochs: they draw the stage's `seen` samples.

pub mod energon;
pub mod hf;
pub mod import;
pub mod internvl;
pub mod llama_factory;
pub mod llava;
pub mod megatron;
pub mod model;
pub mod paths;
pub mod schedule;

use crate::diag::{codes, Diagnostic};
use crate::plan::StagePlan;
use crate::recipe::Amount;
use model::{Exported, Item, StageItems, Want};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::Zero;
use paths::Paths;
use std::path::{Path, PathBuf};

/// The trainer formats of `export --to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum Target {
    /// LLaVA-NeXT / LLaVA-OneVision data YAML.
    #[value(name = "llava-next")]
    LlavaNext,
    /// InternVL meta JSON.
    Internvl,
    /// Megatron-LM blend (data-args file, per-split JSON, arguments).
    Megatron,
    /// Megatron-Energon MetadatasetV2 (epochized and weighted blends).
    Energon,
    /// LLaMA-Factory dataset_info.json and data arguments.
    #[value(name = "llama-factory")]
    LlamaFactory,
    /// Hugging Face interleave_datasets probabilities.
    #[value(name = "hf-interleave")]
    HfInterleave,
}

impl Target {
    pub const ALL: [Target; 6] = [
        Target::LlavaNext,
        Target::Internvl,
        Target::Megatron,
        Target::Energon,
        Target::LlamaFactory,
        Target::HfInterleave,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::LlavaNext => "llava-next",
            Target::Internvl => "internvl",
            Target::Megatron => "megatron",
            Target::Energon => "energon",
            Target::LlamaFactory => "llama-factory",
            Target::HfInterleave => "hf-interleave",
        }
    }

    /// Whether the format writes several files (a directory).
    pub fn multi_file(self) -> bool {
        matches!(self, Target::Megatron | Target::Energon | Target::LlamaFactory)
    }
}

/// Writes `stage` in the `target` format.
pub fn export(target: Target, stage: &StageItems, paths: &Paths) -> Result<Exported, Vec<Diagnostic>> {
    export_with(target, stage, paths, megatron::SIMULATE_LIMIT)
}

/// [`export`], running Megatron's greedy index only up to `simulate`
/// sample × dataset steps (above that the report gives N · w).
pub fn export_with(
    target: Target,
    stage: &StageItems,
    paths: &Paths,
    simulate: u128,
) -> Result<Exported, Vec<Diagnostic>> {
    if stage.items.is_empty() {
        return Err(vec![Diagnostic::error(
            codes::EXPORT_UNKNOWN_COUNT,
            format!(
                "stage `{}` of `{}` takes no samples: there is nothing to export",
                stage.stage, stage.recipe
            ),
        )]);
    }
    match target {
        Target::LlavaNext => llava::export(stage, paths),
        Target::Internvl => internvl::export(stage, paths),
        Target::Megatron => megatron::export(stage, paths, simulate),
        Target::Energon => energon::export(stage, paths),
        Target::LlamaFactory => llama_factory::export(stage, paths),
        Target::HfInterleave => hf::export(stage, paths),
    }
}

/// The leaves of a planned stage as export items. A leaf of unknown count
/// that the recipe names itself keeps the recipe's amount (whole, a
/// fraction, epochs) as a ratio of its unknown size; one that cannot be
/// expressed so, and samples credited to no leaf, are errors.
pub fn items(
    recipe: &str,
    stage: &StagePlan,
    size_of: impl Fn(&str) -> (Option<u64>, bool),
) -> Result<StageItems, Vec<Diagnostic>> {
    let mut items = Vec::new();
    let mut dropped = Vec::new();
    let mut unknown = Vec::new();
    for leaf in &stage.leaves {
        let (size, size_approx) = size_of(&leaf.dataset);
        let want = match leaf.per_pass {
            Some(0) => {
                dropped.push(leaf.dataset.clone());
                continue;
            }
            Some(n) => Want::Count(n),
            None => match ratio_of(stage, leaf) {
                // a length from PATHS.toml makes the count known: the plan's rounding
                Some(q) => match size {
                    Some(s) => {
                        let n =
                            crate::num::round_half_even(&(q * BigRational::from_integer(BigInt::from(s))));
                        match num_traits::ToPrimitive::to_u64(&n) {
                            Some(0) => {
                                dropped.push(leaf.dataset.clone());
                                continue;
                            }
                            Some(n) => Want::Count(n),
                            None => {
                                unknown.push(leaf.dataset.clone());
                                continue;
                            }
                        }
                    }
                    None => Want::Ratio(q),
                },
                None => {
                    unknown.push(leaf.dataset.clone());
                    continue;
                }
            },
        };
        let seen = match (&want, leaf.count.seen) {
            (_, Some(s)) => Some(s),
            // a count known from PATHS.toml's length: the stage's passes over it
            (Want::Count(n), None) if stage.passes.fract() == 0.0 => {
                Some(u128::from(*n) * stage.passes as u128)
            }
            (Want::Count(n), None) => Some((*n as f64 * stage.passes).round() as u128),
            _ => None,
        };
        items.push(Item { id: leaf.dataset.clone(), name: leaf.name.clone(), size, size_approx, want, seen });
    }
    let mut errors = Vec::new();
    if !unknown.is_empty() {
        let mut d = Diagnostic::error(
            codes::EXPORT_UNKNOWN_COUNT,
            format!(
                "{} {} of stage `{}` {} no count a trainer file can express",
                crate::report::count(unknown.len() as u128),
                if unknown.len() == 1 { "dataset" } else { "datasets" },
                stage.id,
                if unknown.len() == 1 { "has" } else { "have" }
            ),
        )
        .help("give the sizes in the catalog, or take these datasets with `samples = N` in the recipe");
        for id in &unknown {
            d = d.note_line(format!("unknown: `{id}`"));
        }
        errors.push(d);
    }
    if let Some(u) = stage.unattributed.as_ref().filter(|u| u.seen.unwrap_or(0) > 0) {
        errors.push(
            Diagnostic::error(
                codes::EXPORT_UNKNOWN_COUNT,
                format!(
                    "{} samples of stage `{}` belong to no leaf dataset (a composite whose parts' sizes are unknown)",
                    crate::report::count(u.seen.unwrap_or(0)),
                    stage.id
                ),
            )
            .help("give the sizes of the composite's parts in the catalog"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(StageItems {
        recipe: recipe.to_string(),
        stage: stage.id.clone(),
        kind: stage.kind,
        passes: stage.passes,
        passes_stated: stage.passes_stated,
        items,
        dropped,
    })
}

/// [`items`] of stage `ix` of a plan, with sizes from `paths` (`length`)
/// or else the catalog.
pub fn items_for(
    planner: &crate::plan::Planner,
    plan: &crate::plan::Plan,
    ix: usize,
    paths: Option<&Paths>,
) -> Result<StageItems, Vec<Diagnostic>> {
    let catalog = &planner.inputs.catalog;
    let size = |id: &str| {
        if let Some(n) = paths.and_then(|p| p.length(id)) {
            return (Some(n), false);
        }
        catalog.lookup(id).map_or((None, false), |ix| {
            let s = planner.size_of(ix);
            (s.size, s.approx)
        })
    };
    items(&plan.recipe.id, &plan.stages[ix], size)
}

/// The amount of a leaf of unknown size, as a multiple of that size, when
/// every path to it is an entry of the recipe taking it whole, by a
/// fraction or by epochs.
fn ratio_of(stage: &StagePlan, leaf: &crate::plan::LeafRow) -> Option<BigRational> {
    if !leaf.via.is_empty() {
        return None;
    }
    let entries: Vec<&crate::plan::EntryRow> =
        stage.entries.iter().filter(|e| e.dataset == leaf.dataset).collect();
    if entries.is_empty() || leaf.paths != crate::plan::PathCount::Exact(entries.len() as u128) {
        return None;
    }
    let mut q = BigRational::zero();
    for e in entries {
        q += match e.written {
            Amount::Whole => BigRational::from_integer(BigInt::from(1)),
            Amount::Fraction(f) | Amount::Epochs(f) => f.to_rational(),
            _ => return None,
        };
    }
    Some(q)
}

/// The first lines of a written file: what it is and where it came from.
pub(crate) fn header(comment: &str, stage: &StageItems, what: &str) -> String {
    format!(
        "{comment} {what}\n{comment} recipe `{}`, stage `{}`; written by mixplan {} (`mixplan export --to`).\n\
         {comment} Counts are per pass over the stage's mix; the epochs are the trainer's own flag.\n",
        stage.recipe,
        stage.stage,
        env!("CARGO_PKG_VERSION")
    )
}

/// `ID: 2,000 of 20,000` for a comment line.
pub(crate) fn comment(item: &Item) -> String {
    let count = item.count().map_or_else(
        || match &item.want {
            Want::Ratio(q) => {
                format!("{} × its size", model::decimal_text(q).unwrap_or_else(|| q.to_string()))
            }
            Want::Count(n) => crate::report::count(u128::from(*n)),
        },
        |n| crate::report::count(u128::from(n)),
    );
    let size = item.size.map_or_else(|| "unknown size".into(), |s| crate::report::count(u128::from(s)));
    format!("{}: {count} of {size}", item.id).replace(['\n', '\r'], " ")
}

/// A YAML double-quoted string (JSON's escapes are YAML's too).
pub(crate) fn yaml_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// A float in its shortest exact form, never in exponent notation.
pub(crate) fn float_text(x: f64) -> String {
    format!("{x}")
}

/// Each count ÷ their sum.
pub(crate) fn probabilities(counts: &[u64]) -> Vec<f64> {
    let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
    counts.iter().map(|&c| if total == 0 { 0.0 } else { c as f64 / total as f64 }).collect()
}

/// The stage's epochs as the trainer's flag value, when they are stated.
pub(crate) fn epochs_arg(stage: &StageItems) -> Option<String> {
    stage.passes_stated.then(|| crate::report::trim_float(stage.passes))
}

pub(crate) fn epochs_note(stage: &StageItems, flag: &str) -> Vec<String> {
    match epochs_arg(stage) {
        Some(e) => {
            vec![format!("train for {} ({flag} {e})", crate::report::plural(stage.passes, "epoch", "epochs"))]
        }
        None => vec![format!("the source states no epochs: one pass assumed ({flag} 1)")],
    }
}

/// Formats that need every count.
pub(crate) fn unknown_counts(items: &[&Item], format: &str, why: &str) -> Diagnostic {
    let mut d = Diagnostic::error(
        codes::EXPORT_UNKNOWN_COUNT,
        format!(
            "the counts of {} {} of the stage are unknown: `--to {format}` cannot write {} ({why})",
            crate::report::count(items.len() as u128),
            if items.len() == 1 { "dataset" } else { "datasets" },
            if items.len() == 1 { "it" } else { "them" },
        ),
    )
    .help("give the sizes in the catalog; `--to llava-next` and `--to internvl` can write whole files and fractions of unknown size");
    for i in items {
        d = d.note_line(format!("unknown: `{}`", i.id));
    }
    d
}

pub(crate) fn cannot(item: &Item, format: &str, why: &str) -> Diagnostic {
    Diagnostic::error(
        codes::EXPORT_UNKNOWN_COUNT,
        format!("`{}` cannot be written for `--to {format}`: {why}", item.id),
    )
}

/// What an export tells on standard error: what was written, every
/// dataset whose trainer count differs from the plan, and the flags to pass.
pub fn summary(stage: &StageItems, target: Target, ex: &Exported, wrote: &[std::path::PathBuf]) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let sources = crate::diag::Sources::default();
    if !stage.dropped.is_empty() {
        let d = Diagnostic::note(
            codes::EXPORT_DROPPED,
            format!(
                "left out {} with no sample in the plan: {}",
                if stage.dropped.len() == 1 { "a dataset" } else { "datasets" },
                stage.dropped.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ")
            ),
        );
        s.push_str(&d.render(&sources));
    }
    let differing: Vec<&model::Row> = ex.rows.iter().filter(|r| r.differs()).collect();
    if !differing.is_empty() {
        let mut d = Diagnostic::warning(
            codes::TRAINER_DIFFERENCE,
            format!(
                "the trainer's loader gives {} of {} datasets another count than the plan",
                differing.len(),
                ex.rows.len()
            ),
        );
        for r in &differing {
            d = d.note_line(difference_line(r));
        }
        s.push_str(&d.render(&sources));
    }
    let unknown = ex.rows.iter().filter(|r| r.trainer.is_none()).count();
    let _ = writeln!(
        s,
        "exported stage `{}` of `{}` for {}: {} datasets ({}), {} with the planned count{}",
        stage.stage,
        stage.recipe,
        target.name(),
        ex.rows.len(),
        if ex.basis == "stage" { "whole stage" } else { "per pass" },
        ex.rows.len() - differing.len() - unknown,
        if unknown > 0 { format!(", {unknown} of unknown size") } else { String::new() }
    );
    for n in &ex.notes {
        let _ = writeln!(s, "note: {n}");
    }
    for p in wrote {
        let _ = writeln!(s, "wrote {}", p.display());
    }
    s
}

fn difference_line(r: &model::Row) -> String {
    let c = |n: Option<u128>| n.map_or_else(|| "unknown".into(), crate::report::count);
    let trainer = match r.trainer.map(|t| t.0) {
        Some(model::Trained::Exact(n)) => crate::report::count(n),
        Some(model::Trained::Expected(x)) => format!("{x:.1} expected"),
        _ => "unknown".into(),
    };
    let d = r.difference.unwrap_or(0.0);
    let diff = if r.exact { format!("{d:+}") } else { format!("{d:+.3}") };
    format!("`{}`: planned {}, trainer {trainer} ({diff}) with {}", r.dataset, c(r.planned), r.expression)
}

/// The `--report` JSON.
pub fn report_json(stage: &StageItems, target: Target, ex: &Exported) -> String {
    crate::report::json(&model::Report {
        recipe: &stage.recipe,
        stage: &stage.stage,
        format: target.name(),
        basis: ex.basis,
        passes: stage.passes,
        files: ex.files.iter().map(|f| f.name.as_str()).collect(),
        datasets: &ex.rows,
        dropped: &stage.dropped,
        differences: ex.rows.iter().filter(|r| r.differs()).count(),
        notes: &ex.notes,
    })
}

/// Writes an export's files: one file to FILE (or into DIR, or `-`);
/// several into DIR (created if missing), or all to standard output with a
/// header line each. Returns standard output and the paths written.
pub fn write_files(
    to: Target,
    files: &[model::OutFile],
    out: &Path,
) -> Result<(Vec<u8>, Vec<PathBuf>), crate::output::WriteError> {
    let werr = |op: &'static str, p: &Path, e: &dyn std::fmt::Display| crate::output::WriteError {
        op,
        path: p.to_path_buf(),
        message: e.to_string(),
    };
    if out.as_os_str() == "-" {
        if files.len() == 1 {
            return Ok((files[0].text.clone().into_bytes(), vec![]));
        }
        let mut text = String::new();
        for f in files {
            text.push_str(&format!("==> {} <==\n{}\n", f.name, f.text));
        }
        return Ok((text.into_bytes(), vec![]));
    }
    let into_dir = to.multi_file() || out.is_dir();
    if !into_dir {
        crate::output::write(out, files[0].text.clone().into_bytes())?;
        return Ok((vec![], vec![out.to_path_buf()]));
    }
    if out.exists() && !out.is_dir() {
        return Err(werr(
            "write into",
            out,
            &format!("it is a file, and `--to {}` writes a directory of files", to.name()),
        ));
    }
    std::fs::create_dir_all(out).map_err(|e| werr("create the directory", out, &e))?;
    let mut wrote = Vec::new();
    for f in files {
        let p = out.join(&f.name);
        crate::output::write(&p, f.text.clone().into_bytes())?;
        wrote.push(p);
    }
    Ok((vec![], wrote))
}

/// Why `schedule` stopped.
#[derive(Debug)]
pub enum ScheduleError {
    Io(crate::output::WriteError),
    Invalid(Box<Diagnostic>),
}

/// Writes Megatron's blend index of `stage` for `n` training samples into
/// `dir`: `dataset_index.npy` (int16), `dataset_sample_index.npy` (int64)
/// and `datasets.json`; returns the summary for standard error.
pub fn write_schedule(stage: &StageItems, n: u64, dir: &std::path::Path) -> Result<String, ScheduleError> {
    let unknown: Vec<&Item> = stage.items.iter().filter(|i| i.seen.is_none()).collect();
    if !unknown.is_empty() {
        return Err(ScheduleError::Invalid(Box::new(unknown_counts(
            &unknown,
            "megatron",
            "weights are sample counts",
        ))));
    }
    if stage.items.is_empty() {
        return Err(ScheduleError::Invalid(Box::new(Diagnostic::error(
            codes::EXPORT_UNKNOWN_COUNT,
            format!(
                "stage `{}` of `{}` takes no samples: there is nothing to blend",
                stage.stage, stage.recipe
            ),
        ))));
    }
    if stage.items.len() >= 32767 {
        return Err(ScheduleError::Invalid(Box::new(Diagnostic::error(
            codes::EXPORT_UNKNOWN_COUNT,
            format!("{} datasets: Megatron's int16 dataset index takes fewer than 32,767", stage.items.len()),
        ))));
    }
    let seen: Vec<u128> = stage.items.iter().map(|i| i.seen.unwrap_or(0)).collect();
    let blend = schedule::Blend::new(&megatron::file_weights(&seen), n);
    let werr = |op: &'static str, p: &std::path::Path, e: &dyn std::fmt::Display| {
        ScheduleError::Io(crate::output::WriteError { op, path: p.to_path_buf(), message: e.to_string() })
    };
    if dir.exists() && !dir.is_dir() {
        return Err(werr("write into", dir, &"it is a file; `schedule --out` takes a directory"));
    }
    std::fs::create_dir_all(dir).map_err(|e| werr("create the directory", dir, &e))?;
    let temp = |name: &str| {
        tempfile::Builder::new()
            .prefix(&format!(".{name}-"))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| werr("create a temporary file in", dir, &e.kind()))
    };
    let di_path = dir.join("dataset_index.npy");
    let si_path = dir.join("dataset_sample_index.npy");
    let di = temp("dataset_index")?;
    let si = temp("dataset_sample_index")?;
    let counts = {
        let mut dw = std::io::BufWriter::with_capacity(1 << 20, di.as_file());
        let mut sw = std::io::BufWriter::with_capacity(1 << 20, si.as_file());
        let total = schedule::write_indices(&blend.index_weights, blend.size, &mut dw, &mut sw)
            .map_err(|e| werr("write", &di_path, &e))?;
        use std::io::Write;
        dw.flush().map_err(|e| werr("write", &di_path, &e))?;
        sw.flush().map_err(|e| werr("write", &si_path, &e))?;
        total
    };
    let first_n = schedule::counts(&blend.index_weights, n.min(blend.size));
    di.persist(&di_path).map_err(|e| werr("replace", &di_path, &e.error))?;
    si.persist(&si_path).map_err(|e| werr("replace", &si_path, &e.error))?;
    let datasets: Vec<serde_json::Value> = stage
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            serde_json::json!({
                "index": i,
                "dataset": it.id,
                "planned": seen[i],
                "weight": blend.index_weights[i],
                "target": blend.targets[i],
                "in_index": counts[i],
                "trained": first_n[i],
            })
        })
        .collect();
    let doc = serde_json::json!({
        "recipe": stage.recipe,
        "stage": stage.stage,
        "train_samples": n,
        "size": blend.size,
        "datasets": datasets,
    });
    let json_path = dir.join("datasets.json");
    crate::output::write(&json_path, crate::report::json(&doc).into_bytes()).map_err(ScheduleError::Io)?;
    Ok(format!(
        "wrote Megatron's blend index of stage `{}` of `{}`: {} entries (the sum of ceil(N·w) for N = {}; training reads the first {}) over {} datasets\nwrote {}\nwrote {}\nwrote {}\n",
        stage.stage,
        stage.recipe,
        crate::report::count(blend.size.into()),
        crate::report::count(n.into()),
        crate::report::count(n.into()),
        stage.items.len(),
        di_path.display(),
        si_path.display(),
        json_path.display()
    ))
}
