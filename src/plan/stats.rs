//! Figures derived from the counts: breakdowns by modality, language,
//! generator and license; the effective number of datasets
//! (exp of the Shannon entropy of the leaf shares); and, with
//! `--batch-size`, what one batch holds of each leaf (binomial quantiles).

use super::model::{BatchStats, LeafPlan};
use super::{Breakdown, Plan, PlanOptions, Planner, RecipeInfo, StagePlan};
use crate::catalog::Dataset;
use crate::recipe::Recipe;
use statrs::distribution::{Binomial, DiscreteCDF};
use std::collections::BTreeMap;

/// The keys a dataset counts under in each breakdown.
fn keys(ds: Option<&Dataset>) -> [String; 4] {
    let join = |v: Vec<String>, none: &str| if v.is_empty() { none.to_string() } else { v.join("+") };
    let Some(ds) = ds else {
        return ["unknown".into(), "unknown".into(), "unspecified".into(), "unknown".into()];
    };
    let mut modalities: Vec<String> = ds.modalities.iter().map(|m| m.as_str().to_string()).collect();
    modalities.sort();
    let mut languages = ds.languages.clone();
    languages.sort();
    let mut generators = ds.generated_by.clone();
    generators.sort();
    [
        join(modalities, "unknown"),
        join(languages, "unknown"),
        join(generators, "unspecified"),
        ds.license.clone().unwrap_or_else(|| "unknown".into()),
    ]
}

/// Shares of the known leaf samples under each key.
fn breakdown<'a>(planner: &Planner, leaves: impl Iterator<Item = &'a LeafPlan>) -> Breakdown {
    let mut sums: [BTreeMap<String, u128>; 4] = Default::default();
    let mut total: u128 = 0;
    for leaf in leaves {
        let Some(n) = leaf.samples else { continue };
        total += u128::from(n);
        let ks = keys(planner.inputs.catalog.get(&leaf.dataset));
        for (map, key) in sums.iter_mut().zip(ks) {
            *map.entry(key).or_default() += u128::from(n);
        }
    }
    let to_shares = |m: &BTreeMap<String, u128>| -> BTreeMap<String, f64> {
        m.iter().filter(|_| total > 0).map(|(k, v)| (k.clone(), *v as f64 / total as f64)).collect()
    };
    Breakdown {
        by_modality: to_shares(&sums[0]),
        by_language: to_shares(&sums[1]),
        by_generator: to_shares(&sums[2]),
        by_license: to_shares(&sums[3]),
    }
}

/// exp(−Σ p ln p) over the known leaf shares, renormalised to the known part.
pub fn effective_count(counts: impl Iterator<Item = u64>) -> Option<f64> {
    let counts: Vec<f64> = counts.filter(|&n| n > 0).map(|n| n as f64).collect();
    let total: f64 = counts.iter().sum();
    if total == 0.0 {
        return None;
    }
    let h: f64 = counts.iter().map(|n| n / total).map(|p| -p * p.ln()).sum();
    Some(h.exp())
}

/// Count per batch of `b` samples drawn i.i.d. with probability `p`.
pub fn batch_stats(b: u64, p: f64) -> Option<BatchStats> {
    let dist = Binomial::new(p.clamp(0.0, 1.0), b).ok()?;
    Some(BatchStats {
        batch_size: b,
        expected: Some(b as f64 * p),
        p05: dist.inverse_cdf(0.05),
        p95: dist.inverse_cdf(0.95),
        p_none: Some((1.0 - p).powf(b as f64)),
    })
}

pub fn finish_stage(planner: &Planner, stage: &mut StagePlan, opts: &PlanOptions) {
    stage.breakdown = breakdown(planner, stage.leaves.iter());
    stage.effective_datasets = effective_count(stage.leaves.iter().filter_map(|l| l.samples));
    if let Some(b) = opts.batch_size {
        for leaf in &mut stage.leaves {
            leaf.batch = leaf.share.and_then(|p| batch_stats(b, p));
        }
    }
}

pub fn finish_plan(planner: &Planner, recipe: &Recipe, stages: Vec<StagePlan>) -> Plan {
    let total = stages.iter().map(|s| s.total_samples).fold(0u64, u64::saturating_add);
    let model = planner.model_of(recipe);
    let mut warnings = Vec::new();
    for s in &stages {
        warnings.extend(s.warnings.iter().map(|w| format!("stage `{}`: {w}", s.id)));
    }
    Plan {
        recipe: RecipeInfo {
            id: recipe.id.to_string(),
            name: recipe.name.clone(),
            extends: recipe.extends.as_ref().map(|(p, _)| p.to_string()),
            paper: recipe.paper.clone(),
            source: recipe.source.clone(),
            model,
        },
        total_samples: total,
        complete: stages.iter().all(|s| s.complete),
        breakdown: breakdown(planner, stages.iter().flat_map(|s| s.leaves.iter())),
        warnings,
        stages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_count_of_equal_shares_is_their_number() {
        // four equal datasets: H = ln 4, exp(H) = 4
        let e = effective_count([10, 10, 10, 10].into_iter()).unwrap();
        assert!((e - 4.0).abs() < 1e-12);
        // one dataset only: 1
        assert_eq!(effective_count([7].into_iter()), Some(1.0));
        assert_eq!(effective_count(std::iter::empty()), None);
    }

    #[test]
    fn effective_count_of_uneven_shares() {
        // shares 3/4 and 1/4: H = -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.562335...
        // exp(H) = 1.754765...
        let e = effective_count([3, 1].into_iter()).unwrap();
        assert!((e - 1.754_765_350_5).abs() < 1e-9, "{e}");
    }

    #[test]
    fn batch_of_a_tenth_share() {
        // B = 100, p = 0.1: mean 10; P(none) = 0.9^100 = 2.6561e-5;
        // Binomial(100, 0.1) 5% quantile is 5, 95% quantile is 15
        let s = batch_stats(100, 0.1).unwrap();
        assert!((s.expected.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!((s.p05, s.p95), (5, 15));
        assert!((s.p_none.unwrap() - 2.656_139_888_758_76e-5).abs() < 1e-12);
    }
}
