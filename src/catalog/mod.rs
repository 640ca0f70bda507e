//! The dataset catalog: raw files are read by [`schema`], checked and turned
//! into [`Dataset`]s here; composites are resolved later by the planner.

pub mod import;
pub mod schema;

use crate::diag::{suggest, Diagnostic, Diagnostics, FileId, Loc};
use crate::id::Id;
use schema::{DatasetStage, Links, Modality, RawCatalogFile, RawDataset};
use serde::Serialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// One validated catalog entry.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub id: Id,
    pub name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub stages: Vec<DatasetStage>,
    pub modalities: Vec<Modality>,
    pub languages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub approx: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reported: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generated_by: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_sources: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    pub links: Links,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<Component>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant_of: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<schema::Task>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<schema::TextTokens>,
    #[serde(skip)]
    pub variant_of_loc: Option<Loc>,
    #[serde(skip)]
    pub loc: Loc,
    #[serde(skip)]
    pub samples_loc: Option<Loc>,
    #[serde(skip)]
    pub components_loc: Option<Loc>,
    #[serde(skip)]
    pub image_sources_locs: Vec<Loc>,
}

/// One part of a composite: `samples` of the child (the whole child if absent).
#[derive(Debug, Clone, Serialize)]
pub struct Component {
    pub dataset: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    #[serde(skip)]
    pub loc: Loc,
    #[serde(skip)]
    pub dataset_loc: Loc,
}

impl Dataset {
    pub fn is_composite(&self) -> bool {
        self.components.is_some()
    }
}

/// Every dataset by id, with an index of the names people use for them.
#[derive(Debug, Default)]
pub struct Catalog {
    datasets: BTreeMap<Id, Dataset>,
    /// Built-in or overlay layer each id came from; a later layer replaces.
    layer: BTreeMap<Id, usize>,
    aliases: BTreeMap<String, Id>,
}

/// What the user wrote for a dataset, folded for lookup (`LLaVA_Instruct` = `llava-instruct`).
pub fn fold_name(name: &str) -> String {
    name.trim()
        .chars()
        .map(|c| match c {
            '_' | ' ' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl Catalog {
    /// Parses one catalog file of a layer (0 = built-in, 1 = `--catalog`).
    pub fn add_file(&mut self, file: FileId, text: &str, layer: usize, diags: &mut Diagnostics) {
        let raw: RawCatalogFile = match crate::load::parse_toml(file, text, diags) {
            Some(raw) => raw,
            None => return,
        };
        for entry in raw.dataset {
            if let Some(ds) = convert(file, entry, diags) {
                self.insert(ds, layer, diags);
            }
        }
    }

    fn insert(&mut self, ds: Dataset, layer: usize, diags: &mut Diagnostics) {
        if let Some(prev) = self.datasets.get(&ds.id) {
            if self.layer[&ds.id] == layer {
                diags.push(
                    Diagnostic::error(format!("duplicate dataset id `{}`", ds.id))
                        .at(Some(ds.loc.clone()))
                        .label("defined again here")
                        .help(format!(
                            "the first definition is `{}`; give this one another id or remove it",
                            prev.name
                        )),
                );
                return;
            }
        }
        self.layer.insert(ds.id.clone(), layer);
        self.datasets.insert(ds.id.clone(), ds);
    }

    /// Builds the alias index and checks references; call once all files are in.
    pub fn finish(&mut self, diags: &mut Diagnostics) {
        self.aliases.clear();
        let mut owners: BTreeMap<String, Id> = BTreeMap::new();
        for ds in self.datasets.values() {
            let key = fold_name(ds.id.as_str());
            owners.insert(key, ds.id.clone());
        }
        for ds in self.datasets.values() {
            for alias in &ds.aliases {
                let key = fold_name(alias);
                match owners.get(&key) {
                    Some(owner) if *owner == ds.id => {}
                    Some(owner) => diags.push(
                        Diagnostic::error(format!("alias `{alias}` of `{}` already names `{owner}`", ds.id))
                            .at(Some(ds.loc.clone()))
                            .help("an alias must point at one dataset only; remove it from one of them"),
                    ),
                    None => {
                        owners.insert(key.clone(), ds.id.clone());
                        self.aliases.insert(key, ds.id.clone());
                    }
                }
            }
        }
        for ds in self.datasets.values() {
            self.check_references(ds, diags);
        }
    }

    fn check_references(&self, ds: &Dataset, diags: &mut Diagnostics) {
        for c in ds.components.iter().flatten() {
            if self.resolve(&c.dataset).is_none() {
                diags.push(self.unknown(&c.dataset, Some(c.dataset_loc.clone())));
            }
        }
        if let (Some(v), Some(loc)) = (&ds.variant_of, &ds.variant_of_loc) {
            if self.resolve(v).is_none() {
                diags.push(self.unknown(v, Some(loc.clone())));
            }
        }
        for (source, loc) in ds.image_sources.iter().zip(&ds.image_sources_locs) {
            if self.resolve(source).is_none() {
                let mut d = self.unknown(source, Some(loc.clone()));
                d.severity = crate::diag::Severity::Warning;
                d.message = format!("`{}` names an unknown image source `{source}`", ds.id);
                diags.push(d);
            }
        }
    }

    /// A dataset by id or alias (case, `_` and spaces forgiven).
    pub fn resolve(&self, name: &str) -> Option<&Dataset> {
        if let Some(ds) = self.datasets.get(name) {
            return Some(ds);
        }
        let key = fold_name(name);
        self.datasets
            .get(key.as_str())
            .or_else(|| self.aliases.get(&key).and_then(|id| self.datasets.get(id)))
    }

    pub fn get(&self, id: &str) -> Option<&Dataset> {
        self.datasets.get(id)
    }

    /// The error for a name that is neither an id nor an alias.
    pub fn unknown(&self, name: &str, loc: Option<Loc>) -> Diagnostic {
        let candidates = self.datasets.keys().map(Id::as_str).chain(self.aliases.keys().map(String::as_str));
        Diagnostic::error(format!("unknown dataset `{name}`"))
            .at(loc)
            .label("not in the catalog")
            .maybe_help(suggest(name, candidates))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Dataset> {
        self.datasets.values()
    }

    pub fn len(&self) -> usize {
        self.datasets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.datasets.is_empty()
    }
}

fn loc_of<T>(file: FileId, s: &Spanned<T>) -> Loc {
    Loc::new(file, s.span())
}

/// A positive count from TOML's signed integers.
pub(crate) fn positive(
    file: FileId,
    field: &str,
    value: &Option<Spanned<i64>>,
    diags: &mut Diagnostics,
) -> Option<u64> {
    let v = value.as_ref()?;
    match u64::try_from(*v.get_ref()) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            diags.push(
                Diagnostic::error(format!("`{field}` must be a positive integer"))
                    .at(Some(loc_of(file, v)))
                    .label(format!("found {}", v.get_ref()))
                    .help(format!("leave `{field}` out when the figure is unknown")),
            );
            None
        }
    }
}

fn convert(file: FileId, entry: Spanned<RawDataset>, diags: &mut Diagnostics) -> Option<Dataset> {
    let raw = entry.into_inner();
    let id_loc = loc_of(file, &raw.id);
    let before = diags.error_count();
    let samples = positive(file, "samples", &raw.samples, diags);
    let bytes = positive(file, "bytes", &raw.bytes, diags);
    let hours = positive(file, "hours", &raw.hours, diags);
    let tokens = positive(file, "tokens", &raw.tokens, diags);
    for lang in &raw.languages {
        let l = lang.get_ref();
        let ok = l == "multi" || (l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()));
        if !ok {
            diags.push(
                Diagnostic::error(format!("invalid language `{l}`"))
                    .at(Some(loc_of(file, lang)))
                    .help("use a two-letter ISO 639-1 code such as `en` or `zh`, or `multi`"),
            );
        }
    }
    if raw.stages.is_empty() {
        diags.push(
            Diagnostic::error(format!("dataset `{}` names no stage", raw.id.get_ref()))
                .at(Some(id_loc.clone()))
                .help("add `stages = [...]` with pretrain, sft, preference or eval"),
        );
    }
    let source = match raw.source {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            diags.push(
                Diagnostic::error(format!("dataset `{}` has no `source`", raw.id.get_ref()))
                    .at(Some(id_loc.clone()))
                    .help("say where its figures were read: paper table, dataset card or repository"),
            );
            String::new()
        }
    };
    let components = raw.components.as_ref().map(|list| {
        if list.get_ref().is_empty() {
            diags.push(
                Diagnostic::error(format!("composite `{}` has no components", raw.id.get_ref()))
                    .at(Some(loc_of(file, list)))
                    .help("list its parts, or leave `components` out for a plain dataset"),
            );
        }
        list.get_ref()
            .iter()
            .map(|c| {
                let c_ref = c.get_ref();
                Component {
                    dataset: c_ref.dataset.get_ref().clone(),
                    samples: positive(file, "samples", &c_ref.samples, diags),
                    loc: loc_of(file, c),
                    dataset_loc: loc_of(file, &c_ref.dataset),
                }
            })
            .collect::<Vec<_>>()
    });
    if diags.error_count() > before {
        return None;
    }
    Some(Dataset {
        id: raw.id.get_ref().clone(),
        name: raw.name.into_inner(),
        aliases: raw.aliases.into_iter().map(Spanned::into_inner).collect(),
        stages: raw.stages,
        modalities: raw.modalities,
        languages: raw.languages.into_iter().map(Spanned::into_inner).collect(),
        samples,
        unit: raw.unit,
        approx: raw.approx,
        reported: raw.reported,
        bytes,
        hours,
        tokens,
        generated_by: raw.generated_by,
        image_sources_locs: raw.image_sources.iter().map(|s| loc_of(file, s)).collect(),
        image_sources: raw.image_sources.into_iter().map(Spanned::into_inner).collect(),
        license: raw.license,
        publisher: raw.publisher,
        links: raw.links,
        source,
        description: raw.description,
        notes: raw.notes,
        variant_of_loc: raw.variant_of.as_ref().map(|v| loc_of(file, v)),
        variant_of: raw.variant_of.map(Spanned::into_inner),
        tasks: raw.tasks,
        text_tokens: raw.text_tokens,
        components_loc: raw.components.as_ref().map(|c| loc_of(file, c)),
        components,
        samples_loc: raw.samples.as_ref().map(|s| loc_of(file, s)),
        loc: id_loc,
    })
}

/// Lowercase letters and digits only: `LLaVA_Instruct-150K` → `llavainstruct150k`.
fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Datasets whose id, name, alias or publisher contains `text`, forgiving
/// case and punctuation; exact id or alias matches first.
pub fn search<'a>(catalog: &'a Catalog, text: &str) -> Vec<&'a Dataset> {
    let needle = squash(text);
    let mut hits: Vec<(u8, &Dataset)> = catalog
        .iter()
        .filter_map(|d| {
            let names = std::iter::once(d.id.as_str())
                .chain(std::iter::once(d.name.as_str()))
                .chain(d.aliases.iter().map(String::as_str));
            let mut rank = None;
            for n in names {
                let s = squash(n);
                if s == needle {
                    rank = Some(0);
                    break;
                }
                if s.contains(&needle) {
                    rank = rank.or(Some(1));
                }
            }
            if rank.is_none() && d.publisher.as_deref().is_some_and(|p| squash(p).contains(&needle)) {
                rank = Some(2);
            }
            rank.map(|r| (r, d))
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    hits.into_iter().map(|(_, d)| d).collect()
}
