//! The recipe file exactly as written: raw serde types, every key known.

use crate::id::Id;
pub use crate::schema::CountOrText;
use crate::schema::{Count, Number, Table};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toml::Spanned;

// The `///` comments of these types are also the descriptions editors show
// (`mixplan schema recipe`); `#[schemars(with)]` names the type under a
// `Spanned`.

/// A model's training pipeline: ordered stages, each with a mix of datasets.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawRecipe {
    /// Unique id: lowercase letters, digits, `.`, `_` and `-`.
    #[schemars(with = "Id")]
    pub id: Spanned<Id>,
    /// The model's name.
    pub name: String,
    /// Link to the paper.
    pub paper: Option<String>,
    /// Link to the code.
    pub code: Option<String>,
    /// Where the figures were read.
    pub source: Option<String>,
    /// One line.
    pub description: Option<String>,
    /// A recipe whose stages this one inherits; a stage with the same id replaces the parent's.
    #[schemars(with = "Option<Id>")]
    pub extends: Option<Spanned<Id>>,
    pub model: Option<Table<Model>>,
    /// Warnings this recipe acknowledges: `CODE` or `CODE:ID` (say why in notes).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub allow: Vec<Spanned<String>>,
    /// The benchmarks the model reports on (for contamination checks).
    pub eval: Option<Table<RawEval>>,
    /// The training stages; their order comes from `after`.
    #[serde(default)]
    #[schemars(with = "Vec<RawStage>")]
    pub stage: Vec<Spanned<Table<RawStage>>>,
}

/// `[eval]`: the benchmarks a recipe's model is evaluated on.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEval {
    /// Catalog ids of the benchmarks.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub benchmarks: Vec<Spanned<String>>,
    /// Where the list was read.
    pub source: Option<String>,
}

/// Facts about the model, used for token and compute estimates.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Model {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub llm: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vision: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// Parameters per part (`llm`, `vision`, `projector` …), as the source states them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params_source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Model {
    /// Field by field: what `self` says wins, the rest comes from `parent`.
    pub fn over(self, parent: &Model) -> Model {
        let p = parent.clone();
        Model {
            llm: self.llm.or(p.llm),
            vision: self.vision.or(p.vision),
            connector: self.connector.or(p.connector),
            image_tokens: self.image_tokens.or(p.image_tokens),
            frames: self.frames.or(p.frames),
            resolution: self.resolution.or(p.resolution),
            params: if self.params.is_empty() { p.params } else { self.params },
            params_source: self.params_source.or(p.params_source),
            source: self.source.or(p.source),
        }
    }
}

/// One training stage.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    /// The stage's id, unique in the recipe.
    #[schemars(with = "Id")]
    pub id: Spanned<Id>,
    pub kind: StageKind,
    pub name: Option<String>,
    /// Stages that come before this one.
    #[serde(default)]
    #[schemars(with = "Vec<Id>")]
    pub after: Vec<Spanned<Id>>,
    /// `RECIPE:STAGE`: start from that stage's mix (and its budget).
    #[schemars(with = "Option<String>")]
    pub include: Option<Spanned<String>>,
    /// Samples shared by the weighted entries.
    #[schemars(with = "Option<Count>")]
    pub budget: Option<Spanned<Count>>,
    /// The stage's size as its source states it: a count, or the source's
    /// own words (`"1.2M"`, `"about 1,093K"`).
    #[schemars(with = "Option<CountOrText>")]
    pub stated_samples: Option<Spanned<CountOrText>>,
    /// The parts trained (projector, llm, vision …).
    #[serde(default)]
    pub trainable: Vec<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    /// One pass over the stage's data: what it takes from each dataset.
    #[schemars(with = "Option<Vec<RawEntry>>")]
    pub mix: Option<Spanned<Vec<Spanned<Table<RawEntry>>>>>,
    /// How the stage was trained, as the source states it.
    #[schemars(with = "Option<RawTraining>")]
    pub training: Option<Spanned<Table<RawTraining>>>,
}

/// `[stage.training]` as written; checked into a [`Training`].
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTraining {
    #[schemars(with = "Option<Count>")]
    pub global_batch: Option<Spanned<Count>>,
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub learning_rate: Option<Spanned<Number>>,
    /// Passes over the mix: seen = unique × repeats × epochs.
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub epochs: Option<Spanned<Number>>,
    /// The longest sequence, in tokens.
    #[schemars(with = "Option<Count>")]
    pub max_length: Option<Spanned<Count>>,
    pub hardware: Option<String>,
    pub duration: Option<String>,
    pub source: Option<String>,
}

/// How a stage was trained, where a source says so.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
pub struct Training {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub global_batch: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learning_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epochs: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hardware: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// One mix entry: a dataset and at most one amount (none: the whole dataset once).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    /// A catalog id or alias.
    #[schemars(with = "String")]
    pub dataset: Spanned<String>,
    /// N samples (more than the dataset's size repeats it).
    #[schemars(with = "Option<Count>")]
    pub samples: Option<Spanned<Count>>,
    /// A part of the dataset, 0 < f ≤ 1.
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0, "maximum" = 1))]
    pub fraction: Option<Spanned<Number>>,
    /// Passes over the dataset within the stage's pass (may be fractional).
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub epochs: Option<Spanned<Number>>,
    /// A share of the stage's `budget`, in proportion to the other weights.
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub weight: Option<Spanned<Number>>,
    /// `subset = true`: an unstated part of the dataset (unknown count).
    #[schemars(with = "Option<bool>")]
    pub subset: Option<Spanned<bool>>,
    pub note: Option<String>,
    pub source: Option<String>,
}

/// The kind of a training stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StageKind {
    Pretrain,
    Sft,
    Preference,
}

impl StageKind {
    pub const ALL: [StageKind; 3] = [StageKind::Pretrain, StageKind::Sft, StageKind::Preference];

    pub fn parse(s: &str) -> Option<StageKind> {
        StageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Pretrain => "pretrain",
            StageKind::Sft => "sft",
            StageKind::Preference => "preference",
        }
    }
}
