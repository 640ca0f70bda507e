//! The counting rules of one stage: how many samples each entry takes.
//!
//! | amount        | samples taken per pass                          |
//! |---------------|-------------------------------------------------|
//! | whole         | size                                            |
//! | `samples = N` | N                                               |
//! | `fraction = f`| round_half_even(f × size)                       |
//! | `epochs = e`  | round_half_even(e × size)                       |
//! | `weight = w`  | (budget − absolute samples) × w ÷ Σw, split by largest remainder |
//! | `subset`      | unknown                                         |
//!
//! An entry's `unique` is what it takes, at most the dataset's size; its
//! `seen` is what it takes times the stage's passes.

use super::sizes::Sizes;
use crate::catalog::Catalog;
use crate::diag::{codes, Diagnostic, Diagnostics};
use crate::num::apportion_weights;
use crate::recipe::{Amount, Entry};

/// An entry's counts; `None` where unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taken {
    pub taken: Option<u64>,
    pub unique: Option<u64>,
    /// Rests on a rounded dataset size.
    pub approx: bool,
}

/// Samples of each entry of a stage's mix.
pub fn entry_counts(
    catalog: &Catalog,
    sizes: &Sizes,
    mix: &[&Entry],
    budget: Option<(u64, &crate::diag::Loc)>,
    include: Option<&crate::diag::Loc>,
    diags: &mut Diagnostics,
) -> Vec<Taken> {
    let mut out: Vec<Taken> = mix
        .iter()
        .map(|e| {
            let s = sizes.get(e.dataset);
            let taken = match e.amount {
                Amount::Whole => s.size,
                Amount::Samples(n) => Some(n),
                Amount::Fraction(f) | Amount::Epochs(f) => s.size.and_then(|size| {
                    let n = f.times(size);
                    match n {
                        None => diags.push(overflow(e)),
                        Some(0) => diags.push(zero(catalog, e, size)),
                        _ => {}
                    }
                    n.filter(|&n| n > 0)
                }),
                Amount::Weight(_) | Amount::Subset => None,
            };
            let approx =
                matches!(e.amount, Amount::Whole | Amount::Fraction(_) | Amount::Epochs(_)) && s.approx;
            Taken { taken, unique: unique(taken, s.size), approx }
        })
        .collect();
    let weighted: Vec<usize> =
        (0..mix.len()).filter(|&i| matches!(mix[i].amount, Amount::Weight(_))).collect();
    let absolute: u128 = out.iter().filter_map(|t| t.taken).map(u128::from).sum();
    let all_known =
        (0..mix.len()).all(|i| out[i].taken.is_some() || matches!(mix[i].amount, Amount::Weight(_)));
    let Some((budget, budget_loc)) = budget else { return out };
    if absolute > u128::from(budget) {
        let first = mix.iter().zip(&out).find(|(_, t)| t.taken.is_some()).map(|(e, _)| e.loc.clone());
        let help = if weighted.is_empty() {
            "raise `budget` or take fewer samples"
        } else {
            "raise `budget` or take fewer samples; weighted entries share what is left"
        };
        let message = format!(
            "the stage's entries take {}, more than its budget of {}",
            crate::report::counted(absolute, "sample", "samples"),
            crate::report::count(u128::from(budget))
        );
        // A budget that comes with an included stage: point at the include.
        let d = match include {
            Some(inc) => Diagnostic::error(codes::BUDGET_EXCEEDED, message)
                .at(Some(inc.clone()))
                .label("this stage takes the budget of the stage it includes")
                .related(Some(budget_loc.clone()), "budget"),
            None => Diagnostic::error(codes::BUDGET_EXCEEDED, message)
                .at(Some(budget_loc.clone()))
                .label("budget"),
        };
        diags.push(d.related(first, "first entry with a count").help(help));
        return out;
    }
    if weighted.is_empty() {
        if all_known && absolute < u128::from(budget) {
            diags.push(
                Diagnostic::warning(
                    codes::UNUSED_BUDGET,
                    format!(
                        "the budget of {} is not used: no entry has a `weight` (the entries take {})",
                        crate::report::counted(u128::from(budget), "sample", "samples"),
                        crate::report::count(absolute)
                    ),
                )
                .at(Some(budget_loc.clone()))
                .label("budget")
                .help("give some entries `weight = w` to share the budget, or remove `budget`"),
            );
        }
        return out;
    }
    if !all_known {
        return out; // what the weights share is unknown, so are their counts
    }
    let rest = budget - absolute as u64;
    // Exact weights as integers over a common power of ten.
    let decs: Vec<crate::num::Dec> = weighted
        .iter()
        .map(|&i| match mix[i].amount {
            Amount::Weight(w) => w,
            _ => unreachable!("filtered to weights"),
        })
        .collect();
    let min_exp = decs.iter().map(|d| d.exp).min().unwrap_or(0);
    let ints: Option<Vec<u128>> = decs
        .iter()
        .map(|d| 10u128.checked_pow((d.exp - min_exp) as u32).and_then(|p| p.checked_mul(u128::from(d.mant))))
        .collect();
    let counts = match ints {
        Some(w) => apportion_weights(u128::from(rest), &w, |a, b| tie(catalog, mix, &weighted, a, b)),
        None => {
            // Weights of wildly different magnitudes: exact rationals.
            let exact: Vec<num_rational::BigRational> = {
                let sum: num_rational::BigRational = decs.iter().map(|d| d.to_rational()).sum();
                decs.iter().map(|d| d.to_rational() * crate::num::int(rest) / &sum).collect()
            };
            crate::num::apportion(&num_bigint::BigInt::from(rest), &exact, |a, b| {
                tie(catalog, mix, &weighted, a, b)
            })
            .iter()
            .map(|n| crate::num::to_count(n).map_or(0, u128::from))
            .collect()
        }
    };
    for (&i, n) in weighted.iter().zip(counts) {
        if n == 0 {
            let e = mix[i];
            diags.push(
                Diagnostic::error(
                    codes::ZERO_SAMPLES,
                    format!(
                        "`{}` of `{}` gets no sample: the budget leaves {} for the weights",
                        e.amount.describe(),
                        catalog.get(e.dataset).id,
                        crate::report::count(u128::from(rest))
                    ),
                )
                .at(Some(e.loc.clone()))
                .label("takes nothing")
                .help("raise `budget`, raise this weight, or remove the entry"),
            );
        }
        let taken = Some(n as u64); // n ≤ rest
        out[i] = Taken { taken, unique: unique(taken, sizes.get(mix[i].dataset).size), approx: false };
    }
    out
}

/// Ties go to the smaller dataset id; the amount breaks ties between two
/// entries of one dataset, so the order of entries never matters.
fn tie(catalog: &Catalog, mix: &[&Entry], weighted: &[usize], a: usize, b: usize) -> std::cmp::Ordering {
    let key = |x: usize| {
        let e = mix[weighted[x]];
        (catalog.get(e.dataset).id.as_str(), e.amount.describe())
    };
    key(a).cmp(&key(b))
}

/// Distinct samples: what is taken, at most the dataset's size. With the
/// size unknown, `samples = N` counts N distinct samples.
fn unique(taken: Option<u64>, size: Option<u64>) -> Option<u64> {
    match (taken, size) {
        (Some(t), Some(s)) => Some(t.min(s)),
        (t, None) => t,
        (None, _) => None,
    }
}

fn overflow(e: &Entry) -> Diagnostic {
    Diagnostic::error(codes::OVERFLOW, "this entry's samples do not fit in 64 bits")
        .at(Some(e.loc.clone()))
        .label("too many samples")
        .help("check the figure: a count must be below 2^64")
}

fn zero(catalog: &Catalog, e: &Entry, size: u64) -> Diagnostic {
    Diagnostic::error(
        codes::ZERO_SAMPLES,
        format!(
            "`{}` of `{}` ({}) rounds to no sample",
            e.amount.describe(),
            catalog.get(e.dataset).id,
            crate::report::counted(u128::from(size), "sample", "samples")
        ),
    )
    .at(Some(e.loc.clone()))
    .label("takes nothing")
    .help("take at least one sample, or remove the entry")
}
