//! Hugging Face `datasets.interleave_datasets`: a JSON file of datasets,
//! probabilities and a stopping strategy.
//!
//! Probabilities alone give counts only on average, and `first_exhausted`
//! (the default) stops at the first empty source. So each dataset is
//! first cut to its planned count — `repeats` whole copies and the first
//! `head` rows (`concatenate_datasets([ds] * repeats + [ds.select(range(head))])`)
//! — and the interleave runs with `all_exhausted_without_replacement`,
//! which takes every row of every source exactly once in a random order
//! weighted by the probabilities (the planned shares). The counts are then
//! exact.

use super::model::{Exported, Item, OutFile, Row, StageItems, Trained};
use super::paths::{Key, Paths};
use crate::diag::Diagnostic;

pub fn export(stage: &StageItems, paths: &Paths) -> Result<Exported, Vec<Diagnostic>> {
    let unknown: Vec<&Item> = stage.items.iter().filter(|i| i.count().is_none()).collect();
    if !unknown.is_empty() {
        return Err(vec![super::unknown_counts(&unknown, "hf-interleave", "probabilities need counts")]);
    }
    let ids: Vec<&str> = stage.items.iter().map(|i| i.id.as_str()).collect();
    paths.require(&ids, &[Key::Hf, Key::Annotation], "hf-interleave").map_err(|d| vec![*d])?;
    let counts: Vec<u64> = stage.items.iter().map(|i| i.count().unwrap_or(0)).collect();
    let probs = super::probabilities(&counts);
    let mut datasets = Vec::new();
    let mut rows = Vec::new();
    for ((item, &n), p) in stage.items.iter().zip(&counts).zip(&probs) {
        let path = paths
            .get(&item.id, Key::Hf)
            .or_else(|| paths.get(&item.id, Key::Annotation))
            .expect("required above");
        let (repeats, head) = match item.size {
            Some(s) if s > 0 => (n / s, n % s),
            _ => (0, n),
        };
        let mut d = serde_json::Map::new();
        d.insert("name".into(), item.id.clone().into());
        d.insert("path".into(), path.value.into());
        if let Some(s) = item.size {
            d.insert("size".into(), s.into());
        }
        d.insert("samples".into(), n.into());
        d.insert("repeats".into(), repeats.into());
        d.insert("head".into(), head.into());
        d.insert(
            "probability".into(),
            serde_json::Number::from_f64(*p).map_or(serde_json::Value::Null, Into::into),
        );
        datasets.push(serde_json::Value::Object(d));
        let (trained, expression) = match item.size {
            Some(s) => (
                Trained::Exact(u128::from(repeats) * u128::from(s) + u128::from(head.min(s))),
                format!("{repeats} × whole + first {head}"),
            ),
            None => (Trained::Unknown, format!("first {head}")),
        };
        let mut row = Row::new(item, Some(u128::from(n)), trained, expression);
        if item.size.is_none() {
            row = row.note("the size is unknown: select(range(head)) needs at least that many rows");
        }
        rows.push(row);
    }
    let doc = serde_json::json!({
        "recipe": stage.recipe,
        "stage": stage.stage,
        "stopping_strategy": "all_exhausted_without_replacement",
        "seed": 0,
        "probabilities": probs,
        "datasets": datasets,
    });
    let mut notes = vec![
        "cut each dataset to repeats × whole + head rows, then interleave_datasets(..., probabilities, stopping_strategy=\"all_exhausted_without_replacement\")".to_string(),
    ];
    notes.extend(super::epochs_note(stage, "num_train_epochs"));
    Ok(Exported {
        files: vec![OutFile { name: "interleave.json".into(), text: crate::report::json(&doc) }],
        rows,
        basis: "per-pass",
        notes,
    })
}
