//! Stable diagnostic codes. A code names one kind of problem for as long as
//! mixplan exists: scripts match on it, `--allow CODE` and a recipe's
//! `allow = [...]` silence warnings by it, and the README lists every one.

use super::Severity;

macro_rules! codes {
    ($($name:ident = $code:literal, $sev:ident, $what:literal;)*) => {
        $(pub const $name: &str = $code;)*
        /// Every code: (code, severity, what it means).
        pub const ALL: &[(&str, Severity, &str)] = &[$(($code, Severity::$sev, $what)),*];
    };
}

codes! {
    // Reading files
    SYNTAX = "syntax", Error, "the file is not valid TOML";
    UNKNOWN_KEY = "unknown-key", Error, "a key the format does not have (often a misspelling)";
    MISSING_KEY = "missing-key", Error, "a required key is missing";
    WRONG_TYPE = "wrong-type", Error, "a value of the wrong type or form";
    INVALID_VALUE = "invalid-value", Error, "a value out of its range (a count below 1, a fraction above 1, a bad language code …)";
    INVALID_ID = "invalid-id", Error, "an id that breaks the id spelling rule";
    INVALID_FIGURE = "invalid-figure", Error, "a size written as text that cannot be read as one count";
    FILE_TOO_LARGE = "file-too-large", Error, "an input file above the size limit (`--max-file-size`)";
    NOT_UTF8 = "not-utf8", Error, "an input file that is not UTF-8 text";
    // Catalog and recipes
    DUPLICATE_ID = "duplicate-id", Error, "two entries of one kind with the same id in one layer";
    ID_CLASH = "id-clash", Error, "two ids or aliases that fold to the same name (`a-b`, `a_b`, `A B`)";
    MISSING_SOURCE = "missing-source", Error, "a dataset without a `source`";
    NO_STAGE = "no-stage", Error, "a dataset that names no stage, or a recipe without stages";
    UNKNOWN_DATASET = "unknown-dataset", Error, "a dataset id or alias the catalog does not have";
    UNKNOWN_RECIPE = "unknown-recipe", Error, "a recipe id that no recipe has";
    UNKNOWN_STAGE = "unknown-stage", Error, "a stage id the recipe does not have";
    CYCLE = "cycle", Error, "a dataset, stage or recipe that depends on itself";
    CONFLICTING_AMOUNTS = "conflicting-amounts", Error, "more than one of samples, fraction, epochs, weight, subset on one entry";
    COMPOSITE_MISMATCH = "composite-mismatch", Error, "an exact composite size that its components do not add up to";
    OVERFLOW = "overflow", Error, "a count that does not fit in 64 bits";
    BUDGET_EXCEEDED = "budget-exceeded", Error, "a stage's entries take more samples than its budget";
    ZERO_SAMPLES = "zero-samples", Error, "an amount that rounds to no sample at all";
    INFEASIBLE_BOUNDS = "infeasible-bounds", Error, "per-entry bounds (`min`, `max`, `max_epochs`, a policy's cap) that no count can meet within the stage's budget";
    LICENSE_REQUIRED = "license-required", Error, "training data whose license does not allow the use asked for with `--require`";
    // Trainer configs (export --to, import-config)
    UNMAPPED_DATASET = "unmapped-dataset", Error, "leaf datasets that PATHS.toml does not say where to find";
    UNSUPPORTED_PATH = "unsupported-path", Error, "a path the trainer would refuse (a file type it does not read, a prefix with an extension)";
    EXPORT_UNKNOWN_COUNT = "export-unknown-count", Error, "a count a trainer file needs but the plan does not know, or cannot express";
    // Warnings about a plan
    COUNTED_TWICE = "counted-twice", Warning, "a stage reaches one leaf dataset by more than one path";
    STATED_MISMATCH = "stated-mismatch", Warning, "a complete stage whose total falls outside the rounding of its stated size";
    UNATTRIBUTED = "unattributed", Warning, "a known count that cannot be split over its leaf datasets";
    EMPTY_STAGE = "empty-stage", Warning, "a stage whose mix takes nothing";
    UNUSED_BUDGET = "unused-budget", Warning, "a stage budget with no weighted entry to share it";
    EVAL_IN_TRAINING = "eval-in-training", Warning, "a dataset the catalog lists only as an evaluation benchmark, used for training";
    STAGE_MISMATCH = "stage-mismatch", Warning, "a dataset used in a stage kind the catalog does not list for it";
    CONTAMINATION = "contamination", Warning, "training data that shares a dataset or its media with a benchmark the recipe reports on";
    HIGH_EPOCHS = "high-epochs", Warning, "a dataset repeated more times in a stage than the threshold (`--max-epochs`, default 5)";
    LOW_EPOCHS = "low-epochs", Warning, "a dataset the mix takes whole that the stage sees less than once";
    UNKNOWN_MEDIA_SOURCE = "unknown-media-source", Warning, "an `image_sources` id the catalog does not have";
    IMPORT_SIZE = "import-size", Warning, "a size cell that `catalog import` cannot read as one count";
    BATCH_LARGER_THAN_STAGE = "batch-larger-than-stage", Warning, "a batch size larger than the stage";
    TARGET_MISSED = "target-missed", Warning, "a target share (`share`, `[stage.targets]`) that the bounds or the fixed entries keep the plan from meeting; the closest share is used";
    TRAINER_DIFFERENCE = "trainer-difference", Warning, "the trainer's loader will give a dataset another count than the plan";
    IMPORT_QUIRK = "import-quirk", Warning, "a trainer config line the loader reads other than it looks (`end:0` loads everything)";
    // Notes
    UNKNOWN_SIZE = "unknown-size", Note, "a stage entry whose count is unknown: the total is only a lower bound";
    OVERLAY_REPLACES = "overlay-replaces", Note, "a file of yours replaces a built-in dataset or recipe with the same id";
    ROUNDED_PARTS = "rounded-parts", Note, "an exact composite size kept over components that are rounded";
    EXPORT_DROPPED = "export-dropped", Note, "leaf datasets with no sample, left out of a trainer file";
    IMPORT_DRAFT = "import-draft", Note, "a file in a trainer config that matches no catalog dataset: a draft entry is written";
    ERRORS_ELSEWHERE = "errors-elsewhere", Note, "files the plan does not use have errors (`mixplan check` lists them)";
}

/// The severity a code has, if it is one.
pub fn severity(code: &str) -> Option<Severity> {
    ALL.iter().find(|(c, ..)| *c == code).map(|(_, s, _)| *s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for (code, ..) in ALL {
            assert!(seen.insert(*code), "{code} twice");
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'), "{code}");
        }
    }
}
