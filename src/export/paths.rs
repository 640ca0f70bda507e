//! `PATHS.toml`: where the user keeps each dataset.
//!
//! ```toml
//! [default]                                  # for every dataset; {id} is its catalog id
//! annotation = "/data/ann/{id}.jsonl"
//! image_root = "/data/images"
//!
//! [dataset.vqav2]                            # one table per leaf dataset id
//! annotation = "/data/vqav2/train.jsonl"     # LLaVA json_path, InternVL annotation, LLaMA-Factory file_name
//! image_root = "/data/coco"                  # InternVL root (LLaVA takes one --image_folder)
//! prefix = "/data/mg/vqav2_text_document"    # Megatron prefix (no .bin/.idx)
//! energon = "/data/energon/vqav2"            # Energon dataset path
//! hf = "HuggingFaceM4/VQAv2"                 # hf-interleave and LLaMA-Factory hub id
//! data_augment = false                       # InternVL
//! max_dynamic_patch = 6                      # InternVL
//! length = 443757                            # records in your file, when the catalog's size differs or is unknown
//! llama_factory = { formatting = "sharegpt" }  # keys merged into the dataset_info.json entry
//! ```
//!
//! A dataset's own table wins over `[default]`; a leaf that neither gives
//! the key a format needs is unmapped, and every unmapped leaf is listed in
//! one error.

use crate::diag::{codes, suggest, Diagnostic, Diagnostics, FileId, Loc, Sources};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    #[serde(default)]
    default: Option<RawEntry>,
    #[serde(default)]
    dataset: BTreeMap<String, Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    annotation: Option<Spanned<String>>,
    image_root: Option<Spanned<String>>,
    prefix: Option<Spanned<String>>,
    energon: Option<Spanned<String>>,
    hf: Option<Spanned<String>>,
    data_augment: Option<bool>,
    max_dynamic_patch: Option<Spanned<i64>>,
    length: Option<Spanned<i64>>,
    llama_factory: Option<toml::Table>,
}

/// A location key of `PATHS.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Annotation,
    ImageRoot,
    Prefix,
    Energon,
    Hf,
}

impl Key {
    pub fn as_str(self) -> &'static str {
        match self {
            Key::Annotation => "annotation",
            Key::ImageRoot => "image_root",
            Key::Prefix => "prefix",
            Key::Energon => "energon",
            Key::Hf => "hf",
        }
    }
}

/// A path as given, and where it was written.
#[derive(Debug, Clone)]
pub struct Place {
    pub value: String,
    pub loc: Loc,
}

/// The parsed file, with its text for error snippets.
pub struct Paths {
    pub sources: Sources,
    file: FileId,
    default: RawEntry,
    datasets: BTreeMap<String, Spanned<RawEntry>>,
}

impl Paths {
    /// Parses `PATHS.toml`; errors carry file:line:col.
    pub fn parse(name: &str, text: String) -> Result<Paths, (Sources, Diagnostics)> {
        let mut sources = Sources::default();
        let mut diags = Diagnostics::default();
        let file = sources.add(name.to_string(), text);
        let raw: Option<RawPaths> = crate::parse::parse_toml(file, sources.text(file), &mut diags);
        let Some(raw) = raw else { return Err((sources, diags)) };
        let paths = Paths { sources, file, default: raw.default.unwrap_or_default(), datasets: raw.dataset };
        let mut problems = Diagnostics::default();
        for (id, e) in &paths.datasets {
            if let Some(m) = e.get_ref().length.as_ref().filter(|m| *m.get_ref() < 1) {
                problems.push(
                    Diagnostic::error(codes::INVALID_VALUE, format!("`length` of `{id}` must be at least 1"))
                        .at(Some(Loc::new(file, m.span()))),
                );
            }
            if let Some(m) = &e.get_ref().max_dynamic_patch {
                if *m.get_ref() < 1 {
                    problems.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`max_dynamic_patch` of `{id}` must be at least 1"),
                        )
                        .at(Some(Loc::new(file, m.span()))),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(paths)
        } else {
            Err((paths.sources, problems))
        }
    }

    fn entry(&self, id: &str) -> Option<&RawEntry> {
        self.datasets.get(id).map(|e| e.get_ref())
    }

    fn field(e: &RawEntry, key: Key) -> Option<&Spanned<String>> {
        match key {
            Key::Annotation => e.annotation.as_ref(),
            Key::ImageRoot => e.image_root.as_ref(),
            Key::Prefix => e.prefix.as_ref(),
            Key::Energon => e.energon.as_ref(),
            Key::Hf => e.hf.as_ref(),
        }
    }

    /// Where dataset `id` keeps `key`: its own table, else `[default]`
    /// with `{id}` replaced.
    pub fn get(&self, id: &str, key: Key) -> Option<Place> {
        if let Some(v) = self.entry(id).and_then(|e| Self::field(e, key)) {
            return Some(Place { value: v.get_ref().clone(), loc: Loc::new(self.file, v.span()) });
        }
        Self::field(&self.default, key)
            .map(|v| Place { value: v.get_ref().replace("{id}", id), loc: Loc::new(self.file, v.span()) })
    }

    /// The records in the user's file, when PATHS.toml gives them: the
    /// length the trainer will see, in place of the catalog's size.
    pub fn length(&self, id: &str) -> Option<u64> {
        self.entry(id).and_then(|e| e.length.as_ref()).and_then(|l| u64::try_from(*l.get_ref()).ok())
    }

    pub fn data_augment(&self, id: &str) -> bool {
        self.entry(id).and_then(|e| e.data_augment).or(self.default.data_augment).unwrap_or(false)
    }

    pub fn max_dynamic_patch(&self, id: &str) -> Option<i64> {
        self.entry(id)
            .and_then(|e| e.max_dynamic_patch.as_ref())
            .or(self.default.max_dynamic_patch.as_ref())
            .map(|m| *m.get_ref())
    }

    /// Extra `dataset_info.json` keys: the default's, then the dataset's.
    pub fn llama_factory(&self, id: &str) -> toml::Table {
        let mut t = self.default.llama_factory.clone().unwrap_or_default();
        if let Some(own) = self.entry(id).and_then(|e| e.llama_factory.as_ref()) {
            for (k, v) in own {
                t.insert(k.clone(), v.clone());
            }
        }
        t
    }

    /// One error listing every dataset that gives none of `keys` (any one
    /// of them is enough), with close names from the file.
    pub fn require(&self, ids: &[&str], keys: &[Key], format: &str) -> Result<(), Box<Diagnostic>> {
        let missing: Vec<&str> =
            ids.iter().copied().filter(|id| keys.iter().all(|k| self.get(id, *k).is_none())).collect();
        if missing.is_empty() {
            return Ok(());
        }
        let wanted = keys.iter().map(|k| format!("`{}`", k.as_str())).collect::<Vec<_>>().join(" or ");
        let mut d = Diagnostic::error(
            codes::UNMAPPED_DATASET,
            format!(
                "{} {} of the stage {} no {wanted} in `{}` (needed by `--to {format}`)",
                crate::report::count(missing.len() as u128),
                if missing.len() == 1 { "dataset" } else { "datasets" },
                if missing.len() == 1 { "has" } else { "have" },
                self.sources.name(self.file),
            ),
        );
        for id in &missing {
            let close = suggest(id, self.datasets.keys().map(String::as_str));
            d = d.note_line(match close {
                Some(c) => format!("unmapped: `{id}` ({c})"),
                None => format!("unmapped: `{id}`"),
            });
        }
        let first = missing[0];
        let quoted = if first.contains('.') { format!("\"{first}\"") } else { first.to_string() };
        Err(Box::new(d.help(format!(
            "add a table per dataset (`[dataset.{quoted}]` with {}), or a `[default]` template such as {} = \"/data/{{id}}...\"",
            keys[0].as_str(),
            keys[0].as_str()
        ))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Paths {
        Paths::parse("PATHS.toml", text.to_string()).unwrap_or_else(|(s, d)| panic!("{}", d.render(&s)))
    }

    #[test]
    fn own_table_wins_over_the_default_template() {
        let p = paths(
            "[default]\nannotation = \"/d/{id}.json\"\n[dataset.vqav2]\nannotation = \"/v/train.json\"\n",
        );
        assert_eq!(p.get("vqav2", Key::Annotation).unwrap().value, "/v/train.json");
        assert_eq!(p.get("gqa", Key::Annotation).unwrap().value, "/d/gqa.json");
        assert!(p.get("gqa", Key::Prefix).is_none());
    }

    #[test]
    fn every_unmapped_leaf_is_listed_once() {
        let p = paths("[dataset.vqav3]\nannotation = \"/v.json\"\n");
        let d = p.require(&["vqav2", "gqa"], &[Key::Annotation], "llava-next").unwrap_err();
        assert_eq!(d.code, codes::UNMAPPED_DATASET);
        assert!(d.message.starts_with("2 datasets of the stage have no `annotation`"), "{}", d.message);
        assert_eq!(d.notes.len(), 2);
        assert!(d.notes[0].contains("`vqav2`") && d.notes[0].contains("vqav3"), "{:?}", d.notes);
    }

    #[test]
    fn unknown_keys_are_errors_with_a_location() {
        let (s, d) = Paths::parse("P.toml", "[dataset.a]\nannotaton = \"x\"\n".into()).err().unwrap();
        let text = d.render(&s);
        assert!(text.contains("unknown key") && text.contains("P.toml:2:1"), "{text}");
    }
}
