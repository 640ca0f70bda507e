//! The long CSV format: one row per (recipe, stage, level, dataset).

use crate::plan::Plan;
use serde::Serialize;

/// One row; the field order is the header of the CSV.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    pub recipe: &'a str,
    pub stage: &'a str,
    pub stage_kind: &'a str,
    pub level: &'a str,
    pub dataset: &'a str,
    pub dataset_name: &'a str,
    pub via: String,
    pub samples: Option<u64>,
    pub epochs: Option<String>,
    pub share_of_stage: Option<String>,
    pub share_of_recipe: Option<String>,
    pub modalities: String,
    pub languages: String,
}

pub const HEADER: &str = "recipe,stage,stage_kind,level,dataset,dataset_name,via,samples,epochs,share_of_stage,share_of_recipe,modalities,languages";

fn fixed(v: Option<f64>, places: usize) -> Option<String> {
    v.map(|v| format!("{v:.places$}"))
}

/// The rows of several plans, entries then leaves of each stage.
pub fn rows(plans: &[Plan]) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    for plan in plans {
        let of_recipe = |n: Option<u64>| {
            n.filter(|_| plan.total_samples > 0).map(|n| n as f64 / plan.total_samples as f64)
        };
        for s in &plan.stages {
            for e in &s.entries {
                out.push(Row {
                    recipe: &plan.recipe.id,
                    stage: &s.id,
                    stage_kind: s.kind.as_str(),
                    level: "entry",
                    dataset: &e.dataset,
                    dataset_name: &e.name,
                    via: e.from.clone().unwrap_or_default(),
                    samples: e.samples,
                    epochs: fixed(e.epochs, 4),
                    share_of_stage: fixed(e.share, 6),
                    share_of_recipe: fixed(of_recipe(e.samples), 6),
                    modalities: e.modalities.join(";"),
                    languages: e.languages.join(";"),
                });
            }
            for l in &s.leaves {
                out.push(Row {
                    recipe: &plan.recipe.id,
                    stage: &s.id,
                    stage_kind: s.kind.as_str(),
                    level: "leaf",
                    dataset: &l.dataset,
                    dataset_name: &l.name,
                    via: l.via.join(";"),
                    samples: l.samples,
                    epochs: fixed(l.epochs, 4),
                    share_of_stage: fixed(l.share, 6),
                    share_of_recipe: fixed(of_recipe(l.samples), 6),
                    modalities: l.modalities.join(";"),
                    languages: l.languages.join(";"),
                });
            }
        }
    }
    out
}

/// The plans as CSV text, header first.
pub fn plans(plans: &[Plan]) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let rows = rows(plans);
    if rows.is_empty() {
        return format!("{HEADER}\n");
    }
    for row in rows {
        if let Err(e) = w.serialize(row) {
            return format!("{HEADER}\n# error: {e}\n");
        }
    }
    super::csv_text(w)
}
