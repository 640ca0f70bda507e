//! Recipes: one model's training pipeline. Raw files are read by [`schema`]
//! and checked here, entry by entry, against the catalog; stage order,
//! `extends` and `include` are resolved by [`crate::plan::graph`].

pub mod schema;

use crate::catalog::convert::{loc_of, positive};
use crate::catalog::{Catalog, DsId};
use crate::diag::{codes, suggest, Diagnostic, Diagnostics, FileId, Loc, Subject};
use crate::id::Id;
use crate::lazy::Lazy;
use crate::num::Dec;
use crate::quantity::{self, Figure, Measure, Reading};
use crate::schema::{CountOrText, Number};
use rustc_hash::FxHashMap;
use schema::{
    Model, PolicyKind, RawEntry, RawRecipe, RawSampling, RawStage, RawTarget, RawTraining, StageKind,
    Training,
};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// A recipe's index in [`Recipes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RecipeIx(pub u32);

impl RecipeIx {
    pub fn ix(self) -> usize {
        self.0 as usize
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recipe {
    pub id: Id,
    pub name: String,
    pub paper: Option<String>,
    pub code: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub extends: Option<(Id, Loc)>,
    pub model: Option<Model>,
    /// Warning codes silenced for this recipe.
    pub allow: Vec<String>,
    /// Benchmarks the recipe reports on.
    pub eval: Vec<DsId>,
    pub eval_source: Option<String>,
    /// The stages this file writes, in file order (before `extends`).
    pub stages: Vec<Stage>,
    pub loc: Loc,
}

impl crate::lazy::Decode for Recipe {
    fn decode(raw: &[u8]) -> Recipe {
        rmp_serde::from_slice(raw).expect("the build wrote a valid recipe")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stage {
    pub id: Id,
    pub kind: StageKind,
    pub name: Option<String>,
    pub after: Vec<(Id, Loc)>,
    pub include: Option<StageRef>,
    pub budget: Option<(u64, Loc)>,
    pub stated: Option<Stated>,
    pub trainable: Vec<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub training: Option<Training>,
    /// `[stage.training] epochs`, exactly as written, with where.
    pub passes: Option<(Dec, Loc)>,
    pub mix: Vec<Entry>,
    /// Where `mix` is written (`None` when it is not).
    pub mix_loc: Option<Loc>,
    /// `[stage.sampling]`: how entries without an amount share the budget.
    pub sampling: Option<Sampling>,
    /// `[stage.targets]`: shares of the stage by task, modality or language.
    pub targets: Vec<Target>,
    pub loc: Loc,
}

/// A stage's sampling policy, checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    pub policy: Policy,
    pub source: Option<String>,
    pub loc: Loc,
}

/// The rate each policy gives an entry of size n (times its `weight`, if
/// any), and the cap it adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Policy {
    /// rate n
    Proportional,
    /// rate min(n, k)^(1/t) (T5/mT5)
    Temperature { t: Dec, k: Option<u64> },
    /// rate √n
    Sqrt,
    /// rate 1, at most `max_epochs` × n (UniMax)
    Unimax { max_epochs: Dec },
    /// rate n, at most t (Cambrian-1's per-source threshold)
    Cap { t: u64 },
}

impl Policy {
    pub fn kind(&self) -> PolicyKind {
        match self {
            Policy::Proportional => PolicyKind::Proportional,
            Policy::Temperature { .. } => PolicyKind::Temperature,
            Policy::Sqrt => PolicyKind::Sqrt,
            Policy::Unimax { .. } => PolicyKind::Unimax,
            Policy::Cap { .. } => PolicyKind::Cap,
        }
    }

    /// The policy as written: `temperature t=3.33 k=131072`.
    pub fn describe(&self) -> String {
        match self {
            Policy::Temperature { t, k: Some(k) } => format!("temperature t={} k={k}", t.text()),
            Policy::Temperature { t, k: None } => format!("temperature t={}", t.text()),
            Policy::Unimax { max_epochs } => format!("unimax max_epochs={}", max_epochs.text()),
            Policy::Cap { t } => format!("cap t={t}"),
            p => p.kind().as_str().to_string(),
        }
    }

    /// Whether the policy can only share a budget (no natural total).
    pub fn needs_budget(&self) -> bool {
        matches!(self, Policy::Temperature { .. } | Policy::Sqrt | Policy::Unimax { .. })
    }
}

/// What a target share is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum TargetKey {
    Task(crate::catalog::schema::Task),
    Modality(crate::catalog::schema::Modality),
    Language(String),
}

impl TargetKey {
    /// `task:ocr`, `modality:video`, `language:zh`.
    pub fn label(&self) -> String {
        match self {
            TargetKey::Task(t) => format!("task:{}", t.as_str()),
            TargetKey::Modality(m) => format!("modality:{}", m.as_str()),
            TargetKey::Language(l) => format!("language:{l}"),
        }
    }
}

/// One target share of a stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub key: TargetKey,
    pub share: Dec,
    pub loc: Loc,
}

/// Per-entry bounds, honoured by every policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    pub min: Option<u64>,
    pub max: Option<u64>,
    pub max_epochs: Option<Dec>,
}

impl Bounds {
    pub fn is_empty(&self) -> bool {
        self.min.is_none() && self.max.is_none() && self.max_epochs.is_none()
    }

    /// `min 10, max 500, max_epochs 2`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = self.min {
            parts.push(format!("min {}", crate::num::thousands(u128::from(m))));
        }
        if let Some(m) = self.max {
            parts.push(format!("max {}", crate::num::thousands(u128::from(m))));
        }
        if let Some(e) = self.max_epochs {
            parts.push(format!("max_epochs {}", e.text()));
        }
        parts.join(", ")
    }
}

/// `recipe:stage`, as written in `include`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRef {
    pub recipe: Id,
    pub stage: Id,
    pub loc: Loc,
}

impl std::fmt::Display for StageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.recipe, self.stage)
    }
}

/// How much of a dataset a mix entry takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Amount {
    Whole,
    Samples(u64),
    Fraction(Dec),
    Epochs(Dec),
    Weight(Dec),
    /// A share of the stage's budget.
    Share(Dec),
    /// An unstated part of the dataset: the count is unknown.
    Subset,
}

impl Amount {
    pub fn kind(&self) -> &'static str {
        match self {
            Amount::Whole => "whole",
            Amount::Samples(_) => "samples",
            Amount::Fraction(_) => "fraction",
            Amount::Epochs(_) => "epochs",
            Amount::Weight(_) => "weight",
            Amount::Share(_) => "share",
            Amount::Subset => "subset",
        }
    }

    /// The figure as written, for reports (`fraction 0.5`).
    pub fn describe(&self) -> String {
        match self {
            Amount::Whole => "whole".into(),
            Amount::Samples(n) => format!("samples {}", crate::num::thousands(u128::from(*n))),
            Amount::Fraction(f) => format!("fraction {}", f.text()),
            Amount::Epochs(e) => format!("epochs {}", crate::num::group(&e.text())),
            Amount::Weight(w) => format!("weight {}", crate::num::group(&w.text())),
            Amount::Share(s) => format!("share {}", crate::num::group(&s.text())),
            Amount::Subset => "unknown subset".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The catalog dataset the written name resolved to.
    pub dataset: DsId,
    pub amount: Amount,
    /// `min`, `max`, `max_epochs`.
    pub bounds: Bounds,
    pub note: Option<String>,
    pub loc: Loc,
}

/// A stage's size as its source states it, with the rounding it was stated
/// in: `"3.2M"` covers 3,150,000 to 3,250,000.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stated {
    pub value: u64,
    /// Half of it is the rounding the source used (1 for an exact count).
    pub unit: u64,
    /// The source's words, when given as text.
    pub text: Option<String>,
    pub loc: Loc,
}

impl Stated {
    /// Whether `n` is what the figure says, within its rounding.
    pub fn covers(&self, n: u128) -> bool {
        let diff = n.abs_diff(u128::from(self.value));
        2 * diff <= u128::from(self.unit) || (self.unit == 1 && diff == 0)
    }
}

/// What resolving `extends` and `include` needs of a recipe: its id, its
/// parent and each stage's id and `include`, in file order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Skeleton {
    pub id: Id,
    pub extends: Option<(Id, Loc)>,
    pub stages: Vec<(Id, Option<StageRef>)>,
}

impl Skeleton {
    pub fn of(recipe: &Recipe) -> Skeleton {
        Skeleton {
            id: recipe.id.clone(),
            extends: recipe.extends.clone(),
            stages: recipe.stages.iter().map(|s| (s.id.clone(), s.include.clone())).collect(),
        }
    }
}

/// Every recipe by index, with an index by id.
#[derive(Debug, Default)]
pub struct Recipes {
    recipes: Vec<Lazy<Recipe>>,
    /// Each recipe's id and links, read without decoding a built-in recipe
    /// (they are decoded only when a command uses them).
    skeletons: Vec<Skeleton>,
    layer: Vec<u8>,
    /// Folded id → recipe (`my_recipe` finds `my-recipe`; two ids that fold
    /// alike are an error).
    ids: FxHashMap<String, RecipeIx>,
    /// Ids of recipes that failed to convert, with the file: a reference to
    /// one is not "unknown".
    broken: FxHashMap<Id, Loc>,
    /// Parsed files, converted against the catalog in `finish`.
    pending: Vec<(FileId, RawRecipe, u8)>,
}

impl Recipes {
    pub fn add_file(&mut self, file: FileId, text: &str, layer: u8, diags: &mut Diagnostics) {
        if let Some(raw) = crate::parse::parse_toml::<RawRecipe>(file, text, diags) {
            self.pending.push((file, raw, layer));
        }
    }

    /// Adds a recipe file parsed elsewhere; converted in [`Recipes::finish`].
    pub fn add_parsed(&mut self, file: FileId, raw: RawRecipe, layer: u8) {
        self.pending.push((file, raw, layer));
    }

    /// Adds a recipe converted elsewhere (the built-in set).
    pub fn push(&mut self, recipe: Recipe, layer: u8) {
        let skeleton = Skeleton::of(&recipe);
        self.push_slot(skeleton, Lazy::new(recipe), layer);
    }

    /// Adds a built-in recipe still encoded, decoded when first used.
    pub fn push_encoded(&mut self, skeleton: Skeleton, raw: &'static [u8], layer: u8) {
        self.push_slot(skeleton, Lazy::encoded(raw), layer);
    }

    fn push_slot(&mut self, skeleton: Skeleton, slot: Lazy<Recipe>, layer: u8) {
        let ix = RecipeIx(self.recipes.len() as u32);
        self.ids.insert(crate::id::fold(skeleton.id.as_str()).into_owned(), ix);
        self.recipes.push(slot);
        self.skeletons.push(skeleton);
        self.layer.push(layer);
    }

    /// Converts parsed files against the catalog; call once all files are in.
    pub fn finish(&mut self, catalog: &Catalog, diags: &mut Diagnostics) {
        for (file, raw, layer) in std::mem::take(&mut self.pending) {
            let id = raw.id.get_ref().clone();
            let id_loc = loc_of(file, &raw.id);
            let mut local = Diagnostics::default();
            let converted = convert(file, raw, catalog, &mut local);
            let subject = Subject::Recipe(id.to_string());
            diags.extend(local.into_vec().into_iter().map(|d| d.about(subject.clone())));
            match converted {
                Some(recipe) => self.insert(recipe, layer, diags),
                None => {
                    self.broken.insert(id, id_loc);
                }
            }
        }
    }

    fn insert(&mut self, recipe: Recipe, layer: u8, diags: &mut Diagnostics) {
        let Some(&ix) = self.ids.get(crate::id::fold(recipe.id.as_str()).as_ref()) else {
            self.push(recipe, layer);
            return;
        };
        let prev = self.get(ix);
        let subject = Subject::Recipe(recipe.id.to_string());
        if self.layer[ix.ix()] == layer || prev.id != recipe.id {
            let (code, message) = if prev.id == recipe.id {
                (codes::DUPLICATE_ID, format!("duplicate recipe id `{}`", recipe.id))
            } else {
                (
                    codes::ID_CLASH,
                    format!("recipe ids `{}` and `{}` name the same recipe", prev.id, recipe.id),
                )
            };
            diags.push(
                Diagnostic::error(code, message)
                    .at(Some(recipe.loc.clone()))
                    .label("defined again here")
                    .related(Some(prev.loc.clone()), "first defined here")
                    .help("each recipe needs its own id")
                    .about(subject),
            );
            return;
        }
        diags.push(
            Diagnostic::note(
                codes::OVERLAY_REPLACES,
                format!("`{}` replaces the recipe of the same id", recipe.id),
            )
            .at(Some(recipe.loc.clone()))
            .label("this recipe is used")
            .related(Some(prev.loc.clone()), "instead of this one")
            .about(subject),
        );
        self.skeletons[ix.ix()] = Skeleton::of(&recipe);
        self.recipes[ix.ix()] = Lazy::new(recipe);
        self.layer[ix.ix()] = layer;
    }

    /// Every recipe, in the order they were added.
    pub fn into_recipes(self) -> Vec<Recipe> {
        self.recipes.into_iter().map(Lazy::into_inner).collect()
    }

    pub fn lookup(&self, id: &str) -> Option<RecipeIx> {
        self.ids.get(crate::id::fold(id).as_ref()).copied()
    }

    pub fn get(&self, ix: RecipeIx) -> &Recipe {
        self.recipes[ix.ix()].get()
    }

    /// A recipe's id, without decoding a built-in recipe.
    pub fn id(&self, ix: RecipeIx) -> &Id {
        &self.skeletons[ix.ix()].id
    }

    /// A recipe's id and links, without decoding a built-in recipe.
    pub fn skeleton(&self, ix: RecipeIx) -> &Skeleton {
        &self.skeletons[ix.ix()]
    }

    pub fn by_id(&self, id: &str) -> Option<&Recipe> {
        self.lookup(id).map(|i| self.get(i))
    }

    pub fn layer(&self, ix: RecipeIx) -> u8 {
        self.layer[ix.ix()]
    }

    pub fn is_broken(&self, id: &str) -> bool {
        self.broken.contains_key(id)
    }

    /// Whether a recipe of `file` was read but could not be built.
    pub fn broken_in(&self, file: FileId) -> bool {
        self.broken.values().any(|l| l.file == file)
    }

    /// The file of a recipe that could not be read, by id or alias spelling.
    pub fn broken_file(&self, name: &str) -> Option<FileId> {
        Id::parse(name).ok().and_then(|id| self.broken.get(&id)).map(|l| l.file)
    }

    pub fn len(&self) -> usize {
        self.recipes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.recipes.is_empty()
    }

    pub fn ixs(&self) -> impl Iterator<Item = RecipeIx> {
        (0..self.recipes.len() as u32).map(RecipeIx)
    }

    /// Recipes in id order.
    pub fn sorted(&self) -> Vec<RecipeIx> {
        let mut v: Vec<RecipeIx> = self.ixs().collect();
        v.sort_unstable_by(|a, b| self.id(*a).cmp(self.id(*b)));
        v
    }

    /// The error for an unknown recipe id, with the nearest ids suggested.
    pub fn unknown(&self, name: &str, loc: Option<Loc>) -> Diagnostic {
        if let Some(at) = Id::parse(name).ok().and_then(|id| self.broken.get(&id)) {
            return Diagnostic::error(codes::UNKNOWN_RECIPE, format!("recipe `{name}` has errors"))
                .at(loc)
                .label("its file could not be read")
                .related(Some(at.clone()), "the recipe")
                .help("fix the errors reported for that recipe");
        }
        Diagnostic::error(codes::UNKNOWN_RECIPE, format!("unknown recipe `{name}`"))
            .at(loc)
            .label("no recipe has this id")
            .maybe_help(suggest(name, self.skeletons.iter().map(|s| s.id.as_str())))
    }
}

fn convert(file: FileId, raw: RawRecipe, catalog: &Catalog, diags: &mut Diagnostics) -> Option<Recipe> {
    let mut seen: FxHashMap<Id, Loc> = FxHashMap::default();
    let mut stages = Vec::new();
    for s in raw.stage {
        let stage = convert_stage(file, s.into_inner().0, catalog, diags);
        if let Some(first) = seen.get(&stage.id) {
            diags.push(
                Diagnostic::error(codes::DUPLICATE_ID, format!("duplicate stage id `{}`", stage.id))
                    .at(Some(stage.loc.clone()))
                    .label("defined again here")
                    .related(Some(first.clone()), "first defined here")
                    .help("stage ids must differ within a recipe"),
            );
            continue;
        }
        seen.insert(stage.id.clone(), stage.loc.clone());
        stages.push(stage);
    }
    if raw.extends.is_none() && stages.is_empty() {
        diags.push(
            Diagnostic::error(codes::NO_STAGE, format!("recipe `{}` has no stage", raw.id.get_ref()))
                .at(Some(loc_of(file, &raw.id)))
                .help("add a `[[stage]]` table, or `extends` another recipe"),
        );
    }
    for a in &raw.allow {
        if let Err(message) = crate::diag::Allow::check(a.get_ref()) {
            diags.push(
                Diagnostic::error(codes::INVALID_VALUE, format!("`allow`: {message}"))
                    .at(Some(loc_of(file, a)))
                    .help("write a warning code, or `code:dataset-id` for one dataset"),
            );
        } else if let Some((_, key)) = a.get_ref().split_once(':') {
            // `code:id`: a dataset, or one of this recipe's stages
            if catalog.lookup(key).is_none() && !seen.contains_key(key) {
                diags.push(
                    Diagnostic::error(codes::UNKNOWN_DATASET, format!("`allow`: no dataset or stage `{key}`"))
                        .at(Some(loc_of(file, a)))
                        .maybe_help(suggest(key, catalog.names().chain(seen.keys().map(|k| k.as_str()))))
                        .note_line("`code:id` silences a warning about one dataset (or, for `stated-mismatch`, one stage)"),
                );
            }
        }
    }
    let mut eval = Vec::new();
    let mut eval_source = None;
    if let Some(crate::schema::Table(e)) = raw.eval {
        for b in &e.benchmarks {
            match catalog.lookup(b.get_ref()) {
                Some(ix) => eval.push(ix),
                None => diags.push(catalog.unknown(b.get_ref(), Some(loc_of(file, b)))),
            }
        }
        eval_source = e.source;
    }
    let model = raw.model.map(|m| {
        let at = loc_of(file, &m);
        let model = m.into_inner().0;
        check_model(&model, &at, diags);
        model
    });
    if diags.has_errors() {
        return None;
    }
    Some(Recipe {
        id: raw.id.get_ref().clone(),
        name: raw.name,
        paper: raw.paper,
        code: raw.code,
        source: raw.source,
        description: raw.description,
        extends: raw.extends.map(|e| (e.get_ref().clone(), loc_of(file, &e))),
        model,
        allow: raw.allow.into_iter().map(Spanned::into_inner).collect(),
        eval,
        eval_source,
        stages,
        loc: loc_of(file, &raw.id),
    })
}

fn convert_stage(file: FileId, raw: RawStage, catalog: &Catalog, diags: &mut Diagnostics) -> Stage {
    let include = raw.include.as_ref().and_then(|inc| parse_stage_ref(file, inc, diags));
    let budget =
        positive(file, "budget", &raw.budget, diags).zip(raw.budget.as_ref().map(|b| loc_of(file, b)));
    let stated = raw.stated_samples.as_ref().and_then(|s| stated(file, s, diags));
    let (training, passes) = match raw.training {
        Some(t) => {
            let (t, p) = training(file, t, diags);
            (Some(t), p)
        }
        None => (None, None),
    };
    let mix_loc = raw.mix.as_ref().map(|m| loc_of(file, m));
    let mix = raw
        .mix
        .map(Spanned::into_inner)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| {
            let at = loc_of(file, &e);
            convert_entry(file, e.into_inner().0, at, catalog, diags)
        })
        .collect();
    let sampling = raw.sampling.map(|s| {
        let at = loc_of(file, &s);
        (s.into_inner().0, at)
    });
    let sampling = sampling.and_then(|(s, at)| check_sampling(file, s, at, diags));
    let targets = raw.targets.map(|t| check_targets(file, t, diags)).unwrap_or_default();
    Stage {
        id: raw.id.get_ref().clone(),
        kind: raw.kind,
        name: raw.name,
        after: raw.after.iter().map(|a| (a.get_ref().clone(), loc_of(file, a))).collect(),
        include,
        budget,
        stated,
        trainable: raw.trainable,
        source: raw.source,
        notes: raw.notes,
        training,
        passes,
        mix,
        mix_loc,
        sampling,
        targets,
        loc: loc_of(file, &raw.id),
    }
}

/// `[model]` checked: counts of 1 or more, a tiling rule with what its scheme needs.
fn check_model(m: &Model, at: &Loc, diags: &mut Diagnostics) {
    let mut bad = |message: String, help: &str| {
        diags.push(
            Diagnostic::error(codes::INVALID_VALUE, message).at(Some(at.clone())).help(help.to_string()),
        );
    };
    for (field, v) in [
        ("image_tokens", m.image_tokens),
        ("encoder_tokens", m.encoder_tokens),
        ("frame_tokens", m.frame_tokens),
        ("frames", m.frames),
    ] {
        if v == Some(0) {
            bad(format!("`[model] {field}` must be 1 or more"), "leave it out when no source gives it");
        }
    }
    for (part, n) in &m.params {
        if *n == 0 {
            bad(
                format!("`[model] params.{part}` must be 1 or more"),
                "leave the part out when no source gives it",
            );
        }
    }
    let Some(t) = &m.tiling else { return };
    if m.image_tokens.is_some() {
        bad(
            "`[model]` gives both `image_tokens` and `tiling`".into(),
            "give `image_tokens` for a fixed count per image, or `[model.tiling]` for a tiling rule",
        );
    }
    if t.tile_tokens == 0 {
        bad("`[model.tiling] tile_tokens` must be 1 or more".into(), "the tokens one tile gives the LLM");
    }
    if t.grids.iter().any(|g| g[0] == 0 || g[1] == 0) {
        bad(
            "`[model.tiling] grids` has a grid with no tile".into(),
            "write grids as [rows, columns], each 1 or more",
        );
    }
    let scheme = t.scheme.as_str();
    let needs_max = matches!(t.scheme, schema::TilingScheme::Internvl | schema::TilingScheme::LlavaOnevision);
    if needs_max && t.max_tiles.is_none_or(|n| n == 0) {
        bad(
            format!("`[model.tiling]` scheme `{scheme}` needs `max_tiles` of 1 or more"),
            "InternVL: `max_dynamic_patch`; LLaVA-OneVision: the N of `anyres_max_N`",
        );
    }
    if t.scheme != schema::TilingScheme::Internvl {
        if t.grids.is_empty() {
            bad(
                format!("`[model.tiling]` scheme `{scheme}` needs `grids`"),
                "list the grid shapes as [rows, columns], e.g. [[1, 2], [2, 1], [2, 2]]",
            );
        }
        let side = crate::num::isqrt(t.tile_tokens);
        if side * side != t.tile_tokens {
            bad(
                format!(
                    "`[model.tiling] tile_tokens` ({}) is not a square number of features",
                    t.tile_tokens
                ),
                "the scheme lays a tile's features out as a square (576 = 24 x 24)",
            );
        }
    }
}

/// `[stage.sampling]` checked: the parameters its policy needs, no others.
fn check_sampling(file: FileId, raw: RawSampling, at: Loc, diags: &mut Diagnostics) -> Option<Sampling> {
    let kind = *raw.policy.get_ref();
    let name = kind.as_str();
    let before = diags.error_count();
    let mut extra = |field: &str, loc: Option<Loc>| {
        if let Some(loc) = loc {
            diags.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{field}` does not apply to policy `{name}`"),
                )
                .at(Some(loc))
                .help(policy_help(kind)),
            );
        }
    };
    let t_loc = raw.t.as_ref().map(|v| loc_of(file, v));
    let k_loc = raw.k.as_ref().map(|v| loc_of(file, v));
    let e_loc = raw.max_epochs.as_ref().map(|v| loc_of(file, v));
    match kind {
        PolicyKind::Proportional | PolicyKind::Sqrt => {
            extra("t", t_loc);
            extra("k", k_loc);
            extra("max_epochs", e_loc);
        }
        PolicyKind::Temperature => extra("max_epochs", e_loc),
        PolicyKind::Unimax => {
            extra("t", t_loc);
            extra("k", k_loc);
        }
        PolicyKind::Cap => {
            extra("k", k_loc);
            extra("max_epochs", e_loc);
        }
    }
    let missing = |field: &str, diags: &mut Diagnostics| {
        diags.push(
            Diagnostic::error(codes::MISSING_KEY, format!("policy `{name}` needs `{field}`"))
                .at(Some(at.clone()))
                .help(policy_help(kind)),
        );
    };
    let policy = match kind {
        PolicyKind::Proportional => Some(Policy::Proportional),
        PolicyKind::Sqrt => Some(Policy::Sqrt),
        PolicyKind::Temperature => {
            let k = positive(file, "k", &raw.k, diags);
            match &raw.t {
                None => {
                    missing("t", diags);
                    None
                }
                Some(t) => ratio(file, "t", t, diags, false).map(|t| Policy::Temperature { t, k }),
            }
        }
        PolicyKind::Unimax => match &raw.max_epochs {
            None => {
                missing("max_epochs", diags);
                None
            }
            Some(e) => {
                ratio(file, "max_epochs", e, diags, false).map(|max_epochs| Policy::Unimax { max_epochs })
            }
        },
        PolicyKind::Cap => match &raw.t {
            None => {
                missing("t", diags);
                None
            }
            Some(t) => whole(file, "t", t, diags).map(|t| Policy::Cap { t }),
        },
    };
    if diags.error_count() > before {
        return None;
    }
    policy.map(|policy| Sampling { policy, source: raw.source, loc: at })
}

fn policy_help(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Proportional => "`proportional` takes no parameter: rates follow the datasets' sizes",
        PolicyKind::Sqrt => "`sqrt` takes no parameter: rates follow the square roots of the sizes",
        PolicyKind::Temperature => {
            "`temperature` takes `t` (the temperature) and optionally `k` (a size cap)"
        }
        PolicyKind::Unimax => "`unimax` takes `max_epochs` (the most passes over any source)",
        PolicyKind::Cap => "`cap` takes `t` (the most samples from any source)",
    }
}

/// A whole number of 1 or more written as a TOML number (`t = 350000`).
fn whole(file: FileId, field: &str, v: &Spanned<Number>, diags: &mut Diagnostics) -> Option<u64> {
    let x = v.get_ref().0;
    if x.is_finite() && x >= 1.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_992.0 {
        return Some(x as u64);
    }
    diags.push(
        Diagnostic::error(
            codes::INVALID_VALUE,
            format!("`{field}` must be a whole number of samples, 1 or more"),
        )
        .at(Some(loc_of(file, v)))
        .label(format!("found {x}"))
        .help("write the cap as an integer such as 350000"),
    );
    None
}

/// `[stage.targets]` checked: known keys, shares in (0, 1], adding up to at most 1 per kind.
fn check_targets(
    file: FileId,
    raw: Spanned<crate::schema::Table<schema::RawTargets>>,
    diags: &mut Diagnostics,
) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for (key, value) in raw.into_inner().0 {
        let loc = loc_of(file, &value);
        let items: Vec<(Option<&str>, String, f64)> = match value.get_ref() {
            RawTarget::Share(v) => vec![(None, key.clone(), *v)],
            RawTarget::Group(list) => list.iter().map(|(k, v)| (Some(key.as_str()), k.clone(), *v)).collect(),
        };
        for (kind, name, v) in items {
            let Some(target_key) = target_key(kind, &name, &loc, diags) else { continue };
            let share = if v.is_finite() && v > 0.0 && v <= 1.0 { Dec::from_f64(v) } else { None };
            let Some(share) = share else {
                diags.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("target `{name}` must be a share above 0 and at most 1"),
                    )
                    .at(Some(loc.clone()))
                    .label(format!("found {v}"))
                    .help("write a fraction of the stage such as 0.2"),
                );
                continue;
            };
            if out.iter().any(|t| t.key == target_key) {
                diags.push(
                    Diagnostic::error(
                        codes::DUPLICATE_ID,
                        format!("target `{}` is given twice", target_key.label()),
                    )
                    .at(Some(loc.clone()))
                    .help("give each task, modality or language one target"),
                );
                continue;
            }
            out.push(Target { key: target_key, share, loc: loc.clone() });
        }
    }
    out
}

/// The key of a target: a task tag, modality or language; `kind` when written as `task.text`.
fn target_key(kind: Option<&str>, name: &str, loc: &Loc, diags: &mut Diagnostics) -> Option<TargetKey> {
    use crate::catalog::schema::{Modality, Task};
    let lang = |s: &str| s == "multi" || (s.len() == 2 && s.chars().all(|c| c.is_ascii_lowercase()));
    let found = match kind {
        Some("task") => Task::parse(name).map(TargetKey::Task).into_iter().collect::<Vec<_>>(),
        Some("modality") => Modality::parse(name).map(TargetKey::Modality).into_iter().collect(),
        Some("language") => lang(name).then(|| TargetKey::Language(name.to_string())).into_iter().collect(),
        Some(other) => {
            diags.push(
                Diagnostic::error(codes::UNKNOWN_KEY, format!("`{other}` is not a kind of target"))
                    .at(Some(loc.clone()))
                    .help("group targets under `task`, `modality` or `language`, or write the name alone"),
            );
            return None;
        }
        None => [
            Task::parse(name).map(TargetKey::Task),
            Modality::parse(name).map(TargetKey::Modality),
            lang(name).then(|| TargetKey::Language(name.to_string())),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    match found.as_slice() {
        [one] => Some(one.clone()),
        [] => {
            let what = kind.map_or("a task tag, modality or language".to_string(), |k| format!("a {k}"));
            diags.push(
                Diagnostic::error(codes::INVALID_VALUE, format!("target `{name}` is not {what}"))
                    .at(Some(loc.clone()))
                    .maybe_help(suggest(
                        name,
                        Task::ALL.iter().map(|t| t.as_str()).chain(Modality::ALL.iter().map(|m| m.as_str())),
                    )),
            );
            None
        }
        many => {
            let kinds: Vec<String> =
                many.iter().map(|k| format!("`{}`", k.label().replacen(':', ".", 1))).collect();
            diags.push(
                Diagnostic::error(codes::INVALID_VALUE, format!("target `{name}` is ambiguous"))
                    .at(Some(loc.clone()))
                    .help(format!("write {} instead", kinds.join(" or "))),
            );
            None
        }
    }
}

/// `[stage.training]` checked: numbers finite and positive.
fn training(
    file: FileId,
    raw: Spanned<crate::schema::Table<RawTraining>>,
    diags: &mut Diagnostics,
) -> (Training, Option<(Dec, Loc)>) {
    let raw = raw.into_inner().0;
    let mut number = |field: &str, v: &Option<Spanned<Number>>| -> Option<(f64, Loc)> {
        let v = v.as_ref()?;
        let x = v.get_ref().0;
        if x.is_finite() && x > 0.0 {
            return Some((x, loc_of(file, v)));
        }
        diags.push(
            Diagnostic::error(codes::INVALID_VALUE, format!("`{field}` must be a finite number above 0"))
                .at(Some(loc_of(file, v)))
                .label(format!("found {x}"))
                .help(format!("leave `{field}` out when the source does not give it")),
        );
        None
    };
    let lr = number("learning_rate", &raw.learning_rate);
    let epochs = number("epochs", &raw.epochs);
    let t = Training {
        global_batch: positive(file, "global_batch", &raw.global_batch, diags),
        learning_rate: lr.map(|l| l.0),
        epochs: epochs.as_ref().map(|e| e.0),
        max_length: positive(file, "max_length", &raw.max_length, diags),
        hardware: raw.hardware,
        duration: raw.duration,
        source: raw.source,
    };
    let passes = epochs.and_then(|(e, loc)| Dec::from_f64(e).map(|d| (d, loc)));
    (t, passes)
}

fn stated(file: FileId, raw: &Spanned<CountOrText>, diags: &mut Diagnostics) -> Option<Stated> {
    let at = loc_of(file, raw);
    let text = match raw.get_ref() {
        CountOrText::Count(n) => {
            let count = Some(Spanned::new(raw.span(), crate::schema::Count(*n)));
            let n = positive(file, "stated_samples", &count, diags)?;
            return Some(Stated { value: n, unit: 1, text: None, loc: at });
        }
        CountOrText::Text(t) => t,
    };
    let problem = match quantity::read(text) {
        Ok(Reading::One(Figure { value, measure: Measure::Samples, unit, .. })) if value > 0 => {
            return Some(Stated { value, unit, text: Some(text.clone()), loc: at });
        }
        Ok(Reading::One(f)) if f.measure == Measure::Samples => format!("`{text}` is zero"),
        Ok(Reading::One(f)) => format!("`{text}` is a number of {}, not of samples", f.measure.as_str()),
        Ok(Reading::Many(_)) => format!("`{text}` has more than one figure"),
        Ok(Reading::Nothing) if text.trim().is_empty() => "it is empty".to_string(),
        Ok(Reading::Nothing) => format!("`{text}` has no figure"),
        Err(e) => format!("`{text}`: {e}"),
    };
    diags.push(
        Diagnostic::error(codes::INVALID_FIGURE, format!("`stated_samples`: {problem}"))
            .at(Some(at))
            .help("write one count, as a number (`1246000`) or as the source writes it (`\"1.2M\"`)"),
    );
    None
}

fn parse_stage_ref(file: FileId, raw: &Spanned<String>, diags: &mut Diagnostics) -> Option<StageRef> {
    let text = raw.get_ref();
    let parsed = text.split_once(':').and_then(|(r, s)| Some((Id::parse(r).ok()?, Id::parse(s).ok()?)));
    match parsed {
        Some((recipe, stage)) => Some(StageRef { recipe, stage, loc: loc_of(file, raw) }),
        None => {
            let message = if text.trim().is_empty() {
                "`include` is empty".to_string()
            } else {
                format!("invalid include `{text}`")
            };
            diags.push(
                Diagnostic::error(codes::INVALID_VALUE, message)
                    .at(Some(loc_of(file, raw)))
                    .help("write `recipe-id:stage-id`, e.g. `valley:pretrain`"),
            );
            None
        }
    }
}

fn convert_entry(
    file: FileId,
    raw: RawEntry,
    at: Loc,
    catalog: &Catalog,
    diags: &mut Diagnostics,
) -> Option<Entry> {
    let before = diags.error_count();
    let given: Vec<(&str, Loc)> = [
        ("samples", raw.samples.as_ref().map(|s| loc_of(file, s))),
        ("fraction", raw.fraction.as_ref().map(|s| loc_of(file, s))),
        ("epochs", raw.epochs.as_ref().map(|s| loc_of(file, s))),
        ("weight", raw.weight.as_ref().map(|s| loc_of(file, s))),
        ("subset", raw.subset.as_ref().filter(|s| *s.get_ref()).map(|s| loc_of(file, s))),
        ("share", raw.share.as_ref().map(|s| loc_of(file, s))),
    ]
    .into_iter()
    .filter_map(|(k, l)| l.map(|l| (k, l)))
    .collect();
    if given.len() > 1 {
        let mut given = given;
        given.sort_by_key(|(_, l)| l.span.start);
        let names: Vec<String> = given.iter().map(|(k, _)| format!("`{k}`")).collect();
        let listed = match names.split_last() {
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        };
        let mut d = Diagnostic::error(
            codes::CONFLICTING_AMOUNTS,
            format!("conflicting amounts: {listed} on one entry"),
        )
        .at(Some(given[1].1.clone()))
        .label("a second amount")
        .related(Some(given[0].1.clone()), "the first amount");
        for (_, l) in &given[2..] {
            d = d.related(Some(l.clone()), "another amount");
        }
        diags.push(
            d.help("give at most one of `samples`, `fraction`, `epochs`, `weight`, `share` and `subset`"),
        );
        return None;
    }
    let amount = if raw.samples.is_some() {
        positive(file, "samples", &raw.samples, diags).map(Amount::Samples)
    } else if let Some(f) = &raw.fraction {
        ratio(file, "fraction", f, diags, true).map(Amount::Fraction)
    } else if let Some(e) = &raw.epochs {
        ratio(file, "epochs", e, diags, false).map(Amount::Epochs)
    } else if let Some(w) = &raw.weight {
        ratio(file, "weight", w, diags, false).map(Amount::Weight)
    } else if let Some(s) = &raw.share {
        ratio(file, "share", s, diags, true).map(Amount::Share)
    } else if raw.subset.as_ref().is_some_and(|s| *s.get_ref()) {
        Some(Amount::Subset)
    } else {
        Some(Amount::Whole)
    };
    let dataset = match catalog.lookup(raw.dataset.get_ref()) {
        Some(ix) => Some(ix),
        None => {
            diags.push(catalog.unknown(raw.dataset.get_ref(), Some(loc_of(file, &raw.dataset))));
            None
        }
    };
    let bounds = Bounds {
        min: positive(file, "min", &raw.min, diags),
        max: positive(file, "max", &raw.max, diags),
        max_epochs: raw.max_epochs.as_ref().and_then(|e| ratio(file, "max_epochs", e, diags, false)),
    };
    if let (Some(lo), Some(hi), Some(hi_at)) = (bounds.min, bounds.max, raw.max.as_ref()) {
        if lo > hi {
            diags.push(
                Diagnostic::error(codes::INFEASIBLE_BOUNDS, format!("`min` ({lo}) is above `max` ({hi})"))
                    .at(Some(loc_of(file, hi_at)))
                    .related(raw.min.as_ref().map(|m| loc_of(file, m)), "the minimum")
                    .help("no count can meet both: lower `min` or raise `max`"),
            );
        }
    }
    if diags.error_count() > before {
        return None;
    }
    Some(Entry { dataset: dataset?, amount: amount?, bounds, note: raw.note, loc: at })
}

/// A positive finite number as the exact decimal the user wrote.
fn ratio(
    file: FileId,
    field: &str,
    value: &Spanned<Number>,
    diags: &mut Diagnostics,
    at_most_one: bool,
) -> Option<Dec> {
    let v = value.get_ref().0;
    let problem = if !v.is_finite() {
        Some(format!("`{field}` must be a finite number"))
    } else if v <= 0.0 {
        Some(format!("`{field}` must be greater than 0"))
    } else if at_most_one && v > 1.0 {
        Some(format!("`{field}` must be at most 1"))
    } else {
        None
    };
    let help = if at_most_one {
        "a fraction takes part of a dataset (0 < f <= 1); use `epochs` to repeat it"
    } else {
        "use a positive number"
    };
    match (problem, Dec::from_f64(v)) {
        (None, Some(d)) => Some(d),
        (problem, _) => {
            let message = problem.unwrap_or_else(|| format!("`{field}` is not a usable number"));
            diags.push(
                Diagnostic::error(codes::INVALID_VALUE, message)
                    .at(Some(loc_of(file, value)))
                    .label(format!("found {}", crate::num::group(&v.to_string())))
                    .help(help),
            );
            None
        }
    }
}
