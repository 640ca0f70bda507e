//! Sampling policies, bounds and target shares: the worked examples of the
//! reference (T5/mT5 temperature with a cap K, UniMax, Cambrian-1's cap)
//! reproduced through the planner, and their invariants over generated
//! stages. Datasets here are made up; only their sizes matter.

use mixplan::load::Inputs;
use mixplan::plan::{PlanOptions, Planner};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// A catalog of datasets `d0`, `d1` … with these sizes; `tags[i]` are the
/// task tags of `di`.
fn catalog(sizes: &[u64], tags: &[&[&str]]) -> String {
    let mut out = String::new();
    for (i, n) in sizes.iter().enumerate() {
        let t: Vec<String> = tags.get(i).copied().unwrap_or(&[]).iter().map(|t| format!("\"{t}\"")).collect();
        out += &format!(
            "[[dataset]]\nid = \"d{i}\"\nname = \"D{i}\"\nstages = [\"sft\"]\nmodalities = [\"image\"]\nlanguages = [\"en\"]\ntasks = [{}]\nsamples = {n}\nsource = \"test\"\n\n",
            t.join(", ")
        );
    }
    out
}

/// A one-stage recipe: `budget` (if any), the mix entries, and extra tables.
fn recipe(budget: Option<u64>, mix: &[String], extra: &str) -> String {
    let budget = budget.map_or(String::new(), |b| format!("budget = {b}\n"));
    format!(
        "id = \"r\"\nname = \"R\"\nallow = [\"high-epochs\"]\n[[stage]]\nid = \"s\"\nkind = \"sft\"\n{budget}mix = [{}]\n{extra}",
        mix.join(", ")
    )
}

/// Entries `{ dataset = "di" }`, with `bounds[i]` added when given.
fn plain(n: usize, bounds: &[Option<String>]) -> Vec<String> {
    (0..n)
        .map(|i| match bounds.get(i).and_then(|b| b.as_ref()) {
            Some(b) => format!("{{ dataset = \"d{i}\", {b} }}"),
            None => format!("{{ dataset = \"d{i}\" }}"),
        })
        .collect()
}

/// Plans the recipe: each entry's taken count by dataset, or the error text.
fn counts(catalog: &str, recipe: &str) -> Result<BTreeMap<String, u64>, String> {
    let inputs = Inputs::from_strs(&[("c.toml", catalog)], &[("r.toml", recipe)]);
    let planner = Planner::new(&inputs);
    let r = planner.find("r").map_err(|d| d.message.clone())?;
    let planned = planner.plan(r, &PlanOptions::default());
    match planned.plan {
        Some(p) => Ok(p.stages[0]
            .entries
            .iter()
            .map(|e| (e.dataset.clone(), e.count.seen.map(|s| s as u64).unwrap_or(u64::MAX)))
            .collect()),
        None => {
            let d: mixplan::diag::Diagnostics = planned.diags.into_iter().collect();
            Err(d.render(&inputs.sources))
        }
    }
}

fn policy(p: &str) -> String {
    format!("[stage.sampling]\n{p}\n")
}

fn get(c: &BTreeMap<String, u64>, i: usize) -> u64 {
    c[&format!("d{i}")]
}

// The reference's shared toy sizes for the temperature rows.
const TOY: [u64; 4] = [1_000_000, 100_000, 10_000, 1_000];

/// Each count is within one sample of p × budget for the reference's
/// probabilities (given to 6 decimals, so p × 10^6 is within 0.5 of the
/// exact share).
fn assert_shares(c: &BTreeMap<String, u64>, p: [f64; 4], budget: u64) {
    let total: u64 = c.values().sum();
    assert_eq!(total, budget, "{c:?}");
    for (i, p) in p.iter().enumerate() {
        let want = p * budget as f64;
        let got = get(c, i) as f64;
        assert!((got - want).abs() <= 1.5, "d{i}: {got} vs {want} ({c:?})");
    }
}

#[test]
fn t5_mt5_temperature_and_cap_match_the_worked_examples() {
    let cat = catalog(&TOY, &[]);
    let mix = plain(4, &[]);
    let b = 1_000_000;
    let run = |p: &str| counts(&cat, &recipe(Some(b), &mix, &policy(p))).unwrap();
    // proportional (K = ∞, T = 1)
    assert_shares(&run("policy = \"proportional\""), [0.900090, 0.090009, 0.009001, 0.000900], b);
    assert_shares(&run("policy = \"temperature\"\nt = 1"), [0.900090, 0.090009, 0.009001, 0.000900], b);
    // K = 2^17
    assert_shares(
        &run("policy = \"temperature\"\nt = 1\nk = 131072"),
        [0.541459, 0.413100, 0.041310, 0.004131],
        b,
    );
    // T = 2 (α = 0.5), and √size, the same rate
    assert_shares(&run("policy = \"temperature\"\nt = 2"), [0.690679, 0.218412, 0.069068, 0.021841], b);
    assert_shares(&run("policy = \"sqrt\""), [0.690679, 0.218412, 0.069068, 0.021841], b);
    // mT5: T = 1/0.3
    assert_shares(
        &run("policy = \"temperature\"\nt = 3.3333333333333335"),
        [0.532405, 0.266835, 0.133734, 0.067026],
        b,
    );
    // K = 2^17 and T = 2
    assert_shares(
        &run("policy = \"temperature\"\nt = 2\nk = 131072"),
        [0.447022, 0.390458, 0.123474, 0.039046],
        b,
    );
}

#[test]
fn proportional_splits_exactly_by_largest_remainder() {
    // 10^6 × n ÷ 1,111,000: 900,090.009 / 90,009.0009 / 9,000.9001 / 900.09;
    // floors add up to 999,999, the one left goes to the largest remainder (0.9001 of d2)
    let c = counts(
        &catalog(&TOY, &[]),
        &recipe(Some(1_000_000), &plain(4, &[]), &policy("policy = \"proportional\"")),
    )
    .unwrap();
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2), get(&c, 3)], [900_090, 90_009, 9_001, 900]);
}

#[test]
fn unimax_matches_the_worked_examples() {
    // sizes {100, 1,000, 10,000}, budget 3,000
    let cat = catalog(&[100, 1_000, 10_000], &[]);
    let mix = plain(3, &[]);
    let n1 =
        counts(&cat, &recipe(Some(3_000), &mix, &policy("policy = \"unimax\"\nmax_epochs = 1"))).unwrap();
    assert_eq!([get(&n1, 0), get(&n1, 1), get(&n1, 2)], [100, 1_000, 1_900]);
    let n4 =
        counts(&cat, &recipe(Some(3_000), &mix, &policy("policy = \"unimax\"\nmax_epochs = 4"))).unwrap();
    assert_eq!([get(&n4, 0), get(&n4, 1), get(&n4, 2)], [400, 1_300, 1_300]);
}

#[test]
fn unimax_reproduces_the_pypi_example() {
    // unimax-sampling README: swe, fas, ekk, isl, fao character counts,
    // budget 250e9, 4 epochs → fao 2,198,831,468; isl 40,110,293,556;
    // the rest 69,230,291,658.67 each. Whole counts: the 2 samples left
    // over go to the two smallest ids of the three equal remainders (d0 ekk, d1 fas).
    let sizes = [42_541_080_893, 184_595_788_282, 179_955_884_499, 10_027_573_389, 549_707_867];
    let cat = catalog(&sizes, &[]);
    let c = counts(
        &cat,
        &recipe(Some(250_000_000_000), &plain(5, &[]), &policy("policy = \"unimax\"\nmax_epochs = 4")),
    )
    .unwrap();
    assert_eq!(get(&c, 4), 2_198_831_468);
    assert_eq!(get(&c, 3), 40_110_293_556);
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2)], [69_230_291_659, 69_230_291_659, 69_230_291_658]);
}

#[test]
fn cambrian_cap_matches_the_worked_example() {
    // sources [1.2M, 400k, 100k] with t = 350k → [350k, 350k, 100k], 800k in all
    let cat = catalog(&[1_200_000, 400_000, 100_000], &[]);
    let c = counts(&cat, &recipe(None, &plain(3, &[]), &policy("policy = \"cap\"\nt = 350000"))).unwrap();
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2)], [350_000, 350_000, 100_000]);
    // with a budget below 800k the capped sources stay capped and the rest scales down:
    // 700k: the cap binds on d0 and d1 only if λ·400k > 350k; here λ·(1.2M, 400k, 100k) with
    // d0 capped: 350k + λ·500k = 700k → λ = 0.7 → d1 280k, d2 70k
    let c = counts(&cat, &recipe(Some(700_000), &plain(3, &[]), &policy("policy = \"cap\"\nt = 350000")))
        .unwrap();
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2)], [350_000, 280_000, 70_000]);
}

#[test]
fn bounds_bind_and_the_rest_is_redistributed() {
    // proportional over 600 / 300 / 100 with budget 500: 300 / 150 / 50;
    // d0 at most 200 → the 100 left go to d1 and d2 as 3:1 → 225 / 75
    let cat = catalog(&[600, 300, 100], &[]);
    let mix = plain(3, &[Some("max = 200".into())]);
    let c = counts(&cat, &recipe(Some(500), &mix, &policy("policy = \"proportional\""))).unwrap();
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2)], [200, 225, 75]);
    // d2 at least 150 (1.5 epochs): 500 − 150 = 350 over 600:300 → 233.3 / 116.7 → 233 / 117
    let mix = plain(3, &[None, None, Some("min = 150".into())]);
    let c = counts(&cat, &recipe(Some(500), &mix, &policy("policy = \"proportional\""))).unwrap();
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2)], [233, 117, 150]);
    // max_epochs = 0.5 on d0: at most 300
    let mix = plain(3, &[Some("max_epochs = 0.5".into())]);
    let c = counts(&cat, &recipe(Some(900), &mix, &policy("policy = \"proportional\""))).unwrap();
    // d0 capped at 300; 600 left over 300:100 → 450 / 150
    assert_eq!([get(&c, 0), get(&c, 1), get(&c, 2)], [300, 450, 150]);
}

#[test]
fn infeasible_bounds_are_an_error_naming_the_entries() {
    let cat = catalog(&[600, 300, 100], &[]);
    let mix = plain(3, &[Some("max = 100".into()), Some("max = 100".into()), Some("max_epochs = 1".into())]);
    let e = counts(&cat, &recipe(Some(500), &mix, &policy("policy = \"sqrt\""))).unwrap_err();
    assert!(e.contains("error[infeasible-bounds]"), "{e}");
    assert!(e.contains("the entries' maximums add up to 300, fewer than the 500 samples the budget leaves them: `d0`, `d1`, `d2`"), "{e}");
    let mix = plain(3, &[Some("min = 300".into()), Some("min = 300".into())]);
    let e = counts(&cat, &recipe(Some(500), &mix, &policy("policy = \"proportional\""))).unwrap_err();
    assert!(e.contains("the entries' minimums add up to 600, more than the 500 samples the budget leaves them: `d0`, `d1`"), "{e}");
    // one entry whose own bounds contradict: cap 50 and min 60
    let mix = plain(3, &[Some("min = 60".into())]);
    let e = counts(&cat, &recipe(None, &mix, &policy("policy = \"cap\"\nt = 50"))).unwrap_err();
    assert!(e.contains("`d0` must take at least 60 samples and at most 50"), "{e}");
}

#[test]
fn policies_that_share_a_budget_need_one() {
    let cat = catalog(&[600, 300], &[]);
    for p in ["policy = \"sqrt\"", "policy = \"temperature\"\nt = 2", "policy = \"unimax\"\nmax_epochs = 2"] {
        let e = counts(&cat, &recipe(None, &plain(2, &[]), &policy(p))).unwrap_err();
        assert!(
            e.contains("error[missing-key]") && e.contains("shares a budget, and the stage has none"),
            "{e}"
        );
    }
    // proportional without a budget takes every dataset whole
    let c = counts(&cat, &recipe(None, &plain(2, &[]), &policy("policy = \"proportional\""))).unwrap();
    assert_eq!([get(&c, 0), get(&c, 1)], [600, 300]);
}

#[test]
fn shares_and_targets_are_met_exactly_where_the_bounds_allow() {
    // d0, d1 tagged ocr; d2 chart; d3, d4 untagged. Budget 10,000:
    // ocr 20% = 2,000 split 2:1 by size (proportional) → 1,333 / 667;
    // chart 10% = 1,000 → d2; the rest 7,000 over d3:d4 = 1:1 → 3,500 each
    let cat = catalog(&[2_000, 1_000, 500, 4_000, 4_000], &[&["ocr"], &["ocr"], &["chart"], &[], &[]]);
    let extra = format!("{}[stage.targets]\nocr = 0.2\nchart = 0.1\n", policy("policy = \"proportional\""));
    let c = counts(&cat, &recipe(Some(10_000), &plain(5, &[]), &extra)).unwrap();
    assert_eq!(
        [get(&c, 0), get(&c, 1), get(&c, 2), get(&c, 3), get(&c, 4)],
        [1_333, 667, 1_000, 3_500, 3_500]
    );
    // an entry's own share: d3 takes 50% = 5,000, the others share the rest by size
    let mut mix = plain(5, &[]);
    mix[3] = "{ dataset = \"d3\", share = 0.5 }".into();
    let c = counts(&cat, &recipe(Some(10_000), &mix, &policy("policy = \"proportional\""))).unwrap();
    assert_eq!(get(&c, 3), 5_000);
    assert_eq!(c.values().sum::<u64>(), 10_000);
}

#[test]
fn a_target_the_bounds_forbid_is_reported_with_the_closest_share() {
    // chart 50% = 5,000, but d2 may repeat at most twice (1,000): the plan
    // gives 1,000 and warns; the budget is still met
    let cat = catalog(&[2_000, 1_000, 500, 4_000, 4_000], &[&["ocr"], &["ocr"], &["chart"], &[], &[]]);
    let extra = format!("{}[stage.targets]\nchart = 0.5\n", policy("policy = \"proportional\""));
    let mix = plain(5, &[None, None, Some("max_epochs = 2".into())]);
    let inputs = Inputs::from_strs(&[("c.toml", &cat)], &[("r.toml", &recipe(Some(10_000), &mix, &extra))]);
    let planner = Planner::new(&inputs);
    let plan = planner.plan(planner.find("r").unwrap(), &PlanOptions::default()).plan.unwrap();
    let s = &plan.stages[0];
    assert_eq!(s.totals.total_seen, Some(10_000));
    let t = &s.targets[0];
    assert_eq!((t.target.as_str(), t.wanted, t.samples), ("task:chart", 5_000, Some(1_000)));
    assert!(s.warnings.iter().any(|w| w.code == "target-missed"));
}

#[test]
fn overlapping_targets_are_fitted() {
    // d0 is ocr and chart, d1 ocr, d2 chart, d3 neither; budget 10,000;
    // ocr 40% and chart 30%: iterative fitting meets both to the sample
    let cat = catalog(&[1_000, 1_000, 1_000, 1_000], &[&["ocr", "chart"], &["ocr"], &["chart"], &[]]);
    let extra = format!("{}[stage.targets]\nocr = 0.4\nchart = 0.3\n", policy("policy = \"proportional\""));
    let c = counts(&cat, &recipe(Some(10_000), &plain(4, &[]), &extra)).unwrap();
    let (d0, d1, d2, d3) = (get(&c, 0), get(&c, 1), get(&c, 2), get(&c, 3));
    assert_eq!(d0 + d1 + d2 + d3, 10_000);
    assert!((d0 + d1).abs_diff(4_000) <= 1, "{c:?}");
    assert!((d0 + d2).abs_diff(3_000) <= 1, "{c:?}");
}

/// The counts of one generated stage under a policy, with random bounds.
fn policy_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("policy = \"proportional\"".to_string()),
        (1u32..80).prop_map(|t| format!("policy = \"temperature\"\nt = {}", t as f64 / 10.0)),
        (1u32..80, 1u64..50_000)
            .prop_map(|(t, k)| format!("policy = \"temperature\"\nt = {}\nk = {k}", t as f64 / 10.0)),
        Just("policy = \"sqrt\"".to_string()),
        (1u32..50).prop_map(|e| format!("policy = \"unimax\"\nmax_epochs = {}", e as f64 / 4.0)),
        (1u64..50_000).prop_map(|t| format!("policy = \"cap\"\nt = {t}")),
    ]
}

fn bound_strategy() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        3 => Just(None),
        1 => (1u64..5_000).prop_map(|m| Some(format!("min = {m}"))),
        1 => (1u64..50_000).prop_map(|m| Some(format!("max = {m}"))),
        1 => (1u32..40).prop_map(|e| Some(format!("max_epochs = {}", e as f64 / 4.0))),
    ]
}

/// The bound an entry's count must meet: (min, max) from its bound text,
/// its size, and the policy's cap.
fn limits(bound: &Option<String>, size: u64, policy: &str) -> (u64, u64) {
    let mut lo = 0;
    let mut hi = u64::MAX;
    let num = |s: &str| s.split('=').nth(1).unwrap().trim().parse::<f64>().unwrap();
    if let Some(b) = bound {
        if b.starts_with("min") {
            lo = num(b) as u64;
        } else if b.starts_with("max_epochs") {
            hi = (num(b) * size as f64).floor() as u64;
        } else {
            hi = num(b) as u64;
        }
    }
    for line in policy.lines() {
        if policy.contains("\"cap\"") && line.starts_with("t =") {
            hi = hi.min(num(line) as u64);
        }
        if line.starts_with("max_epochs") {
            hi = hi.min((num(line) * size as f64).floor() as u64);
        }
    }
    (lo, hi)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Every policy meets the budget exactly and honours every bound, or
    /// the bounds cannot be met and the plan says so.
    #[test]
    fn budget_met_exactly_and_bounds_honoured(
        sizes in prop::collection::vec(1u64..100_000, 1..7),
        bounds in prop::collection::vec(bound_strategy(), 7),
        budget in 1u64..400_000,
        policy_text in policy_strategy(),
    ) {
        let n = sizes.len();
        let cat = catalog(&sizes, &[]);
        let r = recipe(Some(budget), &plain(n, &bounds[..n]), &policy(&policy_text));
        match counts(&cat, &r) {
            Ok(c) => {
                prop_assert_eq!(c.values().sum::<u64>(), budget);
                for i in 0..n {
                    let (lo, hi) = limits(&bounds[i], sizes[i], &policy_text);
                    prop_assert!(get(&c, i) >= lo && get(&c, i) <= hi, "d{}: {} not in [{}, {}]", i, get(&c, i), lo, hi);
                }
            }
            Err(e) => prop_assert!(e.contains("infeasible-bounds") || e.contains("zero-samples"), "{}", e),
        }
    }

    /// Temperature 1 is proportional, bounds and all.
    #[test]
    fn temperature_one_equals_proportional(
        sizes in prop::collection::vec(1u64..1_000_000, 1..7),
        bounds in prop::collection::vec(bound_strategy(), 7),
        budget in 1u64..2_000_000,
    ) {
        let n = sizes.len();
        let cat = catalog(&sizes, &[]);
        let mix = plain(n, &bounds[..n]);
        let a = counts(&cat, &recipe(Some(budget), &mix, &policy("policy = \"temperature\"\nt = 1")));
        let b = counts(&cat, &recipe(Some(budget), &mix, &policy("policy = \"proportional\"")));
        prop_assert_eq!(a.ok(), b.ok());
    }

    /// A higher temperature never gives the smallest dataset a smaller share
    /// (within the one sample of rounding).
    #[test]
    fn temperature_flattens_monotonically(
        sizes in prop::collection::vec(1u64..1_000_000, 2..7),
        t in 1u32..50,
        budget in 1_000u64..2_000_000,
    ) {
        let n = sizes.len();
        let cat = catalog(&sizes, &[]);
        let small = (0..n).min_by_key(|&i| (sizes[i], i)).unwrap();
        let at = |t: f64| counts(&cat, &recipe(Some(budget), &plain(n, &[]), &policy(&format!("policy = \"temperature\"\nt = {t}"))));
        // (a low temperature can starve a small dataset: a zero-samples error, not a plan)
        if let (Ok(lo), Ok(hi)) = (at(t as f64 / 10.0), at(t as f64 / 10.0 + 0.5)) {
            prop_assert!(get(&hi, small) + 1 >= get(&lo, small), "{:?} then {:?}", lo, hi);
        }
    }

    /// More allowed epochs never give the smallest source fewer samples under
    /// UniMax; a larger cap never gives the largest source fewer under `cap`;
    /// a larger budget never gives any entry fewer under `proportional`
    /// (each within the one sample of rounding).
    #[test]
    fn policies_are_monotone_in_their_parameter(
        sizes in prop::collection::vec(1u64..100_000, 2..7),
        e in 1u32..20,
        t in 1u64..60_000,
        budget in 1_000u64..200_000,
    ) {
        let n = sizes.len();
        let cat = catalog(&sizes, &[]);
        let small = (0..n).min_by_key(|&i| (sizes[i], i)).unwrap();
        let big = (0..n).max_by_key(|&i| (sizes[i], std::cmp::Reverse(i))).unwrap();
        let run = |b: u64, p: String| counts(&cat, &recipe(Some(b), &plain(n, &[]), &policy(&p)));
        if let (Ok(a), Ok(b)) = (
            run(budget, format!("policy = \"unimax\"\nmax_epochs = {e}")),
            run(budget, format!("policy = \"unimax\"\nmax_epochs = {}", e + 1)),
        ) {
            prop_assert!(get(&b, small) + 1 >= get(&a, small));
        }
        if let (Ok(a), Ok(b)) = (
            run(budget, format!("policy = \"cap\"\nt = {t}")),
            run(budget, format!("policy = \"cap\"\nt = {}", t + 1000)),
        ) {
            prop_assert!(get(&b, big) + 1 >= get(&a, big));
        }
        // A dataset too small for one sample of the budget is an error
        // (`zero-samples`), whatever the budget below it.
        if let (Ok(a), Ok(b)) = (
            run(budget, "policy = \"proportional\"".into()),
            run(budget + 1_000, "policy = \"proportional\"".into()),
        ) {
            for i in 0..n {
                prop_assert!(get(&b, i) + 1 >= get(&a, i));
            }
        }
    }

    /// UniMax: no source beyond its epoch cap; and while budget remains, the
    /// sources below their cap get the same count (within one sample), none
    /// more than a capped one could.
    #[test]
    fn unimax_caps_epochs_and_is_uniform_below_the_cap(
        sizes in prop::collection::vec(1u64..100_000, 1..7),
        e in 1u32..16,
        budget in 1u64..300_000,
    ) {
        let n = sizes.len();
        let cat = catalog(&sizes, &[]);
        let max_epochs = e as f64 / 4.0;
        let p = format!("policy = \"unimax\"\nmax_epochs = {max_epochs}");
        match counts(&cat, &recipe(Some(budget), &plain(n, &[]), &policy(&p))) {
            Ok(c) => {
                let cap = |i: usize| (max_epochs * sizes[i] as f64).floor() as u64;
                for i in 0..n {
                    prop_assert!(get(&c, i) <= cap(i));
                }
                let below: Vec<u64> = (0..n).filter(|&i| get(&c, i) < cap(i)).map(|i| get(&c, i)).collect();
                if let (Some(lo), Some(hi)) = (below.iter().min(), below.iter().max()) {
                    prop_assert!(hi - lo <= 1, "{:?}", c);
                    // a capped source holds no more than the uniform level
                    for i in (0..n).filter(|&i| get(&c, i) == cap(i)) {
                        prop_assert!(get(&c, i) <= hi + 1, "{:?}", c);
                    }
                }
            }
            Err(err) => {
                // only when every cap together is below the budget
                let caps: u64 = (0..n).map(|i| (max_epochs * sizes[i] as f64).floor() as u64).sum();
                prop_assert!(caps < budget || err.contains("zero-samples"), "{}", err);
            }
        }
    }
}

/// The README's drafting example, as a user runs it.
#[test]
fn the_draft_example_plans_as_the_readme_shows() {
    let out = assert_cmd::Command::cargo_bin("mixplan")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["plan", "tests/fixtures/policies/draft.toml", "--gpu", "a100"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    for line in [
        "sampling: temperature (t = 2)",
        // web-captions is held at its max; the others share 700,000 by √n within their groups
        "│ web-captions ┆ temperature t=2, max 300,000  ┆ 300,000 ┆ 300,000 ┆  0.150 ┆ 30.00% │",
        "│ zh-vqa       ┆ temperature t=2               ┆  90,000 ┆ 250,000 ┆  2.778 ┆ 25.00% │",
        // ocr 30% = 300,000 over doc-ocr and scene-text as √300,000 : √40,000
        "│ doc-ocr      ┆ temperature t=2               ┆ 219,756 ┆ 219,756 ┆  0.733 ┆ 21.98% │",
        "│ text-chat    ┆ share 0.1                     ┆ 100,000 ┆ 100,000 ┆  0.667 ┆ 10.00% │",
        "│ scene-text   ┆ temperature t=2, max_epochs 3 ┆  40,000 ┆  80,244 ┆  2.006 ┆  8.02% │",
        "│ chart-qa-en  ┆ temperature t=2               ┆  28,000 ┆  50,000 ┆  1.786 ┆  5.00% │",
        "│ task:ocr        ┆ 30.00% ┆  30.00% ┆ 300,000 ┆ 300,000 │",
        // text: 300,000 × 24 + 250,000 × 60 + 219,756 × 310.5 + 100,000 × 600
        //     + 80,244 × 35 + 50,000 × 42 = 155,342,778
        "tokens: 518,400,000 visual, 155,342,778 text; the LLM runs on 673,742,778",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn a_weight_scales_the_policy_rate_and_include_passes_the_policy_on() {
    // proportional with weight 2 on d0: rates 2 × 100 : 100 → 200 / 100 of 300
    let cat = catalog(&[100, 100, 400], &[]);
    let mix = vec!["{ dataset = \"d0\", weight = 2 }".to_string(), "{ dataset = \"d1\" }".to_string()];
    let c = counts(&cat, &recipe(Some(300), &mix, &policy("policy = \"proportional\""))).unwrap();
    assert_eq!([get(&c, 0), get(&c, 1)], [200, 100]);
    // a stage that includes a capped stage: its own entry is capped too (400 → 150)
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"a\"\nkind = \"sft\"\nmix = [{ dataset = \"d0\" }]\n[stage.sampling]\npolicy = \"cap\"\nt = 150\n\n[[stage]]\nid = \"b\"\nkind = \"sft\"\nafter = [\"a\"]\ninclude = \"r:a\"\nmix = [{ dataset = \"d2\" }]\n";
    let inputs = Inputs::from_strs(&[("c.toml", &cat)], &[("r.toml", r)]);
    let planner = Planner::new(&inputs);
    let plan = planner.plan(planner.find("r").unwrap(), &PlanOptions::default()).plan.unwrap();
    let b = plan.stages.iter().find(|s| s.id == "b").unwrap();
    let seen: Vec<(String, Option<u128>)> =
        b.entries.iter().map(|e| (e.dataset.clone(), e.count.seen)).collect();
    assert_eq!(seen, vec![("d2".to_string(), Some(150)), ("d0".to_string(), Some(100))]);
    assert_eq!(b.sampling.as_ref().map(|s| s.policy), Some("cap"));
}
