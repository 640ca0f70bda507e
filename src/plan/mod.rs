//! Planning: from a recipe and the catalog to a [`Plan`].
//!
//! - [`graph`] resolves `extends`, `include` and `after`;
//! - [`sizes`] works out dataset sizes, [`expand`] splits composites over
//!   their leaves, [`alloc`] applies the counting rules of an entry;
//! - [`stage`] plans one stage, [`stats`] adds shares, breakdowns and
//!   batch figures, [`checks`] the warnings;
//! - [`model`] is the output every renderer reads.
//!
//! Only what a command uses is worked out: planning one recipe touches its
//! stages, the stages they include and the datasets they reach.

pub mod alloc;
pub mod checks;
pub mod compute;
pub mod expand;
pub mod graph;
pub mod model;
pub mod sizes;
pub mod stage;
pub mod stats;
pub mod targets;

use crate::catalog::license::Use;
use crate::catalog::DsId;
use crate::diag::{codes, Diagnostic, Diagnostics, Severity, Subject};
use crate::id::Id;
use crate::load::Inputs;
use crate::recipe::RecipeIx;
use graph::{Resolved, StageKey};
pub use model::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::cell::RefCell;
use std::rc::Rc;

/// Batch figures: a fixed batch size, or each stage's own `global_batch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchSize {
    Fixed(u64),
    Stage,
}

/// Options that change what a plan contains.
#[derive(Debug, Clone)]
pub struct PlanOptions {
    pub batch_size: Option<BatchSize>,
    /// Warn above this many passes over a dataset in a stage.
    pub max_epochs: f64,
    /// Benchmarks to check for contamination besides the recipe's `[eval]`.
    pub eval: Vec<DsId>,
    /// Warning codes silenced in this run.
    pub allow: Vec<String>,
    /// The use every leaf's license must allow.
    pub require: Option<Use>,
    /// The accelerator GPU-hours are estimated for.
    pub accelerator: compute::Accelerator,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            batch_size: None,
            max_epochs: 5.0,
            eval: Vec::new(),
            allow: Vec::new(),
            require: None,
            accelerator: compute::Accelerator::default(),
        }
    }
}

impl PlanOptions {
    /// The batch size for a stage with this `global_batch`.
    pub fn batch_for(&self, global_batch: Option<u64>) -> Option<u64> {
        match self.batch_size? {
            BatchSize::Fixed(b) => Some(b),
            BatchSize::Stage => global_batch,
        }
    }
}

/// Everything planning needs, built once per run and shared by all plans.
pub struct Planner<'a> {
    pub inputs: &'a Inputs,
    pub resolved: Resolved<'a>,
    /// Problems found while resolving recipes.
    pub diags: Diagnostics,
    sizes: RefCell<sizes::Sizes>,
    stages: RefCell<FxHashMap<StageKey, Rc<stage::Outcome>>>,
}

/// A recipe planned: the plan (when nothing stopped it) and the
/// diagnostics that concern it; those about files it does not use are only
/// counted.
#[derive(Debug)]
pub struct Planned {
    pub plan: Option<Plan>,
    pub diags: Vec<Diagnostic>,
    pub errors_elsewhere: usize,
}

impl<'a> Planner<'a> {
    pub fn new(inputs: &'a Inputs) -> Planner<'a> {
        let mut diags = Diagnostics::default();
        let resolved = Resolved::build(inputs, &mut diags);
        Planner { inputs, resolved, diags, sizes: Default::default(), stages: Default::default() }
    }

    /// Dataset sizes, worked out on demand.
    pub fn size_of(&self, ix: DsId) -> sizes::Size {
        let mut scratch = Diagnostics::default();
        let walk = expand::reach(&self.inputs.catalog, [ix], &mut scratch);
        self.sizes.borrow_mut().fill(&self.inputs.catalog, &walk.postorder, &mut scratch);
        self.sizes.borrow().get(ix)
    }

    /// Plans one recipe.
    pub fn plan(&self, recipe: RecipeIx, opts: &PlanOptions) -> Planned {
        let r = self.inputs.recipes.get(recipe);
        let mut diags = Diagnostics::default();
        let keys = self.resolved.effective(recipe, &mut diags);
        let mut outcomes = Vec::new();
        for &k in &keys {
            outcomes.push((k, self.stage_outcome(k, opts)));
        }
        let mut plans: Vec<(StageKey, StagePlan)> = Vec::new();
        let mut failed = self.resolved.is_cyclic(recipe);
        let allow = self.allowed(recipe, opts);
        for (k, o) in &outcomes {
            diags.extend(o.diags.iter().cloned().map(|d| d.about(subject(self, *k))));
            match &o.plan {
                Some(p) if !self.resolved.include_is_cyclic(*k) => {
                    let mut p = p.clone();
                    let own: Diagnostics = o
                        .diags
                        .iter()
                        .filter(|d| d.severity != Severity::Error && !allow.silences(d))
                        .cloned()
                        .collect();
                    p.warnings = own.to_json(&self.inputs.sources);
                    plans.push((*k, p));
                }
                _ => failed = true,
            }
        }
        let mut eval: Vec<DsId> = r.eval.clone();
        eval.extend(opts.eval.iter().copied());
        eval.sort();
        eval.dedup();
        {
            let refs: Vec<(StageKey, &StagePlan)> = plans.iter().map(|(k, p)| (*k, p)).collect();
            checks::contamination(self, &eval, &refs, &mut diags);
            if let Some(want) = opts.require {
                let sp: Vec<&StagePlan> = plans.iter().map(|(_, p)| p).collect();
                checks::require(self, want, &sp, &mut diags);
            }
        }
        let (relevant, elsewhere) = self.relevant(recipe, &keys, &outcomes, diags, opts);
        if failed || relevant.iter().any(|d| d.severity == Severity::Error) {
            return Planned { plan: None, diags: relevant, errors_elsewhere: elsewhere };
        }
        let mut plan = self.assemble(recipe, plans, &relevant);
        self.add_compute(recipe, &mut plan, opts);
        Planned { plan: Some(plan), diags: relevant, errors_elsewhere: elsewhere }
    }

    /// Totals, breakdowns and license summary of the recipe; every warning
    /// that concerns it.
    fn assemble(&self, recipe: RecipeIx, stages: Vec<(StageKey, StagePlan)>, diags: &[Diagnostic]) -> Plan {
        let r = self.inputs.recipes.get(recipe);
        let sources = &self.inputs.sources;
        let mut totals = Totals::empty();
        let mut out_stages = Vec::new();
        for (_, sp) in stages {
            totals.add(&sp.totals);
            out_stages.push(sp);
        }
        let warnings: Diagnostics =
            diags.iter().filter(|d| d.severity == Severity::Warning).cloned().collect();
        let seen_parts = || {
            out_stages.iter().flat_map(|s| {
                s.leaves
                    .iter()
                    .filter_map(|l| {
                        let d = self.inputs.catalog.lookup(&l.dataset).map(|ix| self.inputs.catalog.get(ix));
                        l.count.seen.map(|seen| stats::Part { dataset: d, seen })
                    })
                    .chain(
                        s.unattributed
                            .as_ref()
                            .and_then(|u| u.seen)
                            .map(|seen| stats::Part { dataset: None, seen }),
                    )
            })
        };
        let breakdown = stats::breakdown(seen_parts());
        let licenses = stats::licenses(seen_parts());
        Plan {
            recipe: RecipeInfo {
                id: r.id.to_string(),
                name: r.name.clone(),
                extends: r.extends.as_ref().map(|(p, _)| p.to_string()),
                paper: r.paper.clone(),
                code: r.code.clone(),
                source: r.source.clone(),
                description: r.description.clone(),
                model: self.model_of(recipe),
                eval: r.eval.iter().map(|d| self.inputs.catalog.get(*d).id.to_string()).collect(),
            },
            stages: out_stages,
            totals,
            breakdown,
            licenses,
            compute: None,
            accelerator: None,
            warnings: warnings.to_json(sources),
        }
    }

    /// Tokens, steps, FLOPs and GPU-hours of each stage and the recipe,
    /// from the recipe's `[model]` (its own facts, not those of the recipe
    /// a stage is inherited from).
    fn add_compute(&self, recipe: RecipeIx, plan: &mut Plan, opts: &PlanOptions) {
        let Some(model) = &plan.recipe.model else { return };
        let catalog = &self.inputs.catalog;
        let ds = |id: &str| catalog.lookup(id).map(|ix| catalog.get(ix));
        let _ = recipe;
        for s in &mut plan.stages {
            let parts: Vec<compute::Part> = s
                .leaves
                .iter()
                .map(|l| compute::Part {
                    dataset: ds(&l.dataset),
                    via: l.via.iter().filter_map(|v| ds(v)).collect(),
                    seen: l.count.seen,
                })
                .chain(s.unattributed.as_ref().map(|u| compute::Part {
                    dataset: None,
                    via: Vec::new(),
                    seen: u.seen,
                }))
                .collect();
            s.compute = Some(compute::stage(
                catalog,
                model,
                &parts,
                &s.trainable,
                s.training.as_ref(),
                &opts.accelerator,
            ));
        }
        plan.compute = compute::Compute::total(plan.stages.iter().filter_map(|s| s.compute.as_ref()));
        plan.accelerator = plan.compute.as_ref().map(|_| opts.accelerator.clone());
    }

    /// The recipe's `[model]` over its parents', field by field.
    pub fn model_of(&self, recipe: RecipeIx) -> Option<crate::recipe::schema::Model> {
        let mut chain = vec![recipe];
        let mut cur = self.resolved.parent(recipe);
        while let Some(p) = cur {
            chain.push(p);
            cur = self.resolved.parent(p);
        }
        let mut model: Option<crate::recipe::schema::Model> = None;
        for r in chain.into_iter().rev() {
            if let Some(m) = &self.inputs.recipes.get(r).model {
                model = Some(match model {
                    Some(parent) => m.clone().over(&parent),
                    None => m.clone(),
                });
            }
        }
        model
    }

    /// The diagnostics that concern a plan: about the recipes it depends on,
    /// the datasets it reaches and the files they are in. Warnings silenced
    /// by `--allow` or the recipe's `allow` are dropped. Returns them and
    /// the number of errors elsewhere.
    fn relevant(
        &self,
        recipe: RecipeIx,
        keys: &[StageKey],
        outcomes: &[(StageKey, Rc<stage::Outcome>)],
        own: Diagnostics,
        opts: &PlanOptions,
    ) -> (Vec<Diagnostic>, usize) {
        let (recipes, files) = self.closure(recipe, keys);
        let mut datasets: FxHashSet<&str> = FxHashSet::default();
        for (_, o) in outcomes {
            datasets.extend(o.reached.iter().map(|d| self.inputs.catalog.get(*d).id.as_str()));
        }
        let allow = self.allowed(recipe, opts);
        let concerns = |d: &Diagnostic| match &d.subject {
            Some(Subject::Recipe(r)) => recipes.contains(r),
            Some(Subject::Dataset(x)) => datasets.contains(x.as_str()),
            None => match &d.loc {
                Some(l) => !self.inputs.recipe_files.contains(&l.file) || files.contains(&l.file),
                None => true,
            },
        };
        let mut out = Vec::new();
        let mut elsewhere = 0;
        for d in self.inputs.diags.iter().chain(self.diags.iter()).chain(own.iter()) {
            if allow.silences(d) {
                continue;
            }
            if concerns(d) {
                out.push(d.clone());
            } else if d.severity == Severity::Error {
                elsewhere += 1;
            }
        }
        // Notes about replaced built-in entries matter only for what the plan uses.
        out.retain(|d| {
            d.code != codes::OVERLAY_REPLACES
                || d.subject.as_ref().is_some_and(|s| match s {
                    Subject::Recipe(r) => recipes.contains(r),
                    Subject::Dataset(x) => datasets.contains(x.as_str()),
                })
        });
        (out, elsewhere)
    }

    /// The recipes (by id, including unreadable ones it names) and recipe
    /// files a recipe depends on: its `extends` chain and, through its
    /// stages' `include`, the recipes those come from.
    fn closure(&self, recipe: RecipeIx, keys: &[StageKey]) -> (FxHashSet<String>, FxHashSet<usize>) {
        let recipes = &self.inputs.recipes;
        let mut ids: FxHashSet<String> = FxHashSet::default();
        let mut files: FxHashSet<usize> = FxHashSet::default();
        let mut work: Vec<RecipeIx> = vec![recipe];
        let mut stage_work: Vec<StageKey> = keys.to_vec();
        let mut seen_stages: FxHashSet<StageKey> = FxHashSet::default();
        while !work.is_empty() || !stage_work.is_empty() {
            while let Some(r) = work.pop() {
                let rec = recipes.get(r);
                if !ids.insert(rec.id.to_string()) {
                    continue;
                }
                files.insert(rec.loc.file);
                if let Some((p, _)) = &rec.extends {
                    ids.insert(p.to_string());
                }
                if let Some(p) = self.resolved.parent(r) {
                    work.push(p);
                }
            }
            while let Some(k) = stage_work.pop() {
                if !seen_stages.insert(k) {
                    continue;
                }
                work.push(k.recipe);
                let st = self.resolved.stage(k);
                if let Some(inc) = &st.include {
                    ids.insert(inc.recipe.to_string());
                    if let Some(r) = recipes.lookup(inc.recipe.as_str()) {
                        work.push(r);
                    }
                }
                if let Some(t) = self.resolved.include_of(k) {
                    stage_work.push(t);
                }
            }
        }
        (ids, files)
    }

    /// Every recipe planned, for `check`: all diagnostics. With `only_user`,
    /// only the user's files and the recipes they hold are checked (the
    /// built-in data is checked when it is built).
    pub fn check_all(&self, opts: &PlanOptions, only_user: bool) -> Diagnostics {
        let mut all = Diagnostics::default();
        // Cycles anywhere in the catalog, and every dataset's size checks.
        let catalog = &self.inputs.catalog;
        let walk = expand::reach(catalog, catalog.ids(), &mut all);
        self.sizes.borrow_mut().fill(catalog, &walk.postorder, &mut all);
        // `variant_of` must not loop.
        let (cycles, _) = graph::functional_cycles(catalog.len(), |i| {
            catalog.get(crate::catalog::DsId(i as u32)).at.variant_of_ix().map(|d| d.ix())
        });
        for cycle in cycles {
            let names: Vec<String> = cycle
                .iter()
                .map(|&i| format!("`{}`", catalog.get(crate::catalog::DsId(i as u32)).id))
                .collect();
            let first = catalog.get(crate::catalog::DsId(cycle[0] as u32));
            all.push(
                graph::cycle_error(&names, first.at.variant_of().cloned(), "variant_of")
                    .about(Subject::Dataset(first.id.to_string())),
            );
        }
        let allow = crate::diag::Allow::new(opts.allow.iter().map(String::as_str));
        let user = |file: usize| self.inputs.sources.origin(file) == crate::diag::Origin::User;
        for r in self.inputs.recipes.sorted() {
            if only_user && !user(self.inputs.recipes.get(r).loc.file) {
                continue;
            }
            let planned = self.plan(r, opts);
            all.extend(planned.diags);
        }
        all.extend(self.inputs.diags.iter().cloned());
        all.extend(self.diags.iter().cloned());
        let mut all: Diagnostics = all.into_vec().into_iter().collect();
        all.retain(|d| !allow.silences(d));
        let mut seen = FxHashSet::default();
        all.retain(|d| seen.insert(d.clone()));
        if only_user {
            all.retain(|d| d.loc.as_ref().is_none_or(|l| user(l.file)));
        }
        all
    }

    /// Warning codes silenced for a recipe: `--allow` and its own `allow`.
    fn allowed(&self, recipe: RecipeIx, opts: &PlanOptions) -> crate::diag::Allow {
        crate::diag::Allow::new(
            opts.allow
                .iter()
                .map(String::as_str)
                .chain(self.inputs.recipes.get(recipe).allow.iter().map(String::as_str)),
        )
    }

    /// Looks a recipe up by id, or reports it with the nearest ids.
    pub fn find(&self, name: &str) -> Result<RecipeIx, Box<Diagnostic>> {
        self.inputs.recipes.lookup(name).ok_or_else(|| Box::new(self.inputs.recipes.unknown(name, None)))
    }

    pub fn recipe_id(&self, r: RecipeIx) -> &Id {
        &self.inputs.recipes.get(r).id
    }
}

/// Diagnostics of a stage are about the recipe that defines it.
fn subject(planner: &Planner, k: StageKey) -> Subject {
    Subject::Recipe(planner.recipe_id(k.recipe).to_string())
}

impl Planner<'_> {
    /// A dataset taken whole, split over its leaves (for `catalog show`).
    pub fn leaves_of(&self, ix: DsId) -> (sizes::Size, expand::Split) {
        let catalog = &self.inputs.catalog;
        let mut scratch = Diagnostics::default();
        let walk = expand::reach(catalog, [ix], &mut scratch);
        self.sizes.borrow_mut().fill(catalog, &walk.postorder, &mut scratch);
        let sizes = self.sizes.borrow();
        let size = sizes.get(ix);
        let root =
            expand::Root { ds: ix, loc: None, taken: size.size, unique: size.size, approx: size.approx };
        let split = expand::split(catalog, &sizes, &walk, &[root], &mut scratch);
        (size, split)
    }
}

#[cfg(test)]
mod tests;
