//! Lists: the built-in recipes, catalog entries, one entry in full.

use super::{count, opt_count, percent, total_cell, Column, Format, Layout};
use crate::catalog::{Catalog, Dataset};
use crate::plan::{Plan, Totals};
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct RecipeLine {
    pub id: String,
    pub name: String,
    pub stages: Vec<StageLine>,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Serialize)]
pub struct StageLine {
    pub id: String,
    pub kind: String,
    #[serde(flatten)]
    pub totals: Totals,
}

pub fn recipe_lines(plans: &[Plan]) -> Vec<RecipeLine> {
    plans
        .iter()
        .map(|p| RecipeLine {
            id: p.recipe.id.clone(),
            name: p.recipe.name.clone(),
            stages: p
                .stages
                .iter()
                .map(|s| StageLine {
                    id: s.id.clone(),
                    kind: s.kind.as_str().into(),
                    totals: s.totals.clone(),
                })
                .collect(),
            totals: p.totals.clone(),
        })
        .collect()
}

/// "1,234 / 3,702" (unique / seen), "≥ 1,234" when only part is known.
fn pair(t: &Totals) -> String {
    let one = |total: Option<u128>, known: u128| match total {
        Some(n) => count(n),
        None if known > 0 => format!("≥ {}", count(known)),
        None => "unknown".into(),
    };
    let u = one(t.total_unique, t.known_unique);
    let s = one(t.total_seen, t.known_seen);
    if u == s {
        u
    } else {
        format!("{u} / {s}")
    }
}

pub fn recipes(lines: &[RecipeLine], format: Format) -> String {
    recipes_width(lines, format, None)
}

/// [`recipes`] with the terminal table fitted to `width` columns.
pub fn recipes_width(lines: &[RecipeLine], format: Format, width: Option<usize>) -> String {
    let lay = if format == Format::Md { Layout::markdown() } else { Layout::terminal(width) };
    match format {
        Format::Json => super::json(&lines),
        Format::Csv => {
            let mut w = ::csv::Writer::from_writer(Vec::new());
            let _ = w.write_record([
                "recipe",
                "name",
                "stage",
                "stage_kind",
                "total_unique",
                "total_seen",
                "known_unique",
                "known_seen",
                "complete",
            ]);
            let opt = |v: Option<u128>| v.map(|n| n.to_string()).unwrap_or_default();
            for l in lines {
                for s in &l.stages {
                    let _ = w.write_record([
                        l.id.clone(),
                        l.name.clone(),
                        s.id.clone(),
                        s.kind.clone(),
                        opt(s.totals.total_unique),
                        opt(s.totals.total_seen),
                        s.totals.known_unique.to_string(),
                        s.totals.known_seen.to_string(),
                        s.totals.complete.to_string(),
                    ]);
                }
            }
            super::csv_text(w)
        }
        _ => {
            let rows = lines
                .iter()
                .map(|l| {
                    let stages: Vec<String> =
                        l.stages.iter().map(|s| format!("{} {}", s.id, pair(&s.totals))).collect();
                    vec![
                        l.id.clone(),
                        l.name.clone(),
                        stages.join(" → "),
                        total_cell(l.totals.total_unique, l.totals.known_unique),
                        total_cell(l.totals.total_seen, l.totals.known_seen),
                    ]
                })
                .collect();
            let columns = [
                Column::text("recipe").min(16),
                Column::text("name").truncate().min(12).optional(2),
                Column::text("stages (unique / seen when they differ)").min(24).optional(1),
                Column::num("unique"),
                Column::num("seen"),
            ];
            let mut out = lay.table(&columns, rows);
            out.push('\n');
            out.push_str(
                &lay.para("unique: distinct samples of one pass; seen: what the model trains on (× epochs)."),
            );
            out
        }
    }
}

/// Catalog entries as a list; JSON keeps the catalog's own field names.
pub fn datasets(list: &[&Dataset], sizes: &dyn Fn(&Dataset) -> Option<u64>, format: Format) -> String {
    datasets_width(list, sizes, format, None)
}

/// [`datasets`] with the terminal table fitted to `width` columns.
pub fn datasets_width(
    list: &[&Dataset],
    sizes: &dyn Fn(&Dataset) -> Option<u64>,
    format: Format,
    width: Option<usize>,
) -> String {
    let lay = if format == Format::Md { Layout::markdown() } else { Layout::terminal(width) };
    let list: Vec<&Dataset> = {
        let mut v = list.to_vec();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    };
    let list = &list[..];
    match format {
        Format::Json => super::json(&list),
        Format::Csv => {
            let mut w = ::csv::Writer::from_writer(Vec::new());
            let _ = w.write_record([
                "id",
                "name",
                "stages",
                "modalities",
                "languages",
                "samples",
                "approx",
                "license",
                "publisher",
                "tasks",
                "variant_of",
            ]);
            for d in list {
                let _ = w.write_record([
                    d.id.to_string(),
                    d.name.clone(),
                    d.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";"),
                    d.modalities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(";"),
                    d.languages.join(";"),
                    sizes(d).map(|n| n.to_string()).unwrap_or_default(),
                    d.approx.to_string(),
                    d.license.clone().unwrap_or_default(),
                    d.publisher.clone().unwrap_or_default(),
                    d.tasks.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(";"),
                    d.variant_of.clone().unwrap_or_default(),
                ]);
            }
            super::csv_text(w)
        }
        _ => {
            let rows = list
                .iter()
                .map(|d| {
                    let size = match sizes(d) {
                        Some(n) if d.approx => format!("~{}", count(u128::from(n))),
                        n => opt_count(n.map(u128::from)),
                    };
                    vec![
                        d.id.to_string(),
                        d.name.clone(),
                        d.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
                        d.modalities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","),
                        d.languages.join(","),
                        size,
                    ]
                })
                .collect();
            let columns = [
                Column::text("id").min(20),
                Column::text("name").truncate().min(16).optional(4),
                Column::text("stages").min(10).optional(2),
                Column::text("modalities").min(10).optional(3),
                Column::text("languages").min(9).optional(5),
                Column::num("samples"),
            ];
            lay.table(&columns, rows)
        }
    }
}

/// One dataset with every field, and a composite's split to leaves.
#[derive(Debug, Serialize)]
pub struct Shown<'a> {
    #[serde(flatten)]
    pub dataset: &'a Dataset,
    /// The size the planner uses (a composite's from its components).
    pub effective_samples: Option<u64>,
    /// What its license and generating models allow.
    #[serde(rename = "use")]
    pub allows: crate::catalog::license::Use,
    pub leaves: Vec<ShownLeaf>,
    /// Samples of the composite that no leaf can be credited with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unattributed: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct ShownLeaf {
    pub dataset: String,
    pub samples: Option<u64>,
    pub approx: bool,
    #[serde(serialize_with = "crate::plan::model::round4")]
    pub share: Option<f64>,
    pub paths: crate::plan::PathCount,
    pub via: Vec<String>,
}

pub fn show(s: &Shown, catalog: &Catalog, format: Format) -> String {
    show_width(s, catalog, format, None)
}

/// [`show`] with lines and tables fitted to `width` columns.
pub fn show_width(s: &Shown, catalog: &Catalog, format: Format, width: Option<usize>) -> String {
    let d = s.dataset;
    match format {
        Format::Json => super::json(s),
        Format::Csv => {
            let mut w = ::csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["dataset", "field", "value"]);
            for (k, v) in fields(s, catalog, true) {
                let _ = w.write_record([d.id.as_str(), k.as_str(), v.as_str()]);
            }
            for l in &s.leaves {
                let value = format!(
                    "{} ({}; via {})",
                    l.samples.map_or("unknown".into(), |n| n.to_string()),
                    l.share.map_or("-".into(), |x| format!("{x:.6}")),
                    if l.via.is_empty() { "-".into() } else { l.via.join(" > ") }
                );
                let _ = w.write_record([d.id.as_str(), &format!("leaf {}", l.dataset), &value]);
            }
            super::csv_text(w)
        }
        Format::Md => show_text(s, catalog, Layout::markdown()),
        _ => show_text(s, catalog, Layout::terminal(width)),
    }
}

/// Every field that has a value, as (name, text).
fn fields(s: &Shown, catalog: &Catalog, plain: bool) -> Vec<(String, String)> {
    let d = s.dataset;
    let count = |n: u128| if plain { n.to_string() } else { count(n) };
    let mut out: Vec<(String, String)> = Vec::new();
    let mut field = |k: &str, v: String| {
        if !v.is_empty() {
            out.push((k.to_string(), v));
        }
    };
    let join = |v: &[String]| v.join(", ");
    field("aliases", join(&d.aliases));
    field("stages", d.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    field("modalities", d.modalities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    field("languages", join(&d.languages));
    field("tasks", d.tasks.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "));
    let samples = match s.effective_samples {
        Some(n) if d.approx && !plain => format!("about {}", count(u128::from(n))),
        Some(n) => count(u128::from(n)),
        None => "unknown".into(),
    };
    field("samples", samples);
    field("unit", d.unit.clone().unwrap_or_default());
    field("reported", join(&d.reported));
    field("bytes", d.bytes.map(|n| count(u128::from(n))).unwrap_or_default());
    field("hours", d.hours.map(|n| count(u128::from(n))).unwrap_or_default());
    field("tokens", d.tokens.map(|n| count(u128::from(n))).unwrap_or_default());
    if let Some(t) = &d.text_tokens {
        let v = match (t.per_sample, t.total) {
            (Some(m), _) => format!("{} per sample", super::number(m)),
            (None, Some(n)) => format!("{} in all", count(u128::from(n))),
            _ => String::new(),
        };
        field("text tokens", format!("{v} ({})", t.source));
    }
    field("generated by", join(&d.generated_by));
    field("variant of", d.variant_of.clone().unwrap_or_default());
    let source = catalog.source_of(catalog.lookup(d.id.as_str()).unwrap_or(crate::catalog::DsId(0)));
    if d.variant_of.is_some() {
        field("source dataset", catalog.get(source).id.to_string());
    }
    field("media from", join(&d.image_sources));
    field("license", d.license.clone().unwrap_or_else(|| "unknown".into()));
    field("allows", s.allows.as_str().to_string());
    field("publisher", d.publisher.clone().unwrap_or_default());
    for (k, v) in d.links().iter() {
        field(&format!("link {k}"), v.to_string());
    }
    field("source", d.source.clone());
    field("description", d.description.clone().unwrap_or_default());
    field("notes", d.notes.clone().unwrap_or_default());
    out
}

fn show_text(s: &Shown, catalog: &Catalog, lay: Layout) -> String {
    let d = s.dataset;
    let mut out = String::new();
    out.push_str(&lay.heading(1, &format!("{} ({})", d.name, d.id)));
    let _ = writeln!(out);
    for (k, v) in fields(s, catalog, false) {
        out.push_str(&lay.field(&k, &v, 14));
    }
    if let Some(components) = &d.components {
        let rows = components
            .iter()
            .map(|c| {
                let whole = c.child.and_then(|ch| catalog.get(ch).samples);
                vec![
                    c.dataset.clone(),
                    c.samples.map_or_else(
                        || format!("whole ({})", opt_count(whole.map(u128::from))),
                        |n| count(u128::from(n)),
                    ),
                ]
            })
            .collect();
        let _ = writeln!(out);
        out.push_str(&lay.para("components:"));
        let _ = writeln!(out);
        out.push_str(&lay.table(&[Column::text("dataset").min(20), Column::num("samples")], rows));
        let mut rows: Vec<Vec<String>> = s
            .leaves
            .iter()
            .map(|l| {
                vec![
                    l.dataset.clone(),
                    super::approx_count(l.samples.map(u128::from), l.approx),
                    percent(l.share),
                    l.paths.to_string(),
                ]
            })
            .collect();
        if let Some(u) = s.unattributed {
            rows.push(vec!["(unattributed)".into(), count(u128::from(u)), "-".into(), String::new()]);
        }
        let _ = writeln!(out);
        out.push_str(&lay.para("leaves:"));
        let _ = writeln!(out);
        let columns = [
            Column::text("leaf dataset").min(20),
            Column::num("samples"),
            Column::num("share"),
            Column::num("paths").optional(1),
        ];
        out.push_str(&lay.table(&columns, rows));
    }
    out
}
