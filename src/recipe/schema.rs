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
    pub model: Option<Spanned<Table<Model>>>,
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
            params: if self.params.is_empty() { p.params } else { self.params },
            params_source: self.params_source.or(p.params_source),
            source: self.source.or(p.source),
        }
    }
}

/// How a model family turns one image into tiles (crops) and tokens.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
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
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSampling {
    pub policy: Spanned<PolicyKind>,
    /// Temperature (`temperature`) or the per-source cap (`cap`).
    pub t: Option<Spanned<Number>>,
    /// `temperature`: sizes above `k` count as `k`.
    pub k: Option<Spanned<Count>>,
    /// `unimax`: the most passes over any source.
    pub max_epochs: Option<Spanned<Number>>,
    pub source: Option<String>,
}

/// The sampling policies of `[stage.sampling]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
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
    /// How entries without an amount share the budget.
    pub sampling: Option<Spanned<Table<RawSampling>>>,
    /// Shares of the stage by task tag, modality or language.
    pub targets: Option<Spanned<Table<RawTargets>>>,
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
    /// A share of the stage's budget (0 < s <= 1).
    pub share: Option<Spanned<Number>>,
    /// Bounds honoured by every policy: samples per pass, and passes over the dataset.
    pub min: Option<Spanned<Count>>,
    pub max: Option<Spanned<Count>>,
    pub max_epochs: Option<Spanned<Number>>,
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
