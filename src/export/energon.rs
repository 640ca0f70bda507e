//! Megatron-Energon metadatasets (`MetadatasetV2`, strict: unknown keys are
//! errors), two files:
//!
//! - `blend_epochized.yaml`: `blend_epochized` with `repetitions`, one
//!   epoch of the blend being every leaf's length × its repetitions. A
//!   count below a file's length is an exact head, `subset: {range: [0,
//!   n]}` (absolute ranges are allowed on leaves); above it, an integer
//!   `repetitions` entry plus a head entry. Integer repetitions keep the
//!   count exact however many workers share the data (a fractional one is
//!   floored per worker). Deterministic: this is what the report counts.
//! - `blend.yaml`: `blend` with weights (normalised per level by Energon,
//!   drawn at random per worker): the planned counts as weights, so each
//!   dataset's expected share of the stage is its planned share.

use super::model::{decimal_text, split_ratio, Exported, Item, OutFile, Row, StageItems, Trained, Want};
use super::paths::{Key, Paths};
use crate::diag::Diagnostic;
use num_traits::Zero;

/// One `blend_epochized` entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Epochized {
    /// An integer, or (for a file of unknown size) the decimal as written.
    pub repetitions: Reps,
    /// `subset: {range: [0, end]}`, an absolute head.
    pub head: Option<u64>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reps {
    Int(u64),
    Decimal(String),
}

impl Epochized {
    /// Energon's count for one worker: ⌊r⌋ passes over the (subset) length
    /// plus ⌊len × (r − ⌊r⌋)⌋.
    pub fn loaded(&self, len: u64) -> u128 {
        let len = self.head.map_or(len, |h| h.min(len));
        match &self.repetitions {
            Reps::Int(k) => u128::from(len) * u128::from(*k),
            Reps::Decimal(t) => {
                let r: f64 = t.parse().unwrap_or(0.0);
                let whole = r.floor();
                (whole as u128) * u128::from(len) + (len as f64 * (r - whole)).floor() as u128
            }
        }
    }

    fn text(&self) -> String {
        let reps = match &self.repetitions {
            Reps::Int(k) => k.to_string(),
            Reps::Decimal(t) => t.clone(),
        };
        match self.head {
            Some(h) => format!("repetitions {reps}, subset [0, {h}]"),
            None => format!("repetitions {reps}"),
        }
    }
}

pub fn entries(item: &Item) -> Result<Vec<Epochized>, String> {
    match (&item.want, item.size) {
        (Want::Count(n), Some(s)) if s > 0 => {
            let (k, rest) = (n / s, n % s);
            let mut v = Vec::new();
            if k > 0 {
                v.push(Epochized { repetitions: Reps::Int(k), head: None });
            }
            if rest > 0 {
                v.push(Epochized { repetitions: Reps::Int(1), head: Some(rest) });
            }
            Ok(v)
        }
        (Want::Count(n), _) => Ok(vec![Epochized { repetitions: Reps::Int(1), head: Some(*n) }]),
        (Want::Ratio(q), _) => {
            let (k, rest) = split_ratio(q);
            if rest.is_zero() {
                return Ok(vec![Epochized { repetitions: Reps::Int(k), head: None }]);
            }
            match decimal_text(q) {
                Some(t) => Ok(vec![Epochized { repetitions: Reps::Decimal(t), head: None }]),
                None => Err("its repetitions are not a terminating decimal".into()),
            }
        }
    }
}

pub fn export(stage: &StageItems, paths: &Paths) -> Result<Exported, Vec<Diagnostic>> {
    let unknown: Vec<&Item> = stage.items.iter().filter(|i| i.seen.is_none()).collect();
    if !unknown.is_empty() {
        return Err(vec![super::unknown_counts(&unknown, "energon", "the weighted blend needs counts")]);
    }
    let ids: Vec<&str> = stage.items.iter().map(|i| i.id.as_str()).collect();
    paths.require(&ids, &[Key::Energon], "energon").map_err(|d| vec![*d])?;
    let head = |kind: &str| {
        let mut t = super::header("#", stage, &format!("Megatron-Energon metadataset ({kind})"));
        t.push_str("__module__: megatron.energon\n__class__: MetadatasetV2\nsplits:\n  train:\n");
        t
    };
    let mut epochized = head("blend_epochized: one epoch = the planned pass");
    epochized.push_str("    blend_epochized:\n");
    let mut weighted = head("blend: weights are planned counts, drawn at random");
    weighted.push_str("    blend:\n");
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let total_seen: u128 = stage.items.iter().filter_map(|i| i.seen).sum();
    for item in &stage.items {
        let path = paths.get(&item.id, Key::Energon).expect("required above").value;
        let list = match entries(item) {
            Ok(l) => l,
            Err(why) => {
                errors.push(super::cannot(item, "energon", &why));
                continue;
            }
        };
        epochized.push_str(&format!("      # {}\n", super::comment(item)));
        for e in &list {
            let reps = match &e.repetitions {
                Reps::Int(k) => k.to_string(),
                Reps::Decimal(t) => t.clone(),
            };
            epochized.push_str(&format!(
                "      - repetitions: {reps}\n        path: {}\n",
                super::yaml_string(&path)
            ));
            if let Some(h) = e.head {
                epochized.push_str(&format!("        subset: {{range: [0, {h}]}}\n"));
            }
        }
        let seen = item.seen.unwrap_or(0);
        weighted.push_str(&format!("      - weight: {seen}\n        path: {}\n", super::yaml_string(&path)));
        let trained = match item.size {
            Some(s) => Trained::Exact(list.iter().map(|e| e.loaded(s)).sum()),
            None => Trained::Unknown,
        };
        let expression = list.iter().map(Epochized::text).collect::<Vec<_>>().join(" + ");
        let mut row = Row::new(item, item.count().map(u128::from), trained, expression);
        if list.len() > 1 {
            row = row.note("two entries over one path: whole repetitions and a head");
        }
        if list.iter().any(|e| matches!(e.repetitions, Reps::Decimal(_))) {
            row = row
                .note("fractional repetitions of a file of unknown size: Energon floors the part per worker");
        }
        if total_seen > 0 {
            row = row.note(format!("blend.yaml: share {:.6}", seen as f64 / total_seen as f64));
        }
        rows.push(row);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut notes = vec![
        "blend_epochized.yaml gives the planned counts per epoch of the blend; blend.yaml draws by weight (expected counts only)".to_string(),
    ];
    notes.push(match super::epochs_arg(stage) {
        Some(e) => format!("train for {e} epochs of blend_epochized.yaml (Energon counts training in iterations: epochs × the samples above ÷ the global batch)"),
        None => "the source states no epochs: train for one epoch of blend_epochized.yaml (iterations = the samples above ÷ the global batch)".into(),
    });
    Ok(Exported {
        files: vec![
            OutFile { name: "blend_epochized.yaml".into(), text: epochized },
            OutFile { name: "blend.yaml".into(), text: weighted },
        ],
        rows,
        basis: "per-pass",
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(size: Option<u64>, want: Want) -> Item {
        Item { id: "x".into(), name: "X".into(), size, size_approx: false, want, seen: None }
    }

    #[test]
    fn fractional_repetitions_floor_the_part() {
        // reference: repetitions 2.5 on a 10-sample leaf (one worker) = 25
        let e = Epochized { repetitions: Reps::Decimal("2.5".into()), head: None };
        assert_eq!(e.loaded(10), 25);
        // 0.33 of 10 = floor(3.3) = 3
        assert_eq!(Epochized { repetitions: Reps::Decimal("0.33".into()), head: None }.loaded(10), 3);
    }

    #[test]
    fn counts_become_whole_repetitions_and_a_head() {
        // 2,500 of 1,000: repetitions 2, then a head of 500
        let l = entries(&item(Some(1000), Want::Count(2500))).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l.iter().map(|e| e.loaded(1000)).sum::<u128>(), 2500);
        assert_eq!(l[1].head, Some(500));
        let l = entries(&item(Some(1000), Want::Count(300))).unwrap();
        assert_eq!(l, vec![Epochized { repetitions: Reps::Int(1), head: Some(300) }]);
    }
}
