//! Recipes side by side: datasets as rows, recipes as columns.

use super::{count, percent, table, Format};
use crate::plan::Plan;
use crate::recipe::schema::StageKind;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Compare at the level the recipes write (`entry`) or the model sees (`leaf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Entry,
    #[default]
    Leaf,
}

#[derive(Debug, Serialize)]
pub struct Comparison {
    pub recipes: Vec<String>,
    pub level: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stage_kind: Option<StageKind>,
    /// One row per dataset, ordered by how many recipes use it, then by id.
    pub rows: Vec<Row>,
    /// Samples per stage kind per recipe.
    pub totals: BTreeMap<String, BTreeMap<String, u64>>,
    /// Modality shares per recipe (over the compared stages).
    pub by_modality: BTreeMap<String, BTreeMap<String, f64>>,
    pub similarity: Vec<Pair>,
    /// Datasets used by two or more of the recipes.
    pub shared: Vec<String>,
    /// The datasets used by the most recipes (at most [`MOST_USED`]).
    pub most_used: Vec<Usage>,
}

/// How many datasets `most_used` lists.
pub const MOST_USED: usize = 15;

/// Above this many recipes the text report leaves out the dataset matrix
/// (too wide to read; CSV and JSON keep it) and lists only the most
/// similar pairs.
const WIDE: usize = 6;

#[derive(Debug, Serialize)]
pub struct Usage {
    pub dataset: String,
    /// The recipes that use it, in the order of `recipes`.
    pub recipes: Vec<String>,
    /// Its samples summed over those recipes; `None` if any is unknown.
    pub samples: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub dataset: String,
    pub used_by: usize,
    /// Per recipe, in the order of `recipes`: samples and share of its total.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Cell {
    pub samples: Option<u64>,
    pub share: Option<f64>,
    pub used: bool,
}

#[derive(Debug, Serialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    /// |A ∩ B| / |A ∪ B| over the dataset sets.
    pub jaccard: f64,
    /// Σ min(share_a, share_b) over the shared datasets: the part of the two
    /// mixes that is the same data.
    pub overlap: f64,
}

pub fn compare(plans: &[Plan], level: Level, kind: Option<StageKind>) -> Comparison {
    let mut cells: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    let mut totals: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    let mut by_modality = BTreeMap::new();
    for (i, plan) in plans.iter().enumerate() {
        let stages: Vec<_> = plan.stages.iter().filter(|s| kind.is_none_or(|k| s.kind == k)).collect();
        let sum: u64 = stages.iter().map(|s| s.total_samples).sum();
        let mut modality: BTreeMap<String, u64> = BTreeMap::new();
        for s in &plan.stages {
            *totals.entry(s.kind.as_str().into()).or_default().entry(plan.recipe.id.clone()).or_default() +=
                s.total_samples;
        }
        for s in &stages {
            let items: Vec<(&str, Option<u64>, &Vec<String>)> = match level {
                Level::Entry => {
                    s.entries.iter().map(|e| (e.dataset.as_str(), e.samples, &e.modalities)).collect()
                }
                Level::Leaf => {
                    s.leaves.iter().map(|l| (l.dataset.as_str(), l.samples, &l.modalities)).collect()
                }
            };
            for (ds, samples, mods) in items {
                let row = cells.entry(ds.to_string()).or_insert_with(|| vec![Cell::default(); plans.len()]);
                let c = &mut row[i];
                c.samples = match (c.used, c.samples, samples) {
                    (false, _, s) => s,
                    (true, Some(a), Some(b)) => Some(a + b),
                    _ => None,
                };
                c.used = true;
                if let Some(n) = samples {
                    let mut m = mods.clone();
                    m.sort();
                    *modality
                        .entry(if m.is_empty() { "unknown".into() } else { m.join("+") })
                        .or_default() += n;
                }
            }
        }
        for row in cells.values_mut() {
            let c = &mut row[i];
            c.share = c.samples.filter(|_| sum > 0).map(|n| n as f64 / sum as f64);
        }
        let known: u64 = modality.values().sum();
        by_modality.insert(
            plan.recipe.id.clone(),
            modality.into_iter().filter(|_| known > 0).map(|(k, v)| (k, v as f64 / known as f64)).collect(),
        );
    }
    let mut rows: Vec<Row> = cells
        .into_iter()
        .map(|(dataset, cells)| Row { used_by: cells.iter().filter(|c| c.used).count(), dataset, cells })
        .collect();
    rows.sort_by(|a, b| b.used_by.cmp(&a.used_by).then_with(|| a.dataset.cmp(&b.dataset)));
    let shared = rows.iter().filter(|r| r.used_by >= 2).map(|r| r.dataset.clone()).collect();
    let similarity = pairs(plans, &rows);
    let most_used = rows
        .iter()
        .filter(|r| r.used_by >= 2)
        .take(MOST_USED)
        .map(|r| Usage {
            dataset: r.dataset.clone(),
            recipes: users(plans.iter().map(|p| &p.recipe.id), &r.cells),
            samples: r.cells.iter().filter(|c| c.used).map(|c| c.samples).sum(),
        })
        .collect();
    Comparison {
        recipes: plans.iter().map(|p| p.recipe.id.clone()).collect(),
        level,
        stage_kind: kind,
        rows,
        totals,
        by_modality,
        similarity,
        shared,
        most_used,
    }
}

/// The recipes whose cell is used.
fn users<'a>(recipes: impl Iterator<Item = &'a String>, cells: &[Cell]) -> Vec<String> {
    recipes.zip(cells).filter(|(_, c)| c.used).map(|(id, _)| id.clone()).collect()
}

fn pairs(plans: &[Plan], rows: &[Row]) -> Vec<Pair> {
    let mut out = Vec::new();
    for i in 0..plans.len() {
        for j in i + 1..plans.len() {
            let a: BTreeSet<&str> =
                rows.iter().filter(|r| r.cells[i].used).map(|r| r.dataset.as_str()).collect();
            let b: BTreeSet<&str> =
                rows.iter().filter(|r| r.cells[j].used).map(|r| r.dataset.as_str()).collect();
            let union = a.union(&b).count();
            let inter = a.intersection(&b).count();
            let overlap = rows.iter().filter_map(|r| Some(r.cells[i].share?.min(r.cells[j].share?))).sum();
            out.push(Pair {
                a: plans[i].recipe.id.clone(),
                b: plans[j].recipe.id.clone(),
                jaccard: if union == 0 { 0.0 } else { inter as f64 / union as f64 },
                overlap,
            });
        }
    }
    out
}

pub fn render(c: &Comparison, format: Format) -> String {
    match format {
        Format::Json => super::json(&rounded(c)),
        Format::Csv => csv(c),
        Format::Table => text(c, false),
        Format::Md => text(c, true),
    }
}

/// Shares with 4 decimals, like the plan's JSON.
fn rounded(c: &Comparison) -> serde_json::Value {
    let mut v = serde_json::to_value(c).unwrap_or_default();
    round_floats(&mut v);
    v
}

fn round_floats(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            let r = crate::plan::round_to(n.as_f64().unwrap_or(0.0), 4);
            *v = serde_json::json!(r);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(round_floats),
        serde_json::Value::Object(o) => o.values_mut().for_each(round_floats),
        _ => {}
    }
}

fn csv(c: &Comparison) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["dataset", "used_by", "recipe", "samples", "share"]);
    for row in &c.rows {
        for (recipe, cell) in c.recipes.iter().zip(&row.cells) {
            if cell.used {
                let _ = w.write_record([
                    row.dataset.clone(),
                    row.used_by.to_string(),
                    recipe.clone(),
                    cell.samples.map(|n| n.to_string()).unwrap_or_default(),
                    cell.share.map(|s| format!("{s:.6}")).unwrap_or_default(),
                ]);
            }
        }
    }
    super::csv_text(w)
}

fn text(c: &Comparison, md: bool) -> String {
    let mut out = String::new();
    let h = if md { "## " } else { "" };
    let scope = c.stage_kind.map_or("all stages".to_string(), |k| format!("{} stages", k.as_str()));
    let level = match c.level {
        Level::Entry => "entries",
        Level::Leaf => "leaf datasets",
    };
    let wide = c.recipes.len() > WIDE;
    if wide {
        let _ = writeln!(out, "{h}Comparison of {} recipes ({scope}, {level})", c.recipes.len());
        let _ = writeln!(
            out,
            "\nThe dataset-by-recipe matrix ({} datasets) is in `--format csv` and `--format json`.",
            c.rows.len()
        );
    } else {
        let _ = writeln!(out, "{h}Comparison of {} ({scope}, {level})\n", c.recipes.join(", "));
        out.push_str(&matrix(c, md));
    }
    let _ = writeln!(out, "\n{h}Totals by stage kind\n");
    out.push_str(&totals(c, md, wide));
    let _ = writeln!(out, "\n{h}By modality\n");
    for r in &c.recipes {
        let _ = writeln!(out, "{r}: {}", c.by_modality.get(r).map_or(String::new(), super::shares_line));
    }
    if !c.similarity.is_empty() {
        out.push_str(&similarity(c, md, wide));
    }
    if wide {
        let _ = writeln!(out, "\n{h}Datasets used by the most recipes\n");
        let rows = c
            .most_used
            .iter()
            .map(|u| vec![u.dataset.clone(), u.recipes.len().to_string(), u.recipes.join(", ")])
            .collect();
        out.push_str(&table(md, &["dataset", "recipes", "used by"], rows, &[1]));
        return out;
    }
    let _ = writeln!(out, "\n{h}Shared datasets ({})\n", c.shared.len());
    if c.shared.is_empty() {
        let _ = writeln!(out, "none");
    }
    for r in c.rows.iter().filter(|r| r.used_by >= 2) {
        let _ = writeln!(out, "{}: {}", r.dataset, users(c.recipes.iter(), &r.cells).join(", "));
    }
    out
}

/// Datasets as rows, two columns (samples, share) per recipe.
fn matrix(c: &Comparison, md: bool) -> String {
    let mut header = vec!["dataset".to_string()];
    for r in &c.recipes {
        header.push(format!("{r} samples"));
        header.push("share".into());
    }
    let rows = c
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![r.dataset.clone()];
            for cell in &r.cells {
                if cell.used {
                    row.push(super::opt_count(cell.samples));
                    row.push(percent(cell.share));
                } else {
                    row.extend([String::new(), String::new()]);
                }
            }
            row
        })
        .collect();
    let numeric: Vec<usize> = (1..header.len()).collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    table(md, &header_refs, rows, &numeric)
}

/// Stage kinds as rows and recipes as columns; transposed when wide.
fn totals(c: &Comparison, md: bool, wide: bool) -> String {
    let kinds: Vec<&String> = c.totals.keys().collect();
    let cell =
        |kind: &String, recipe: &String| c.totals[kind].get(recipe).map_or(String::new(), |n| count(*n));
    if wide {
        let mut header = vec!["recipe"];
        header.extend(kinds.iter().map(|k| k.as_str()));
        let rows = c
            .recipes
            .iter()
            .map(|r| std::iter::once(r.clone()).chain(kinds.iter().map(|k| cell(k, r))).collect())
            .collect();
        return table(md, &header, rows, &(1..=kinds.len()).collect::<Vec<_>>());
    }
    let mut header = vec!["stage kind"];
    header.extend(c.recipes.iter().map(String::as_str));
    let rows = kinds
        .iter()
        .map(|k| std::iter::once((*k).clone()).chain(c.recipes.iter().map(|r| cell(k, r))).collect())
        .collect();
    table(md, &header, rows, &(1..=c.recipes.len()).collect::<Vec<_>>())
}

/// Every pair, or the ten most alike when there are many recipes.
fn similarity(c: &Comparison, md: bool, wide: bool) -> String {
    let h = if md { "## " } else { "" };
    let mut pairs: Vec<&Pair> = c.similarity.iter().collect();
    let title = if wide {
        pairs.sort_by(|a, b| b.overlap.total_cmp(&a.overlap).then(b.jaccard.total_cmp(&a.jaccard)));
        pairs.truncate(10);
        "Most similar pairs (by the part of their mixes that is the same data)"
    } else {
        "Similarity"
    };
    let rows = pairs
        .iter()
        .map(|p| vec![p.a.clone(), p.b.clone(), format!("{:.3}", p.jaccard), percent(Some(p.overlap))])
        .collect();
    format!("\n{h}{title}\n\n{}", table(md, &["recipe", "recipe", "jaccard", "same data"], rows, &[2, 3]))
}
