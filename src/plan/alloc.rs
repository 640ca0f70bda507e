//! The counting rules of one stage: how many samples each entry takes.
//!
//! | amount        | samples taken per pass                          |
//! |---------------|-------------------------------------------------|
//! | whole         | size (within the entry's bounds)                |
//! | `samples = N` | N                                               |
//! | `fraction = f`| round_half_even(f × size)                       |
//! | `epochs = e`  | round_half_even(e × size)                       |
//! | `weight = w`  | a share of what the budget leaves, rate w       |
//! | `share = s`   | s × budget, where the bounds allow              |
//! | `subset`      | unknown                                         |
//!
//! With `[stage.sampling]`, the entries without an amount share the budget
//! too, each at the rate its policy gives (a `weight` multiplies it). Every
//! sized entry is counted by one routine, [`crate::num::waterfill`]: the
//! policy only sets rates and caps, the entry's `min`, `max` and
//! `max_epochs` its bounds, and targets ([`super::targets`]) the totals of
//! groups of entries. An entry's `unique` is what it takes, at most the
//! dataset's size; its `seen` is what it takes times the stage's passes.

use super::sizes::Sizes;
use super::targets::Sized;
use crate::catalog::Catalog;
use crate::diag::{codes, Diagnostic, Diagnostics, Loc};
use crate::num::{Bound, Dec, Infeasible};
use crate::recipe::{Amount, Entry, Policy, Sampling, Target};
use num_bigint::BigInt;
use num_rational::BigRational;

/// An entry's counts; `None` where unknown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Taken {
    pub taken: Option<u64>,
    pub unique: Option<u64>,
    /// Rests on a rounded dataset size.
    pub approx: bool,
}

/// What a stage's entries share: its budget (and where it is written, or
/// the `include` it comes through), its sampling policy and its targets.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rules<'a> {
    pub budget: Option<(u64, &'a Loc)>,
    /// Where the stage includes the stage whose budget it takes.
    pub include: Option<&'a Loc>,
    pub sampling: Option<&'a Sampling>,
    pub targets: &'a [Target],
}

/// How an entry's count is found.
enum Role {
    /// Its amount gives the count (or says it is unknown).
    Fixed(Option<u64>),
    /// It shares what the budget leaves, at this rate.
    Rated(BigRational),
    /// It asks for this share of the budget.
    Share(Dec),
    /// It shares a budget the stage does not have: unknown.
    Unknown,
}

/// A mix entry and the `recipe:stage` it comes from through `include`.
pub struct Mixed<'a> {
    pub entry: &'a Entry,
    pub from: Option<String>,
}

/// Samples of each entry of a stage's mix.
pub fn entry_counts(
    catalog: &Catalog,
    sizes: &Sizes,
    mix: &[&Entry],
    rules: &Rules,
    diags: &mut Diagnostics,
) -> Vec<Taken> {
    let before = diags.error_count();
    let policy = rules.sampling.map(|s| &s.policy);
    let budget = rules.budget.map(|b| b.0);
    needs_budget(catalog, mix, rules, diags);
    // the largest size a policy rates: temperature rates are taken relative
    // to it, so n^(1/t) cannot overflow for a small t
    let top = mix
        .iter()
        .filter(|e| matches!(e.amount, Amount::Whole | Amount::Weight(_)))
        .filter_map(|e| sizes.get(e.dataset).size)
        .max()
        .unwrap_or(1);
    let roles: Vec<Role> = mix.iter().map(|e| role(catalog, sizes, e, policy, budget, top, diags)).collect();
    let bounds: Vec<Option<Bound>> = mix.iter().map(|e| bound_of(catalog, sizes, e, policy, diags)).collect();
    let mut out: Vec<Taken> = mix
        .iter()
        .zip(&roles)
        .zip(&bounds)
        .map(|((e, r), b)| {
            let s = sizes.get(e.dataset);
            let mut taken = match r {
                Role::Fixed(n) => *n,
                _ => None,
            };
            let mut approx =
                matches!(e.amount, Amount::Whole | Amount::Fraction(_) | Amount::Epochs(_)) && s.approx;
            if let (Some(n), Some(b)) = (taken, b) {
                if e.amount == Amount::Whole {
                    // a whole dataset within its bounds: a cap, or a floor that repeats it
                    let clamped = b.clamp(u128::from(n)) as u64;
                    approx &= clamped == n;
                    taken = Some(clamped);
                } else {
                    check_fixed(catalog, e, n, b, diags);
                }
            }
            Taken { taken, unique: unique(taken, s.size), approx }
        })
        .collect();
    if diags.error_count() > before {
        return out;
    }
    let Some((budget, budget_loc)) = rules.budget else { return out };
    let mut sized: Vec<Sized> = Vec::new();
    for (i, r) in roles.iter().enumerate() {
        let bound = bounds[i].unwrap_or(Bound::FREE);
        match r {
            Role::Rated(rate) => sized.push(Sized { ix: i, rate: rate.clone(), bound, share: None }),
            Role::Share(s) => {
                sized.push(Sized { ix: i, rate: BigRational::from_integer(1.into()), bound, share: Some(*s) })
            }
            _ => {}
        }
    }
    if sized.iter().all(|z| z.share.is_some()) {
        // Shares with no rated entry beside them are fixed counts.
        for z in sized.drain(..) {
            let want = z.share.and_then(|s| s.times(budget)).unwrap_or(0);
            let n = z.bound.clamp(u128::from(want)) as u64;
            out[z.ix] = Taken {
                taken: Some(n),
                unique: unique(Some(n), sizes.get(mix[z.ix].dataset).size),
                approx: false,
            };
        }
    }
    let all_known = out.iter().zip(&roles).all(|(t, r)| t.taken.is_some() || !matches!(r, Role::Fixed(_)));
    let absolute: u128 = out.iter().filter_map(|t| t.taken).map(u128::from).sum();
    if absolute > u128::from(budget) {
        let help = match (sized.is_empty(), policy) {
            (true, _) => "raise `budget` or take fewer samples",
            (false, None) => "raise `budget` or take fewer samples; weighted entries share what is left",
            (false, Some(_)) => {
                "raise `budget` or take fewer samples; the entries the policy sizes share what is left"
            }
        };
        diags.push(exceeded(mix, &out, absolute, budget, budget_loc, rules.include, help));
        return out;
    }
    if sized.is_empty() {
        let waiting = roles.iter().any(|r| matches!(r, Role::Unknown));
        if all_known && !waiting && absolute < u128::from(budget) {
            diags.push(unused(budget, absolute, budget_loc, policy.is_some()));
        }
        return out;
    }
    if !all_known {
        return out; // what the sized entries share is unknown, so are their counts
    }
    let rest = u128::from(budget) - absolute;
    let sized_ix: Vec<usize> = sized.iter().map(|z| z.ix).collect();
    let tie = |a: usize, b: usize| tie(catalog, mix, &sized_ix, a, b);
    let fixed: Vec<(usize, u64)> =
        out.iter().enumerate().filter_map(|(i, t)| t.taken.map(|n| (i, n))).collect();
    let solved =
        super::targets::solve(catalog, sizes, mix, &fixed, &sized, rules.targets, budget, rest, &tie);
    let counts = match solved {
        Ok(c) => c,
        Err(why) => {
            diags.push(infeasible(catalog, mix, &sized, why, rest, budget_loc));
            return out;
        }
    };
    for (z, n) in sized.iter().zip(counts) {
        let e = mix[z.ix];
        if n == 0 {
            let (whom, help) = match policy {
                None => ("the weights", "raise `budget`, raise this weight, or remove the entry"),
                Some(_) => ("the entries it shares", "raise `budget`, give the entry a `min`, or remove it"),
            };
            diags.push(
                Diagnostic::error(
                    codes::ZERO_SAMPLES,
                    format!(
                        "`{}` of `{}` gets no sample: the budget leaves {} for {whom}",
                        amount_of(e, policy),
                        catalog.get(e.dataset).id,
                        crate::num::thousands(rest)
                    ),
                )
                .at(Some(e.loc.clone()))
                .label("takes nothing")
                .help(help),
            );
        }
        let taken = u64::try_from(n).ok(); // n ≤ rest ≤ budget
        out[z.ix] = Taken { taken, unique: unique(taken, sizes.get(e.dataset).size), approx: false };
    }
    out
}

/// An entry's amount as written, or the policy that sizes it.
fn amount_of(e: &Entry, policy: Option<&Policy>) -> String {
    match (e.amount, policy) {
        (Amount::Whole, Some(p)) => p.describe(),
        (a, _) => a.describe(),
    }
}

/// Errors for what cannot be counted without a budget: shares, targets,
/// and the policies that only share one.
fn needs_budget(catalog: &Catalog, mix: &[&Entry], rules: &Rules, diags: &mut Diagnostics) {
    if rules.budget.is_some() {
        return;
    }
    let help = "add `budget = N` to the stage: the samples its entries share";
    if let Some(s) = rules.sampling.filter(|s| s.policy.needs_budget()) {
        if mix.iter().any(|e| matches!(e.amount, Amount::Whole | Amount::Weight(_))) {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    format!("policy `{}` shares a budget, and the stage has none", s.policy.kind().as_str()),
                )
                .at(Some(s.loc.clone()))
                .help(help),
            );
        }
    }
    for e in mix.iter().filter(|e| matches!(e.amount, Amount::Share(_))) {
        diags.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                format!("`share` of `{}` needs the stage's `budget`", catalog.get(e.dataset).id),
            )
            .at(Some(e.loc.clone()))
            .help(help),
        );
    }
    if let Some(t) = rules.targets.first() {
        diags.push(
            Diagnostic::error(codes::MISSING_KEY, "`[stage.targets]` needs the stage's `budget`")
                .at(Some(t.loc.clone()))
                .help(help),
        );
    }
}

/// How an entry is counted, given the stage's policy and budget.
fn role(
    catalog: &Catalog,
    sizes: &Sizes,
    e: &Entry,
    policy: Option<&Policy>,
    budget: Option<u64>,
    top: u64,
    diags: &mut Diagnostics,
) -> Role {
    let size = sizes.get(e.dataset).size;
    match (e.amount, policy) {
        (Amount::Whole, None) => Role::Fixed(size),
        (Amount::Whole, Some(p)) if budget.is_none() && !p.needs_budget() => Role::Fixed(size),
        (Amount::Whole, Some(p)) if budget.is_some() => {
            size.map_or(Role::Fixed(None), |n| Role::Rated(rate(p, n, None, top)))
        }
        (Amount::Whole, Some(_)) => Role::Unknown,
        (Amount::Samples(n), _) => Role::Fixed(Some(n)),
        (Amount::Fraction(f) | Amount::Epochs(f), _) => Role::Fixed(size.and_then(|size| {
            let n = f.times(size);
            match n {
                None => diags.push(overflow(e)),
                Some(0) => diags.push(zero(catalog, e, size)),
                _ => {}
            }
            n.filter(|&n| n > 0)
        })),
        (Amount::Weight(_), _) if budget.is_none() => Role::Unknown,
        (Amount::Weight(w), None) => Role::Rated(w.to_rational()),
        (Amount::Weight(w), Some(p)) => {
            size.map_or(Role::Fixed(None), |n| Role::Rated(rate(p, n, Some(w), top)))
        }
        (Amount::Share(s), _) if budget.is_some() => Role::Share(s),
        (Amount::Share(_), _) => Role::Unknown,
        (Amount::Subset, _) => Role::Fixed(None),
    }
}

/// The rate a policy gives a dataset of `n` samples, times the entry's
/// weight. Only ratios matter: temperature rates are (n ÷ top)^(1/t) for
/// the stage's largest rated size `top`, which cannot overflow; sizes and
/// temperature 1 stay exact integers.
pub fn rate(policy: &Policy, n: u64, weight: Option<Dec>, top: u64) -> BigRational {
    let r = match policy {
        Policy::Proportional | Policy::Cap { .. } => BigRational::from_integer(BigInt::from(n)),
        Policy::Unimax { .. } => BigRational::from_integer(1.into()),
        Policy::Sqrt => float((n as f64).sqrt()),
        Policy::Temperature { t, k } => {
            let (n, top) = match k {
                Some(k) => (n.min(*k), top.min(*k)),
                None => (n, top),
            };
            if t.cmp_int(1).is_eq() {
                BigRational::from_integer(BigInt::from(n))
            } else if t.cmp_int(2).is_eq() {
                float((n as f64).sqrt())
            } else {
                float((n as f64 / top.max(1) as f64).powf(1.0 / t.to_f64()))
            }
        }
    };
    match weight {
        Some(w) => r * w.to_rational(),
        None => r,
    }
}

/// The exact value of a double (0 for what is not a finite number).
fn float(x: f64) -> BigRational {
    BigRational::from_float(x).unwrap_or_else(|| BigRational::from_integer(0.into()))
}

/// The bounds of an entry: its `min`, `max` and `max_epochs`, and the cap
/// its policy adds to the entries it sizes. `None` with an error when no
/// count can meet them (or `max_epochs` has no size to multiply).
fn bound_of(
    catalog: &Catalog,
    sizes: &Sizes,
    e: &Entry,
    policy: Option<&Policy>,
    diags: &mut Diagnostics,
) -> Option<Bound> {
    let size = sizes.get(e.dataset).size;
    let id = &catalog.get(e.dataset).id;
    let mut hi: Option<u128> = e.bounds.max.map(u128::from);
    let mut cap = |h: u128| hi = Some(hi.map_or(h, |x| x.min(h)));
    if let Some(m) = e.bounds.max_epochs {
        match size {
            Some(n) => cap(floor_times(m, n)),
            None => {
                diags.push(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!("`max_epochs` of `{id}` needs the dataset's size, which is unknown"),
                    )
                    .at(Some(e.loc.clone()))
                    .help("bound the entry with `max = N` instead, or give the dataset a size"),
                );
                return None;
            }
        }
    }
    let policy_sized = matches!(e.amount, Amount::Whole | Amount::Weight(_));
    match (policy, size) {
        (Some(Policy::Cap { t }), _) if policy_sized => cap(u128::from(*t)),
        (Some(Policy::Unimax { max_epochs }), Some(n)) if policy_sized => cap(floor_times(*max_epochs, n)),
        _ => {}
    }
    let b = Bound { lo: e.bounds.min.map_or(0, u128::from), hi };
    if b.hi.is_some_and(|h| h < b.lo) {
        diags.push(
            Diagnostic::error(
                codes::INFEASIBLE_BOUNDS,
                format!(
                    "`{id}` must take at least {} samples and at most {}",
                    crate::num::thousands(b.lo),
                    crate::num::thousands(b.hi.unwrap_or(0))
                ),
            )
            .at(Some(e.loc.clone()))
            .label(e.bounds.describe())
            .help("lower `min`, or raise `max` / `max_epochs` (a policy's cap counts too)"),
        );
        return None;
    }
    Some(b)
}

/// ⌊d × n⌋.
fn floor_times(d: Dec, n: u64) -> u128 {
    let x = d.to_rational() * BigRational::from_integer(BigInt::from(n));
    num_traits::ToPrimitive::to_u128(&x.floor().to_integer()).unwrap_or(u128::MAX)
}

/// A fixed count outside its own bounds: no policy can move it.
fn check_fixed(catalog: &Catalog, e: &Entry, n: u64, b: &Bound, diags: &mut Diagnostics) {
    if e.amount == Amount::Whole || b.contains(u128::from(n)) {
        return;
    }
    diags.push(
        Diagnostic::error(
            codes::INFEASIBLE_BOUNDS,
            format!(
                "`{}` of `{}` takes {} samples, outside its bounds ({})",
                e.amount.describe(),
                catalog.get(e.dataset).id,
                crate::num::thousands(u128::from(n)),
                e.bounds.describe()
            ),
        )
        .at(Some(e.loc.clone()))
        .help("a fixed amount does not move: change it, or the bounds"),
    );
}

fn exceeded(
    mix: &[&Entry],
    out: &[Taken],
    absolute: u128,
    budget: u64,
    budget_loc: &Loc,
    include: Option<&Loc>,
    help: &str,
) -> Diagnostic {
    let first = mix.iter().zip(out).find(|(_, t)| t.taken.is_some()).map(|(e, _)| e.loc.clone());
    let message = format!(
        "the stage's entries take {}, more than its budget of {}",
        crate::num::counted(absolute, "sample", "samples"),
        crate::num::thousands(u128::from(budget))
    );
    // A budget that comes with an included stage: point at the include.
    let d = match include {
        Some(inc) => Diagnostic::error(codes::BUDGET_EXCEEDED, message)
            .at(Some(inc.clone()))
            .label("this stage takes the budget of the stage it includes")
            .related(Some(budget_loc.clone()), "budget"),
        None => {
            Diagnostic::error(codes::BUDGET_EXCEEDED, message).at(Some(budget_loc.clone())).label("budget")
        }
    };
    d.related(first, "first entry with a count").help(help)
}

fn unused(budget: u64, absolute: u128, budget_loc: &Loc, policy: bool) -> Diagnostic {
    let (what, help) = if policy {
        (
            "no entry is left for the policy to size",
            "leave some entries without an amount for the policy, or remove `budget`",
        )
    } else {
        ("no entry has a `weight`", "give some entries `weight = w` to share the budget, or remove `budget`")
    };
    Diagnostic::warning(
        codes::UNUSED_BUDGET,
        format!(
            "the budget of {} is not used: {what} (the entries take {})",
            crate::num::counted(u128::from(budget), "sample", "samples"),
            crate::num::thousands(absolute)
        ),
    )
    .at(Some(budget_loc.clone()))
    .label("budget")
    .help(help)
}

/// The sized entries' bounds cannot add up to what the budget leaves.
fn infeasible(
    catalog: &Catalog,
    mix: &[&Entry],
    sized: &[Sized],
    why: Infeasible,
    rest: u128,
    budget_loc: &Loc,
) -> Diagnostic {
    let count = crate::num::thousands;
    let (message, which): (String, Vec<&Sized>) = match why {
        Infeasible::TooMuch { minimums } => (
            format!(
                "the entries' minimums add up to {}, more than the {} samples the budget leaves them",
                count(minimums),
                count(rest)
            ),
            sized.iter().filter(|z| z.bound.lo > 0).collect(),
        ),
        Infeasible::TooLittle { maximums } => (
            format!(
                "the entries' maximums add up to {}, fewer than the {} samples the budget leaves them",
                count(maximums),
                count(rest)
            ),
            sized.iter().collect(),
        ),
    };
    let mut names: Vec<String> =
        which.iter().map(|z| format!("`{}`", catalog.get(mix[z.ix].dataset).id)).collect();
    names.sort();
    names.dedup();
    let mut d = Diagnostic::error(codes::INFEASIBLE_BOUNDS, format!("{message}: {}", names.join(", ")))
        .at(Some(budget_loc.clone()))
        .label("budget");
    for z in which.iter().take(5) {
        let e = mix[z.ix];
        let label = match why {
            Infeasible::TooMuch { .. } => format!("at least {}", count(z.bound.lo)),
            Infeasible::TooLittle { .. } => format!("at most {}", count(z.bound.hi.unwrap_or(0))),
        };
        d = d.related(Some(e.loc.clone()), label);
    }
    d.help(match why {
        Infeasible::TooMuch { .. } => "lower some `min`, or raise `budget`",
        Infeasible::TooLittle { .. } => {
            "raise some `max` / `max_epochs` (or the policy's cap), or lower `budget`"
        }
    })
}

/// Ties go to the smaller dataset id; the amount breaks ties between two
/// entries of one dataset, so the order of entries never matters.
fn tie(catalog: &Catalog, mix: &[&Entry], weighted: &[usize], a: usize, b: usize) -> std::cmp::Ordering {
    let (ea, eb) = (mix[weighted[a]], mix[weighted[b]]);
    // the amount's text only for two entries of one dataset: it allocates
    catalog
        .get(ea.dataset)
        .id
        .as_str()
        .cmp(catalog.get(eb.dataset).id.as_str())
        .then_with(|| ea.amount.describe().cmp(&eb.amount.describe()))
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
            crate::num::counted(u128::from(size), "sample", "samples")
        ),
    )
    .at(Some(e.loc.clone()))
    .label("takes nothing")
    .help("take at least one sample, or remove the entry")
}
