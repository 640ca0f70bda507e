//! The recipe file exactly as written: raw serde types, every key known.

use crate::id::Id;
pub use crate::schema::CountOrText;
use crate::schema::{Count, Number, Table};
use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRecipe {
    pub id: Spanned<Id>,
    pub name: String,
    pub paper: Option<String>,
    pub code: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub extends: Option<Spanned<Id>>,
    pub model: Option<Table<Model>>,
    /// Warning codes this recipe silences.
    #[serde(default)]
    pub allow: Vec<Spanned<String>>,
    /// The benchmarks the model reports on (for contamination checks).
    pub eval: Option<Table<RawEval>>,
    #[serde(default)]
    pub stage: Vec<Spanned<Table<RawStage>>>,
}

/// `[eval]`: the benchmarks a recipe's model is evaluated on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEval {
    #[serde(default)]
    pub benchmarks: Vec<Spanned<String>>,
    pub source: Option<String>,
}

/// Facts about the model, used for token and compute estimates.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStage {
    pub id: Spanned<Id>,
    pub kind: StageKind,
    pub name: Option<String>,
    #[serde(default)]
    pub after: Vec<Spanned<Id>>,
    pub include: Option<Spanned<String>>,
    pub budget: Option<Spanned<Count>>,
    /// The stage's size as its source states it: a count, or the source's
    /// own words (`"1.2M"`, `"about 1,093K"`).
    pub stated_samples: Option<Spanned<CountOrText>>,
    #[serde(default)]
    pub trainable: Vec<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub mix: Option<Spanned<Vec<Spanned<Table<RawEntry>>>>>,
    pub training: Option<Spanned<Table<RawTraining>>>,
}

/// `[stage.training]` as written; checked into a [`Training`].
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTraining {
    pub global_batch: Option<Spanned<Count>>,
    pub learning_rate: Option<Spanned<Number>>,
    pub epochs: Option<Spanned<Number>>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEntry {
    pub dataset: Spanned<String>,
    pub samples: Option<Spanned<Count>>,
    pub fraction: Option<Spanned<Number>>,
    pub epochs: Option<Spanned<Number>>,
    pub weight: Option<Spanned<Number>>,
    /// `subset = true`: an unstated part of the dataset (unknown count).
    pub subset: Option<Spanned<bool>>,
    pub note: Option<String>,
    pub source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
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
