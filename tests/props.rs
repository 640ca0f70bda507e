//! Invariants of the counting rules, over generated inputs.

use mixplan::load::Inputs;
use mixplan::num::apportion;
use mixplan::plan::{BatchSize, PlanOptions, Planner};
use num_bigint::BigInt;
use num_rational::BigRational;
use proptest::prelude::*;

proptest! {
    /// Largest remainder: the counts add up to the total exactly, and each is
    /// within one sample of its exact share.
    #[test]
    fn apportioned_counts_add_up_and_stay_within_one(total in 0u64..10_000_000, weights in prop::collection::vec(1u64..1_000_000, 1..40)) {
        let sum: u64 = weights.iter().sum();
        let exact: Vec<BigRational> = weights
            .iter()
            .map(|w| BigRational::new(BigInt::from(total) * BigInt::from(*w), BigInt::from(sum)))
            .collect();
        let counts = apportion(&BigInt::from(total), &exact, |a, b| a.cmp(&b));
        let added: BigInt = counts.iter().sum();
        prop_assert_eq!(added, BigInt::from(total));
        let fast = mixplan::num::apportion_weights(u128::from(total), &weights.iter().map(|&w| u128::from(w)).collect::<Vec<_>>(), |a, b| a.cmp(&b));
        prop_assert_eq!(fast.iter().map(|&n| BigInt::from(n)).collect::<Vec<_>>(), counts.clone());
        for (c, x) in counts.iter().zip(&exact) {
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
        (5u32..=100).prop_map(Take::Fraction),
        (50u32..400).prop_map(Take::Epochs),
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

fn plan_of(catalog: &str, recipe: &str) -> mixplan::plan::Plan {
    let inputs = Inputs::from_strs(&[("c.toml", catalog)], &[("r.toml", recipe)]);
    let planner = Planner::new(&inputs);
    let r = planner.find("r").expect("recipe r");
    let opts = PlanOptions { batch_size: Some(BatchSize::Fixed(64)), ..Default::default() };
    let planned = planner.plan(r, &opts);
    planned.plan.unwrap_or_else(|| {
        let d: mixplan::diag::Diagnostics = planned.diags.into_iter().collect();
        panic!("{}", d.render(&inputs.sources))
    })
}

/// The plan as JSON without the places its warnings point at (which move
/// with the entries), warnings in one order.
fn plan_json(catalog: &str, recipe: &str) -> String {
    let mut v = serde_json::to_value(plan_of(catalog, recipe)).unwrap();
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("location");
                o.values_mut().for_each(strip);
                if let Some(serde_json::Value::Array(w)) = o.get_mut("warnings") {
                    w.sort_by_key(|x| x.to_string());
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v.to_string()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// The plan does not depend on the order of datasets in the catalog or of
    /// entries in the mix.
    #[test]
    fn output_is_unchanged_when_entries_are_shuffled(
        sizes in prop::collection::vec(20u64..100_000, 6),
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
    fn leaves_add_up_to_the_entries(sizes in prop::collection::vec(20u64..100_000, 6), k in 1u64..1_000_000) {
        let cat = catalog_text(&sizes, &(0..6).collect::<Vec<_>>());
        let recipe = format!("id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{{ dataset = \"combo\", samples = {k} }}]\n");
        let v: serde_json::Value = serde_json::from_str(&plan_json(&cat, &recipe)).unwrap();
        let sum: u64 = v["stages"][0]["leaves"].as_array().unwrap().iter().map(|l| l["seen"].as_u64().unwrap()).sum();
        prop_assert_eq!(sum, k);
    }
}

/// A catalog where some datasets have no size (`None`) and a composite over
/// all of them; a recipe taking each in turn.
fn catalog_with_unknowns(sizes: &[Option<u64>]) -> String {
    let mut out = String::new();
    for (i, s) in sizes.iter().enumerate() {
        let size = s.map_or(String::new(), |n| format!("samples = {n}\n"));
        out += &format!("[[dataset]]\nid = \"d{i}\"\nname = \"D{i}\"\nstages = [\"sft\"]\nmodalities = [\"image\"]\n{size}source = \"generated\"\n\n");
    }
    let parts: Vec<String> = (0..sizes.len()).map(|i| format!("{{ dataset = \"d{i}\" }}")).collect();
    out += &format!("[[dataset]]\nid = \"mix\"\nname = \"Mix\"\nstages = [\"sft\"]\nsamples = 1000\napprox = true\nsource = \"generated\"\ncomponents = [{}]\n", parts.join(", "));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Unknown stays unknown in every format: no count, share or total of an
    /// unknown is rendered as 0, and the shares of each stage's leaves
    /// (with the unattributed rest) add up to 1 in the CSV.
    #[test]
    fn unknowns_are_never_zero_and_csv_shares_add_up(
        sizes in prop::collection::vec(prop::option::weighted(0.6, 20u64..10_000), 2..7),
        take_mix in any::<bool>(),
    ) {
        let cat = catalog_with_unknowns(&sizes);
        let mut mix: Vec<String> = (0..sizes.len()).map(|i| format!("{{ dataset = \"d{i}\" }}")).collect();
        if take_mix {
            mix.push("{ dataset = \"mix\" }".into());
        }
        let recipe = format!("id = \"r\"\nname = \"R\"\nallow = [\"counted-twice\"]\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{}]\n", mix.join(", "));
        let plan = plan_of(&cat, &recipe);
        let unknown: Vec<String> = sizes.iter().enumerate().filter(|(_, s)| s.is_none()).map(|(i, _)| format!("d{i}")).collect();
        // JSON: unknown counts are null
        let v: serde_json::Value = serde_json::to_value(&plan).unwrap();
        for e in v["stages"][0]["entries"].as_array().unwrap().iter().chain(v["stages"][0]["leaves"].as_array().unwrap()) {
            if unknown.iter().any(|u| e["dataset"] == u.as_str()) {
                prop_assert!(e["unique"].is_null() && e["seen"].is_null() && e["share"].is_null(), "{e}");
            }
        }
        if !unknown.is_empty() {
            prop_assert!(v["stages"][0]["total_unique"].is_null() && v["total_seen"].is_null());
        }
        // table and Markdown: an unknown row shows `-`, never 0
        for format in [mixplan::report::Format::Table, mixplan::report::Format::Md] {
            let text = mixplan::report::plan::render(&plan, format);
            for line in text.lines() {
                let cells: Vec<&str> = line.split(['│', '┆', '|']).map(str::trim).collect();
                if cells.iter().any(|c| unknown.iter().any(|u| c == u)) {
                    prop_assert!(!cells.iter().any(|c| *c == "0" || *c == "0.00%"), "{line}");
                }
            }
            prop_assert!(!text.contains("at least 0"), "{text}");
        }
        // CSV: unknown cells are empty; leaf shares of the stage add up to 1
        let csv = mixplan::report::csv::plans(std::slice::from_ref(&plan));
        let mut rd = csv::Reader::from_reader(csv.as_bytes());
        let header = rd.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (level, dataset, seen, share) = (col("level"), col("dataset"), col("seen"), col("share_of_stage"));
        let mut sum = 0.0;
        let mut any_known = false;
        for r in rd.records() {
            let r = r.unwrap();
            if unknown.iter().any(|u| &r[dataset] == u.as_str()) {
                prop_assert!(r[seen].is_empty() && r[share].is_empty(), "{:?}", r);
            }
            if &r[level] == "leaf" && !r[share].is_empty() {
                sum += r[share].parse::<f64>().unwrap();
                any_known = true;
            }
        }
        if any_known {
            prop_assert!((sum - 1.0).abs() < 1e-9, "leaf shares add up to {sum}");
        }
    }
}
