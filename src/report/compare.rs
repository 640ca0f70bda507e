//! Recipes side by side: what they share and where they differ.
//!
//! Overlap is measured at three levels, each labelled:
//! - **dataset**: the same catalog id;
//! - **source**: the same source dataset, following `variant_of` (a
//!   re-sampled A-OKVQA is A-OKVQA);
//! - **media**: the same image or video collection (`image_sources`).
//!
//! For a pair, `jaccard` is |A ∩ B| ÷ |A ∪ B| over the keys the two use, and
//! `same_data` is Σ min(share in A, share in B) over the shared keys: the
//! part of the two mixes, by seen samples, that is the same data. Shares are
//! fractions of each recipe's seen samples in the compared stages, so
//! `same_data` is unknown when either side's total is.

use super::{count, percent, total_cell, Column, Layout};
use crate::catalog::{Catalog, DsId};
use crate::plan::{Plan, StagePlan, Totals};
use crate::recipe::schema::StageKind;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Compare at the level the recipes write (`entry`) or the model sees (`leaf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
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
    /// Totals of the compared stages, per recipe.
    pub totals: Vec<RecipeTotals>,
    /// Model and training facts, one row per fact, one value per recipe.
    pub facts: Vec<FactRow>,
    /// One row per dataset, ordered by how many recipes use it, then by id.
    pub rows: Vec<Row>,
    /// The same by source dataset (`variant_of` followed).
    pub sources: Vec<Row>,
    /// Shares of seen samples whose media come from each collection.
    pub media: Vec<Row>,
    pub pairs: Vec<Pair>,
    /// Modality shares per recipe (over the compared stages).
    pub by_modality: BTreeMap<String, BTreeMap<String, f64>>,
    /// The datasets used by the most recipes (at most [`MOST_USED`]).
    pub most_used: Vec<Usage>,
}

#[derive(Debug, Serialize)]
pub struct RecipeTotals {
    pub recipe: String,
    pub stages: Vec<String>,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Serialize)]
pub struct FactRow {
    pub fact: String,
    pub values: Vec<Option<String>>,
}

/// How many datasets `most_used` lists.
pub const MOST_USED: usize = 15;

/// Above this many recipes the text report leaves out the matrices (too
/// wide to read; CSV and JSON keep them) and lists the most similar pairs.
const WIDE: usize = 6;

#[derive(Debug, Serialize)]
pub struct Usage {
    pub dataset: String,
    /// The recipes that use it, in the order of `recipes`.
    pub recipes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub key: String,
    pub used_by: usize,
    /// Per recipe, in the order of `recipes`.
    pub cells: Vec<Cell>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Cell {
    pub used: bool,
    /// Seen samples; `None` when unknown (or not used).
    pub seen: Option<u128>,
    /// Share of the recipe's seen samples in the compared stages.
    pub share: Option<f64>,
    /// The datasets behind a source or media row.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Overlap {
    pub shared: usize,
    pub jaccard: f64,
    /// `None` when a share is unknown.
    pub same_data: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    pub by_dataset: Overlap,
    pub by_source: Overlap,
    pub by_media: Overlap,
    pub only_in_a: Vec<String>,
    pub only_in_b: Vec<String>,
    /// Shared sources with both shares and the difference (b − a).
    pub shared_sources: Vec<ShareDiff>,
}

#[derive(Debug, Serialize)]
pub struct ShareDiff {
    pub source: String,
    pub share_a: Option<f64>,
    pub share_b: Option<f64>,
    pub difference: Option<f64>,
}

/// One recipe's compared stages, read once.
struct Side<'a> {
    plan: &'a Plan,
    stages: Vec<&'a StagePlan>,
    totals: Totals,
    /// (dataset, seen) per row at the compared level.
    items: Vec<(String, Option<u128>, Vec<String>)>,
}

pub fn compare(plans: &[Plan], catalog: &Catalog, level: Level, kind: Option<StageKind>) -> Comparison {
    let sides: Vec<Side> = plans.iter().map(|p| side(p, level, kind)).collect();
    let n = sides.len();
    let mut sources_memo: BTreeMap<String, String> = BTreeMap::new();
    let mut source_of = |id: &str| -> String {
        sources_memo
            .entry(id.to_string())
            .or_insert_with(|| {
                catalog
                    .lookup(id)
                    .map_or_else(|| id.to_string(), |ix| catalog.get(catalog.source_of(ix)).id.to_string())
            })
            .clone()
    };
    let media_of = |id: &str| -> Vec<String> {
        let Some(ix) = catalog.lookup(id) else { return vec![] };
        let mut line: Vec<DsId> = vec![ix];
        let mut cur = ix;
        while let Some(next) = catalog.get(cur).at.variant_of_ix() {
            if line.contains(&next) {
                break;
            }
            line.push(next);
            cur = next;
        }
        let mut m: Vec<String> = line
            .iter()
            .flat_map(|d| {
                catalog.get(*d).at.image_sources_ix().iter().map(|x| catalog.get(*x).id.to_string())
            })
            .collect();
        m.sort();
        m.dedup();
        m
    };
    let mut by_id: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    let mut by_source: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    let mut by_media: BTreeMap<String, Vec<Cell>> = BTreeMap::new();
    for (i, s) in sides.iter().enumerate() {
        let known = s.totals.total_seen;
        for (ds, seen, _) in &s.items {
            let src = source_of(ds);
            let media = media_of(ds);
            let mut targets: Vec<(&mut BTreeMap<String, Vec<Cell>>, String)> = vec![(&mut by_id, ds.clone())];
            targets.push((&mut by_source, src));
            for (map, key) in targets {
                add(map, key, i, n, ds, *seen, known);
            }
            for m in media {
                add(&mut by_media, m, i, n, ds, *seen, known);
            }
        }
    }
    let rows = to_rows(by_id);
    let sources = to_rows(by_source);
    let media = to_rows(by_media);
    let mut pairs = Vec::new();
    for a in 0..n {
        for b in a + 1..n {
            pairs.push(pair(&sides, a, b, &rows, &sources, &media));
        }
    }
    let most_used = rows
        .iter()
        .filter(|r| r.used_by >= 2)
        .take(MOST_USED)
        .map(|r| Usage { dataset: r.key.clone(), recipes: users(plans, &r.cells) })
        .collect();
    Comparison {
        recipes: plans.iter().map(|p| p.recipe.id.clone()).collect(),
        level,
        stage_kind: kind,
        totals: sides
            .iter()
            .map(|s| RecipeTotals {
                recipe: s.plan.recipe.id.clone(),
                stages: s.stages.iter().map(|st| st.id.clone()).collect(),
                totals: s.totals.clone(),
            })
            .collect(),
        facts: facts(&sides),
        by_modality: sides.iter().map(|s| (s.plan.recipe.id.clone(), modality(s))).collect(),
        rows,
        sources,
        media,
        pairs,
        most_used,
    }
}

fn side(plan: &Plan, level: Level, kind: Option<StageKind>) -> Side<'_> {
    let stages: Vec<&StagePlan> = plan.stages.iter().filter(|s| kind.is_none_or(|k| s.kind == k)).collect();
    let mut totals = Totals::empty();
    let mut items = Vec::new();
    for s in &stages {
        totals.add(&s.totals);
        match level {
            Level::Entry => items
                .extend(s.entries.iter().map(|e| (e.dataset.clone(), e.count.seen, e.modalities.clone()))),
            Level::Leaf => {
                items
                    .extend(s.leaves.iter().map(|l| (l.dataset.clone(), l.count.seen, l.modalities.clone())));
                if let Some(u) = &s.unattributed {
                    items.push((crate::report::csv::UNATTRIBUTED.to_string(), u.seen, vec![]));
                }
            }
        }
    }
    Side { plan, stages, totals, items }
}

fn add(
    map: &mut BTreeMap<String, Vec<Cell>>,
    key: String,
    i: usize,
    n: usize,
    ds: &str,
    seen: Option<u128>,
    total: Option<u128>,
) {
    let row = map.entry(key).or_insert_with(|| vec![Cell::default(); n]);
    let c = &mut row[i];
    c.seen = match (c.used, c.seen, seen) {
        (false, _, s) => s,
        (true, Some(a), Some(b)) => Some(a + b),
        _ => None,
    };
    c.used = true;
    c.share = c.seen.zip(total).filter(|(_, t)| *t > 0).map(|(s, t)| s as f64 / t as f64);
    if !c.datasets.iter().any(|d| d == ds) {
        c.datasets.push(ds.to_string());
    }
}

fn to_rows(map: BTreeMap<String, Vec<Cell>>) -> Vec<Row> {
    let mut rows: Vec<Row> = map
        .into_iter()
        .map(|(key, mut cells)| {
            for c in &mut cells {
                c.datasets.sort();
            }
            Row { used_by: cells.iter().filter(|c| c.used).count(), key, cells }
        })
        .collect();
    rows.sort_by(|a, b| b.used_by.cmp(&a.used_by).then_with(|| a.key.cmp(&b.key)));
    rows
}

fn overlap(rows: &[Row], a: usize, b: usize, shares: bool) -> Overlap {
    let ka: BTreeSet<&str> = rows.iter().filter(|r| r.cells[a].used).map(|r| r.key.as_str()).collect();
    let kb: BTreeSet<&str> = rows.iter().filter(|r| r.cells[b].used).map(|r| r.key.as_str()).collect();
    let union = ka.union(&kb).count();
    let inter = ka.intersection(&kb).count();
    let same_data = if shares {
        rows.iter()
            .filter(|r| r.cells[a].used && r.cells[b].used)
            .map(|r| Some(r.cells[a].share?.min(r.cells[b].share?)))
            .sum::<Option<f64>>()
    } else {
        None
    };
    Overlap { shared: inter, jaccard: if union == 0 { 0.0 } else { inter as f64 / union as f64 }, same_data }
}

fn pair(sides: &[Side], a: usize, b: usize, rows: &[Row], sources: &[Row], media: &[Row]) -> Pair {
    let known = |i: usize| sides[i].totals.total_seen.is_some();
    let shares = known(a) && known(b);
    let only = |x: usize, y: usize| -> Vec<String> {
        rows.iter().filter(|r| r.cells[x].used && !r.cells[y].used).map(|r| r.key.clone()).collect()
    };
    Pair {
        a: sides[a].plan.recipe.id.clone(),
        b: sides[b].plan.recipe.id.clone(),
        by_dataset: overlap(rows, a, b, shares),
        by_source: overlap(sources, a, b, shares),
        by_media: overlap(media, a, b, false),
        only_in_a: only(a, b),
        only_in_b: only(b, a),
        shared_sources: sources
            .iter()
            .filter(|r| r.cells[a].used && r.cells[b].used)
            .map(|r| {
                let (sa, sb) = (r.cells[a].share, r.cells[b].share);
                ShareDiff {
                    source: r.key.clone(),
                    share_a: sa,
                    share_b: sb,
                    difference: sa.zip(sb).map(|(x, y)| y - x),
                }
            })
            .collect(),
    }
}

/// Model and training facts, side by side.
fn facts(sides: &[Side]) -> Vec<FactRow> {
    let mut rows: Vec<FactRow> = Vec::new();
    let mut push = |fact: &str, values: Vec<Option<String>>| {
        if values.iter().any(Option::is_some) {
            rows.push(FactRow { fact: fact.to_string(), values });
        }
    };
    let model = |f: &dyn Fn(&crate::recipe::schema::Model) -> Option<String>| -> Vec<Option<String>> {
        sides.iter().map(|s| s.plan.recipe.model.as_ref().and_then(f)).collect()
    };
    push("llm", model(&|m| m.llm.clone()));
    push("vision encoder", model(&|m| m.vision.clone()));
    push("connector", model(&|m| m.connector.clone()));
    push("tokens per image", model(&|m| m.image_tokens.map(|v| count(u128::from(v)))));
    push("frames per video", model(&|m| m.frames.map(|v| count(u128::from(v)))));
    push("resolution", model(&|m| m.resolution.clone()));
    let stage_fact = |f: &dyn Fn(&StagePlan) -> Option<String>| -> Vec<Option<String>> {
        sides
            .iter()
            .map(|s| {
                let parts: Vec<String> = s
                    .stages
                    .iter()
                    .filter_map(|st| {
                        f(st).map(|v| if s.stages.len() > 1 { format!("{}: {v}", st.id) } else { v })
                    })
                    .collect();
                (!parts.is_empty()).then(|| parts.join("; "))
            })
            .collect()
    };
    push("stages", stage_fact(&|st| Some(st.kind.as_str().to_string())));
    push("trainable", stage_fact(&|st| (!st.trainable.is_empty()).then(|| st.trainable.join(", "))));
    let t = |f: fn(&crate::recipe::schema::Training) -> Option<String>| {
        move |st: &StagePlan| st.training.as_ref().and_then(f)
    };
    push("global batch", stage_fact(&t(|t| t.global_batch.map(|v| count(u128::from(v))))));
    push("learning rate", stage_fact(&t(|t| t.learning_rate.map(|v| v.to_string()))));
    push("epochs", stage_fact(&t(|t| t.epochs.map(super::trim_float))));
    push("max length", stage_fact(&t(|t| t.max_length.map(|v| count(u128::from(v))))));
    push("hardware", stage_fact(&t(|t| t.hardware.clone())));
    push("duration", stage_fact(&t(|t| t.duration.clone())));
    rows
}

fn modality(s: &Side) -> BTreeMap<String, f64> {
    let mut by: BTreeMap<String, u128> = BTreeMap::new();
    let mut total = 0u128;
    for (_, seen, mods) in &s.items {
        let Some(n) = seen else { continue };
        let mut m = mods.clone();
        m.sort();
        *by.entry(if m.is_empty() { "unknown".into() } else { m.join("+") }).or_default() += n;
        total += n;
    }
    by.into_iter().filter(|_| total > 0).map(|(k, v)| (k, v as f64 / total as f64)).collect()
}

/// The recipes whose cell is used.
fn users(plans: &[Plan], cells: &[Cell]) -> Vec<String> {
    plans.iter().zip(cells).filter(|(_, c)| c.used).map(|(p, _)| p.recipe.id.clone()).collect()
}

/// Shares with 4 decimals, like the plan's JSON.
pub(super) fn rounded(c: &Comparison) -> serde_json::Value {
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

/// Long CSV: one row per (level, key, recipe) where used.
pub(super) fn csv(c: &Comparison) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["level", "key", "used_by", "recipe", "seen", "share", "datasets"]);
    for (level, rows) in [("dataset", &c.rows), ("source", &c.sources), ("media", &c.media)] {
        for row in rows {
            for (recipe, cell) in c.recipes.iter().zip(&row.cells) {
                if cell.used {
                    let _ = w.write_record([
                        level.to_string(),
                        row.key.clone(),
                        row.used_by.to_string(),
                        recipe.clone(),
                        cell.seen.map(|n| n.to_string()).unwrap_or_default(),
                        cell.share.map(|s| format!("{s:.6}")).unwrap_or_default(),
                        cell.datasets.join(";"),
                    ]);
                }
            }
        }
    }
    super::csv_text(w)
}

pub(super) fn text(c: &Comparison, lay: Layout) -> String {
    let mut out = String::new();
    let scope = c.stage_kind.map_or("all stages".to_string(), |k| format!("{} stages", k.as_str()));
    let level = match c.level {
        Level::Entry => "entries",
        Level::Leaf => "leaf datasets",
    };
    let wide = c.recipes.len() > WIDE;
    if wide {
        out.push_str(
            &lay.heading(1, &format!("Comparison of {} recipes ({scope}, {level})", c.recipes.len())),
        );
    } else {
        out.push_str(&lay.heading(1, &format!("Comparison of {} ({scope}, {level})", c.recipes.join(", "))));
    }
    section(&mut out, lay, "Totals of the compared stages");
    let rows = c
        .totals
        .iter()
        .map(|t| {
            vec![
                t.recipe.clone(),
                if t.stages.is_empty() { "none".into() } else { t.stages.join(", ") },
                total_cell(t.totals.total_unique, t.totals.known_unique),
                total_cell(t.totals.total_seen, t.totals.known_seen),
            ]
        })
        .collect();
    let columns = [
        Column::text("recipe").min(16),
        Column::text("stages").min(10).optional(1),
        Column::num("unique"),
        Column::num("seen"),
    ];
    out.push_str(&lay.table(&columns, rows));
    if !wide && !c.facts.is_empty() {
        section(&mut out, lay, "Model and training");
        let mut columns = vec![Column::text("fact").min(10)];
        columns.extend(c.recipes.iter().map(|r| Column::text(r.as_str()).min(6)));
        let rows = c
            .facts
            .iter()
            .map(|f| {
                std::iter::once(f.fact.clone())
                    .chain(f.values.iter().map(|v| v.clone().unwrap_or_default()))
                    .collect()
            })
            .collect();
        out.push_str(&lay.table(&columns, rows));
    }
    if !c.pairs.is_empty() {
        out.push_str(&similarity(c, lay, wide));
    }
    if wide {
        section(&mut out, lay, "Datasets used by the most recipes");
        let rows = c
            .most_used
            .iter()
            .map(|u| vec![u.dataset.clone(), count(u.recipes.len() as u128), u.recipes.join(", ")])
            .collect();
        let columns = [
            Column::text("dataset").min(20),
            Column::num("recipes"),
            Column::text("used by").min(20).optional(1),
        ];
        out.push_str(&lay.table(&columns, rows));
        let _ = writeln!(out);
        out.push_str(
            &lay.para("The dataset, source and media matrices are in `--format csv` and `--format json`."),
        );
        return out;
    }
    if c.pairs.len() == 1 {
        out.push_str(&pair_text(c, &c.pairs[0], lay));
    }
    section(&mut out, lay, "Shares by source dataset (`variant_of` followed)");
    out.push_str(&matrix(c, &c.sources, lay, "source"));
    section(&mut out, lay, "By modality");
    for r in &c.recipes {
        out.push_str(
            &lay.item(&format!("{r}: {}", c.by_modality.get(r).map_or(String::new(), super::shares_line))),
        );
    }
    out
}

/// A blank line, a section title, a blank line.
fn section(out: &mut String, lay: Layout, title: &str) {
    let _ = writeln!(out);
    out.push_str(&lay.heading(2, title));
    let _ = writeln!(out);
}

fn pair_text(c: &Comparison, p: &Pair, lay: Layout) -> String {
    let mut out = String::new();
    let share_of =
        |rows: &[Row], key: &str, i: usize| rows.iter().find(|r| r.key == key).and_then(|r| r.cells[i].share);
    let (ia, ib) = (0, 1);
    for (name, list, i) in [(&p.a, &p.only_in_a, ia), (&p.b, &p.only_in_b, ib)] {
        section(&mut out, lay, &format!("Only in {name} ({})", count(list.len() as u128)));
        if list.is_empty() {
            out.push_str(&lay.para("nothing"));
            continue;
        }
        let rows = list.iter().map(|d| vec![d.clone(), percent(share_of(&c.rows, d, i))]).collect();
        out.push_str(&lay.table(&[Column::text("dataset").min(20), Column::num("share")], rows));
    }
    section(&mut out, lay, &format!("Shared sources ({})", count(p.shared_sources.len() as u128)));
    if p.shared_sources.is_empty() {
        out.push_str(&lay.para("none"));
    } else {
        let rows = p
            .shared_sources
            .iter()
            .map(|d| {
                vec![
                    d.source.clone(),
                    percent(d.share_a),
                    percent(d.share_b),
                    d.difference.map_or("-".into(), points),
                ]
            })
            .collect();
        let columns = [
            Column::text("source").min(20),
            Column::num(p.a.as_str()),
            Column::num(p.b.as_str()),
            Column::num("difference"),
        ];
        out.push_str(&lay.table(&columns, rows));
    }
    out
}

/// A difference of shares in percentage points: "+3.42 pt", "-0.01 pt";
/// one that rounds to zero is "0.00 pt", never "-0.00".
fn points(x: f64) -> String {
    let p = x * 100.0;
    if p.abs() < 0.005 {
        "0.00 pt".into()
    } else {
        format!("{p:+.2} pt")
    }
}

/// Keys as rows, one share column per recipe.
fn matrix(c: &Comparison, rows: &[Row], lay: Layout, what: &str) -> String {
    let mut columns = vec![Column::text(what).min(16)];
    columns.extend(c.recipes.iter().map(|r| Column::num(r.as_str())));
    let body = rows
        .iter()
        .map(|r| {
            std::iter::once(r.key.clone())
                .chain(r.cells.iter().map(|cell| if cell.used { percent(cell.share) } else { String::new() }))
                .collect()
        })
        .collect();
    lay.table(&columns, body)
}

/// Every pair, or the ten most alike when there are many recipes.
fn similarity(c: &Comparison, lay: Layout, wide: bool) -> String {
    let mut pairs: Vec<&Pair> = c.pairs.iter().collect();
    let title = if wide {
        pairs.sort_by(|a, b| {
            b.by_source
                .same_data
                .unwrap_or(-1.0)
                .total_cmp(&a.by_source.same_data.unwrap_or(-1.0))
                .then(b.by_source.jaccard.total_cmp(&a.by_source.jaccard))
        });
        pairs.truncate(10);
        "Most similar pairs"
    } else {
        "Overlap"
    };
    let same = |o: &Overlap| o.same_data.map_or("unknown".to_string(), |s| percent(Some(s)));
    let rows = pairs
        .iter()
        .map(|p| {
            vec![
                p.a.clone(),
                p.b.clone(),
                format!("{} · {:.3}", count(p.by_dataset.shared as u128), p.by_dataset.jaccard),
                same(&p.by_dataset),
                format!("{} · {:.3}", count(p.by_source.shared as u128), p.by_source.jaccard),
                same(&p.by_source),
                format!("{} · {:.3}", count(p.by_media.shared as u128), p.by_media.jaccard),
            ]
        })
        .collect();
    let mut out = String::new();
    section(&mut out, lay, title);
    let columns = [
        Column::text("recipe").min(12),
        Column::text("recipe").min(12),
        Column::num("datasets shared · jaccard").optional(3),
        Column::num("same data"),
        Column::num("sources shared · jaccard").optional(2),
        Column::num("same data (sources)"),
        Column::num("media shared · jaccard").optional(1),
    ];
    out.push_str(&lay.table(&columns, rows));
    let _ = writeln!(out);
    out.push_str(&lay.para(
        "jaccard: shared ÷ all keys the two use; same data: Σ min(share in A, share in B) over shared keys, by seen samples.",
    ));
    out
}
