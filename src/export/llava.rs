//! LLaVA-NeXT / LLaVA-OneVision data YAML (`--data_path X.yaml`).
//!
//! The loader concatenates the `datasets:` list in order, each entry a
//! `json_path` (`.json` or `.jsonl`, anything else is refused) and a
//! `sampling_strategy`: `all`, or `first:K` / `end:K` / `random:K` with K
//! an integer or a whole percent, `ceil(P × len / 100)`. It has no
//! up-sampling keyword: listing a file twice loads it twice.
//!
//! So a count n of a file of length S is ⌊n/S⌋ entries `all` plus one
//! `first:(n mod S)`: exact integers, never a percentage (which would round
//! up). A percentage is written only for a fraction of a file whose size is
//! unknown (`fraction = 0.1` → `first:10%`), where it is the recipe's own
//! words.

use super::model::{decimal_text, split_ratio, Exported, Item, OutFile, Row, StageItems, Trained, Want};
use super::paths::{Key, Paths};
use crate::diag::{codes, Diagnostic};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};

/// A `sampling_strategy` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    All,
    First(u64),
    /// `first:P%`, P a whole number from 1 to 100.
    FirstPercent(u32),
}

impl Strategy {
    pub fn text(&self) -> String {
        match self {
            Strategy::All => "all".into(),
            Strategy::First(k) => format!("first:{k}"),
            Strategy::FirstPercent(p) => format!("first:{p}%"),
        }
    }

    /// What the loader keeps of a file of `len` records.
    pub fn loaded(&self, len: u64) -> u64 {
        match self {
            Strategy::All => len,
            Strategy::First(k) => (*k).min(len),
            // ceil(P × len / 100), exactly (Python's float is exact for len < 2^53
            // here; the integer form avoids the question)
            Strategy::FirstPercent(p) => (u128::from(*p) * u128::from(len)).div_ceil(100) as u64,
        }
    }
}

/// The entries that give `item` its count, or why none can.
pub fn strategies(item: &Item) -> Result<Vec<Strategy>, String> {
    match (&item.want, item.size) {
        (Want::Count(n), Some(s)) if s > 0 => {
            if n / s > MAX_REPEATS as u64 {
                return Err(format!("it repeats the file {} times", n / s));
            }
            let mut v = vec![Strategy::All; (n / s) as usize];
            if n % s > 0 {
                v.push(Strategy::First(n % s));
            }
            Ok(v)
        }
        (Want::Count(n), _) => Ok(vec![Strategy::First(*n)]),
        (Want::Ratio(q), _) => {
            let (whole, rest) = split_ratio(q);
            if whole > MAX_REPEATS as u64 {
                return Err(format!("it repeats the file {whole} times"));
            }
            let mut v = vec![Strategy::All; whole as usize];
            if !rest.is_zero() {
                let pct = &rest * BigRational::from_integer(BigInt::from(100));
                match pct.is_integer().then(|| pct.to_integer().to_u32()).flatten() {
                    Some(p) => v.push(Strategy::FirstPercent(p)),
                    None => {
                        return Err(format!(
                        "{} of a file of unknown size is not a whole percent, and `first:K` needs the size",
                        decimal_text(q).unwrap_or_else(|| q.to_string())
                    ))
                    }
                }
            }
            Ok(v)
        }
    }
}

/// Repeats above this many entries per file are refused (a YAML of
/// millions of lines helps no one).
const MAX_REPEATS: usize = 10_000;

pub fn export(stage: &StageItems, paths: &Paths) -> Result<Exported, Vec<Diagnostic>> {
    let ids: Vec<&str> = stage.items.iter().map(|i| i.id.as_str()).collect();
    paths.require(&ids, &[Key::Annotation], "llava-next").map_err(|d| vec![*d])?;
    let mut errors = Vec::new();
    let mut yaml = super::header("#", stage, "LLaVA-NeXT data YAML (pass it as --data_path)");
    yaml.push_str("datasets:\n");
    let mut rows = Vec::new();
    let mut roots = std::collections::BTreeSet::new();
    for item in &stage.items {
        let place = paths.get(&item.id, Key::Annotation).expect("required above");
        if !(place.value.ends_with(".json") || place.value.ends_with(".jsonl")) {
            errors.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_PATH,
                    format!("`{}`: LLaVA-NeXT reads only .json and .jsonl files", item.id),
                )
                .at(Some(place.loc.clone()))
                .label(format!("`{}`", place.value))
                .help("point `annotation` at the .json (a list) or .jsonl (a line per sample) file"),
            );
            continue;
        }
        if let Some(r) = paths.get(&item.id, Key::ImageRoot) {
            roots.insert(r.value);
        }
        let list = match strategies(item) {
            Ok(l) => l,
            Err(why) => {
                errors.push(cannot(item, &why));
                continue;
            }
        };
        yaml.push_str(&format!("  # {}\n", super::comment(item)));
        for s in &list {
            yaml.push_str(&format!(
                "  - json_path: {}\n    sampling_strategy: {}\n",
                super::yaml_string(&place.value),
                super::yaml_string(&s.text())
            ));
        }
        rows.push(row(item, &list));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut notes = super::epochs_note(stage, "--num_train_epochs");
    match roots.len() {
        0 => {}
        1 => notes.push(format!(
            "images: pass --image_folder {} (LLaVA-NeXT has one image root for every file)",
            roots.iter().next().map(String::as_str).unwrap_or("")
        )),
        n => notes.push(format!(
            "PATHS.toml gives {n} image roots, but LLaVA-NeXT resolves every image against one --image_folder: make the image paths in the files relative to a common root"
        )),
    }
    Ok(Exported {
        files: vec![OutFile { name: "data.yaml".into(), text: yaml }],
        rows,
        basis: "per-pass",
        notes,
    })
}

fn cannot(item: &Item, why: &str) -> Diagnostic {
    Diagnostic::error(
        codes::EXPORT_UNKNOWN_COUNT,
        format!("`{}` cannot be written for LLaVA-NeXT: {why}", item.id),
    )
    .help("give the dataset's size in the catalog, or take a whole percent of it in the recipe")
}

fn row(item: &Item, list: &[Strategy]) -> Row {
    let expression = summarize(list);
    let planned = item.count().map(u128::from);
    let trained = match item.size {
        Some(s) => Trained::Exact(list.iter().map(|st| u128::from(st.loaded(s))).sum()),
        None => Trained::Unknown,
    };
    let mut r = Row::new(item, planned, trained, expression);
    if list.len() > 1 {
        r = r.note(format!("the file is listed {} times: the loader has no repeat keyword", list.len()));
    }
    if list.iter().any(|s| matches!(s, Strategy::FirstPercent(_))) {
        r = r.note("a percentage of a file of unknown size: the loader keeps ceil(P × len / 100)");
    }
    if item.size.is_none() && list.iter().any(|s| matches!(s, Strategy::First(_))) {
        r = r.note("the size is unknown: first:K gives K only if the file has at least K records");
    }
    r
}

/// `all ×3 + first:500`.
pub fn summarize(list: &[Strategy]) -> String {
    let alls = list.iter().filter(|s| **s == Strategy::All).count();
    let mut parts = Vec::new();
    match alls {
        0 => {}
        1 => parts.push("all".to_string()),
        n => parts.push(format!("all ×{n}")),
    }
    parts.extend(list.iter().filter(|s| **s != Strategy::All).map(Strategy::text));
    parts.join(" + ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(size: Option<u64>, want: Want) -> Item {
        Item { id: "x".into(), name: "X".into(), size, size_approx: false, want, seen: None }
    }

    #[test]
    fn percentages_round_up_as_the_loader_does() {
        // the reference's worked examples: ceil(10% of 87,358) = 8,736;
        // ceil(20% of 299,992) = 59,999; ceil(5% of 1,001) = 51; ceil(1% of 50) = 1
        assert_eq!(Strategy::FirstPercent(10).loaded(87_358), 8_736);
        assert_eq!(Strategy::FirstPercent(20).loaded(299_992), 59_999);
        assert_eq!(Strategy::FirstPercent(5).loaded(1_001), 51);
        assert_eq!(Strategy::FirstPercent(1).loaded(50), 1);
        assert_eq!(Strategy::First(900).loaded(100), 100);
    }

    #[test]
    fn repeats_are_whole_files_plus_an_exact_head() {
        // 2,500 of 1,000: all, all, first:500
        let l = strategies(&item(Some(1000), Want::Count(2500))).unwrap();
        assert_eq!(l, vec![Strategy::All, Strategy::All, Strategy::First(500)]);
        assert_eq!(summarize(&l), "all ×2 + first:500");
        // 8,736 of 87,358 is written as the exact head, not 10%
        assert_eq!(
            strategies(&item(Some(87_358), Want::Count(8_736))).unwrap(),
            vec![Strategy::First(8_736)]
        );
    }

    #[test]
    fn unknown_sizes_take_whole_percents_only() {
        let tenth = BigRational::new(1.into(), 10.into());
        assert_eq!(strategies(&item(None, Want::Ratio(tenth))).unwrap(), vec![Strategy::FirstPercent(10)]);
        let third = BigRational::new(1.into(), 3.into());
        assert!(strategies(&item(None, Want::Ratio(third))).is_err());
        let two = BigRational::from_integer(2.into());
        assert_eq!(strategies(&item(None, Want::Ratio(two))).unwrap(), vec![Strategy::All, Strategy::All]);
    }
}
