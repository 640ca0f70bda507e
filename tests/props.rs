//! Invariants of the counting rules, over generated inputs.

use mixplan::diag::Diagnostics;
use mixplan::id::Id;
use mixplan::load::Inputs;
use mixplan::num::apportion;
use mixplan::plan::{PlanOptions, Planner};
use num_bigint::BigInt;
use num_rational::BigRational;
use proptest::prelude::*;

proptest! {
    /// Largest remainder: the counts add up to the total exactly, and each is
    /// within one sample of its exact share.
    #[test]
    fn apportioned_counts_add_up_and_stay_within_one(total in 0u64..10_000_000, weights in prop::collection::vec(1u64..1_000_000, 1..40)) {
        let sum: u64 = weights.iter().sum();
        let exact: Vec<(usize, BigRational)> = weights
            .iter()
            .enumerate()
            .map(|(i, w)| (i, BigRational::new(BigInt::from(total) * BigInt::from(*w), BigInt::from(sum))))
            .collect();
        let counts = apportion(&BigInt::from(total), &exact);
        let added: BigInt = counts.iter().sum();
        prop_assert_eq!(added, BigInt::from(total));
        for (c, (_, x)) in counts.iter().zip(&exact) {
            let diff = BigRational::from_integer(c.clone()) - x;
            prop_assert!(diff > BigRational::from_integer((-1).into()) && diff < BigRational::from_integer(1.into()));
        }
    }
}

#[derive(Debug, Clone)]
enum Take {
    Whole,
    Samples(u64),
    Fraction(u32),
    Epochs(u32),
    Weight(u32),
}

fn take() -> impl Strategy<Value = Take> {
    prop_oneof![
        Just(Take::Whole),
        (1u64..5000).prop_map(Take::Samples),
        (1u32..=100).prop_map(Take::Fraction),
        (1u32..400).prop_map(Take::Epochs),
        (1u32..50).prop_map(Take::Weight),
    ]
}

fn catalog_text(sizes: &[u64], order: &[usize]) -> String {
    let mut out = String::new();
    for &i in order {
        out += &format!(
            "[[dataset]]\nid = \"d{i}\"\nname = \"D{i}\"\nstages = [\"sft\"]\nmodalities = [\"{}\"]\nsamples = {}\nsource = \"generated\"\n\n",
            if i % 2 == 0 { "image" } else { "text" },
            sizes[i]
        );
    }
    // a composite over the first three datasets, with a subset of d0
    out += "[[dataset]]\nid = \"combo\"\nname = \"Combo\"\nstages = [\"sft\"]\nsource = \"generated\"\n";
    out += &format!("components = [{{ dataset = \"d0\", samples = {} }}, {{ dataset = \"d1\" }}, {{ dataset = \"d2\" }}]\n\n", sizes[0].div_ceil(2));
    out
}

fn recipe_text(takes: &[(usize, Take)], order: &[usize]) -> String {
    let mut mix = Vec::new();
    for &i in order {
        let (d, t) = &takes[i];
        let name = if *d == 99 { "combo".to_string() } else { format!("d{d}") };
        mix.push(match t {
            Take::Whole => format!("{{ dataset = \"{name}\" }}"),
            Take::Samples(n) => format!("{{ dataset = \"{name}\", samples = {n} }}"),
            Take::Fraction(p) => format!("{{ dataset = \"{name}\", fraction = {} }}", *p as f64 / 100.0),
            Take::Epochs(e) => format!("{{ dataset = \"{name}\", epochs = {} }}", *e as f64 / 100.0),
            Take::Weight(w) => format!("{{ dataset = \"{name}\", weight = {w} }}"),
        });
    }
    format!(
        "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nbudget = 100000000\nmix = [{}]\n",
        mix.join(", ")
    )
}

fn plan_json(catalog: &str, recipe: &str) -> String {
    let inputs = Inputs::from_strs(&[("c.toml", catalog)], &[("r.toml", recipe)]);
    let mut diags = Diagnostics::default();
    let planner = Planner::new(&inputs, &mut diags);
    assert!(!inputs.diags.has_errors() && !diags.has_errors(), "{}", inputs.diags.render(&inputs.sources));
    let plan = planner
        .plan(&Id::parse("r").unwrap(), &PlanOptions { batch_size: Some(64) }, &mut diags)
        .expect("plans");
    serde_json::to_string(&plan).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The plan does not depend on the order of datasets in the catalog or of
    /// entries in the mix.
    #[test]
    fn output_is_unchanged_when_entries_are_shuffled(
        sizes in prop::collection::vec(1u64..100_000, 6),
        takes in prop::collection::vec(((0usize..6).prop_map(|d| if d == 5 { 99 } else { d }), take()), 1..8),
        seed in any::<u64>(),
    ) {
        let n = sizes.len();
        let forward: Vec<usize> = (0..n).collect();
        let mut shuffled = forward.clone();
        let mut state = seed | 1;
        for i in (1..n).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let m = takes.len();
        let entries: Vec<usize> = (0..m).collect();
        let reversed: Vec<usize> = (0..m).rev().collect();
        let a = plan_json(&catalog_text(&sizes, &forward), &recipe_text(&takes, &entries));
        let b = plan_json(&catalog_text(&sizes, &shuffled), &recipe_text(&takes, &reversed));
        prop_assert_eq!(a, b);
    }

    /// A composite's leaves add up to what the entry takes, exactly.
    #[test]
    fn leaves_add_up_to_the_entries(sizes in prop::collection::vec(1u64..100_000, 6), k in 1u64..1_000_000) {
        let cat = catalog_text(&sizes, &(0..6).collect::<Vec<_>>());
        let recipe = format!("id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{{ dataset = \"combo\", samples = {k} }}]\n");
        let v: serde_json::Value = serde_json::from_str(&plan_json(&cat, &recipe)).unwrap();
        let sum: u64 = v["stages"][0]["leaves"].as_array().unwrap().iter().map(|l| l["samples"].as_u64().unwrap()).sum();
        prop_assert_eq!(sum, k);
    }
}
