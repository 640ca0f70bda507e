//! Every dataset the seed digest names resolves in the built-in catalog, by
//! id or alias, and every model it names has a recipe.

use mixplan::load::{Inputs, Overlays};
use std::sync::OnceLock;

/// The built-in data, loaded once for all the tests of this file.
fn builtin() -> &'static Inputs {
    static INPUTS: OnceLock<Inputs> = OnceLock::new();
    INPUTS.get_or_init(|| Inputs::load(&Overlays::default()).expect("built-in data loads"))
}

const DIGEST: &str = include_str!("fixtures/seeds/DIGEST.md");

/// The first cell of every table row of the digest's `## Datasets` part.
fn dataset_names() -> Vec<String> {
    let start = DIGEST.find("## Datasets").expect("datasets part");
    let end = DIGEST.find("## Published recipes").expect("recipes part");
    table_first_cells(&DIGEST[start..end])
}

fn table_first_cells(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---"))
        .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().to_string()))
        .filter(|c| !matches!(c.as_str(), "dataset" | "benchmark" | "model"))
        .collect()
}

/// The ways a digest cell names a dataset: the whole cell, the part before
/// a parenthesis, and the parenthesised name (`LLaVA-Pretrain (LCS-558K)`).
fn spellings(cell: &str) -> Vec<String> {
    let clean = cell.replace('`', "");
    let mut out = vec![clean.clone()];
    if let Some((before, rest)) = clean.split_once(" (") {
        out.push(before.trim().to_string());
        out.push(rest.trim_end_matches(')').trim().to_string());
    }
    out
}

#[test]
fn every_digest_dataset_resolves_by_id_or_alias() {
    let inputs = builtin();
    let names = dataset_names();
    // the digest's dataset tables have 78 rows; reading fewer means the
    // parse dropped some
    assert_eq!(names.len(), 78, "{names:?}");
    let missing: Vec<&String> = names
        .iter()
        .filter(|cell| !spellings(cell).iter().any(|s| inputs.catalog.resolve(s).is_some()))
        .collect();
    assert!(missing.is_empty(), "not in the catalog: {missing:?}");
}

#[test]
fn each_spelling_of_a_digest_dataset_resolves_on_its_own() {
    // both names of a two-name cell are in use, so both must resolve
    let inputs = builtin();
    let mut missing = Vec::new();
    for cell in dataset_names() {
        let s = spellings(&cell);
        for name in s.iter().skip(usize::from(s.len() > 1)) {
            if inputs.catalog.resolve(name).is_none() {
                missing.push(name.clone());
            }
        }
    }
    assert!(missing.is_empty(), "spellings not in the catalog: {missing:?}");
}

/// The published-recipes table: (model cell, data cell).
fn recipe_rows() -> Vec<(String, String)> {
    let start = DIGEST.find("## Published recipes").expect("recipes part");
    let end = DIGEST.find("## Architecture").expect("architecture part");
    DIGEST[start..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| model"))
        .filter_map(|l| {
            let mut cells = l.split('|').skip(1).map(|c| c.trim().to_string());
            Some((cells.next()?, cells.next()?))
        })
        .collect()
}

/// Phrases of the recipes table that name data by the model that made it, or
/// data the catalog holds only inside a recipe's group, with the catalog id
/// the recipe uses for them.
const BY_OTHER_NAME: &[(&str, &str)] = &[
    // VideoLLaMA 2's Table 3 lists its SFT data by source model
    ("Valley", "valley-instruct-65k"),
    ("VideoChat", "videochat-11k"),
    ("in-house 12K", "videollama2-in-house"),
    // RealWorldQA is named only inside the 161K video-VQA group
    ("RealWorldQA", "videollama2-sft-video-vqa"),
    // VideoChat's SFT: two 2K files cut from LLaVA-Instruct-150K
    ("4K from LLaVA", "llava-instruct-150k"),
];

/// Dataset names in a recipes-table cell: `PT: WebVid-2.5M, LLaVA-CC3M;
/// SFT: ...`, with stage labels, parentheses and `preference data` dropped.
fn names_in(cell: &str) -> Vec<String> {
    let mut text = String::new();
    let mut depth = 0;
    for c in cell.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    text.split([';', ',', '/', '+'])
        .map(|p| p.rsplit(':').next().unwrap_or(p).trim())
        .map(|p| p.trim_end_matches("preference data").trim().to_string())
        .filter(|p| !p.is_empty() && p != "same as Valley")
        .collect()
}

#[test]
fn every_dataset_a_published_recipe_names_resolves() {
    let inputs = builtin();
    let rows = recipe_rows();
    assert_eq!(rows.len(), 25);
    let mut missing = Vec::new();
    let mut seen = 0;
    for (model, data) in rows.iter().filter(|(_, d)| !d.starts_with("their datasets")) {
        for name in names_in(data) {
            seen += 1;
            let id = BY_OTHER_NAME.iter().find(|(n, _)| *n == name).map_or(name.as_str(), |(_, id)| id);
            if inputs.catalog.resolve(id).is_none() {
                missing.push(format!("{model}: {name}"));
            }
        }
    }
    assert!(missing.is_empty(), "not in the catalog: {missing:#?}");
    assert_eq!(seen, 77, "names read from the recipes table");
}
