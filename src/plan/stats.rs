//! Figures derived from the counts: breakdowns by modality, language,
//! generator, license and task; the effective number of datasets (exp of
//! the Shannon entropy of the leaf shares); the license summary; and, with
//! `--batch-size`, what one batch holds of each leaf (binomial quantiles).

use super::model::{BatchStats, Breakdown, LicenseLine};
use crate::catalog::license::{dataset_use, Use};
use crate::catalog::Dataset;
use std::collections::BTreeMap;

/// A part of a stage: its dataset (`None` for the unattributed rest) and
/// its seen samples.
pub struct Part<'a> {
    pub dataset: Option<&'a Dataset>,
    pub seen: u128,
}

/// The key under which the unattributed rest counts in every breakdown.
pub const UNATTRIBUTED: &str = "unattributed";

/// The keys a dataset counts under in each breakdown.
fn keys(ds: Option<&Dataset>) -> [String; 5] {
    let Some(ds) = ds else {
        return std::array::from_fn(|_| UNATTRIBUTED.to_string());
    };
    let join = |mut v: Vec<String>, none: &str| {
        v.sort();
        v.dedup();
        if v.is_empty() {
            none.to_string()
        } else {
            v.join("+")
        }
    };
    [
        join(ds.modalities.iter().map(|m| m.as_str().to_string()).collect(), "unknown"),
        join(ds.languages.clone(), "unknown"),
        join(ds.generated_by.clone(), "unspecified"),
        ds.license.clone().unwrap_or_else(|| "unknown".into()),
        join(ds.tasks.iter().map(|t| t.as_str().to_string()).collect(), "untagged"),
    ]
}

/// Shares of the seen samples under each key, and the effective number of
/// datasets (the unattributed rest as one part).
pub fn breakdown<'a>(parts: impl Iterator<Item = Part<'a>>) -> Breakdown {
    let mut sums: [BTreeMap<String, u128>; 5] = Default::default();
    let mut per_dataset: BTreeMap<&str, u128> = BTreeMap::new();
    let mut total: u128 = 0;
    for p in parts {
        if p.seen == 0 {
            continue;
        }
        total += p.seen;
        *per_dataset.entry(p.dataset.map_or(UNATTRIBUTED, |d| d.id.as_str())).or_default() += p.seen;
        for (map, key) in sums.iter_mut().zip(keys(p.dataset)) {
            *map.entry(key).or_default() += p.seen;
        }
    }
    let to_shares = |m: &BTreeMap<String, u128>| -> BTreeMap<String, f64> {
        m.iter().filter(|_| total > 0).map(|(k, v)| (k.clone(), *v as f64 / total as f64)).collect()
    };
    let [m, l, g, li, t] = &sums;
    Breakdown {
        by_modality: to_shares(m),
        by_language: to_shares(l),
        by_generator: to_shares(g),
        by_license: to_shares(li),
        by_task: to_shares(t),
        effective_datasets: effective_count(per_dataset.values().copied()),
    }
}

/// exp(−Σ p ln p) over the parts' shares.
pub fn effective_count(counts: impl Iterator<Item = u128>) -> Option<f64> {
    let counts: Vec<f64> = counts.filter(|&n| n > 0).map(|n| n as f64).collect();
    let total: f64 = counts.iter().sum();
    if total == 0.0 {
        return None;
    }
    let h: f64 = counts.iter().map(|n| n / total).map(|p| -p * p.ln()).sum();
    Some(h.exp())
}

/// The license summary: seen samples by the use their license allows.
pub fn licenses<'a>(parts: impl Iterator<Item = Part<'a>>) -> Vec<LicenseLine> {
    let mut by: BTreeMap<Use, (u128, Vec<String>)> = BTreeMap::new();
    let mut total = 0u128;
    for p in parts {
        let allows = p.dataset.map_or(Use::Unknown, dataset_use);
        let e = by.entry(allows).or_default();
        e.0 += p.seen;
        total += p.seen;
        e.1.push(p.dataset.map_or_else(|| format!("({UNATTRIBUTED})"), |d| d.id.to_string()));
    }
    Use::ALL
        .into_iter()
        .filter_map(|u| {
            let (seen, mut datasets) = by.remove(&u)?;
            datasets.sort();
            datasets.dedup();
            Some(LicenseLine {
                allows: u,
                share: (total > 0).then(|| seen as f64 / total as f64),
                seen,
                datasets,
            })
        })
        .collect()
}

/// The largest `--batch-size` accepted: quantiles are summed term by term
/// around the mode, so their cost grows with the square root of B.
pub const MAX_BATCH: u64 = 100_000_000;

/// Count per batch of `b` samples drawn i.i.d. with probability `p`:
/// Binomial(b, p), its 5th and 95th percentiles computed from the
/// probability mass function in log space (accurate to double precision),
/// and P(none) = (1 − p)^b.
pub fn batch_stats(b: u64, p: f64) -> Option<BatchStats> {
    if !(0.0..=1.0).contains(&p) || b == 0 || b > MAX_BATCH {
        return None;
    }
    let (p05, p95) = binomial_quantiles(b, p, 0.05, 0.95);
    Some(BatchStats {
        batch_size: b,
        expected: Some(b as f64 * p),
        p05,
        p95,
        p_none: Some(if p >= 1.0 { 0.0 } else { (b as f64 * (-p).ln_1p()).exp() }),
    })
}

/// The smallest k with P(X ≤ k) ≥ q, for two levels at once.
fn binomial_quantiles(n: u64, p: f64, lo: f64, hi: f64) -> (u64, u64) {
    if p <= 0.0 {
        return (0, 0);
    }
    if p >= 1.0 {
        return (n, n);
    }
    let nf = n as f64;
    let ln_pmf = |k: f64| {
        use statrs::function::gamma::ln_gamma;
        ln_gamma(nf + 1.0) - ln_gamma(k + 1.0) - ln_gamma(nf - k + 1.0) + k * p.ln() + (nf - k) * (-p).ln_1p()
    };
    let mode = (((nf + 1.0) * p).floor()).min(nf);
    // Mass around the mode, outward until a term is negligible.
    let ratio = p / (1.0 - p);
    let base = ln_pmf(mode).exp();
    let mut left = Vec::new(); // pmf(mode-1), pmf(mode-2), …
    let mut t = base;
    let mut k = mode;
    while k > 0.0 {
        t *= k / ((nf - k + 1.0) * ratio);
        k -= 1.0;
        if t < base * 1e-17 {
            break;
        }
        left.push(t);
    }
    let start = mode as u64 - left.len() as u64;
    let mut terms: Vec<f64> = left.into_iter().rev().collect();
    terms.push(base);
    let (mut t, mut k) = (base, mode);
    while k < nf {
        t *= (nf - k) / (k + 1.0) * ratio;
        k += 1.0;
        if t < base * 1e-17 {
            break;
        }
        terms.push(t);
    }
    let total: f64 = terms.iter().sum();
    let mut cum = 0.0;
    let mut q_lo = None;
    let mut q_hi = None;
    for (i, t) in terms.iter().enumerate() {
        cum += t / total;
        if q_lo.is_none() && cum >= lo - 1e-12 {
            q_lo = Some(start + i as u64);
        }
        if cum >= hi - 1e-12 {
            q_hi = Some(start + i as u64);
            break;
        }
    }
    let end = start + terms.len() as u64 - 1;
    (q_lo.unwrap_or(start), q_hi.unwrap_or(end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_count_of_equal_shares_is_their_number() {
        // four equal datasets: H = ln 4, exp(H) = 4
        let e = effective_count([10, 10, 10, 10].into_iter()).unwrap();
        assert!((e - 4.0).abs() < 1e-12);
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
        // Binomial(100, 0.1): P(X ≤ 4) = 0.0237, P(X ≤ 5) = 0.0576, so the
        // 5% quantile is 5; P(X ≤ 14) = 0.9274, P(X ≤ 15) = 0.9601: 15
        let s = batch_stats(100, 0.1).unwrap();
        assert!((s.expected.unwrap() - 10.0).abs() < 1e-9);
        assert_eq!((s.p05, s.p95), (5, 15));
        assert!((s.p_none.unwrap() - 2.656_139_888_758_76e-5).abs() < 1e-12);
    }

    #[test]
    fn large_batches_are_bounded_and_never_panic() {
        // B = 10^8, p = 0.5: mean 5·10^7, sd 5,000; the 5% and 95%
        // quantiles are mean ∓ 1.6449 sd = 49,991,776 and 50,008,224
        let s = batch_stats(100_000_000, 0.5).unwrap();
        assert!((s.p05 as i64 - 49_991_776).abs() <= 1, "{}", s.p05);
        assert!((s.p95 as i64 - 50_008_224).abs() <= 1, "{}", s.p95);
        assert_eq!(batch_stats(MAX_BATCH + 1, 0.5).map(|s| s.p05), None);
        // tiny and certain shares
        let s = batch_stats(54_296_875, 1e-12).unwrap();
        assert_eq!((s.p05, s.p95), (0, 0));
        let s = batch_stats(1000, 1.0).unwrap();
        assert_eq!((s.p05, s.p95, s.p_none), (1000, 1000, Some(0.0)));
    }
}
