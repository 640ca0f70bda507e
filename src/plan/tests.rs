//! The counting rules with numbers worked out by hand.

use super::{Plan, PlanOptions, Planner};
use crate::load::Inputs;

/// Plans recipe `r` from in-memory files; returns the plan and every
/// diagnostic that concerns it, rendered.
fn plan_of(catalog: &str, recipes: &[&str]) -> (Option<Plan>, String) {
    plan_with(catalog, recipes, &PlanOptions::default())
}

fn plan_with(catalog: &str, recipes: &[&str], opts: &PlanOptions) -> (Option<Plan>, String) {
    let named: Vec<(String, &str)> =
        recipes.iter().enumerate().map(|(i, t)| (format!("r{i}.toml"), *t)).collect();
    let refs: Vec<(&str, &str)> = named.iter().map(|(n, t)| (n.as_str(), *t)).collect();
    let inputs = Inputs::from_strs(&[("c.toml", catalog)], &refs);
    let planner = Planner::new(&inputs);
    let Ok(r) = planner.find("r") else {
        let all: crate::diag::Diagnostics =
            inputs.diags.iter().chain(planner.diags.iter()).cloned().collect();
        return (None, all.render(&inputs.sources));
    };
    let planned = planner.plan(r, opts);
    let all: crate::diag::Diagnostics = planned.diags.into_iter().collect();
    (planned.plan, all.render(&inputs.sources))
}

fn ds(id: &str, samples: Option<u64>) -> String {
    let size = samples.map_or(String::new(), |n| format!("samples = {n}\n"));
    format!("[[dataset]]\nid = \"{id}\"\nname = \"{id}\"\nstages = [\"sft\"]\nmodalities = [\"image\"]\nlanguages = [\"en\"]\n{size}source = \"test\"\n\n")
}

fn recipe(stage_extra: &str, mix: &str) -> String {
    format!("id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\n{stage_extra}\nmix = [{mix}]\n")
}

/// (dataset, seen) of the stage's entries, in the plan's order.
fn entries(p: &Plan) -> Vec<(String, Option<u128>)> {
    p.stages[0].entries.iter().map(|e| (e.dataset.clone(), e.count.seen)).collect()
}

fn leaves(p: &Plan) -> Vec<(String, Option<u128>)> {
    let mut v: Vec<_> = p.stages[0].leaves.iter().map(|l| (l.dataset.clone(), l.count.seen)).collect();
    v.sort();
    v
}

fn s(id: &str, n: u128) -> (String, Option<u128>) {
    (id.to_string(), Some(n))
}

fn codes(p: &Plan) -> Vec<&'static str> {
    p.stages.iter().flat_map(|s| s.warnings.iter().map(|w| w.code)).collect()
}

#[test]
fn whole_samples_fraction_and_epochs() {
    // a = 100 whole -> 100; b = 250 samples of 100 -> 250 (2.5 epochs);
    // c = fraction 0.5 of 5 -> 2.5 -> half to even -> 2;
    // d = fraction 0.7 of 5 -> 3.5 -> 4; e = epochs 1.5 of 3 -> 4.5 -> 4;
    // f = epochs 2.5 of 3 -> 7.5 -> 8
    let cat = [
        ds("a", Some(100)),
        ds("b", Some(100)),
        ds("c", Some(5)),
        ds("d", Some(5)),
        ds("e", Some(3)),
        ds("f", Some(3)),
    ]
    .concat();
    let r = recipe(
        "",
        r#"{dataset="a"},{dataset="b",samples=250},{dataset="c",fraction=0.5},{dataset="d",fraction=0.7},{dataset="e",epochs=1.5},{dataset="f",epochs=2.5}"#,
    );
    let (p, err) = plan_of(&cat, &[&r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let mut got = entries(&p);
    got.sort();
    assert_eq!(got, vec![s("a", 100), s("b", 250), s("c", 2), s("d", 4), s("e", 4), s("f", 8)]);
    // seen 100+250+2+4+4+8 = 368; unique caps each at its size:
    // 100 + 100 + 2 + 4 + 3 + 3 = 212
    let t = &p.stages[0].totals;
    assert_eq!((t.total_unique, t.total_seen, t.complete), (Some(212), Some(368), true));
    let b = p.stages[0].entries.iter().find(|e| e.dataset == "b").unwrap();
    assert_eq!((b.count.unique, b.count.epochs), (Some(100), Some(2.5)));
    // share of b: 250 / 368 = 0.679347...
    assert!((b.count.share.unwrap() - 250.0 / 368.0).abs() < 1e-12);
}

#[test]
fn fraction_uses_the_decimal_as_written() {
    // 0.3 x 5 = 1.5 exactly -> half to even -> 2 (a binary 0.3 is just
    // below 0.3 and would give 1); 0.1 x 5 = 0.5 -> 0 samples: an error
    let cat = ds("a", Some(5));
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="a",fraction=0.3}"#)]);
    assert_eq!(entries(&p.unwrap_or_else(|| panic!("{err}"))), vec![s("a", 2)]);
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="a",fraction=0.1}"#)]);
    assert!(p.is_none());
    assert!(
        err.contains("error[zero-samples]: `fraction 0.1` of `a` (5 samples) rounds to no sample"),
        "{err}"
    );
}

#[test]
fn weights_share_what_the_absolute_entries_leave() {
    // budget 1000, a takes 100 -> 900 left for b:c:d = 1:1:1 -> 300 each
    let cat = [ds("a", Some(50)), ds("b", Some(10)), ds("c", Some(10)), ds("d", Some(10))].concat();
    let r = recipe(
        "budget = 1000",
        r#"{dataset="a",samples=100},{dataset="b",weight=1},{dataset="c",weight=1},{dataset="d",weight=1}"#,
    );
    let (p, err) = plan_of(&cat, &[&r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let mut got = entries(&p);
    got.sort();
    assert_eq!(got, vec![s("a", 100), s("b", 300), s("c", 300), s("d", 300)]);
    assert_eq!(p.stages[0].totals.total_seen, Some(1000));
    // b: 300 of a 10-sample dataset = 30 epochs, 10 distinct samples
    let b = p.stages[0].entries.iter().find(|e| e.dataset == "b").unwrap();
    assert_eq!((b.count.epochs, b.count.unique), (Some(30.0), Some(10)));
}

#[test]
fn weight_ties_go_to_the_smaller_id() {
    // budget 10 over z:y:x = 1:1:1 -> 3.33 each; floors 3+3+3, one left,
    // equal remainders -> the smallest id "x" gets it
    let cat = [ds("x", Some(1)), ds("y", Some(1)), ds("z", Some(1))].concat();
    let r = recipe("budget = 10", r#"{dataset="z",weight=1},{dataset="y",weight=1},{dataset="x",weight=1}"#);
    let (p, err) = plan_of(&cat, &[&r]);
    let mut got = entries(&p.unwrap_or_else(|| panic!("{err}")));
    got.sort();
    assert_eq!(got, vec![s("x", 4), s("y", 3), s("z", 3)]);
}

#[test]
fn uneven_weights_use_the_largest_remainder() {
    // budget 7, weights 1.2 : 2.5 : 3.3 (sum 7) -> exact 1.2, 2.5, 3.3;
    // floors 1+2+3 = 6, the one left goes to remainder 0.5 (b)
    let cat = [ds("a", Some(1)), ds("b", Some(1)), ds("c", Some(1))].concat();
    let r =
        recipe("budget = 7", r#"{dataset="a",weight=1.2},{dataset="b",weight=2.5},{dataset="c",weight=3.3}"#);
    let (p, err) = plan_of(&cat, &[&r]);
    let mut got = entries(&p.unwrap_or_else(|| panic!("{err}")));
    got.sort();
    assert_eq!(got, vec![s("a", 1), s("b", 3), s("c", 3)]);
}

#[test]
fn composite_splits_by_largest_remainder() {
    // x = 3 of a (size 10) + all of b (7) -> size 10.
    // 5 samples of x: a 5x3/10 = 1.5, b 5x7/10 = 3.5; floors 1 + 3 = 4;
    // the one left: equal remainders 0.5 -> smaller id a -> a 2, b 3.
    let cat = [
        ds("a", Some(10)),
        ds("b", Some(7)),
        "[[dataset]]\nid = \"x\"\nname = \"X\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{dataset=\"a\",samples=3},{dataset=\"b\"}]\n\n".into(),
    ]
    .concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="x",samples=5}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(leaves(&p), vec![s("a", 2), s("b", 3)]);
    let a = p.stages[0].leaves.iter().find(|l| l.dataset == "a").unwrap();
    // epochs against a's own size: 2 / 10
    assert_eq!(a.count.epochs, Some(0.2));
    assert_eq!(a.via, vec!["x".to_string()]);
}

#[test]
fn nested_subsets_round_once_at_the_leaves() {
    // x = 3 of a + 7 of b (size 10); y = 4 of x + all of c (6) -> size 10.
    // y whole: a 4x3/10 = 1.2, b 4x7/10 = 2.8, c 6; floors 1+2+6 = 9; the one
    // left goes to the largest remainder (b, 0.8) -> a 1, b 3, c 6.
    let cat = [
        ds("a", Some(10)),
        ds("b", Some(7)),
        ds("c", Some(6)),
        "[[dataset]]\nid = \"x\"\nname = \"X\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{dataset=\"a\",samples=3},{dataset=\"b\"}]\n\n".into(),
        "[[dataset]]\nid = \"y\"\nname = \"Y\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{dataset=\"x\",samples=4},{dataset=\"c\"}]\n\n".into(),
    ]
    .concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="y"}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(leaves(&p), vec![s("a", 1), s("b", 3), s("c", 6)]);
    let a = p.stages[0].leaves.iter().find(|l| l.dataset == "a").unwrap();
    assert_eq!(a.via, vec!["y".to_string(), "x".to_string()]);
}

#[test]
fn reaching_a_leaf_twice_is_a_warning() {
    // x contains a; the stage takes x and a again
    let cat = [
        ds("a", Some(10)),
        "[[dataset]]\nid = \"x\"\nname = \"X\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{dataset=\"a\"}]\n\n".into(),
    ]
    .concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="x"},{dataset="a"}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(leaves(&p), vec![s("a", 20)]);
    let w: Vec<&str> = p.stages[0].warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        w,
        vec!["`a` is reached 2 times in this stage (`a` and `x → a`); it is probably counted twice"]
    );
}

#[test]
fn a_leaf_in_several_composites_shows_two_different_chains() {
    // x lists a twice and y once: three paths. The best chain is x's (the
    // smaller id at equal depth); the second must come from another
    // composite, y, not from x's second listing.
    let cat = [
        ds("a", Some(10)),
        "[[dataset]]\nid = \"x\"\nname = \"X\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{dataset=\"a\",samples=4},{dataset=\"a\",samples=6}]\n\n".into(),
        "[[dataset]]\nid = \"y\"\nname = \"Y\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{dataset=\"a\"}]\n\n".into(),
    ]
    .concat();
    for entries in [r#"{dataset="x"},{dataset="y"}"#, r#"{dataset="y"},{dataset="x"}"#] {
        let (p, err) = plan_of(&cat, &[&recipe("", entries)]);
        let p = p.unwrap_or_else(|| panic!("{err}"));
        let w: Vec<&str> = p.stages[0].warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            w,
            vec!["`a` is reached 3 times in this stage (`x → a` and `y → a` and 1 more); it is probably counted twice"],
            "{entries}"
        );
    }
}

#[test]
fn unknown_sizes_stay_unknown() {
    // u has no size: whole -> unknown; the total is the known part (a = 30),
    // shares are over it, and the stage is incomplete. v: samples on an
    // unknown-size dataset are fine (10).
    let cat = [ds("a", Some(30)), ds("u", None), ds("v", None)].concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="a"},{dataset="u"},{dataset="v",samples=10}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let st = &p.stages[0];
    assert!(!st.totals.complete && !p.totals.complete);
    assert_eq!((st.totals.total_seen, st.totals.known_seen), (None, 40));
    assert_eq!((p.totals.total_unique, p.totals.known_unique), (None, 40));
    let u = st.entries.iter().find(|e| e.dataset == "u").unwrap();
    assert_eq!((u.count.seen, u.count.unique, u.count.share, u.count.epochs), (None, None, None, None));
    let v = st.entries.iter().find(|e| e.dataset == "v").unwrap();
    assert_eq!((v.count.seen, v.count.epochs), (Some(10), None));
    assert_eq!(st.entries.iter().find(|e| e.dataset == "a").unwrap().count.share, Some(0.75));
}

#[test]
fn include_brings_the_mix_and_the_budget() {
    // base:s has a weighted entry and budget 8; r:t includes it and adds b.
    let cat = [ds("a", Some(2)), ds("b", Some(5))].concat();
    let base = "id = \"base\"\nname = \"B\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nbudget = 8\nmix = [{dataset=\"a\",weight=1}]\n";
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"t\"\nkind = \"sft\"\ninclude = \"base:s\"\nmix = [{dataset=\"b\",samples=2}]\n";
    let (p, err) = plan_of(&cat, &[base, r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    // budget 8 - 2 (b) = 6 for a
    let mut got = entries(&p);
    got.sort();
    assert_eq!(got, vec![s("a", 6), s("b", 2)]);
    assert_eq!(p.stages[0].budget, Some(8));
    let a = p.stages[0].entries.iter().find(|e| e.dataset == "a").unwrap();
    assert_eq!(a.from.as_deref(), Some("base:s"));
}

#[test]
fn extends_replaces_a_stage_with_the_same_id() {
    let cat = [ds("a", Some(2)), ds("b", Some(5))].concat();
    let parent = "id = \"p\"\nname = \"P\"\n[[stage]]\nid = \"pt\"\nkind = \"pretrain\"\nmix = [{dataset=\"a\"}]\n[[stage]]\nid = \"ft\"\nkind = \"sft\"\nafter = [\"pt\"]\nmix = [{dataset=\"a\"}]\n";
    let child = "id = \"r\"\nname = \"R\"\nextends = \"p\"\n[[stage]]\nid = \"ft\"\nkind = \"sft\"\nafter = [\"pt\"]\nmix = [{dataset=\"b\"}]\n";
    let (p, err) = plan_of(&cat, &[parent, child]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let ids: Vec<(&str, &str, Option<u128>)> =
        p.stages.iter().map(|s| (s.id.as_str(), s.defined_in.as_str(), s.totals.total_seen)).collect();
    assert_eq!(ids, vec![("pt", "p", Some(2)), ("ft", "r", Some(5))]);
}

#[test]
fn stages_follow_after_not_file_order() {
    let cat = ds("a", Some(1));
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"second\"\nkind = \"sft\"\nafter = [\"first\"]\nmix = [{dataset=\"a\"}]\n[[stage]]\nid = \"first\"\nkind = \"pretrain\"\nmix = [{dataset=\"a\"}]\n";
    let (p, err) = plan_of(&cat, &[r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let order: Vec<&str> = p.stages.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(order, vec!["first", "second"]);
}

/// `levels` levels of two composites; each level's two composites both
/// contain both composites (or leaves) of the level below, so level n reaches
/// each leaf by 2^(n-1) paths.
fn diamonds(levels: usize, leaf_size: u64, take: Option<u64>) -> String {
    let mut cat = ds("a", Some(leaf_size)) + &ds("b", Some(leaf_size));
    let mut below = ("a".to_string(), "b".to_string());
    for level in 1..=levels {
        let comp = |d: &str| match take {
            Some(n) => format!("{{dataset=\"{d}\",samples={n}}}"),
            None => format!("{{dataset=\"{d}\"}}"),
        };
        let pair = (format!("l{level}x"), format!("l{level}y"));
        for id in [&pair.0, &pair.1] {
            cat += &format!(
                "[[dataset]]\nid = \"{id}\"\nname = \"{id}\"\nstages = [\"sft\"]\nsource = \"t\"\ncomponents = [{}, {}]\n\n",
                comp(&below.0),
                comp(&below.1)
            );
        }
        below = pair;
    }
    cat
}

#[test]
fn sixty_levels_of_shared_diamonds_plan_through_edges_not_paths() {
    // 60 diamond levels above the first pair: 2^60 paths from l61x to a.
    // Every component holds 1 sample of its child: each composite has size
    // 2, half a, half b, however deep. 10 samples of the top: a 5, b 5.
    let cat = diamonds(61, 1, Some(1));
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="l61x",samples=10}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(leaves(&p), vec![s("a", 5), s("b", 5)]);
    let a = &p.stages[0].leaves[0];
    assert_eq!(a.paths, super::PathCount::Exact(1u128 << 60));
    assert!(p.stages[0].warnings[0].message.starts_with("`a` is reached 1,152,921,504,606,846,976 times"));
}

#[test]
fn sizes_that_overflow_64_bits_are_an_error() {
    // whole children: level n has size 2^n (leaves of 1), so level 64 would
    // need 2^64 = u64::MAX + 1 samples
    let cat = diamonds(64, 1, None);
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="l64x"}"#)]);
    assert!(p.is_none());
    assert!(err.contains("error[overflow]: the size of composite `l64x` does not fit in 64 bits"), "{err}");
    assert!(!err.contains("`l63x` does not fit"), "{err}");
}

#[test]
fn a_stated_size_must_match_the_components() {
    let cat = [
        ds("a", Some(3)),
        "[[dataset]]\nid = \"x\"\nname = \"X\"\nstages = [\"sft\"]\nsamples = 4\nsource = \"t\"\ncomponents = [{dataset=\"a\"}]\n\n".into(),
    ]
    .concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="x"}"#)]);
    assert!(p.is_none());
    assert!(
        err.contains(
            "error[composite-mismatch]: composite `x` states 4 samples but its components add up to 3"
        ),
        "{err}"
    );
}

#[test]
fn an_approx_stated_size_gives_way_to_the_components() {
    // x says "about 4" but holds exactly 3: a warning, and 3 is used
    let cat = [
        ds("a", Some(3)),
        "[[dataset]]\nid = \"x\"\nname = \"X\"\nstages = [\"sft\"]\nsamples = 4\napprox = true\nsource = \"t\"\ncomponents = [{dataset=\"a\"}]\n\n".into(),
    ]
    .concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="x"}"#)]);
    assert!(err.starts_with("warning[composite-mismatch]: composite `x` states 4 samples"), "{err}");
    assert_eq!(p.expect("plans").stages[0].totals.total_seen, Some(3));
}

#[test]
fn a_subset_of_unstated_size_is_unknown_and_the_stated_total_is_kept() {
    // a: 10 whole; b: an unstated part -> unknown; the stage is incomplete
    // at 10 and keeps the source's own figure (stated_samples = 25)
    let cat = [ds("a", Some(10)), ds("b", Some(1000))].concat();
    let r = recipe("stated_samples = 25", r#"{dataset="a"},{dataset="b",subset=true}"#);
    let (p, err) = plan_of(&cat, &[&r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let st = &p.stages[0];
    assert_eq!((st.totals.known_unique, st.totals.complete, st.stated_samples), (10, false, Some(25)));
    let b = st.entries.iter().find(|e| e.dataset == "b").unwrap();
    assert_eq!((b.take, b.count.unique), ("subset", None));
}

#[test]
fn a_complete_stage_that_disagrees_with_its_source_is_flagged() {
    let cat = ds("a", Some(10));
    let (p, err) = plan_of(&cat, &[&recipe("stated_samples = 12", r#"{dataset="a"}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let w: Vec<&str> = p.stages[0].warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(w, vec!["the plan counts 10 distinct samples; the stage's source states 12"]);
}

#[test]
fn a_stated_total_in_words_allows_the_rounding_it_was_written_with() {
    // "1.2M" was rounded to 100,000, so it covers 1,150,000 ..= 1,250,000:
    // a complete plan of 1,246,000 agrees with it, one of 1,251,000 does not
    for (size, warned) in [(1_246_000, false), (1_150_000, false), (1_251_000, true)] {
        let cat = ds("a", Some(size));
        let (p, err) = plan_of(&cat, &[&recipe(r#"stated_samples = "1.2M""#, r#"{dataset="a"}"#)]);
        let st = &p.unwrap_or_else(|| panic!("{err}")).stages[0];
        assert_eq!((st.stated_samples, st.stated_as.as_deref()), (Some(1_200_000), Some("1.2M")));
        let expected: Vec<String> = if warned {
            vec![format!(
                "the plan counts {} distinct samples; the stage's source states 1,200,000 as `1.2M`",
                crate::num::thousands(size as u128)
            )]
        } else {
            vec![]
        };
        let got: Vec<String> = st.warnings.iter().map(|w| w.message.clone()).collect();
        assert_eq!(got, expected, "{size}");
    }
}

fn composite(id: &str, samples: Option<u64>, components: &str) -> String {
    let size = samples.map_or(String::new(), |n| format!("samples = {n}\napprox = true\n"));
    format!("[[dataset]]\nid = \"{id}\"\nname = \"{id}\"\nstages = [\"sft\"]\n{size}source = \"t\"\ncomponents = [{components}]\n\n")
}

#[test]
fn training_epochs_multiply_seen_not_unique() {
    // a whole (10) in a stage of 3 epochs: unique 10, seen 30; b taken
    // twice per pass (epochs = 2, size 4): unique 4, seen 8 × 3 = 24
    let cat = [ds("a", Some(10)), ds("b", Some(4))].concat();
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{dataset=\"a\"},{dataset=\"b\",epochs=2}]\n[stage.training]\nepochs = 3\n";
    let (p, err) = plan_of(&cat, &[r]);
    let st = &p.unwrap_or_else(|| panic!("{err}")).stages[0];
    assert_eq!((st.totals.total_unique, st.totals.total_seen), (Some(14), Some(54)));
    assert!(st.passes_stated && st.passes == 3.0);
    let b = st.entries.iter().find(|e| e.dataset == "b").unwrap();
    // seen 24 over a 4-sample dataset: 6 epochs
    assert_eq!((b.count.unique, b.count.seen, b.count.epochs), (Some(4), Some(24), Some(6.0)));
}

#[test]
fn fractional_training_epochs_split_the_rounded_total() {
    // 1.5 epochs over a (3) and b (3): seen = 1.5 × 6 = 9 exactly, split
    // 4.5 : 4.5 -> largest remainder, tie to the smaller id -> a 5, b 4
    let cat = [ds("a", Some(3)), ds("b", Some(3))].concat();
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{dataset=\"a\"},{dataset=\"b\"}]\n[stage.training]\nepochs = 1.5\n";
    let (p, err) = plan_of(&cat, &[r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(leaves(&p), vec![s("a", 5), s("b", 4)]);
    assert_eq!(p.stages[0].totals.total_seen, Some(9));
}

#[test]
fn a_known_total_over_unknown_parts_is_unattributed() {
    // d = about 100 samples over u and v of unknown size, plus known w (5):
    // its 100 cannot be split except w's 5 (5/100 of it): 95 unattributed;
    // the stage total is known (100 + 20 of a), not complete, and shares
    // add up to 1 with the unattributed row.
    let cat = [
        ds("a", Some(20)),
        ds("u", None),
        ds("v", None),
        ds("w", Some(5)),
        composite("d", Some(100), r#"{dataset="u"},{dataset="v"},{dataset="w"}"#),
    ]
    .concat();
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="d"},{dataset="a"}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let st = &p.stages[0];
    assert_eq!((st.totals.total_unique, st.totals.complete), (Some(120), false));
    let u = st.unattributed.as_ref().expect("an unattributed row");
    assert_eq!((u.unique, u.seen), (Some(95), Some(95)));
    let known: u128 = st.leaves.iter().filter_map(|l| l.count.seen).sum();
    assert_eq!(known + 95, 120);
    let shares: f64 = st.leaves.iter().filter_map(|l| l.count.share).sum::<f64>() + u.share.unwrap();
    assert!((shares - 1.0).abs() < 1e-12);
    assert_eq!(st.breakdown.by_modality.get("unattributed"), Some(&(95.0 / 120.0)));
    assert!(codes(&p).contains(&"unattributed"));
}

#[test]
fn a_ten_thousand_deep_chain_plans_without_recursion() {
    // c1 holds the leaf a, every c(k) holds c(k-1) whole: one leaf, one
    // via chain of 10,000 composites
    let mut cat = ds("a", Some(7));
    cat += &composite("c1", None, r#"{dataset="a"}"#);
    for k in 2..=10_000 {
        cat += &composite(&format!("c{k}"), None, &format!("{{dataset=\"c{}\"}}", k - 1));
    }
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="c10000"}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(leaves(&p), vec![s("a", 7)]);
    // The chain keeps its 8 outermost and 8 innermost composites.
    let leaf = &p.stages[0].leaves[0];
    let via: Vec<&str> = leaf.via.iter().map(String::as_str).collect();
    assert_eq!(
        via,
        [
            "c10000", "c9999", "c9998", "c9997", "c9996", "c9995", "c9994", "c9993", "c8", "c7", "c6", "c5",
            "c4", "c3", "c2", "c1"
        ]
    );
    assert_eq!(leaf.via_omitted, 10_000 - 16);
}

#[test]
fn a_chain_of_17_keeps_its_ends_and_one_of_16_is_whole() {
    for (depth, omitted) in [(16, 0), (17, 1)] {
        let mut cat = ds("a", Some(7));
        cat += &composite("c1", None, r#"{dataset="a"}"#);
        for k in 2..=depth {
            cat += &composite(&format!("c{k}"), None, &format!("{{dataset=\"c{}\"}}", k - 1));
        }
        let (p, err) = plan_of(&cat, &[&recipe("", &format!("{{dataset=\"c{depth}\"}}"))]);
        let p = p.unwrap_or_else(|| panic!("{err}"));
        let leaf = &p.stages[0].leaves[0];
        assert_eq!((leaf.via.len(), leaf.via_omitted), (16, omitted), "depth {depth}");
        assert_eq!(leaf.via[0], format!("c{depth}"));
        assert_eq!(leaf.via[15], "c1");
    }
}

#[test]
fn every_leaf_of_a_deep_comb_keeps_a_short_chain() {
    // c(k) holds leaf l(k) and c(k+1): leaf l(k) sits k composites deep, so
    // whole chains would hold 1 + 2 + ... + n names.
    let n = 3_000;
    let mut cat = String::new();
    for k in 0..n {
        cat += &ds(&format!("l{k}"), Some(1));
        let next = if k + 1 < n { format!(r#", {{dataset="c{}"}}"#, k + 1) } else { String::new() };
        cat += &composite(&format!("c{k}"), None, &format!(r#"{{dataset="l{k}"}}{next}"#));
    }
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="c0"}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let leaves = &p.stages[0].leaves;
    assert_eq!(leaves.len(), n);
    for l in leaves {
        let depth: usize = l.dataset[1..].parse::<usize>().unwrap() + 1;
        assert_eq!(l.via.len() + l.via_omitted as usize, depth, "{}", l.dataset);
        assert!(l.via.len() <= 16);
    }
}

#[test]
fn paths_beyond_2_127_are_said_so() {
    // 200 diamond levels: 2^199 paths to each leaf
    let cat = diamonds(200, 1, Some(1));
    let (p, err) = plan_of(&cat, &[&recipe("", r#"{dataset="l200x",samples=10}"#)]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(p.stages[0].leaves[0].paths, super::PathCount::Over);
    assert!(p.stages[0].warnings[0].message.contains("is reached more than 2^127 times"));
}

#[test]
fn totals_above_64_bits_are_exact() {
    // three stages of 2^63 − 1 each: 27,670,116,110,564,327,421 in all
    let cat = ds("a", Some(9_223_372_036_854_775_807));
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s1\"\nkind = \"sft\"\nmix = [{dataset=\"a\"}]\n[[stage]]\nid = \"s2\"\nkind = \"sft\"\nmix = [{dataset=\"a\"}]\n[[stage]]\nid = \"s3\"\nkind = \"sft\"\nmix = [{dataset=\"a\"}]\n";
    let (p, err) = plan_of(&cat, &[r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(p.totals.total_seen, Some(27_670_116_110_564_327_421));
}

#[test]
fn an_empty_stage_and_an_unused_budget_are_warned_about() {
    let cat = ds("a", Some(5));
    let r = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"e\"\nkind = \"sft\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nbudget = 10\nmix = [{dataset=\"a\"}]\n";
    let (p, err) = plan_of(&cat, &[r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    assert_eq!(codes(&p), vec!["empty-stage", "unused-budget"]);
}

#[test]
fn a_budget_below_the_entries_is_an_error_even_without_weights() {
    let cat = ds("a", Some(5));
    let (p, err) = plan_of(&cat, &[&recipe("budget = 3", r#"{dataset="a"}"#)]);
    assert!(p.is_none());
    assert!(
        err.contains("error[budget-exceeded]: the stage's entries take 5 samples, more than its budget of 3"),
        "{err}"
    );
}

#[test]
fn weights_without_a_budget_state_shares_not_counts() {
    // 45 : 45 : 10 and no budget: counts unknown, entry shares as stated
    let cat = [ds("a", Some(1)), ds("b", Some(1)), ds("c", Some(1))].concat();
    let (p, err) = plan_of(
        &cat,
        &[&recipe("", r#"{dataset="a",weight=45},{dataset="b",weight=45},{dataset="c",weight=10}"#)],
    );
    let st = &p.unwrap_or_else(|| panic!("{err}")).stages[0];
    assert_eq!((st.totals.total_seen, st.totals.known_seen), (None, 0));
    let c = st.entries.iter().find(|e| e.dataset == "c").unwrap();
    assert_eq!((c.count.seen, c.count.share), (None, Some(0.1)));
}

#[test]
fn allow_silences_a_warning_for_one_dataset() {
    // a is repeated 10 times (more than 5) and b 6 times; allowing
    // `high-epochs:a` keeps only b's warning
    let cat = [ds("a", Some(1)), ds("b", Some(1))].concat();
    let r = "id = \"r\"\nname = \"R\"\nallow = [\"high-epochs:a\"]\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{dataset=\"a\",samples=10},{dataset=\"b\",samples=6}]\n";
    let (p, err) = plan_of(&cat, &[r]);
    let p = p.unwrap_or_else(|| panic!("{err}"));
    let w: Vec<&str> = p.stages[0].warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(w, vec!["`b` is seen 6.00 times in this stage (more than 5)"]);
}
