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
    #[schemars(with = "Option<Table<Model>>")]
    pub model: Option<Spanned<Table<Model>>>,
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
    /// Tokens the LLM receives per image, when the count is fixed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_tokens: Option<u64>,
    /// The family's tiling rule, when the count depends on the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tiling: Option<Tiling>,
    /// Tokens the vision encoder runs on per image (or per tile).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoder_tokens: Option<u64>,
    /// Tokens the LLM receives per video frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frame_tokens: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    /// Parameters per part (`llm`, `vision`, `projector` …), as the source states them.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params_source: Option<String>,
    /// The source prints the parameter counts rounded (`7.7B`, `290m`):
    /// the compute estimates say they carry that rounding.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub params_approx: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Model {
    /// Field by field: what `self` says wins, the rest comes from `parent`;
    /// but the parent's parameter counts only while the parts are the same
    /// (a child that names another LLM, vision encoder or connector has
    /// parts of other sizes).
    pub fn over(self, parent: &Model) -> Model {
        let mut p = parent.clone();
        let differs = |a: &Option<String>, b: &Option<String>| a.is_some() && a != b;
        if differs(&self.llm, &p.llm)
            || differs(&self.vision, &p.vision)
            || differs(&self.connector, &p.connector)
        {
            p.params.clear();
            p.params_source = None;
            p.params_approx = false;
        }
        Model {
            llm: self.llm.or(p.llm),
            vision: self.vision.or(p.vision),
            connector: self.connector.or(p.connector),
            image_tokens: self.image_tokens.or(p.image_tokens),
            tiling: self.tiling.or(p.tiling),
            encoder_tokens: self.encoder_tokens.or(p.encoder_tokens),
            frame_tokens: self.frame_tokens.or(p.frame_tokens),
            frames: self.frames.or(p.frames),
            resolution: self.resolution.or(p.resolution),
            params_approx: if self.params.is_empty() { p.params_approx } else { self.params_approx },
            params: if self.params.is_empty() { p.params } else { self.params },
            params_source: self.params_source.or(p.params_source),
            source: self.source.or(p.source),
        }
    }
}

/// How a model family turns one image into tiles (crops) and tokens.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tiling {
    pub scheme: TilingScheme,
    /// Tokens per tile (crop) the LLM receives.
    pub tile_tokens: u64,
    /// The most tiles per image (`max_dynamic_patch`, `anyres_max_N`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tiles: Option<u64>,
    /// Grid shapes a high-resolution image may be cut into, as (rows, columns) of tiles.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grids: Vec<[u64; 2]>,
    /// InternVL: a thumbnail tile is added when an image has several tiles.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub thumbnail: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The tiling rules mixplan knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TilingScheme {
    /// LLaVA-NeXT AnyRes: a base image plus a grid of tiles, one newline token per feature row.
    LlavaNext,
    /// LLaVA-OneVision `anyres_max_N`: as LLaVA-NeXT, features scaled down above N tiles.
    LlavaOnevision,
    /// InternVL dynamic tiles: 1 to `max_tiles` tiles, plus a thumbnail.
    Internvl,
}

impl TilingScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            TilingScheme::LlavaNext => "llava-next",
            TilingScheme::LlavaOnevision => "llava-onevision",
            TilingScheme::Internvl => "internvl",
        }
    }
}

/// `[stage.sampling]` as written.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSampling {
    /// The rule that sizes the entries without an amount.
    #[schemars(with = "PolicyKind")]
    pub policy: Spanned<PolicyKind>,
    /// Temperature (`temperature`) or the per-source cap (`cap`).
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub t: Option<Spanned<Number>>,
    /// `temperature`: sizes above `k` count as `k`.
    #[schemars(with = "Option<Count>")]
    pub k: Option<Spanned<Count>>,
    /// `unimax`: the most passes over any source.
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub max_epochs: Option<Spanned<Number>>,
    /// Where the policy is stated.
    pub source: Option<String>,
}

/// The sampling policies of `[stage.sampling]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    Proportional,
    Temperature,
    Sqrt,
    Unimax,
    Cap,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Proportional => "proportional",
            PolicyKind::Temperature => "temperature",
            PolicyKind::Sqrt => "sqrt",
            PolicyKind::Unimax => "unimax",
            PolicyKind::Cap => "cap",
        }
    }
}

/// `[stage.targets]` as written: name → share (or kind → names → shares).
pub type RawTargets = std::collections::BTreeMap<String, Spanned<RawTarget>>;

/// A value of `[stage.targets]`: a share, or a table of shares under
/// `task`, `modality` or `language`.
#[derive(Debug, Clone, PartialEq)]
pub enum RawTarget {
    Share(f64),
    Group(Vec<(String, f64)>),
}

impl JsonSchema for RawTarget {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Target".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A share of the stage (0 < s ≤ 1), or under `task`, `modality` or `language` a table of names and shares.",
            "anyOf": [
                { "type": "number", "exclusiveMinimum": 0, "maximum": 1 },
                {
                    "type": "object",
                    "additionalProperties": { "type": "number", "exclusiveMinimum": 0, "maximum": 1 }
                }
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RawTarget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawTarget;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a share such as 0.2, or a table of shares such as `{ ocr = 0.2 }`")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawTarget, E> {
                Ok(RawTarget::Share(v as f64))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<RawTarget, E> {
                Ok(RawTarget::Share(v as f64))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<RawTarget, E> {
                Ok(RawTarget::Share(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawTarget, E> {
                Err(E::custom(format!("`\"{v}\"` is text; write a share such as 0.2")))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<RawTarget, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Number>()? {
                    out.push((k, v.0));
                }
                Ok(RawTarget::Group(out))
            }
        }
        d.deserialize_any(V)
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
    /// How entries without an amount share the budget.
    #[schemars(with = "Option<RawSampling>")]
    pub sampling: Option<Spanned<Table<RawSampling>>>,
    /// Shares of the stage by task tag, modality or language.
    #[schemars(with = "Option<std::collections::BTreeMap<String, RawTarget>>")]
    pub targets: Option<Spanned<Table<RawTargets>>>,
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
    /// A share of the stage's budget (0 < s ≤ 1).
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0, "maximum" = 1))]
    pub share: Option<Spanned<Number>>,
    /// At least this many samples per pass, whatever the policy.
    #[schemars(with = "Option<Count>")]
    pub min: Option<Spanned<Count>>,
    /// At most this many samples per pass, whatever the policy.
    #[schemars(with = "Option<Count>")]
    pub max: Option<Spanned<Count>>,
    /// At most this many passes over the dataset, whatever the policy.
    #[schemars(with = "Option<Number>", extend("exclusiveMinimum" = 0))]
    pub max_epochs: Option<Spanned<Number>>,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_with_other_parts_does_not_inherit_parameter_counts() {
        let parent = Model {
            llm: Some("vicuna-7b".into()),
            image_tokens: Some(576),
            params: [("llm".to_string(), 7u64)].into(),
            ..Default::default()
        };
        let same = Model { frames: Some(8), ..Default::default() }.over(&parent);
        assert_eq!((same.params.get("llm"), same.image_tokens), (Some(&7), Some(576)));
        let other = Model { llm: Some("vicuna-13b".into()), ..Default::default() }.over(&parent);
        assert!(other.params.is_empty());
        assert_eq!(other.image_tokens, Some(576));
    }
}
