//! What a dataset's license and the models that wrote it allow: the license
//! summary of a plan and `plan --require commercial`.

use super::Dataset;
use serde::Serialize;

/// The use a dataset allows, most restrictive first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Use {
    /// Research or academic use only.
    ResearchOnly,
    /// A license that excludes commercial use (`-NC-`).
    NonCommercial,
    /// Written by a model whose terms restrict using its output to train
    /// competing models (OpenAI, Anthropic, Google, Llama 2), whatever the
    /// data's own license.
    ModelTerms,
    /// No license known, or one that does not say.
    Unknown,
    /// A license that allows commercial use (MIT, Apache-2.0, CC-BY …).
    Commercial,
}

impl Use {
    pub const ALL: [Use; 5] =
        [Use::Commercial, Use::NonCommercial, Use::ResearchOnly, Use::ModelTerms, Use::Unknown];

    pub fn as_str(self) -> &'static str {
        match self {
            Use::ResearchOnly => "research-only",
            Use::NonCommercial => "non-commercial",
            Use::ModelTerms => "model-terms",
            Use::Unknown => "unknown",
            Use::Commercial => "commercial",
        }
    }
}

/// Model names (lowercase prefixes) whose terms restrict training other models on their output.
const RESTRICTIVE_MODELS: &[&str] = &[
    "gpt-",
    "gpt4",
    "gpt3",
    "chatgpt",
    "text-davinci",
    "davinci",
    "claude",
    "gemini",
    "palm",
    "bard",
    "llama-2",
    "llama2",
];

/// Licenses (lowercase, spaces and `_` as `-`) that allow commercial use.
const PERMISSIVE: &[&str] = &[
    "mit",
    "apache-2.0",
    "apache",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "cc0-1.0",
    "cc0",
    "cc-by-4.0",
    "cc-by-3.0",
    "cc-by-2.0",
    "cc-by-sa-4.0",
    "cc-by-sa-3.0",
    "odc-by-1.0",
    "odc-by",
    "pddl",
    "odc-pddl",
    "cdla-permissive-2.0",
    "cdla-permissive-1.0",
    "gpl-3.0",
    "gpl-2.0",
    "lgpl-3.0",
    "mpl-2.0",
    "ms-pl",
    "unlicense",
    "openrail",
];

/// The use a license text allows, from its own words.
pub fn license_use(license: Option<&str>) -> Use {
    let Some(text) = license else { return Use::Unknown };
    let l: String =
        text.trim().to_lowercase().chars().map(|c| if c == ' ' || c == '_' { '-' } else { c }).collect();
    if ["research", "academic"].iter().any(|w| l.contains(w)) {
        return Use::ResearchOnly;
    }
    if l.contains("-nc") || l.contains("non-commercial") || l.contains("noncommercial") {
        return Use::NonCommercial;
    }
    if l.contains("llama") {
        return Use::ModelTerms;
    }
    if PERMISSIVE.contains(&l.as_str()) {
        return Use::Commercial;
    }
    Use::Unknown
}

/// Whether a generating model's terms restrict training on its output.
pub fn restrictive_model(model: &str) -> bool {
    let m = model.trim().to_lowercase();
    RESTRICTIVE_MODELS.iter().any(|p| m.starts_with(p))
}

/// What a dataset allows: the most restrictive of its license and of the
/// terms of the models that wrote it.
pub fn dataset_use(d: &Dataset) -> Use {
    let by_license = license_use(d.license.as_deref());
    let by_model =
        if d.generated_by.iter().any(|m| restrictive_model(m)) { Use::ModelTerms } else { Use::Commercial };
    by_license.min(by_model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn licenses_sort_into_uses() {
        assert_eq!(license_use(Some("CC-BY-NC-4.0")), Use::NonCommercial);
        assert_eq!(license_use(Some("CC-BY-NC-SA-4.0")), Use::NonCommercial);
        assert_eq!(license_use(Some("Apache-2.0")), Use::Commercial);
        assert_eq!(license_use(Some("CC BY 4.0")), Use::Commercial);
        assert_eq!(license_use(Some("non-commercial research use only")), Use::ResearchOnly);
        assert_eq!(license_use(Some("SA-1B Dataset Research License")), Use::ResearchOnly);
        assert_eq!(license_use(Some("unknown")), Use::Unknown);
        assert_eq!(license_use(None), Use::Unknown);
    }

    #[test]
    fn model_terms_weigh_over_a_permissive_license() {
        assert!(restrictive_model("gpt-4v"));
        assert!(restrictive_model("ChatGPT"));
        assert!(!restrictive_model("blip-2"));
        assert!(!restrictive_model("internvl2-8b"));
        // Apache-2.0 data written by GPT-4V: model terms; CC-BY-NC data
        // written by GPT-4: non-commercial (the stricter)
        assert_eq!(Use::Commercial.min(Use::ModelTerms), Use::ModelTerms);
        assert_eq!(Use::NonCommercial.min(Use::ModelTerms), Use::NonCommercial);
    }
}
