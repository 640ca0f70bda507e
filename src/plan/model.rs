//! The plan: what the planner computes, one value every renderer reads.
//! Field names here are the JSON keys documented in the README.
//!
//! Every row (entry, leaf, the unattributed rest) carries one [`Counted`]:
//! `unique`, the distinct samples the stage draws, and `seen`, what the
//! model trains on (unique × the entry's repeats × the stage's passes).
//! Unknown is `None`, never 0.

use crate::catalog::license::Use;
use crate::diag::JsonDiagnostic;
use crate::recipe::schema::{Model, StageKind, Training};
use serde::{Serialize, Serializer};
use std::collections::BTreeMap;

/// Fractions (shares, probabilities) are written with 4 decimals.
pub fn round4<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    fixed(v, 4, s)
}

/// Epochs and expected counts are written with 3 decimals.
pub fn round3<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    fixed(v, 3, s)
}

fn fixed<S: Serializer>(v: &Option<f64>, places: i32, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(x) => s.serialize_f64(round_to(*x, places)),
        None => s.serialize_none(),
    }
}

pub fn round_to(x: f64, places: i32) -> f64 {
    let m = 10f64.powi(places);
    let r = (x * m).round() / m;
    if r == 0.0 {
        0.0 // no "-0.0"
    } else {
        r
    }
}

fn shares4<S: Serializer>(m: &BTreeMap<String, f64>, s: S) -> Result<S::Ok, S::Error> {
    let rounded: BTreeMap<&String, f64> = m.iter().map(|(k, v)| (k, round_to(*v, 4))).collect();
    rounded.serialize(s)
}

/// The count of one row.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counted {
    /// Distinct samples drawn in the stage.
    pub unique: Option<u64>,
    /// Samples the model trains on: unique × repeats × the stage's passes.
    pub seen: Option<u128>,
    /// The count rests on a rounded ("about") figure.
    pub approx: bool,
    /// seen ÷ the dataset's own size: passes over it in the stage.
    #[serde(serialize_with = "round3")]
    pub epochs: Option<f64>,
    /// seen ÷ the stage's known seen total.
    #[serde(serialize_with = "round4")]
    pub share: Option<f64>,
}

/// Totals of a stage or recipe.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    /// `None` when a part is unknown ("at least" `known_unique`).
    pub total_unique: Option<u128>,
    pub total_seen: Option<u128>,
    /// The sum of the known parts.
    pub known_unique: u128,
    pub known_seen: u128,
    /// Every count known and every sample attributed to a leaf dataset.
    pub complete: bool,
}

impl Totals {
    /// Adds another stage's totals (recipe totals).
    pub fn add(&mut self, o: &Totals) {
        self.total_unique = self.total_unique.zip(o.total_unique).map(|(a, b)| a + b);
        self.total_seen = self.total_seen.zip(o.total_seen).map(|(a, b)| a + b);
        self.known_unique += o.known_unique;
        self.known_seen += o.known_seen;
        self.complete &= o.complete;
    }

    pub fn empty() -> Totals {
        Totals { total_unique: Some(0), total_seen: Some(0), known_unique: 0, known_seen: 0, complete: true }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub recipe: RecipeInfo,
    pub stages: Vec<StagePlan>,
    #[serde(flatten)]
    pub totals: Totals,
    #[serde(flatten)]
    pub breakdown: Breakdown,
    /// The license summary over all stages.
    pub licenses: Vec<LicenseLine>,
    /// The stages' tokens, steps, FLOPs and GPU-hours added up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute: Option<super::compute::Compute>,
    /// The accelerator GPU-hours assume (`--gpu`, `--mfu`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accelerator: Option<super::compute::Accelerator>,
    pub warnings: Vec<JsonDiagnostic>,
}

impl Plan {
    /// The warnings about the recipe as a whole, which no stage shows
    /// (contamination, a license asked for): `warnings` less the stages' own.
    pub fn recipe_warnings(&self) -> Vec<&JsonDiagnostic> {
        let key = |d: &JsonDiagnostic| {
            (d.code, d.message.clone(), d.location.as_ref().map(|l| (l.file.clone(), l.line, l.column)))
        };
        let in_stages: std::collections::BTreeSet<_> =
            self.stages.iter().flat_map(|s| s.warnings.iter().map(key)).collect();
        self.warnings.iter().filter(|d| !in_stages.contains(&key(d))).collect()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RecipeInfo {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub eval: Vec<String>,
}

/// Shares of the known seen samples by modality, language, generator,
/// license and task. A dataset with several values counts under their
/// `+`-joined key, so each breakdown adds up to 1; samples that no leaf
/// dataset can be credited with count under `unattributed`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Breakdown {
    #[serde(serialize_with = "shares4")]
    pub by_modality: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_language: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_generator: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_license: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_task: BTreeMap<String, f64>,
    /// exp(Shannon entropy) of the leaf shares (the unattributed rest as one
    /// part): how many equally sized datasets would give the same spread.
    #[serde(serialize_with = "round3")]
    pub effective_datasets: Option<f64>,
}

/// One line of the license summary: a kind of use, its share and datasets.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenseLine {
    #[serde(rename = "use")]
    pub allows: Use,
    #[serde(serialize_with = "round4")]
    pub share: Option<f64>,
    pub seen: u128,
    pub datasets: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StagePlan {
    pub id: String,
    pub kind: StageKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub after: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<String>,
    /// The recipe whose file defines this stage (differs under `extends`).
    pub defined_in: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trainable: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget: Option<u64>,
    /// The stage's size as its source states it (`stated_samples`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_samples: Option<u64>,
    /// `stated_samples` in the source's own words (`"3.2M"`), when so given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_as: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training: Option<Training>,
    /// Passes over the stage's mix: `[stage.training] epochs`, or 1 when
    /// the source does not state it (`passes_stated` false).
    pub passes: f64,
    pub passes_stated: bool,
    #[serde(flatten)]
    pub totals: Totals,
    pub entries: Vec<EntryRow>,
    pub leaves: Vec<LeafRow>,
    /// Samples of known entries that cannot be credited to a leaf dataset
    /// (a composite whose parts' sizes are unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unattributed: Option<Counted>,
    #[serde(flatten)]
    pub breakdown: Breakdown,
    pub licenses: Vec<LicenseLine>,
    /// `[stage.sampling]`, when the stage (or the stage it includes) has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sampling: Option<SamplingInfo>,
    /// Each target share and how close the plan came.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<TargetRow>,
    /// Tokens, steps, FLOPs and GPU-hours (needs `[model]` facts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compute: Option<super::compute::Compute>,
    pub warnings: Vec<JsonDiagnostic>,
}

/// A stage's sampling policy and its parameters.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SamplingInfo {
    pub policy: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub t: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub k: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_epochs: Option<f64>,
}

impl SamplingInfo {
    pub fn of(p: &crate::recipe::Policy) -> SamplingInfo {
        use crate::recipe::Policy;
        let mut s = SamplingInfo { policy: p.kind().as_str(), t: None, k: None, max_epochs: None };
        match p {
            Policy::Temperature { t, k } => {
                s.t = Some(t.to_f64());
                s.k = *k;
            }
            Policy::Cap { t } => s.t = Some(*t as f64),
            Policy::Unimax { max_epochs } => s.max_epochs = Some(max_epochs.to_f64()),
            Policy::Proportional | Policy::Sqrt => {}
        }
        s
    }
}

/// One target share: what was asked and what the plan gives, per pass.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetRow {
    /// `task:ocr`, `modality:video`, `language:zh`, or `entry:DATASET` for an entry's `share`.
    pub target: String,
    #[serde(serialize_with = "round4")]
    pub share: Option<f64>,
    /// The share the plan reaches (of the stage's samples).
    #[serde(serialize_with = "round4")]
    pub achieved: Option<f64>,
    /// Samples in the group, per pass; `None` when a count is unknown.
    pub samples: Option<u128>,
    /// round(share × budget).
    pub wanted: u128,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryRow {
    pub dataset: String,
    pub name: String,
    /// `whole`, `samples`, `fraction`, `epochs`, `weight` or `subset`.
    pub take: &'static str,
    /// The amount as written, e.g. `fraction 0.5`.
    pub amount: String,
    #[serde(flatten)]
    pub count: Counted,
    pub modalities: Vec<String>,
    pub languages: Vec<String>,
    /// `recipe:stage` the entry comes from through `include`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The amount as the recipe writes it (for exports; not in the JSON).
    #[serde(skip)]
    pub written: crate::recipe::Amount,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeafRow {
    pub dataset: String,
    pub name: String,
    #[serde(flatten)]
    pub count: Counted,
    /// Composites passed through, outermost first (a shortest chain when
    /// there are several); empty when the recipe names the leaf itself. Of a
    /// chain deeper than 16, the outer 8 and the inner 8.
    pub via: Vec<String>,
    /// Composites left out between the two ends of `via` (0: none).
    #[serde(skip_serializing_if = "is_zero")]
    pub via_omitted: u32,
    pub modalities: Vec<String>,
    pub languages: Vec<String>,
    /// How many chains reach this leaf in the stage (more than 1: counted twice?).
    pub paths: PathCount,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchStats>,
    /// Samples per pass over the stage's mix (unique × the entries'
    /// repeats, before the stage's epochs); for exports, not in the JSON.
    #[serde(skip)]
    pub per_pass: Option<u64>,
}

/// A number of paths: exact up to 2^127, above that only "more than 2^127".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathCount {
    Exact(u128),
    Over,
}

impl PathCount {
    pub const LIMIT: u128 = 1 << 127;

    pub fn plus(self, o: PathCount) -> PathCount {
        match (self, o) {
            (PathCount::Exact(a), PathCount::Exact(b)) => PathCount::exact(a.checked_add(b)),
            _ => PathCount::Over,
        }
    }

    pub fn times(self, k: u128) -> PathCount {
        match self {
            PathCount::Exact(a) => PathCount::exact(a.checked_mul(k)),
            PathCount::Over if k == 0 => PathCount::Exact(0),
            PathCount::Over => PathCount::Over,
        }
    }

    fn exact(v: Option<u128>) -> PathCount {
        match v {
            Some(v) if v <= Self::LIMIT => PathCount::Exact(v),
            _ => PathCount::Over,
        }
    }

    pub fn more_than_one(self) -> bool {
        !matches!(self, PathCount::Exact(0 | 1))
    }
}

impl std::fmt::Display for PathCount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PathCount::Exact(n) => f.write_str(&crate::num::thousands(*n)),
            PathCount::Over => f.write_str("more than 2^127"),
        }
    }
}

impl Serialize for PathCount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PathCount::Exact(n) => s.serialize_u128(*n),
            PathCount::Over => s.serialize_str("more than 2^127"),
        }
    }
}

/// What one batch of the stage holds of a leaf, sampling i.i.d. by share.
#[derive(Debug, Clone, Serialize)]
pub struct BatchStats {
    pub batch_size: u64,
    #[serde(serialize_with = "round3")]
    pub expected: Option<f64>,
    /// 5th and 95th percentile of the count per batch (binomial).
    pub p05: u64,
    pub p95: u64,
    #[serde(serialize_with = "round4")]
    pub p_none: Option<f64>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}
