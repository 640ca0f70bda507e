//! Planning: from a recipe and the catalog to a [`Plan`].
//!
//! - [`graph`] builds the dependency graph, rejects cycles, orders stages;
//! - [`expand`] resolves composites to leaves, once per dataset;
//! - [`alloc`] applies the counting rules of a stage (whole, samples,
//!   fraction, epochs, weight within a budget);
//! - [`stats`] adds shares, breakdowns, entropy and per-batch figures;
//! - [`model`] is the output every renderer reads.

pub mod alloc;
pub mod expand;
pub mod graph;
pub mod model;
pub mod stats;

use crate::diag::{Diagnostic, Diagnostics};
use crate::id::Id;
use crate::load::Inputs;
use alloc::Mixed;
use expand::Expansions;
use graph::{EffStage, Resolved};
pub use model::*;
use std::collections::BTreeMap;

/// Options that change what a plan contains.
#[derive(Debug, Clone, Default)]
pub struct PlanOptions {
    /// Adds per-leaf batch statistics for batches of this many samples.
    pub batch_size: Option<u64>,
}

/// Everything planning needs, built once per run and shared by all plans.
pub struct Planner<'a> {
    pub inputs: &'a Inputs,
    pub resolved: Resolved<'a>,
    pub expansions: Expansions,
    /// Effective mixes of stages already planned (`include` reuses them).
    mixes: std::cell::RefCell<BTreeMap<(Id, Id), Vec<Mixed>>>,
}

impl<'a> Planner<'a> {
    pub fn new(inputs: &'a Inputs, diags: &mut Diagnostics) -> Planner<'a> {
        let resolved = Resolved::build(inputs, diags);
        let expansions = if diags.has_errors() {
            Expansions::default()
        } else {
            Expansions::build(&inputs.catalog, &resolved, diags)
        };
        Planner { inputs, resolved, expansions, mixes: Default::default() }
    }

    /// Plans one recipe; errors (budget, overflow) go to `diags`.
    pub fn plan(&self, recipe: &Id, opts: &PlanOptions, diags: &mut Diagnostics) -> Option<Plan> {
        let r = self.inputs.recipes.get(recipe.as_str())?;
        let stages = self.resolved.stages.get(recipe)?;
        let before = diags.error_count();
        let mut planned = Vec::new();
        for eff in stages {
            let mix = self.mix_of(recipe, eff);
            let budget = self.budget_of(eff);
            planned.push(alloc::plan_stage(self, eff, &mix, budget, opts, diags));
        }
        if diags.error_count() > before {
            return None;
        }
        let planned: Vec<StagePlan> = planned.into_iter().flatten().collect();
        Some(stats::finish_plan(self, r, planned))
    }

    /// The stage's mix: the included stage's mix first, then its own entries.
    pub fn mix_of(&self, recipe: &Id, eff: &EffStage) -> Vec<Mixed> {
        let key = (recipe.clone(), eff.stage.id.clone());
        if let Some(m) = self.mixes.borrow().get(&key) {
            return m.clone();
        }
        let mut mix = Vec::new();
        if let Some(inc) = &eff.stage.include {
            if let Some(other) = self.stage(&inc.recipe, &inc.stage) {
                for m in self.mix_of(&inc.recipe, other) {
                    mix.push(Mixed { from: Some(m.from.unwrap_or_else(|| inc.to_string())), ..m });
                }
            }
        }
        mix.extend(eff.stage.mix.iter().map(|e| Mixed { entry: e.clone(), from: None }));
        self.mixes.borrow_mut().insert(key, mix.clone());
        mix
    }

    /// Its own budget, else the budget of the stage it includes.
    pub fn budget_of(&self, eff: &EffStage) -> Option<u64> {
        eff.stage.budget.or_else(|| {
            let inc = eff.stage.include.as_ref()?;
            self.budget_of(self.stage(&inc.recipe, &inc.stage)?)
        })
    }

    /// The recipe's `[model]` over its parents', field by field.
    pub fn model_of(&self, recipe: &crate::recipe::Recipe) -> Option<crate::recipe::schema::Model> {
        let parent = recipe
            .extends
            .as_ref()
            .and_then(|(p, _)| self.inputs.recipes.get(p.as_str()))
            .filter(|p| p.id != recipe.id && self.resolved.stages.contains_key(&p.id))
            .and_then(|p| self.model_of(p));
        match (recipe.model.clone(), parent) {
            (Some(m), Some(p)) => Some(m.over(&p)),
            (m, p) => m.or(p),
        }
    }

    fn stage(&self, recipe: &Id, stage: &Id) -> Option<&EffStage<'a>> {
        self.resolved.stages.get(recipe)?.iter().find(|s| &s.stage.id == stage)
    }

    /// Every recipe planned, for `check`, `compare --all` and `export --all`.
    pub fn plan_all(&self, opts: &PlanOptions, diags: &mut Diagnostics) -> Vec<Plan> {
        self.inputs.recipes.iter().filter_map(|r| self.plan(&r.id, opts, diags)).collect()
    }
}

/// Looks a recipe up by id, or reports it with the nearest ids.
pub fn find_recipe(inputs: &Inputs, name: &str) -> Result<Id, Diagnostic> {
    match inputs.recipes.get(name) {
        Some(r) => Ok(r.id.clone()),
        None => Err(inputs.recipes.unknown(name, None)),
    }
}

#[cfg(test)]
mod tests;
