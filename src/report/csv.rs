//! The long CSV format: one row per (recipe, stage, level, dataset).

use crate::plan::{Counted, Plan, StagePlan};
use serde::Serialize;

/// One row; the field order is the header of the CSV.
#[derive(Debug, Serialize)]
pub struct Row<'a> {
    pub recipe: &'a str,
    pub stage: &'a str,
    pub stage_kind: &'a str,
    /// Position of the stage in training order, from 1.
    pub stage_order: usize,
    pub stage_complete: bool,
    pub level: &'a str,
    pub dataset: &'a str,
    pub dataset_name: &'a str,
    pub via: String,
    pub take: &'a str,
    pub amount: &'a str,
    pub unique: Option<u64>,
    pub seen: Option<u128>,
    pub approx: bool,
    pub epochs: Option<String>,
    pub share_of_stage: Option<String>,
    pub share_of_recipe: Option<String>,
    pub modalities: String,
    pub languages: String,
}

pub const HEADER: &str = "recipe,stage,stage_kind,stage_order,stage_complete,level,dataset,dataset_name,via,take,amount,unique,seen,approx,epochs,share_of_stage,share_of_recipe,modalities,languages";

/// The dataset column of the row for the samples no leaf can be credited with.
pub const UNATTRIBUTED: &str = "(unattributed)";

fn fixed(v: Option<f64>, places: usize) -> Option<String> {
    v.map(|v| format!("{v:.places$}"))
}

struct Ctx<'a> {
    plan: &'a Plan,
    stage: &'a StagePlan,
    order: usize,
}

impl<'a> Ctx<'a> {
    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        level: &'a str,
        dataset: &'a str,
        name: &'a str,
        via: String,
        take: &'a str,
        amount: &'a str,
        c: &Counted,
        modalities: &[String],
        languages: &[String],
    ) -> Row<'a> {
        let known = self.plan.totals.known_seen;
        Row {
            recipe: &self.plan.recipe.id,
            stage: &self.stage.id,
            stage_kind: self.stage.kind.as_str(),
            stage_order: self.order,
            stage_complete: self.stage.totals.complete,
            level,
            dataset,
            dataset_name: name,
            via,
            take,
            amount,
            unique: c.unique,
            seen: c.seen,
            approx: c.approx,
            epochs: fixed(c.epochs, 4),
            share_of_stage: fixed(c.share, 6),
            share_of_recipe: fixed(c.seen.filter(|_| known > 0).map(|s| s as f64 / known as f64), 6),
            modalities: modalities.join(";"),
            languages: languages.join(";"),
        }
    }
}

/// The rows of several plans: entries, then leaves (and the unattributed
/// rest) of each stage.
pub fn rows(plans: &[Plan]) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    for plan in plans {
        for (i, stage) in plan.stages.iter().enumerate() {
            let cx = Ctx { plan, stage, order: i + 1 };
            for e in &stage.entries {
                let via = e.from.clone().unwrap_or_default();
                out.push(cx.row("entry", &e.dataset, &e.name, via, e.take, &e.amount, &e.count, &e.modalities, &e.languages));
            }
            for l in &stage.leaves {
                out.push(cx.row("leaf", &l.dataset, &l.name, l.via.join(";"), "", "", &l.count, &l.modalities, &l.languages));
            }
            if let Some(u) = &stage.unattributed {
                out.push(cx.row("leaf", UNATTRIBUTED, "samples credited to no leaf dataset", String::new(), "", "", u, &[], &[]));
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
