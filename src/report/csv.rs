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

/// Shares as text with 6 decimals that add up to exactly 1: millionths
/// split over the parts by largest remainder (unknown parts get none).
pub fn exact_shares(seen: &[Option<u128>]) -> Vec<Option<String>> {
    let weights: Vec<u128> = seen.iter().map(|s| s.unwrap_or(0)).collect();
    if weights.iter().all(|&w| w == 0) {
        return seen.iter().map(|s| s.map(|_| "0.000000".to_string())).collect();
    }
    let micro = crate::num::apportion_weights(1_000_000, &weights, |a, b| a.cmp(&b));
    seen.iter()
        .zip(micro)
        .map(|(s, m)| s.map(|_| format!("{}.{:06}", m / 1_000_000, m % 1_000_000)))
        .collect()
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
        shares: (Option<String>, Option<String>),
        modalities: &[String],
        languages: &[String],
    ) -> Row<'a> {
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
            share_of_stage: shares.0,
            share_of_recipe: shares.1,
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
        let entry_seen: Vec<Vec<Option<u128>>> =
            plan.stages.iter().map(|s| s.entries.iter().map(|e| e.count.seen).collect()).collect();
        let leaf_seen: Vec<Vec<Option<u128>>> = plan
            .stages
            .iter()
            .map(|s| {
                s.leaves.iter().map(|l| l.count.seen).chain(s.unattributed.as_ref().map(|u| u.seen)).collect()
            })
            .collect();
        // Shares of the recipe: over all its stages at once.
        let of_recipe = |per: &[Vec<Option<u128>>]| -> Vec<Vec<Option<String>>> {
            let flat: Vec<Option<u128>> = per.iter().flatten().copied().collect();
            let mut shares = exact_shares(&flat).into_iter();
            per.iter().map(|v| shares.by_ref().take(v.len()).collect()).collect()
        };
        let (entry_recipe, leaf_recipe) = (of_recipe(&entry_seen), of_recipe(&leaf_seen));
        for (i, stage) in plan.stages.iter().enumerate() {
            let cx = Ctx { plan, stage, order: i + 1 };
            let mut shares = exact_shares(&entry_seen[i]).into_iter().zip(entry_recipe[i].iter().cloned());
            for e in &stage.entries {
                let via = e.from.clone().unwrap_or_default();
                let sh = shares.next().unwrap_or_default();
                out.push(cx.row(
                    "entry",
                    &e.dataset,
                    &e.name,
                    via,
                    e.take,
                    &e.amount,
                    &e.count,
                    sh,
                    &e.modalities,
                    &e.languages,
                ));
            }
            let mut shares = exact_shares(&leaf_seen[i]).into_iter().zip(leaf_recipe[i].iter().cloned());
            for l in &stage.leaves {
                let sh = shares.next().unwrap_or_default();
                out.push(cx.row(
                    "leaf",
                    &l.dataset,
                    &l.name,
                    super::via_parts(&l.via, l.via_omitted).join(";"),
                    "",
                    "",
                    &l.count,
                    sh,
                    &l.modalities,
                    &l.languages,
                ));
            }
            if let Some(u) = &stage.unattributed {
                let sh = shares.next().unwrap_or_default();
                out.push(cx.row(
                    "leaf",
                    UNATTRIBUTED,
                    "samples credited to no leaf dataset",
                    String::new(),
                    "",
                    "",
                    u,
                    sh,
                    &[],
                    &[],
                ));
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
