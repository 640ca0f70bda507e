//! Every published recipe plans to the totals its sources give.
//!
//! The expected figures are in `tests/expected/*.toml`, one `[[stage]]` per
//! recipe stage: the distinct samples of one pass (`unique`) and what the
//! model trains on (`seen`), worked out by hand from the sourced parts (the
//! comments above each row), whether every part is known (`complete`), and
//! how the plan compares with the stage's stated size (`stated`). Where they
//! differ the sources disagree with themselves: the row says so and the
//! plan must carry the warning.

use mixplan::load::{Inputs, Overlays};
use mixplan::plan::{Plan, PlanOptions, Planner};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    stage: Vec<Row>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    recipe: String,
    stage: String,
    unique: Option<u128>,
    seen: Option<u128>,
    known_unique: Option<u128>,
    complete: bool,
    stated: String,
}

fn rows() -> &'static [(String, Row)] {
    static ROWS: OnceLock<Vec<(String, Row)>> = OnceLock::new();
    ROWS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected");
        let mut files: Vec<_> =
            std::fs::read_dir(dir).expect("tests/expected").map(|e| e.expect("entry").path()).collect();
        files.sort();
        let mut rows = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable");
            let e: Expected = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            let name = f.file_name().expect("file").to_string_lossy().into_owned();
            rows.extend(e.stage.into_iter().map(|r| (name.clone(), r)));
        }
        rows
    })
}

/// The built-in recipes, planned once for all the tests of this file.
fn plans() -> &'static [Plan] {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    PLANS.get_or_init(|| {
        let inputs = Inputs::load(&Overlays::default()).expect("built-in data loads");
        let planner = Planner::new(&inputs);
        inputs
            .recipes
            .sorted()
            .into_iter()
            .map(|r| {
                let planned = planner.plan(r, &PlanOptions::default());
                planned.plan.unwrap_or_else(|| {
                    let d: mixplan::diag::Diagnostics = planned.diags.into_iter().collect();
                    panic!("{} does not plan:\n{}", planner.recipe_id(r), d.render(&inputs.sources))
                })
            })
            .collect()
    })
}

#[test]
fn every_recipe_and_stage_has_a_row() {
    let planned: BTreeSet<(String, String)> =
        plans().iter().flat_map(|p| p.stages.iter().map(|s| (p.recipe.id.clone(), s.id.clone()))).collect();
    let listed: Vec<(String, String)> =
        rows().iter().map(|(_, r)| (r.recipe.clone(), r.stage.clone())).collect();
    let unique: BTreeSet<(String, String)> = listed.iter().cloned().collect();
    assert_eq!(listed.len(), unique.len(), "a stage is listed twice");
    let missing: Vec<_> = planned.difference(&unique).collect();
    let extra: Vec<_> = unique.difference(&planned).collect();
    assert!(missing.is_empty() && extra.is_empty(), "no row for {missing:?}; rows for no stage {extra:?}");
}

#[test]
fn every_stage_plans_to_its_sourced_totals() {
    let mut wrong = Vec::new();
    for (file, r) in rows() {
        let Some(p) = plans().iter().find(|p| p.recipe.id == r.recipe) else { continue };
        let Some(s) = p.stages.iter().find(|s| s.id == r.stage) else { continue };
        let t = &s.totals;
        let got = (t.total_unique, t.total_seen, t.complete);
        let want = (r.unique, r.seen, r.complete);
        let known_ok = r.known_unique.is_none_or(|k| k == t.known_unique);
        if got != want || !known_ok {
            wrong.push(format!(
                "{file}: {}:{} plans unique {:?}, seen {:?}, complete {} (known {}); the sources give {:?}, {:?}, {} (known {:?})",
                r.recipe, r.stage, got.0, got.1, got.2, t.known_unique, want.0, want.1, want.2, r.known_unique
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn stated_totals_agree_within_their_rounding_or_are_flagged() {
    let mut wrong = Vec::new();
    for (file, r) in rows() {
        let Some(p) = plans().iter().find(|p| p.recipe.id == r.recipe) else { continue };
        let Some(s) = p.stages.iter().find(|s| s.id == r.stage) else { continue };
        let verdict = match (s.stated_samples, s.totals.total_unique) {
            (None, _) => "none",
            (Some(_), None) => "unchecked",
            (Some(v), Some(total)) => {
                // the figure's rounding: "1.2M" covers 1,150,000 ..= 1,250,000
                let unit = s.stated_as.as_deref().map_or(1, |t| match mixplan::quantity::read(t) {
                    Ok(mixplan::quantity::Reading::One(f)) => f.unit,
                    _ => 1,
                });
                let diff = total.abs_diff(u128::from(v));
                if 2 * diff <= u128::from(unit) || diff == 0 {
                    "agrees"
                } else {
                    "differs"
                }
            }
        };
        if verdict != r.stated {
            wrong.push(format!(
                "{file}: {}:{} is `{verdict}`, the row says `{}`",
                r.recipe, r.stage, r.stated
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn the_recipes_the_seed_lists_name_all_exist() {
    // DIGEST.md, "Published recipes", one recipe (or more) per model
    let models = [
        "llava-13b",
        "llava-1.5-7b",
        "sharegpt4v-7b",
        "cogvlm-17b",
        "llava-onevision-7b",
        "llava-video-7b",
        "llava-next-interleave-7b",
        "sharegpt4video-8b",
        "aquila-vl-2b",
        "cambrian-1-8b",
        "internvl-chat-v1-2",
        "internvl2-8b-mpo",
        "minicpm-v-2.0",
        "minicpm-llama3-v-2.5",
        "silkie",
        "spa-vl-dpo",
        "mplug-docowl1.5",
        "idefics2-8b",
        "vip-llava-13b",
        "moe-llava-phi2",
        "asmv2-13b",
        "llava-plus-7b",
        "allava-3b",
        "muffin-13b",
        "layoutllm",
        "video-llama",
        "videollama2",
        "videochat",
        "videochat2",
        "valley",
        "video-chatgpt",
        "video-llava",
    ];
    let planned: BTreeSet<&str> = plans().iter().map(|p| p.recipe.id.as_str()).collect();
    for m in models {
        assert!(planned.contains(m), "{m}");
    }
}

#[test]
fn there_are_at_least_fifty_published_recipes() {
    assert!(plans().len() >= 50, "{} recipes", plans().len());
}
