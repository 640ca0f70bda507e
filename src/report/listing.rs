//! Lists: the built-in recipes, catalog entries, one entry in full.

use super::{count, opt_count, percent, table, Format};
use crate::catalog::{Catalog, Dataset};
use crate::plan::expand::Expansion;
use crate::plan::Plan;
use serde::Serialize;
use std::fmt::Write as _;

#[derive(Debug, Serialize)]
pub struct RecipeLine {
    pub id: String,
    pub name: String,
    pub stages: Vec<StageLine>,
    pub total_samples: u64,
    pub complete: bool,
}

#[derive(Debug, Serialize)]
pub struct StageLine {
    pub id: String,
    pub kind: String,
    pub total_samples: u64,
    pub complete: bool,
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
                    total_samples: s.total_samples,
                    complete: s.complete,
                })
                .collect(),
            total_samples: p.total_samples,
            complete: p.complete,
        })
        .collect()
}

fn at_least(n: u64, complete: bool) -> String {
    if complete {
        count(n)
    } else {
        format!("≥ {}", count(n))
    }
}

pub fn recipes(lines: &[RecipeLine], format: Format) -> String {
    match format {
        Format::Json => super::json(&lines),
        Format::Csv => {
            let mut w = ::csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["recipe", "name", "stage", "stage_kind", "total_samples", "complete"]);
            for l in lines {
                for s in &l.stages {
                    let _ = w.write_record([
                        &l.id,
                        &l.name,
                        &s.id,
                        &s.kind,
                        &s.total_samples.to_string(),
                        &s.complete.to_string(),
                    ]);
                }
            }
            super::csv_text(w)
        }
        Format::Table | Format::Md => {
            let rows = lines
                .iter()
                .map(|l| {
                    let stages: Vec<String> = l
                        .stages
                        .iter()
                        .map(|s| format!("{} {}", s.id, at_least(s.total_samples, s.complete)))
                        .collect();
                    vec![
                        l.id.clone(),
                        l.name.clone(),
                        stages.join(" → "),
                        at_least(l.total_samples, l.complete),
                    ]
                })
                .collect();
            table(format == Format::Md, &["recipe", "name", "stages (samples)", "total"], rows, &[3])
        }
    }
}

/// Catalog entries as a list; JSON keeps the catalog's own field names.
pub fn datasets(list: &[&Dataset], sizes: &dyn Fn(&Dataset) -> Option<u64>, format: Format) -> String {
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
                ]);
            }
            super::csv_text(w)
        }
        Format::Table | Format::Md => {
            let rows = list
                .iter()
                .map(|d| {
                    let size = match sizes(d) {
                        Some(n) if d.approx => format!("~{}", count(n)),
                        n => opt_count(n),
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
            table(
                format == Format::Md,
                &["id", "name", "stages", "modalities", "languages", "samples"],
                rows,
                &[5],
            )
        }
    }
}

/// One dataset with every field, and a composite's expansion to leaves.
pub fn show(d: &Dataset, exp: &Expansion, catalog: &Catalog, format: Format) -> String {
    #[derive(Serialize)]
    struct Shown<'a> {
        #[serde(flatten)]
        dataset: &'a Dataset,
        effective_samples: Option<u64>,
        leaves: Vec<ShownLeaf>,
    }
    #[derive(Serialize)]
    struct ShownLeaf {
        dataset: String,
        samples: Option<u64>,
        share: Option<f64>,
        paths: u128,
        via: Vec<String>,
    }
    let size = exp.size;
    let leaves: Vec<ShownLeaf> = if d.is_composite() {
        let mut v: Vec<ShownLeaf> = exp
            .leaves
            .iter()
            .map(|(id, p)| {
                let samples =
                    p.amount.as_ref().and_then(|a| crate::num::to_count(&crate::num::round_half_even(a)));
                ShownLeaf {
                    dataset: id.to_string(),
                    samples,
                    share: samples
                        .zip(size)
                        .filter(|(_, s)| *s > 0)
                        .map(|(n, s)| crate::plan::round_to(n as f64 / s as f64, 4)),
                    paths: p.paths,
                    via: p.chains.first().map_or(vec![], |c| c.iter().map(ToString::to_string).collect()),
                }
            })
            .collect();
        v.sort_by(|a, b| b.samples.cmp(&a.samples).then_with(|| a.dataset.cmp(&b.dataset)));
        v
    } else {
        vec![]
    };
    let shown = Shown { dataset: d, effective_samples: size, leaves };
    match format {
        Format::Json => super::json(&shown),
        Format::Csv => {
            let mut w = ::csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["dataset", "leaf", "samples", "share", "via"]);
            for l in &shown.leaves {
                let _ = w.write_record([
                    d.id.to_string(),
                    l.dataset.clone(),
                    l.samples.map(|n| n.to_string()).unwrap_or_default(),
                    l.share.map(|s| format!("{s:.6}")).unwrap_or_default(),
                    l.via.join(";"),
                ]);
            }
            super::csv_text(w)
        }
        Format::Table | Format::Md => show_text(
            d,
            &shown
                .leaves
                .iter()
                .map(|l| (l.dataset.clone(), l.samples, l.share, l.paths))
                .collect::<Vec<_>>(),
            size,
            catalog,
            format == Format::Md,
        ),
    }
}

type LeafRow = (String, Option<u64>, Option<f64>, u128);

fn show_text(d: &Dataset, leaves: &[LeafRow], size: Option<u64>, catalog: &Catalog, md: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}{} ({})", if md { "# " } else { "" }, d.name, d.id);
    let _ = writeln!(out);
    let mut field = |k: &str, v: String| {
        if !v.is_empty() {
            let _ = writeln!(out, "{k:<14} {v}");
        }
    };
    let join = |v: &[String]| v.join(", ");
    field("aliases", join(&d.aliases));
    field("stages", d.stages.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    field("modalities", d.modalities.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    field("languages", join(&d.languages));
    let samples = match (d.samples, size) {
        (_, Some(n)) if d.approx => format!("about {}", count(n)),
        (_, Some(n)) => count(n),
        (None, None) => "unknown".into(),
        (Some(n), None) => count(n),
    };
    field("samples", samples);
    field("unit", d.unit.clone().unwrap_or_default());
    field("reported", join(&d.reported));
    field("bytes", d.bytes.map(count).unwrap_or_default());
    field("hours", d.hours.map(count).unwrap_or_default());
    field("tokens", d.tokens.map(count).unwrap_or_default());
    field("generated by", join(&d.generated_by));
    field("media from", join(&d.image_sources));
    field("license", d.license.clone().unwrap_or_else(|| "unknown".into()));
    field("publisher", d.publisher.clone().unwrap_or_default());
    for (k, v) in d.links.iter() {
        field(&format!("link {k}"), v.to_string());
    }
    field("source", d.source.clone());
    field("description", d.description.clone().unwrap_or_default());
    field("notes", d.notes.clone().unwrap_or_default());
    if let Some(components) = &d.components {
        let rows = components
            .iter()
            .map(|c| {
                let child = catalog.resolve(&c.dataset);
                let whole = child.and_then(|ch| ch.samples);
                vec![
                    c.dataset.clone(),
                    c.samples.map_or_else(|| format!("whole ({})", opt_count(whole)), count),
                ]
            })
            .collect();
        let _ = writeln!(out, "\ncomponents:");
        out.push_str(&table(md, &["dataset", "samples"], rows, &[1]));
        let rows = leaves
            .iter()
            .map(|(id, n, s, paths)| vec![id.clone(), opt_count(*n), percent(*s), paths.to_string()])
            .collect();
        let _ = writeln!(out, "\nleaves:");
        out.push_str(&table(md, &["leaf dataset", "samples", "share", "paths"], rows, &[1, 2, 3]));
    }
    out
}
