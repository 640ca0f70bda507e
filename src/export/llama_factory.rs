//! LLaMA-Factory: `dataset_info.json` entries and the data arguments.
//!
//! Each dataset gets an entry named by its catalog id with `file_name`
//! (or `hf_hub_url`) from PATHS.toml, the multimodal ShareGPT layout of
//! LLaMA-Factory's own `mllm_demo` entry unless PATHS.toml's
//! `llama_factory` table says otherwise, and `num_samples` when the plan
//! takes other than the whole file. The loader then gives exactly
//! `num_samples` rows (a permutation, plus draws *with replacement* past the
//! file's length). `mix_strategy: interleave_once` with the planned shares
//! as `interleave_probs` uses every one of those rows once, in a mixed
//! order (`concat` would give the same counts). LLaMA-Factory does not
//! normalise the probabilities, so they are written to sum to 1.

use super::model::{Exported, Item, OutFile, Row, StageItems, Trained};
use super::paths::{Key, Paths};
use crate::diag::Diagnostic;
use crate::recipe::schema::StageKind;

pub fn export(stage: &StageItems, paths: &Paths) -> Result<Exported, Vec<Diagnostic>> {
    let unknown: Vec<&Item> = stage.items.iter().filter(|i| i.count().is_none()).collect();
    if !unknown.is_empty() {
        return Err(vec![super::unknown_counts(
            &unknown,
            "llama-factory",
            "num_samples and interleave_probs need counts",
        )]);
    }
    let ids: Vec<&str> = stage.items.iter().map(|i| i.id.as_str()).collect();
    paths.require(&ids, &[Key::Annotation, Key::Hf], "llama-factory").map_err(|d| vec![*d])?;
    let counts: Vec<u64> = stage.items.iter().map(|i| i.count().unwrap_or(0)).collect();
    let total: u128 = counts.iter().map(|&c| u128::from(c)).sum();
    let probs = super::probabilities(&counts);
    let ranking = stage.kind == StageKind::Preference;
    let mut entries = Vec::new();
    let mut rows = Vec::new();
    for (item, &n) in stage.items.iter().zip(&counts) {
        let mut e = serde_json::Map::new();
        match paths.get(&item.id, Key::Annotation) {
            Some(a) => e.insert("file_name".into(), a.value.into()),
            None => e.insert(
                "hf_hub_url".into(),
                paths.get(&item.id, Key::Hf).map(|h| h.value).unwrap_or_default().into(),
            ),
        };
        e.insert("formatting".into(), "sharegpt".into());
        if ranking {
            e.insert("ranking".into(), true.into());
        }
        e.insert("columns".into(), serde_json::json!({"messages": "messages", "images": "images"}));
        e.insert(
            "tags".into(),
            serde_json::json!({"role_tag": "role", "content_tag": "content", "user_tag": "user", "assistant_tag": "assistant"}),
        );
        let whole = item.size == Some(n);
        if !whole {
            e.insert("num_samples".into(), n.into());
        }
        for (k, v) in paths.llama_factory(&item.id) {
            e.insert(k, toml_to_json(v));
        }
        // an explicit num_samples in PATHS.toml would break the plan: ours wins
        if !whole {
            e.insert("num_samples".into(), n.into());
        } else {
            e.remove("num_samples");
        }
        entries.push((item.id.clone(), serde_json::Value::Object(e)));
        let expression = if whole { "whole file".to_string() } else { format!("num_samples {n}") };
        let mut row = Row::new(item, Some(u128::from(n)), Trained::Exact(u128::from(n)), expression);
        if let Some(s) = item.size.filter(|&s| n > s) {
            row = row.note(format!(
                "every one of the file's {} rows once, then {} more drawn with replacement (uneven repeats, not whole passes)",
                crate::report::count(s.into()),
                crate::report::count((n - s).into()),
            ));
        }
        rows.push(row);
    }
    let info = {
        let body: Vec<String> = entries
            .iter()
            .map(|(k, v)| {
                let pretty = serde_json::to_string_pretty(v).unwrap_or_default().replace('\n', "\n  ");
                format!("  {}: {pretty}", serde_json::Value::String(k.clone()))
            })
            .collect();
        format!("{{\n{}\n}}\n", body.join(",\n"))
    };
    let mut args = super::header("#", stage, "LLaMA-Factory data arguments (merge into your training YAML)");
    args.push_str(&format!(
        "# dataset_dir: the directory holding the dataset_info.json written beside this file\n\
         dataset: {}\n\
         mix_strategy: interleave_once\n\
         interleave_probs: {}\n",
        ids.join(","),
        probs.iter().map(|p| super::float_text(*p)).collect::<Vec<_>>().join(",")
    ));
    if let Some(n) = super::epochs_arg(stage) {
        args.push_str(&format!("num_train_epochs: {n}\n"));
    }
    let mut notes = vec![format!(
        "{} rows per epoch; interleave_once uses each once (concat gives the same counts)",
        crate::report::count(total)
    )];
    if ranking {
        notes.push("a preference stage: entries are marked `ranking: true`; set the chosen/rejected columns in PATHS.toml's llama_factory table".into());
    }
    notes.push(
        "columns and tags follow LLaMA-Factory's mllm_demo layout unless PATHS.toml says otherwise".into(),
    );
    Ok(Exported {
        files: vec![
            OutFile { name: "dataset_info.json".into(), text: info },
            OutFile { name: "data_args.yaml".into(), text: args },
        ],
        rows,
        basis: "per-pass",
        notes,
    })
}

fn toml_to_json(v: toml::Value) -> serde_json::Value {
    match v {
        toml::Value::String(s) => s.into(),
        toml::Value::Integer(i) => i.into(),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into),
        toml::Value::Boolean(b) => b.into(),
        toml::Value::Datetime(d) => d.to_string().into(),
        toml::Value::Array(a) => a.into_iter().map(toml_to_json).collect(),
        toml::Value::Table(t) => {
            t.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect::<serde_json::Map<_, _>>().into()
        }
    }
}
