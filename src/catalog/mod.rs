//! The dataset catalog: raw files are read by [`schema`], checked and turned
//! into [`Dataset`]s by [`convert`], and kept here by index ([`DsId`]) with
//! one lookup table for the names people use (ids and aliases, folded).
//! Composites are resolved to their parts here; their sizes and leaves are
//! worked out by the planner, only for what a command uses.

pub mod convert;
pub mod import;
pub mod license;
pub mod schema;
pub mod search;

use crate::diag::{codes, suggest, Diagnostic, Diagnostics, Loc, Subject};
use crate::id::{fold, Id};
use rustc_hash::FxHashMap;
use schema::{DatasetStage, Links, Modality, Task, TextTokens};
use serde::{Deserialize, Serialize};

pub use search::search;

/// A dataset's index in the [`Catalog`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DsId(pub u32);

impl DsId {
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

/// One validated catalog entry.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Dataset {
    pub id: Id,
    pub name: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub stages: Vec<DatasetStage>,
    pub modalities: Vec<Modality>,
    pub languages: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub approx: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reported: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<u64>,
    /// Boxed, as most entries have none (a dataset is kept small).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_tokens: Option<Box<TextTokens>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated_by: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_of: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// `None` when there are none (most entries): see [`Dataset::links`].
    /// Written out as a table either way.
    #[serde(with = "boxed_links")]
    pub links: Option<Box<Links>>,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub components: Option<Vec<Component>>,
    /// Kept out of the JSON output and of the built-in blob (which stores
    /// it beside, see [`Catalog::into_parts`]).
    #[serde(skip)]
    pub at: Locs,
}

/// `links` as a table in every output, kept only when there is one.
mod boxed_links {
    use super::Links;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(links: &Option<Box<Links>>, s: S) -> Result<S::Ok, S::Error> {
        links.as_deref().unwrap_or(&Links::NONE).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Box<Links>>, D::Error> {
        Links::deserialize(d).map(Links::boxed)
    }
}

/// Where the parts of an entry are written, and what its references resolve to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Locs {
    pub id: Loc,
    pub samples: Option<Loc>,
    pub components: Option<Loc>,
    /// Aliases, `variant_of` and `image_sources`: `None` for an entry with
    /// none of them (most), which keeps a dataset small.
    pub refs: Option<Box<RefLocs>>,
}

/// Where an entry's aliases and references are written, and what the
/// references resolve to.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RefLocs {
    /// Where each alias is written.
    pub aliases: Vec<Loc>,
    pub variant_of: Option<Loc>,
    pub image_sources: Vec<Loc>,
    /// `variant_of` resolved (after all files are read).
    pub variant_of_ix: Option<DsId>,
    /// `image_sources` resolved, in order; unknown ones left out.
    pub image_sources_ix: Vec<DsId>,
}

impl Locs {
    pub fn aliases(&self) -> &[Loc] {
        self.refs.as_ref().map_or(&[], |r| &r.aliases)
    }

    pub fn variant_of(&self) -> Option<&Loc> {
        self.refs.as_ref().and_then(|r| r.variant_of.as_ref())
    }

    pub fn image_sources(&self) -> &[Loc] {
        self.refs.as_ref().map_or(&[], |r| &r.image_sources)
    }

    pub fn variant_of_ix(&self) -> Option<DsId> {
        self.refs.as_ref().and_then(|r| r.variant_of_ix)
    }

    pub fn image_sources_ix(&self) -> &[DsId] {
        self.refs.as_ref().map_or(&[], |r| &r.image_sources_ix)
    }
}

/// A dataset with what JSON output leaves out kept apart, as the built-in
/// blob holds it: the entry, where its parts are written, and per component
/// (its location, its dataset name's location, the child it resolved to).
pub type DatasetParts = (Dataset, Locs, Vec<(Loc, Loc, Option<DsId>)>);

/// A catalog as the built-in blob stores it: each dataset's bytes, the ids,
/// and the folded aliases with the dataset each names.
pub type Encoded = (Vec<Vec<u8>>, Vec<String>, Vec<(String, u32)>);

/// One part of a composite: `samples` of the child (the whole child if absent).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Component {
    pub dataset: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u64>,
    #[serde(skip)]
    pub loc: Loc,
    #[serde(skip)]
    pub dataset_loc: Loc,
    /// The child, once resolved.
    #[serde(skip)]
    pub child: Option<DsId>,
}

impl Dataset {
    pub fn is_composite(&self) -> bool {
        self.components.is_some()
    }

    pub fn links(&self) -> &Links {
        self.links.as_deref().unwrap_or(&Links::NONE)
    }

    pub fn is_eval_only(&self) -> bool {
        !self.stages.is_empty() && self.stages.iter().all(|s| *s == DatasetStage::Eval)
    }
}

/// Boxed, so that a dataset is moved as a pointer from conversion to its
/// place in the catalog.
type Slot = crate::lazy::Lazy<Box<Dataset>>;

/// A built-in dataset from its bytes (written by the build, so they decode).
impl crate::lazy::Decode for Box<Dataset> {
    fn decode(raw: &[u8]) -> Box<Dataset> {
        let (mut d, at, comps): DatasetParts =
            rmp_serde::from_slice(raw).expect("the build wrote a valid dataset");
        d.at = at;
        for (comp, (loc, dataset_loc, child)) in d.components.iter_mut().flatten().zip(comps) {
            comp.loc = loc;
            comp.dataset_loc = dataset_loc;
            comp.child = child;
        }
        Box::new(d)
    }
}

/// Every dataset by index, with an index of the names people use for them.
#[derive(Debug, Default)]
pub struct Catalog {
    datasets: Vec<Slot>,
    /// Layer each dataset came from (0 built-in, then overlays).
    layer: Vec<u8>,
    /// Folded id → dataset.
    ids: FxHashMap<String, DsId>,
    /// Folded alias → dataset.
    aliases: FxHashMap<String, DsId>,
    /// Folded ids of entries that failed to convert (their errors are
    /// already reported): a reference to one is not "unknown".
    broken: FxHashMap<String, Loc>,
}

impl Catalog {
    /// Adds a converted entry of a layer; a later layer replaces an entry
    /// with the same id (a note says so), the same layer may not repeat one.
    pub fn insert(&mut self, ds: Box<Dataset>, layer: u8, diags: &mut Diagnostics) {
        let key = fold(ds.id.as_str()).into_owned();
        match self.ids.get(&key).copied() {
            None => {
                let ix = DsId(self.datasets.len() as u32);
                self.ids.insert(key, ix);
                self.datasets.push(Slot::new(ds));
                self.layer.push(layer);
            }
            Some(ix) => {
                let prev = self.datasets[ix.ix()].get();
                let prev_loc = Some(prev.at.id.clone());
                if self.layer[ix.ix()] == layer {
                    let (code, message) = if prev.id == ds.id {
                        (codes::DUPLICATE_ID, format!("duplicate dataset id `{}`", ds.id))
                    } else {
                        (
                            codes::ID_CLASH,
                            format!("dataset ids `{}` and `{}` name the same dataset", prev.id, ds.id),
                        )
                    };
                    diags.push(
                        Diagnostic::error(code, message)
                            .at(Some(ds.at.id.clone()))
                            .label("defined again here")
                            .related(prev_loc, "first defined here")
                            .help("ids are compared with case, `_` and spaces folded; give one of them another id")
                            .about(Subject::Dataset(ds.id.to_string())),
                    );
                    return;
                }
                diags.push(
                    Diagnostic::note(
                        codes::OVERLAY_REPLACES,
                        format!("`{}` replaces the dataset of the same id", ds.id),
                    )
                    .at(Some(ds.at.id.clone()))
                    .label("this entry is used")
                    .related(prev_loc, "instead of this one")
                    .about(Subject::Dataset(ds.id.to_string())),
                );
                self.datasets[ix.ix()] = Slot::new(ds);
                self.layer[ix.ix()] = layer;
            }
        }
    }

    /// Each dataset encoded with its locations and resolved references (the
    /// built-in blob, written by the build), with its id and the folded
    /// aliases that name it.
    pub fn encode(&self) -> Encoded {
        let mut bytes = Vec::new();
        let mut ids = Vec::new();
        for slot in &self.datasets {
            let d = slot.get();
            let comps: Vec<(Loc, Loc, Option<DsId>)> = d
                .components
                .iter()
                .flatten()
                .map(|c| (c.loc.clone(), c.dataset_loc.clone(), c.child))
                .collect();
            let parts = (d, &d.at, comps);
            bytes.push(rmp_serde::to_vec_named(&parts).expect("a dataset encodes"));
            ids.push(d.id.to_string());
        }
        let mut aliases: Vec<(String, u32)> = self.aliases.iter().map(|(k, v)| (k.clone(), v.0)).collect();
        aliases.sort();
        (bytes, ids, aliases)
    }

    /// The built-in datasets in layer 0, from the blob the build wrote (they
    /// were checked then): decoded one by one when first used.
    pub fn from_builtin(raw: Vec<&'static [u8]>, ids: Vec<String>, aliases: Vec<(String, u32)>) -> Catalog {
        let mut c = Catalog::default();
        for (i, (bytes, id)) in raw.into_iter().zip(ids).enumerate() {
            c.ids.insert(fold(&id).into_owned(), DsId(i as u32));
            c.datasets.push(Slot::encoded(bytes));
            c.layer.push(0);
        }
        c.aliases = aliases.into_iter().map(|(k, v)| (k, DsId(v))).collect();
        c
    }

    /// Records the id of an entry that failed to convert.
    pub fn insert_broken(&mut self, id: &str, loc: Loc) {
        self.broken.insert(fold(id).into_owned(), loc);
    }

    /// Builds the alias index and resolves references of the entries read
    /// from files (the built-in ones were resolved by the build); call once
    /// all files are in.
    pub fn finish(&mut self, diags: &mut Diagnostics) {
        for i in 0..self.datasets.len() {
            if self.datasets[i].is_builtin() {
                continue; // resolved by the build
            }
            let ds = self.datasets[i].get();
            for (k, alias) in ds.aliases.iter().enumerate() {
                let alias_loc = ds.at.aliases().get(k).cloned().unwrap_or_else(|| ds.at.id.clone());
                let key = fold(alias);
                let owner = self.ids.get(key.as_ref()).or_else(|| self.aliases.get(key.as_ref())).copied();
                match owner {
                    _ if key.is_empty() => diags.push(
                        Diagnostic::error(codes::INVALID_VALUE, format!("`{}` has an empty alias", ds.id))
                            .at(Some(alias_loc))
                            .label("empty")
                            .help("remove the empty alias")
                            .about(Subject::Dataset(ds.id.to_string())),
                    ),
                    Some(o) if o.ix() == i => {}
                    Some(o) => diags.push(
                        Diagnostic::error(
                            codes::ID_CLASH,
                            format!(
                                "alias `{alias}` of `{}` already names `{}`",
                                ds.id,
                                self.datasets[o.ix()].get().id
                            ),
                        )
                        .at(Some(alias_loc))
                        .label("this alias")
                        .related(Some(self.datasets[o.ix()].get().at.id.clone()), "the dataset it names")
                        .help("an alias must point at one dataset only; remove it from one of them")
                        .about(Subject::Dataset(ds.id.to_string())),
                    ),
                    None => {
                        self.aliases.insert(key.into_owned(), DsId(i as u32));
                    }
                }
            }
        }
        for i in 0..self.datasets.len() {
            if !self.datasets[i].is_builtin() {
                self.resolve_references(i, diags);
            }
        }
    }

    fn resolve_references(&mut self, i: usize, diags: &mut Diagnostics) {
        let ds = self.datasets[i].get();
        let subject = || Subject::Dataset(ds.id.to_string());
        let mut children = Vec::new();
        for c in ds.components.iter().flatten() {
            let child = self.lookup(&c.dataset);
            if child.is_none() {
                diags.push(self.unknown(&c.dataset, Some(c.dataset_loc.clone())).about(subject()));
            }
            children.push(child);
        }
        let variant = match (&ds.variant_of, ds.at.variant_of()) {
            (Some(v), loc) => {
                let found = self.lookup(v);
                if found.is_none() {
                    diags.push(self.unknown(v, loc.cloned()).about(subject()));
                }
                found
            }
            _ => None,
        };
        let mut media = Vec::new();
        for (source, loc) in ds.image_sources.iter().zip(ds.at.image_sources()) {
            match self.lookup(source) {
                Some(m) => media.push(m),
                None if self.is_broken(source) => {}
                None => {
                    let help = suggest(source, self.names());
                    diags.push(
                        Diagnostic::warning(
                            codes::UNKNOWN_MEDIA_SOURCE,
                            format!("`{}` names an unknown media source `{source}`", ds.id),
                        )
                        .at(Some(loc.clone()))
                        .label("not in the catalog")
                        .maybe_help(help)
                        .about(subject()),
                    );
                }
            }
        }
        let ds = self.datasets[i].get_mut();
        for (c, child) in ds.components.iter_mut().flatten().zip(children) {
            c.child = child;
        }
        if let Some(refs) = &mut ds.at.refs {
            refs.variant_of_ix = variant;
            refs.image_sources_ix = media;
        }
    }

    /// A dataset by id or alias (case, `_` and spaces forgiven).
    pub fn lookup(&self, name: &str) -> Option<DsId> {
        let key = fold(name);
        self.ids.get(key.as_ref()).or_else(|| self.aliases.get(key.as_ref())).copied()
    }

    pub fn resolve(&self, name: &str) -> Option<&Dataset> {
        self.lookup(name).map(|i| &**self.datasets[i.ix()].get())
    }

    pub fn is_broken(&self, name: &str) -> bool {
        self.broken.contains_key(fold(name).as_ref())
    }

    pub fn get(&self, ix: DsId) -> &Dataset {
        self.datasets[ix.ix()].get()
    }

    pub fn layer(&self, ix: DsId) -> u8 {
        self.layer[ix.ix()]
    }

    /// The error for a name that is neither an id nor an alias, with the
    /// closest names; nothing for an entry that failed to convert (its own
    /// errors say why).
    pub fn unknown(&self, name: &str, loc: Option<Loc>) -> Diagnostic {
        if self.is_broken(name) {
            return Diagnostic::error(codes::UNKNOWN_DATASET, format!("dataset `{name}` has errors"))
                .at(loc)
                .label("its entry could not be read")
                .related(self.broken.get(fold(name).as_ref()).cloned(), "the entry")
                .help("fix the errors reported for that entry");
        }
        let by_name = || {
            let key = fold(name);
            self.iter()
                .find(|d| fold(&d.name) == key)
                .map(|d| format!("did you mean `{}` ({})?", d.id, d.name))
        };
        Diagnostic::error(codes::UNKNOWN_DATASET, format!("unknown dataset `{name}`"))
            .at(loc)
            .label("not in the catalog")
            .maybe_help(suggest(name, self.names()).or_else(by_name))
    }

    /// Every id and alias, for suggestions.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.iter()
            .map(|d| d.id.as_str())
            .chain(self.iter().flat_map(|d| d.aliases.iter().map(String::as_str)))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Dataset> {
        self.datasets.iter().map(|s| &**s.get())
    }

    pub fn ids(&self) -> impl Iterator<Item = DsId> {
        (0..self.datasets.len() as u32).map(DsId)
    }

    /// Every dataset, in id order.
    pub fn sorted(&self) -> Vec<&Dataset> {
        let mut v: Vec<&Dataset> = self.iter().collect();
        v.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        v
    }

    pub fn len(&self) -> usize {
        self.datasets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.datasets.is_empty()
    }

    /// The dataset a chain of `variant_of` leads to: the source dataset.
    /// A cycle (reported by `check`) stops the walk where it closes.
    pub fn source_of(&self, ix: DsId) -> DsId {
        let mut cur = ix;
        let mut steps = 0;
        while let Some(next) = self.get(cur).at.variant_of_ix() {
            steps += 1;
            if next == ix || steps > self.datasets.len() {
                break;
            }
            cur = next;
        }
        cur
    }
}
