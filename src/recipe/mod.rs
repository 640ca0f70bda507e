//! Recipes: one model's training pipeline. Raw files are read by [`schema`]
//! and checked here, entry by entry; stage order, `extends` and `include` are
//! resolved by [`crate::plan::graph`].

pub mod schema;

use crate::catalog::{positive, Catalog};
use crate::diag::{suggest, Diagnostic, Diagnostics, FileId, Loc};
use crate::id::Id;
use crate::num::exact_decimal;
use crate::quantity::{self, Figure, Measure, Reading};
use num_rational::BigRational;
use schema::{CountOrText, Model, RawEntry, RawRecipe, RawStage, StageKind, Training};
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Clone)]
pub struct Recipe {
    pub id: Id,
    pub name: String,
    pub paper: Option<String>,
    pub code: Option<String>,
    pub source: Option<String>,
    pub description: Option<String>,
    pub extends: Option<(Id, Loc)>,
    pub model: Option<Model>,
    /// The stages this file writes, in file order (before `extends`).
    pub stages: Vec<Stage>,
    pub loc: Loc,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub id: Id,
    pub kind: StageKind,
    pub name: Option<String>,
    pub after: Vec<(Id, Loc)>,
    pub include: Option<StageRef>,
    pub budget: Option<u64>,
    pub stated: Option<Stated>,
    pub trainable: Vec<String>,
    pub source: Option<String>,
    pub notes: Option<String>,
    pub training: Option<Training>,
    pub mix: Vec<Entry>,
    pub loc: Loc,
}

/// `recipe:stage`, as written in `include`.
#[derive(Debug, Clone, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Whole,
    Samples(u64),
    Fraction(BigRational),
    Epochs(BigRational),
    Weight(BigRational),
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
            Amount::Samples(n) => format!("samples {n}"),
            Amount::Fraction(f) => format!("fraction {}", crate::num::decimal_string(f)),
            Amount::Epochs(e) => format!("epochs {}", crate::num::decimal_string(e)),
            Amount::Weight(w) => format!("weight {}", crate::num::decimal_string(w)),
            Amount::Subset => "unknown subset".into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    /// The catalog id the written name resolved to.
    pub dataset: Id,
    pub amount: Amount,
    pub note: Option<String>,
    pub loc: Loc,
}

/// Every recipe by id.
#[derive(Debug, Default)]
pub struct Recipes {
    recipes: BTreeMap<Id, Recipe>,
    layer: BTreeMap<Id, usize>,
    /// Entries as parsed, resolved against the catalog in `finish`.
    pending: Vec<(FileId, RawRecipe, usize)>,
    /// Recipes read from files named on the command line, in order.
    pub named: Vec<Id>,
}

impl Recipes {
    pub fn add_file(&mut self, file: FileId, text: &str, layer: usize, diags: &mut Diagnostics) {
        if let Some(raw) = crate::load::parse_toml::<RawRecipe>(file, text, diags) {
            self.pending.push((file, raw, layer));
        }
    }

    /// Converts parsed files against the catalog; call once all files are in.
    pub fn finish(&mut self, catalog: &Catalog, diags: &mut Diagnostics) {
        for (file, raw, layer) in std::mem::take(&mut self.pending) {
            let Some(recipe) = convert(file, raw, catalog, diags) else {
                continue;
            };
            if layer == 2 {
                self.named.push(recipe.id.clone());
            }
            if let Some(prev) = self.layer.get(&recipe.id) {
                if *prev == layer {
                    diags.push(
                        Diagnostic::error(format!("duplicate recipe id `{}`", recipe.id))
                            .at(Some(recipe.loc.clone()))
                            .label("defined again here")
                            .help("each recipe needs its own id"),
                    );
                    continue;
                }
            }
            self.layer.insert(recipe.id.clone(), layer);
            self.recipes.insert(recipe.id.clone(), recipe);
        }
    }

    pub fn get(&self, id: &str) -> Option<&Recipe> {
        self.recipes.get(id)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Recipe> {
        self.recipes.values()
    }

    /// The error for an unknown recipe id, with the nearest ids suggested.
    pub fn unknown(&self, name: &str, loc: Option<Loc>) -> Diagnostic {
        Diagnostic::error(format!("unknown recipe `{name}`"))
            .at(loc)
            .label("no recipe has this id")
            .maybe_help(suggest(name, self.recipes.keys().map(Id::as_str)))
    }
}

fn loc<T>(file: FileId, s: &Spanned<T>) -> Loc {
    Loc::new(file, s.span())
}

fn convert(file: FileId, raw: RawRecipe, catalog: &Catalog, diags: &mut Diagnostics) -> Option<Recipe> {
    let before = diags.error_count();
    let mut seen: BTreeMap<Id, Loc> = BTreeMap::new();
    let mut stages = Vec::new();
    for s in raw.stage {
        let stage = convert_stage(file, s.into_inner(), catalog, diags);
        if seen.contains_key(&stage.id) {
            diags.push(
                Diagnostic::error(format!("duplicate stage id `{}`", stage.id))
                    .at(Some(stage.loc.clone()))
                    .label("defined again here")
                    .help("stage ids must differ within a recipe"),
            );
            continue;
        }
        seen.insert(stage.id.clone(), stage.loc.clone());
        stages.push(stage);
    }
    if raw.extends.is_none() && stages.is_empty() {
        diags.push(
            Diagnostic::error(format!("recipe `{}` has no stage", raw.id.get_ref()))
                .at(Some(loc(file, &raw.id)))
                .help("add a `[[stage]]` table, or `extends` another recipe"),
        );
    }
    if diags.error_count() > before {
        return None;
    }
    Some(Recipe {
        id: raw.id.get_ref().clone(),
        name: raw.name,
        paper: raw.paper,
        code: raw.code,
        source: raw.source,
        description: raw.description,
        extends: raw.extends.map(|e| (e.get_ref().clone(), loc(file, &e))),
        model: raw.model,
        stages,
        loc: loc(file, &raw.id),
    })
}

fn convert_stage(file: FileId, raw: RawStage, catalog: &Catalog, diags: &mut Diagnostics) -> Stage {
    let include = raw.include.as_ref().and_then(|inc| parse_stage_ref(file, inc, diags));
    let budget = positive(file, "budget", &raw.budget, diags);
    let stated = raw.stated_samples.as_ref().and_then(|s| stated(file, s, diags));
    let mix = raw
        .mix
        .into_iter()
        .filter_map(|e| {
            let at = loc(file, &e);
            convert_entry(file, e.into_inner(), at, catalog, diags)
        })
        .collect();
    Stage {
        id: raw.id.get_ref().clone(),
        kind: raw.kind,
        name: raw.name,
        after: raw.after.iter().map(|a| (a.get_ref().clone(), loc(file, a))).collect(),
        include,
        budget,
        stated,
        trainable: raw.trainable,
        source: raw.source,
        notes: raw.notes,
        training: raw.training,
        mix,
        loc: Loc::new(file, raw.id.span()),
    }
}

/// A stage's size as its source states it, with the rounding it was stated
/// in: `"3.2M"` covers 3,150,000 to 3,250,000.
#[derive(Debug, Clone)]
pub struct Stated {
    pub figure: Figure,
    /// The source's words, when given as text.
    pub text: Option<String>,
}

fn stated(file: FileId, raw: &Spanned<CountOrText>, diags: &mut Diagnostics) -> Option<Stated> {
    let at = loc(file, raw);
    let text = match raw.get_ref() {
        CountOrText::Count(n) => {
            let n = positive(file, "stated_samples", &Some(Spanned::new(raw.span(), *n)), diags)?;
            let figure = Figure { value: n, measure: Measure::Samples, approx: false, unit: 1, span: 0..0 };
            return Some(Stated { figure, text: None });
        }
        CountOrText::Text(t) => t,
    };
    let problem = match quantity::read(text) {
        Ok(Reading::One(f)) if f.measure == Measure::Samples && f.value > 0 => {
            return Some(Stated { figure: f, text: Some(text.clone()) });
        }
        Ok(Reading::One(f)) => format!("`{text}` is {}, not a number of samples", f.measure.as_str()),
        Ok(Reading::Many(_)) => format!("`{text}` has more than one figure"),
        Ok(Reading::Nothing) => format!("`{text}` has no figure"),
        Err(e) => format!("`{text}`: {e}"),
    };
    diags.push(
        Diagnostic::error(format!("`stated_samples`: {problem}"))
            .at(Some(at))
            .help("write one count, as a number (`1246000`) or as the source writes it (`\"1.2M\"`)"),
    );
    None
}

fn parse_stage_ref(file: FileId, raw: &Spanned<String>, diags: &mut Diagnostics) -> Option<StageRef> {
    let text = raw.get_ref();
    let parsed = text.split_once(':').and_then(|(r, s)| Some((Id::parse(r).ok()?, Id::parse(s).ok()?)));
    match parsed {
        Some((recipe, stage)) => Some(StageRef { recipe, stage, loc: loc(file, raw) }),
        None => {
            diags.push(
                Diagnostic::error(format!("invalid include `{text}`"))
                    .at(Some(loc(file, raw)))
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
        ("samples", raw.samples.as_ref().map(|s| loc(file, s))),
        ("fraction", raw.fraction.as_ref().map(|s| loc(file, s))),
        ("epochs", raw.epochs.as_ref().map(|s| loc(file, s))),
        ("weight", raw.weight.as_ref().map(|s| loc(file, s))),
        ("subset", raw.subset.as_ref().filter(|s| *s.get_ref()).map(|s| loc(file, s))),
    ]
    .into_iter()
    .filter_map(|(k, l)| l.map(|l| (k, l)))
    .collect();
    if given.len() > 1 {
        diags.push(
            Diagnostic::error(format!(
                "conflicting amounts: `{}` and `{}` on one entry",
                given[0].0, given[1].0
            ))
            .at(Some(given[1].1.clone()))
            .label("second amount")
            .help("give at most one of `samples`, `fraction`, `epochs`, `weight` and `subset`"),
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
    } else if raw.subset.as_ref().is_some_and(|s| *s.get_ref()) {
        Some(Amount::Subset)
    } else {
        Some(Amount::Whole)
    };
    let dataset = match catalog.resolve(raw.dataset.get_ref()) {
        Some(ds) => Some(ds.id.clone()),
        None => {
            diags.push(catalog.unknown(raw.dataset.get_ref(), Some(loc(file, &raw.dataset))));
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
    value: &Spanned<f64>,
    diags: &mut Diagnostics,
    at_most_one: bool,
) -> Option<BigRational> {
    let v = *value.get_ref();
    let problem = if !v.is_finite() {
        Some(format!("`{field}` must be a finite number"))
    } else if v <= 0.0 {
        Some(format!("`{field}` must be greater than 0"))
    } else if at_most_one && v > 1.0 {
        Some(format!("`{field}` must be at most 1"))
    } else {
        None
    };
    if let Some(message) = problem {
        let help = if at_most_one {
            "a fraction takes part of a dataset (0 < f <= 1); use `epochs` to repeat it"
        } else {
            "use a positive number"
        };
        diags.push(
            Diagnostic::error(message).at(Some(loc(file, value))).label(format!("found {v}")).help(help),
        );
        return None;
    }
    Some(exact_decimal(v))
}
