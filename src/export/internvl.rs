//! InternVL meta JSON (`--meta_path`).
//!
//! One object per dataset: `root`, `annotation` (a `.jsonl`: the loader
//! asserts the suffix), `data_augment`, `repeat_time` and, optionally,
//! `max_dynamic_patch`; `length` is informational. The finetune loader
//! keeps the first `int(len × r)` records for r < 1, all of them for
//! r = 1, and `len × r` for r > 1 only when r is a JSON integer (a float
//! above 1 fails its assertion).
//!
//! So a count n of a file of length S is written as r = a double with
//! `int(S × r) = n` for n < S, `1` for n = S, and above S as two objects
//! over the same file: `⌊n/S⌋` (an integer) and a remainder below 1 under
//! the key `ID#rest`.

use super::model::{
    decimal_text, ratio_f64, split_ratio, Exported, Item, OutFile, Row, StageItems, Trained, Want,
};
use super::paths::{Key, Paths};
use crate::diag::{codes, Diagnostic};
use num_traits::Zero;

/// A `repeat_time` value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Repeat {
    Int(u64),
    /// A float below 1: the loader keeps `int(len × r)` records.
    Part(f64),
}

impl Repeat {
    /// The JSON text (shortest form that reads back as the same double).
    pub fn json(&self) -> String {
        match self {
            Repeat::Int(k) => k.to_string(),
            Repeat::Part(r) => {
                serde_json::Number::from_f64(*r).map_or_else(|| "null".into(), |n| n.to_string())
            }
        }
    }

    /// What the finetune loader keeps of a file of `len` records.
    pub fn loaded(&self, len: u64) -> u128 {
        match self {
            Repeat::Int(k) => u128::from(len) * u128::from(*k),
            Repeat::Part(r) => (len as f64 * r).floor() as u128,
        }
    }
}

/// The double r in (0, 1) with `int(s × r) = n`, for 0 < n < s.
pub fn part_for(n: u64, s: u64) -> f64 {
    let (nf, sf) = (n as f64, s as f64);
    let mut r = (nf + 0.5) / sf;
    // The midpoint is a half-sample away from both edges; step a few ulps
    // in the rare case that float rounding still lands outside.
    for _ in 0..64 {
        let got = (sf * r).floor();
        if got < nf {
            r = f64::from_bits(r.to_bits() + 1);
        } else if got > nf {
            r = f64::from_bits(r.to_bits() - 1);
        } else {
            break;
        }
    }
    r.min(f64::from_bits(1.0f64.to_bits() - 1))
}

/// The `repeat_time` entries that give `item` its count.
pub fn repeats(item: &Item) -> Result<Vec<Repeat>, String> {
    match (&item.want, item.size) {
        (Want::Count(n), Some(s)) if s > 0 => {
            let (k, rest) = (n / s, n % s);
            let mut v = Vec::new();
            if k > 0 {
                v.push(Repeat::Int(k));
            }
            if rest > 0 {
                v.push(Repeat::Part(part_for(rest, s)));
            }
            Ok(v)
        }
        (Want::Count(_), _) => {
            Err("`repeat_time` is relative to the file's length, and the catalog does not know it".into())
        }
        (Want::Ratio(q), _) => {
            let (k, rest) = split_ratio(q);
            let mut v = Vec::new();
            if k > 0 {
                v.push(Repeat::Int(k));
            }
            if !rest.is_zero() {
                v.push(Repeat::Part(ratio_f64(&rest)));
            }
            Ok(v)
        }
    }
}

pub fn export(stage: &StageItems, paths: &Paths) -> Result<Exported, Vec<Diagnostic>> {
    let ids: Vec<&str> = stage.items.iter().map(|i| i.id.as_str()).collect();
    paths.require(&ids, &[Key::Annotation], "internvl").map_err(|d| vec![*d])?;
    paths.require(&ids, &[Key::ImageRoot], "internvl").map_err(|d| vec![*d])?;
    let mut errors = Vec::new();
    let mut objects = Vec::new();
    let mut rows = Vec::new();
    for item in &stage.items {
        let ann = paths.get(&item.id, Key::Annotation).expect("required above");
        let root = paths.get(&item.id, Key::ImageRoot).expect("required above");
        if !ann.value.ends_with("jsonl") {
            errors.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_PATH,
                    format!("`{}`: InternVL's loader asserts that an annotation ends in `jsonl`", item.id),
                )
                .at(Some(ann.loc.clone()))
                .label(format!("`{}`", ann.value))
                .help("convert the file to JSON Lines (one sample per line) and point `annotation` at it"),
            );
            continue;
        }
        let list = match repeats(item) {
            Ok(l) => l,
            Err(why) => {
                errors.push(
                    Diagnostic::error(
                        codes::EXPORT_UNKNOWN_COUNT,
                        format!("`{}` cannot be written for InternVL: {why}", item.id),
                    )
                    .help("give the dataset's size in the catalog"),
                );
                continue;
            }
        };
        for (i, r) in list.iter().enumerate() {
            let key = if i == 0 { item.id.clone() } else { format!("{}#rest", item.id) };
            let mut fields = vec![
                ("root", serde_json::Value::String(root.value.clone()).to_string()),
                ("annotation", serde_json::Value::String(ann.value.clone()).to_string()),
                ("data_augment", paths.data_augment(&item.id).to_string()),
                ("repeat_time", r.json()),
            ];
            if let Some(m) = paths.max_dynamic_patch(&item.id) {
                fields.push(("max_dynamic_patch", m.to_string()));
            }
            if let Some(s) = item.size {
                fields.push(("length", s.to_string()));
            }
            let body: Vec<String> = fields.iter().map(|(k, v)| format!("    \"{k}\": {v}")).collect();
            objects.push(format!("  {}: {{\n{}\n  }}", serde_json::Value::String(key), body.join(",\n")));
        }
        rows.push(row(item, &list));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = format!("{{\n{}\n}}\n", objects.join(",\n"));
    let mut notes = super::epochs_note(stage, "--num_train_epochs");
    notes.push("the counts are those of internvl_chat_finetune.py; the pretrain script reads an integer repeat_time the same way".into());
    Ok(Exported { files: vec![OutFile { name: "meta.json".into(), text }], rows, basis: "per-pass", notes })
}

fn row(item: &Item, list: &[Repeat]) -> Row {
    let expression = list
        .iter()
        .map(|r| match r {
            Repeat::Int(k) => format!("repeat_time {k}"),
            Repeat::Part(x) => format!("repeat_time {}", Repeat::Part(*x).json()),
        })
        .collect::<Vec<_>>()
        .join(" + ");
    let trained = match item.size {
        Some(s) => Trained::Exact(list.iter().map(|r| r.loaded(s)).sum()),
        None => Trained::Unknown,
    };
    let mut r = Row::new(item, item.count().map(u128::from), trained, expression);
    if list.len() > 1 {
        r = r.note(format!(
            "two objects over one file (`{}` and `{}#rest`): repeat_time above 1 must be an integer",
            item.id, item.id
        ));
    }
    if item.size.is_none() {
        if let Want::Ratio(q) = &item.want {
            let (_, rest) = split_ratio(q);
            if !rest.is_zero() {
                r = r.note(format!(
                    "a part ({}) of a file of unknown size: the loader keeps int(len × r), rounding down",
                    decimal_text(&rest).unwrap_or_else(|| rest.to_string())
                ));
            }
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use num_rational::BigRational;

    fn item(size: Option<u64>, want: Want) -> Item {
        Item { id: "x".into(), name: "X".into(), size, size_approx: false, want, seen: None }
    }

    #[test]
    fn parts_truncate_as_the_loader_does() {
        // reference: int(102,025 × 0.03) = int(3,060.75) = 3,060; int(665,058 × 0.2) = 133,011
        assert_eq!(Repeat::Part(0.03).loaded(102_025), 3_060);
        assert_eq!(Repeat::Part(0.2).loaded(665_058), 133_011);
    }

    #[test]
    fn the_part_for_a_count_gives_that_count() {
        for (n, s) in [(1, 3), (2, 3), (3_060, 102_025), (999_999, 1_000_000), (1, 9_007_199_254_740_000)] {
            let r = part_for(n, s);
            assert!(r > 0.0 && r < 1.0, "{n}/{s}: {r}");
            assert_eq!(Repeat::Part(r).loaded(s), u128::from(n), "{n}/{s}: {r}");
            // and it survives the JSON text
            let back: f64 = Repeat::Part(r).json().parse().unwrap();
            assert_eq!(back, r);
        }
    }

    #[test]
    fn counts_above_the_size_are_an_integer_and_a_rest() {
        // 2,500 of 1,000 = repeat_time 2 and int(1,000 × r) = 500
        let l = repeats(&item(Some(1000), Want::Count(2500))).unwrap();
        assert_eq!(l[0], Repeat::Int(2));
        assert_eq!(l[1].loaded(1000), 500);
        assert_eq!(repeats(&item(Some(1000), Want::Count(1000))).unwrap(), vec![Repeat::Int(1)]);
        assert!(repeats(&item(None, Want::Count(10))).is_err());
        let q = BigRational::new(5.into(), 2.into());
        assert_eq!(repeats(&item(None, Want::Ratio(q))).unwrap(), vec![Repeat::Int(2), Repeat::Part(0.5)]);
    }
}
