//! What every trainer format works from, and what it gives back.
//!
//! An [`Item`] is one leaf dataset of a stage with the samples the plan
//! wants from it **per pass** over the stage's mix (unique × the entry's
//! repeats, before the stage's training epochs): that is what a trainer's
//! data file describes, the epochs being the trainer's own flag
//! (`--num_train_epochs`). Formats whose files carry no epochs (Megatron's
//! blend, Energon's weighted blend) draw the whole stage, `seen`.
//!
//! A format turns items into [`Piece`]s (one line of its file each), its
//! files, and — by the trainer's own rounding — the count each dataset will
//! really get ([`Row`]).

use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use serde::Serialize;

/// How much of a dataset the plan wants per pass.
#[derive(Debug, Clone, PartialEq)]
pub enum Want {
    /// A known number of samples.
    Count(u64),
    /// A multiple of the dataset's own size, which is unknown (the recipe
    /// takes it whole, a fraction of it, or some epochs of it).
    Ratio(BigRational),
}

/// One leaf dataset of the stage to export.
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub name: String,
    /// The catalog's size: what the trainer's `len()` is assumed to be.
    pub size: Option<u64>,
    /// The size rests on a rounded figure.
    pub size_approx: bool,
    pub want: Want,
    /// The whole stage: per pass × the stage's epochs.
    pub seen: Option<u128>,
}

impl Item {
    /// The planned count per pass, when known.
    pub fn count(&self) -> Option<u64> {
        match &self.want {
            Want::Count(n) => Some(*n),
            Want::Ratio(q) => {
                let s = self.size?;
                (q * BigRational::from_integer(BigInt::from(s))).to_integer().to_u64()
            }
        }
    }
}

/// The stage as the exporters see it.
#[derive(Debug, Clone)]
pub struct StageItems {
    pub recipe: String,
    pub stage: String,
    pub kind: crate::recipe::schema::StageKind,
    /// Passes over the mix (`[stage.training] epochs`, or 1 when unstated).
    pub passes: f64,
    pub passes_stated: bool,
    pub items: Vec<Item>,
    /// Leaves with no sample at all, left out of every file.
    pub dropped: Vec<String>,
}

/// A whole number and a fraction below one: `q` = `whole` + `rest`.
pub fn split_ratio(q: &BigRational) -> (u64, BigRational) {
    let whole = q.floor();
    let rest = q - &whole;
    (whole.to_integer().to_u64().unwrap_or(u64::MAX), rest)
}

/// An exact decimal for a ratio with a terminating expansion (`0.1`,
/// `2.5`), up to 18 places; `None` otherwise.
pub fn decimal_text(q: &BigRational) -> Option<String> {
    if q.is_integer() {
        return Some(q.to_integer().to_string());
    }
    let mut scaled = q.clone();
    for places in 1..=18 {
        scaled *= BigRational::from_integer(BigInt::from(10));
        if scaled.is_integer() {
            let digits = scaled.to_integer().to_string();
            let digits = format!("{digits:0>width$}", width = places + 1);
            let (int, frac) = digits.split_at(digits.len() - places);
            return Some(format!("{int}.{frac}"));
        }
    }
    None
}

/// A ratio as the nearest double (for exact decimals, what Python's
/// `float()` of [`decimal_text`] gives).
pub fn ratio_f64(q: &BigRational) -> f64 {
    match decimal_text(q) {
        Some(t) => t.parse().unwrap_or(f64::NAN),
        None => crate::num::to_f64(q),
    }
}

pub fn ratio_is_zero(q: &BigRational) -> bool {
    q.is_zero()
}

/// What the trainer makes of one dataset.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trained {
    /// Exactly this many samples (deterministic rounding).
    Exact(u128),
    /// This many on average (a random draw by probabilities or weights).
    Expected(f64),
    /// Depends on the file's length, which nobody knows yet.
    Unknown,
}

/// One dataset of the export report.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub dataset: String,
    /// What the plan wants (per pass, or the whole stage: see `basis`).
    pub planned: Option<u128>,
    /// What the trainer's loader makes of the exported file.
    pub trainer: Option<TrainedJson>,
    /// trainer − planned, in samples.
    pub difference: Option<f64>,
    /// The trainer's count is exact (deterministic), not an expectation.
    pub exact: bool,
    /// How the file expresses it (`first:2000`, `repeat_time 2 + 0.5`).
    pub expression: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

/// A trainer count as JSON: an integer when exact, a float when expected.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainedJson(pub Trained);

impl Serialize for TrainedJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Trained::Exact(n) => s.serialize_u128(n),
            Trained::Expected(x) => s.serialize_f64(crate::plan::round_to(x, 3)),
            Trained::Unknown => s.serialize_none(),
        }
    }
}

impl Row {
    pub fn new(item: &Item, planned: Option<u128>, trained: Trained, expression: String) -> Row {
        let difference = match (trained, planned) {
            (Trained::Exact(t), Some(p)) => Some((t as i128).wrapping_sub(p as i128) as f64),
            (Trained::Expected(t), Some(p)) => Some(crate::plan::round_to(t - p as f64, 3)),
            _ => None,
        };
        let mut notes = Vec::new();
        if item.size_approx {
            notes.push("the catalog's size is rounded: the trainer counts your file's real length".into());
        }
        Row {
            dataset: item.id.clone(),
            planned,
            trainer: (!matches!(trained, Trained::Unknown)).then_some(TrainedJson(trained)),
            difference,
            exact: matches!(trained, Trained::Exact(_)),
            expression,
            notes,
        }
    }

    pub fn note(mut self, n: impl Into<String>) -> Row {
        self.notes.push(n.into());
        self
    }

    /// The difference is not zero (or cannot be told).
    pub fn differs(&self) -> bool {
        match self.difference {
            Some(d) => d.abs() >= 0.0005,
            None => false,
        }
    }
}

/// One file an export writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    /// The file's name in the output directory (or the file itself when
    /// the format writes one file).
    pub name: String,
    pub text: String,
}

/// What one export gives.
#[derive(Debug, Clone)]
pub struct Exported {
    pub files: Vec<OutFile>,
    pub rows: Vec<Row>,
    /// `per-pass` or `stage`: what `planned` and `trainer` count.
    pub basis: &'static str,
    /// Remarks about the whole export (flags to pass, approximations).
    pub notes: Vec<String>,
}

/// The JSON report of an export (`--report FILE`).
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub recipe: &'a str,
    pub stage: &'a str,
    pub format: &'a str,
    pub basis: &'a str,
    pub passes: f64,
    pub files: Vec<&'a str>,
    pub datasets: &'a [Row],
    pub dropped: &'a [String],
    pub differences: usize,
    pub notes: &'a [String],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(n: i64, d: i64) -> BigRational {
        BigRational::new(BigInt::from(n), BigInt::from(d))
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        assert_eq!(decimal_text(&q(1, 10)).as_deref(), Some("0.1"));
        assert_eq!(decimal_text(&q(5, 2)).as_deref(), Some("2.5"));
        assert_eq!(decimal_text(&q(3, 1)).as_deref(), Some("3"));
        // 1/64 = 0.015625
        assert_eq!(decimal_text(&q(1, 64)).as_deref(), Some("0.015625"));
        assert_eq!(decimal_text(&q(1, 3)), None);
    }

    #[test]
    fn ratios_split_into_whole_and_rest() {
        // 7/3 = 2 + 1/3
        assert_eq!(split_ratio(&q(7, 3)), (2, q(1, 3)));
        assert_eq!(split_ratio(&q(1, 2)), (0, q(1, 2)));
    }
}
