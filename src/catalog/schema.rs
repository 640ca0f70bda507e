//! The catalog file exactly as written: raw serde types, every key known.

use crate::id::Id;
use crate::schema::{Count, Number, Table};
use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

// The `///` comments of these types are also the descriptions editors show
// (`mixplan schema catalog`); `#[schemars(with)]` names the type under a
// `Spanned`.

/// A catalog file: `[[dataset]]` tables.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCatalogFile {
    /// One published dataset.
    #[serde(default)]
    #[schemars(with = "Vec<RawDataset>")]
    pub dataset: Vec<Spanned<Table<RawDataset>>>,
}

/// One published dataset with its facts; every figure has a `source`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawDataset {
    /// Unique id: lowercase letters, digits, `.`, `_` and `-`.
    #[schemars(with = "Id")]
    pub id: Spanned<Id>,
    /// The name its publisher uses.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// Other names; recipes may use them (case, `_` and spaces are forgiven).
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub aliases: Vec<Spanned<String>>,
    /// The stages it serves; `eval` for benchmarks.
    #[serde(default)]
    pub stages: Vec<DatasetStage>,
    #[serde(default)]
    pub modalities: Vec<Modality>,
    /// ISO 639-1 codes, or `multi`.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub languages: Vec<Spanned<String>>,
    /// The number of samples; leave it out when no source gives it (it stays unknown).
    #[schemars(with = "Option<Count>")]
    pub samples: Option<Spanned<Count>>,
    /// What one sample is (image, conversation, video …).
    pub unit: Option<String>,
    /// True when the size is rounded or "about".
    #[serde(default)]
    pub approx: bool,
    /// Sizes as other sources state them, verbatim, with where.
    #[serde(default)]
    pub reported: Vec<String>,
    /// Size in bytes, when that is the only size known.
    #[schemars(with = "Option<Count>")]
    pub bytes: Option<Spanned<Count>>,
    /// Size in hours (audio, video).
    #[schemars(with = "Option<Count>")]
    pub hours: Option<Spanned<Count>>,
    /// Size in tokens.
    #[schemars(with = "Option<Count>")]
    pub tokens: Option<Spanned<Count>>,
    /// Models that wrote the annotations.
    #[serde(default)]
    pub generated_by: Vec<String>,
    /// Ids of the datasets its images or videos come from.
    #[serde(default)]
    #[schemars(with = "Vec<String>")]
    pub image_sources: Vec<Spanned<String>>,
    /// An SPDX id where one exists, else a short phrase.
    pub license: Option<String>,
    pub publisher: Option<String>,
    #[serde(default)]
    pub links: Table<Links>,
    /// Where every figure of this entry was read (required).
    pub source: Option<String>,
    /// One line, in our own words.
    pub description: Option<String>,
    /// Disagreements between sources, and other remarks.
    pub notes: Option<String>,
    /// Makes it a composite: the datasets it is made of.
    #[schemars(with = "Option<Vec<RawComponent>>")]
    pub components: Option<Spanned<Vec<Spanned<Table<RawComponent>>>>>,
    /// The dataset this one is a subset, re-sample, re-format or re-caption of.
    #[schemars(with = "Option<String>")]
    pub variant_of: Option<Spanned<String>>,
    /// What the samples teach (a closed vocabulary, see [`Task`]).
    #[serde(default)]
    pub tasks: Vec<Task>,
    /// Text length of the samples, with its source.
    #[schemars(with = "Option<RawTextTokens>")]
    pub text_tokens: Option<Spanned<Table<RawTextTokens>>>,
}

/// `text_tokens` as written: an average per sample or a total, with its source.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTextTokens {
    /// Average text tokens per sample.
    #[schemars(with = "Option<Number>")]
    pub per_sample: Option<Spanned<Number>>,
    /// Text tokens of the whole dataset.
    #[schemars(with = "Option<Count>")]
    pub total: Option<Spanned<Count>>,
    /// Where the figure was read.
    pub source: Option<String>,
}

/// Text tokens of a dataset: an average per sample, or a total; with where
/// the figure was read.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TextTokens {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per_sample: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    pub source: String,
}

/// What a dataset's samples teach: tags for search, breakdowns and targets.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    Caption,
    Vqa,
    Ocr,
    Doc,
    Chart,
    Table,
    Diagram,
    Grounding,
    Math,
    Science,
    Code,
    Reasoning,
    Knowledge,
    Conversation,
    Instruction,
    Preference,
    Text,
    VideoCaption,
    VideoQa,
    Audio,
    Interleaved,
    MultiImage,
    Gui,
    Medical,
    Safety,
    #[serde(rename = "3d")]
    ThreeD,
}

impl Task {
    pub const ALL: [Task; 26] = [
        Task::Caption,
        Task::Vqa,
        Task::Ocr,
        Task::Doc,
        Task::Chart,
        Task::Table,
        Task::Diagram,
        Task::Grounding,
        Task::Math,
        Task::Science,
        Task::Code,
        Task::Reasoning,
        Task::Knowledge,
        Task::Conversation,
        Task::Instruction,
        Task::Preference,
        Task::Text,
        Task::VideoCaption,
        Task::VideoQa,
        Task::Audio,
        Task::Interleaved,
        Task::MultiImage,
        Task::Gui,
        Task::Medical,
        Task::Safety,
        Task::ThreeD,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Task::Caption => "caption",
            Task::Vqa => "vqa",
            Task::Ocr => "ocr",
            Task::Doc => "doc",
            Task::Chart => "chart",
            Task::Table => "table",
            Task::Diagram => "diagram",
            Task::Grounding => "grounding",
            Task::Math => "math",
            Task::Science => "science",
            Task::Code => "code",
            Task::Reasoning => "reasoning",
            Task::Knowledge => "knowledge",
            Task::Conversation => "conversation",
            Task::Instruction => "instruction",
            Task::Preference => "preference",
            Task::Text => "text",
            Task::VideoCaption => "video-caption",
            Task::VideoQa => "video-qa",
            Task::Audio => "audio",
            Task::Interleaved => "interleaved",
            Task::MultiImage => "multi-image",
            Task::Gui => "gui",
            Task::Medical => "medical",
            Task::Safety => "safety",
            Task::ThreeD => "3d",
        }
    }

    pub fn parse(s: &str) -> Option<Task> {
        Task::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// One part of a composite.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawComponent {
    /// The child dataset's id or alias.
    #[schemars(with = "String")]
    pub dataset: Spanned<String>,
    /// How many samples of the child the composite holds; leave out for the whole child.
    #[schemars(with = "Option<Count>")]
    pub samples: Option<Spanned<Count>>,
}

/// Where to find a dataset. Only these keys are known.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Links {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hf: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modelscope: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub github: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
}

impl Links {
    /// No links at all.
    pub const NONE: Links = Links { hf: None, modelscope: None, github: None, paper: None, homepage: None };

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// As a dataset keeps them: boxed, and nothing when there are none.
    pub fn boxed(self) -> Option<Box<Links>> {
        (!self.is_empty()).then(|| Box::new(self))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("hf", &self.hf),
            ("modelscope", &self.modelscope),
            ("github", &self.github),
            ("paper", &self.paper),
            ("homepage", &self.homepage),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    }
}

/// A training stage a dataset serves, or `eval` for benchmarks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DatasetStage {
    Pretrain,
    Sft,
    Preference,
    Eval,
}

/// What a sample holds besides text.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, serde::Serialize, JsonSchema,
)]
pub enum Modality {
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "image")]
    Image,
    #[serde(rename = "video")]
    Video,
    #[serde(rename = "audio")]
    Audio,
    #[serde(rename = "multi-image")]
    MultiImage,
    #[serde(rename = "interleaved")]
    Interleaved,
    #[serde(rename = "3d")]
    ThreeD,
}

impl Modality {
    pub const ALL: [Modality; 7] = [
        Modality::Text,
        Modality::Image,
        Modality::Video,
        Modality::Audio,
        Modality::MultiImage,
        Modality::Interleaved,
        Modality::ThreeD,
    ];

    pub fn parse(s: &str) -> Option<Modality> {
        Modality::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Text => "text",
            Modality::Image => "image",
            Modality::Video => "video",
            Modality::Audio => "audio",
            Modality::MultiImage => "multi-image",
            Modality::Interleaved => "interleaved",
            Modality::ThreeD => "3d",
        }
    }
}

impl DatasetStage {
    pub const ALL: [DatasetStage; 4] =
        [DatasetStage::Pretrain, DatasetStage::Sft, DatasetStage::Preference, DatasetStage::Eval];

    pub fn parse(s: &str) -> Option<DatasetStage> {
        DatasetStage::ALL.into_iter().find(|m| m.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DatasetStage::Pretrain => "pretrain",
            DatasetStage::Sft => "sft",
            DatasetStage::Preference => "preference",
            DatasetStage::Eval => "eval",
        }
    }
}
