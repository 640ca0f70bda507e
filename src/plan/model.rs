//! The plan: what the planner computes, one value every renderer reads.
//! Field names here are the JSON keys documented in the README.

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

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub recipe: RecipeInfo,
    pub stages: Vec<StagePlan>,
    /// Known samples over all stages ("at least" when not `complete`).
    pub total_samples: u64,
    pub complete: bool,
    #[serde(flatten)]
    pub breakdown: Breakdown,
    pub warnings: Vec<String>,
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
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<Model>,
}

/// Shares of the known samples by modality, language, generator and license.
/// A dataset with several values counts under their `+`-joined key, so each
/// breakdown adds up to 1.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Breakdown {
    #[serde(serialize_with = "shares4")]
    pub by_modality: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_language: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_generator: BTreeMap<String, f64>,
    #[serde(serialize_with = "shares4")]
    pub by_license: BTreeMap<String, f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StagePlan {
    pub id: String,
    pub kind: StageKind,
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
    pub total_samples: u64,
    pub complete: bool,
    pub entries: Vec<EntryPlan>,
    pub leaves: Vec<LeafPlan>,
    #[serde(flatten)]
    pub breakdown: Breakdown,
    /// exp(Shannon entropy) of the leaf shares: how many equally sized
    /// datasets would give the same diversity.
    #[serde(serialize_with = "round3")]
    pub effective_datasets: Option<f64>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryPlan {
    pub dataset: String,
    pub name: String,
    /// `whole`, `samples`, `fraction`, `epochs` or `weight`.
    pub take: String,
    /// The amount as written, e.g. `fraction 0.5`.
    pub amount: String,
    pub samples: Option<u64>,
    /// The count rests on a rounded ("about") figure: a rounded dataset
    /// size, or a composite whose parts are rounded.
    pub approx: bool,
    #[serde(serialize_with = "round3")]
    pub epochs: Option<f64>,
    #[serde(serialize_with = "round4")]
    pub share: Option<f64>,
    pub modalities: Vec<String>,
    pub languages: Vec<String>,
    /// `recipe:stage` the entry comes from through `include`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LeafPlan {
    pub dataset: String,
    pub name: String,
    pub samples: Option<u64>,
    /// The count rests on a rounded ("about") figure: a rounded dataset
    /// size, or a composite whose parts are rounded.
    pub approx: bool,
    #[serde(serialize_with = "round3")]
    pub epochs: Option<f64>,
    #[serde(serialize_with = "round4")]
    pub share: Option<f64>,
    /// Composites passed through, outermost first (the smallest such chain
    /// when there are several); empty when the recipe names the leaf itself.
    pub via: Vec<String>,
    pub modalities: Vec<String>,
    pub languages: Vec<String>,
    /// How many chains reach this leaf in the stage (more than 1 = counted twice?).
    pub paths: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<BatchStats>,
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
