//! Megatron-LM blends: `--data-args-path` (weight/prefix pairs split on
//! whitespace) and `--per-split-data-args-path` (JSON with `train`,
//! `valid` and `test`, all three required).
//!
//! The weights written are the planned sample counts of the whole stage;
//! Megatron normalises them (`w / sum(w)`), builds each dataset to
//! ⌈N · wᵢ⌉ samples for `--train-samples N`, and draws the training order
//! with `build_blending_indices` (see [`super::schedule`]). The count each
//! dataset really gets is that greedy index's, over the first N samples:
//! within about one sample of the plan. Zero weights are refused by
//! `BlendedDataset`, so empty leaves are left out.

use super::model::{Exported, Item, OutFile, Row, StageItems, Trained};
use super::paths::{Key, Paths};
use super::schedule::{self, Blend};
use crate::diag::{codes, Diagnostic};

/// Above this many sample × dataset steps the greedy count is not run
/// (about a second per billion); the report then gives N · wᵢ.
pub const SIMULATE_LIMIT: u128 = 4_000_000_000;

/// The weights Megatron reads from the file: the planned counts, as floats.
pub fn file_weights(counts: &[u128]) -> Vec<f64> {
    counts.iter().map(|&n| n as f64).collect()
}

pub fn export(stage: &StageItems, paths: &Paths, simulate_limit: u128) -> Result<Exported, Vec<Diagnostic>> {
    let unknown: Vec<&Item> = stage.items.iter().filter(|i| i.seen.is_none()).collect();
    if !unknown.is_empty() {
        return Err(vec![super::unknown_counts(&unknown, "megatron", "weights are sample counts")]);
    }
    let ids: Vec<&str> = stage.items.iter().map(|i| i.id.as_str()).collect();
    paths.require(&ids, &[Key::Prefix], "megatron").map_err(|d| vec![*d])?;
    if stage.items.len() >= 32767 {
        return Err(vec![Diagnostic::error(
            codes::EXPORT_UNKNOWN_COUNT,
            format!("{} datasets: Megatron's BlendedDataset takes fewer than 32,767", stage.items.len()),
        )]);
    }
    let mut errors = Vec::new();
    let mut prefixes = Vec::new();
    for item in &stage.items {
        let p = paths.get(&item.id, Key::Prefix).expect("required above");
        let bad = if p.value.chars().any(char::is_whitespace) {
            Some("a prefix with white space: the data-args file is split on white space")
        } else if p.value.ends_with(".bin") || p.value.ends_with(".idx") {
            Some("a prefix is the path without `.bin`/`.idx`")
        } else if p.value.is_empty() {
            Some("an empty prefix")
        } else {
            None
        };
        if let Some(why) = bad {
            errors.push(
                Diagnostic::error(codes::UNSUPPORTED_PATH, format!("`{}`: {why}", item.id))
                    .at(Some(p.loc.clone()))
                    .label(format!("`{}`", p.value))
                    .help("write the prefix of the indexed dataset: `/data/name_text_document` for name_text_document.bin/.idx"),
            );
        }
        prefixes.push(p.value);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let counts: Vec<u128> = stage.items.iter().map(|i| i.seen.unwrap_or(0)).collect();
    let n: u128 = counts.iter().sum();
    let Ok(n64) = u64::try_from(n) else {
        return Err(vec![Diagnostic::error(
            codes::OVERFLOW,
            format!("the stage draws {} samples: more than Megatron's int64 sizes", crate::report::count(n)),
        )]);
    };
    let blend = Blend::new(&file_weights(&counts), n64);
    let simulate = n * stage.items.len() as u128 <= simulate_limit;
    let drawn = simulate.then(|| schedule::counts(&blend.index_weights, n64));
    let mut rows = Vec::new();
    for (i, item) in stage.items.iter().enumerate() {
        let trained = match &drawn {
            Some(d) => Trained::Exact(u128::from(d[i])),
            None => Trained::Expected(n64 as f64 * blend.index_weights[i]),
        };
        let row = Row::new(item, Some(counts[i]), trained, format!("weight {}", counts[i])).note(format!(
            "Megatron builds {} samples of it (⌈N·w⌉)",
            crate::report::count(blend.targets[i].into())
        ));
        rows.push(row);
    }
    let pairs: Vec<(String, &str)> =
        counts.iter().map(|c| c.to_string()).zip(prefixes.iter().map(String::as_str)).collect();
    let mut blend_txt = String::new();
    for (w, p) in &pairs {
        blend_txt.push_str(&format!("{w} {p}\n"));
    }
    let train: Vec<serde_json::Value> = pairs
        .iter()
        .flat_map(|(w, p)| [serde_json::Value::String(w.clone()), serde_json::Value::String(p.to_string())])
        .collect();
    let per_split = crate::report::json(&serde_json::json!({"train": train, "valid": null, "test": null}));
    let args = format!(
        "# Megatron-LM data arguments for {recipe} stage {stage} (written by mixplan).\n\
         # Weights are the planned sample counts; Megatron normalises them.\n\
         # Either the blend file with a train-only split:\n\
         --data-args-path blend.txt --split 100,0,0 --train-samples {n}\n\
         # or the per-split file (no --split with it):\n\
         # --per-split-data-args-path per_split.json --train-samples {n}\n\
         # Megatron builds {size} blended samples (the sum of ceil(N*w)); training reads the first {n}.\n",
        recipe = stage.recipe,
        stage = stage.stage,
        size = blend.size,
    );
    let mut notes = vec![format!(
        "pass --train-samples {n} (the stage's seen samples): {}",
        match drawn {
            Some(_) => "counts are those of build_blending_indices over the first N samples",
            None => "the greedy index was not run at this size; counts are N × w",
        }
    )];
    if stage.passes != 1.0 {
        notes.push(format!(
            "the weights and N include the stage's {} epochs (Megatron has no epochs)",
            crate::report::trim_float(stage.passes)
        ));
    }
    Ok(Exported {
        files: vec![
            OutFile { name: "blend.txt".into(), text: blend_txt },
            OutFile { name: "per_split.json".into(), text: per_split },
            OutFile { name: "args.txt".into(), text: args },
        ],
        rows,
        basis: "stage",
        notes,
    })
}
