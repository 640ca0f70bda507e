//! Recipes: one model's training pipeline. Raw files are read by [`schema`]
//! and checked here, entry by entry, against the catalog; stage order,
//! `extends` and `include` are resolved by [`crate::plan::graph`].

pub mod schema;

use crate::catalog::convert::{loc_of, positive};
use crate::catalog::{Catalog, DsId};
use crate::diag::{codes, suggest, Diagnostic, Diagnostics, FileId, Loc, Subject};
use crate::id::Id;
use crate::num::Dec;
use crate::quantity::{self, Figure, Measure, Reading};
use crate::schema::{CountOrText, Number};
use rustc_hash::FxHashMap;
use schema::{Model, RawEntry, RawRecipe, RawStage, RawTraining, StageKind, Training};
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
    pub loc: Loc,
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
            Amount::Subset => "unknown subset".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The catalog dataset the written name resolved to.
    pub dataset: DsId,
    pub amount: Amount,
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

/// Every recipe by index, with an index by id.
#[derive(Debug, Default)]
pub struct Recipes {
    recipes: Vec<Recipe>,
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
        let ix = RecipeIx(self.recipes.len() as u32);
        self.ids.insert(crate::id::fold(recipe.id.as_str()).into_owned(), ix);
        self.recipes.push(recipe);
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
        let prev = &self.recipes[ix.ix()];
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
        self.recipes[ix.ix()] = recipe;
        self.layer[ix.ix()] = layer;
    }

    /// Every recipe, in the order they were added.
    pub fn into_recipes(self) -> Vec<Recipe> {
        self.recipes
    }

    pub fn lookup(&self, id: &str) -> Option<RecipeIx> {
        self.ids.get(crate::id::fold(id).as_ref()).copied()
    }

    pub fn get(&self, ix: RecipeIx) -> &Recipe {
        &self.recipes[ix.ix()]
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
        v.sort_unstable_by(|a, b| self.get(*a).id.cmp(&self.get(*b).id));
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
            .maybe_help(suggest(name, self.recipes.iter().map(|r| r.id.as_str())))
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
        model: raw.model.map(|m| m.0),
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
        loc: loc_of(file, &raw.id),
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
        diags.push(d.help("give at most one of `samples`, `fraction`, `epochs`, `weight` and `subset`"));
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
    if diags.error_count() > before {
        return None;
    }
    Some(Entry { dataset: dataset?, amount: amount?, note: raw.note, loc: at })
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
