//! Every trainer format, for every built-in stage with a complete plan:
//! the exported files are read by this file's own re-implementation of
//! each trainer's parser and count logic (as the reference notes
//! `trainer-formats.md` give them: LLaVA-NeXT's `LazySupervisedDataset`,
//! InternVL's finetune `build_datasets`, Megatron's `get_blend_from_list`,
//! `normalize` and `build_blending_indices`, Energon's strict
//! `MetadatasetV2`, LLaMA-Factory's `DataArguments` and `num_samples`, and
//! `interleave_datasets` without replacement), and the counts it gets must
//! be the plan's. The code here shares nothing with `src/export/`: it
//! parses the text as the trainer would.

use mixplan::export::{self, paths::Paths, Target};
use mixplan::load::{Inputs, Overlays};
use mixplan::plan::{PlanOptions, Planner};
use serde_json::Value;
use std::collections::BTreeMap;
use yaml_rust2::{Yaml, YamlLoader};

/// One leaf as the test knows it: what the plan wants, and the length of
/// the user's file (the catalog's size, or `length` in PATHS.toml).
#[derive(Debug, Clone)]
struct Leaf {
    per_pass: u64,
    seen: u128,
    len: u64,
}

struct Case {
    name: String,
    kind: String,
    leaves: BTreeMap<String, Leaf>,
    files: BTreeMap<Target, BTreeMap<String, String>>,
}

const PATHS: &str = "[default]\n\
annotation = \"/d/{id}.jsonl\"\n\
image_root = \"/img\"\n\
prefix = \"/mg/{id}\"\n\
energon = \"/en/{id}\"\n\
hf = \"hub/{id}\"\n";

/// Exports every complete built-in stage in every format (in process: a
/// binary per stage and format would take minutes in a debug build).
fn cases() -> Vec<Case> {
    let inputs = Inputs::load(&Overlays::default()).expect("built-in data");
    let planner = Planner::new(&inputs);
    let opts = PlanOptions::default();
    let mut out = Vec::new();
    for r in inputs.recipes.sorted() {
        let plan = planner.plan(r, &opts).plan.expect("built-in recipes plan");
        for (ix, st) in plan.stages.iter().enumerate() {
            if !st.totals.complete || st.leaves.iter().all(|l| l.per_pass == Some(0)) {
                continue;
            }
            let mut paths_text = PATHS.to_string();
            let mut leaves = BTreeMap::new();
            for l in st.leaves.iter().filter(|l| l.per_pass != Some(0)) {
                let per_pass = l.per_pass.expect("complete stage");
                let ds = inputs.catalog.lookup(&l.dataset).expect("leaf in catalog");
                let len = match planner.size_of(ds).size {
                    Some(s) => s,
                    None => {
                        // a file of unknown size: say how long the user's copy is
                        paths_text.push_str(&format!("[dataset.\"{}\"]\nlength = {per_pass}\n", l.dataset));
                        per_pass
                    }
                };
                leaves.insert(l.dataset.clone(), Leaf { per_pass, seen: l.count.seen.unwrap(), len });
            }
            let paths = Paths::parse("PATHS.toml", paths_text).unwrap_or_else(|_| panic!("paths"));
            let items = export::items_for(&planner, &plan, ix, Some(&paths)).expect("items");
            let name = format!("{}:{}", plan.recipe.id, st.id);
            let mut files = BTreeMap::new();
            for t in Target::ALL {
                match export::export_with(t, &items, &paths, 2_000_000) {
                    Ok(ex) => {
                        files.insert(t, ex.files.into_iter().map(|f| (f.name, f.text)).collect());
                    }
                    Err(d) => {
                        let text: String = d.iter().map(|d| d.render(&paths.sources)).collect();
                        panic!("{name} --to {}: {text}", t.name());
                    }
                }
            }
            out.push(Case { name, kind: format!("{:?}", st.kind).to_lowercase(), leaves, files });
        }
    }
    assert!(out.len() >= 80, "only {} complete stages", out.len());
    out
}

fn id_of(path: &str, prefix: &str, suffix: &str) -> String {
    path.strip_prefix(prefix)
        .and_then(|p| p.strip_suffix(suffix))
        .unwrap_or_else(|| panic!("path {path}"))
        .to_string()
}

fn yaml(text: &str) -> Yaml {
    YamlLoader::load_from_str(text).expect("valid YAML").remove(0)
}

fn check_all(
    c: &Case,
    got: &BTreeMap<String, u128>,
    want: impl Fn(&Leaf) -> u128,
    tolerance: u128,
    what: &str,
) {
    for (id, leaf) in &c.leaves {
        let g = got.get(id).copied().unwrap_or(0);
        let w = want(leaf);
        assert!(g.abs_diff(w) <= tolerance, "{} {what}: `{id}` gets {g}, the plan wants {w}", c.name);
    }
    for id in got.keys() {
        assert!(c.leaves.contains_key(id), "{} {what}: `{id}` is not in the plan", c.name);
    }
}

/// LLaVA-NeXT: `sampling_strategy` read as `LazySupervisedDataset` does.
fn llava_loaded(strategy: &str, len: u64) -> u64 {
    if !strategy.contains(':') {
        return len;
    }
    let parts: Vec<&str> = strategy.split(':').collect();
    assert_eq!(parts.len(), 2, "the loader's unpack fails on `{strategy}`");
    let (kind, number) = (parts[0], parts[1]);
    let n: u64 = if number.contains('%') {
        let p: u64 = number.split('%').next().unwrap().parse().expect("int() of the percent");
        ((p * len) as f64 / 100.0).ceil() as u64
    } else {
        number.parse().expect("int() of the count")
    };
    match kind {
        "first" | "random" => n.min(len),
        "end" if n == 0 => len,
        "end" => n.min(len),
        _ => len,
    }
}

#[test]
fn every_format_gives_the_planned_counts_for_every_complete_builtin_stage() {
    let cases = cases();
    for c in &cases {
        llava(c);
        internvl(c);
        megatron(c);
        energon(c);
        llama_factory(c);
        hf(c);
    }
}

fn llava(c: &Case) {
    let doc = yaml(&c.files[&Target::LlavaNext]["data.yaml"]);
    let mut got = BTreeMap::new();
    for d in doc["datasets"].as_vec().expect("a `datasets` list") {
        let path = d["json_path"].as_str().expect("json_path");
        assert!(path.ends_with(".json") || path.ends_with(".jsonl"), "{path}");
        let id = id_of(path, "/d/", ".jsonl");
        let strategy = d["sampling_strategy"].as_str().unwrap_or("all");
        *got.entry(id.clone()).or_insert(0u128) += u128::from(llava_loaded(strategy, c.leaves[&id].len));
    }
    check_all(c, &got, |l| l.per_pass.into(), 0, "llava-next");
}

fn internvl(c: &Case) {
    let meta: Value = serde_json::from_str(&c.files[&Target::Internvl]["meta.json"]).expect("JSON");
    let mut got = BTreeMap::new();
    for (name, ds) in meta.as_object().expect("an object") {
        let ann = ds["annotation"].as_str().expect("annotation");
        assert!(ann.ends_with("jsonl"), "{}: {name}", c.name);
        assert!(ds["root"].is_string() && ds["data_augment"].is_boolean(), "{}: {name}", c.name);
        let id = id_of(ann, "/d/", ".jsonl");
        let len = c.leaves[&id].len;
        let r = &ds["repeat_time"];
        let rf = r.as_f64().expect("a number");
        let n = if rf < 1.0 {
            (len as f64 * rf) as u128 // int(len × r)
        } else if rf > 1.0 {
            assert!(r.is_u64(), "{}: repeat_time {r} above 1 must be an int", c.name);
            u128::from(len) * u128::from(r.as_u64().unwrap())
        } else {
            u128::from(len)
        };
        *got.entry(id).or_insert(0) += n;
    }
    check_all(c, &got, |l| l.per_pass.into(), 0, "internvl");
}

fn megatron(c: &Case) {
    let files = &c.files[&Target::Megatron];
    let tokens: Vec<&str> = files["blend.txt"].split_whitespace().collect();
    assert_eq!(tokens.len() % 2, 0, "{}: weight/prefix pairs", c.name);
    let split: Value = serde_json::from_str(&files["per_split.json"]).expect("JSON");
    for k in ["train", "valid", "test"] {
        assert!(split.get(k).is_some(), "{}: per-split JSON needs `{k}`", c.name);
    }
    let train: Vec<&str> = split["train"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(train, tokens, "{}: the two blend files differ", c.name);
    let n: u64 = files["args.txt"]
        .split("--train-samples ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|s| s.parse().ok())
        .expect("--train-samples N");
    let weights: Vec<f64> =
        tokens.iter().step_by(2).map(|w| w.parse::<f64>().expect("float(weight)")).collect();
    assert!(weights.iter().all(|&w| w > 0.0), "{}: BlendedDataset refuses zero weights", c.name);
    let ids: Vec<String> = tokens.iter().skip(1).step_by(2).map(|p| id_of(p, "/mg/", "")).collect();
    // normalize() in the builder, again in BlendedDataset
    let norm = |w: &[f64]| {
        let s: f64 = w.iter().sum();
        w.iter().map(|x| x / s).collect::<Vec<f64>>()
    };
    let w1 = norm(&weights);
    let w2 = norm(&w1);
    // each dataset is built to ceil(N·w): at least its planned share
    let targets: BTreeMap<String, u128> =
        ids.iter().zip(&w1).map(|(id, w)| (id.clone(), (n as f64 * w).ceil() as u128)).collect();
    check_all(c, &targets, |l| l.seen, 1, "megatron targets");
    // the greedy index over the first N samples (affordable sizes only in a debug build)
    if (n as u128) * (ids.len() as u128) <= 3_000_000 {
        let mut cur = vec![0u64; ids.len()];
        for k in 0..n {
            let x = (k as f64).max(1.0);
            let mut best = 0;
            let mut max_err = w2[0] * x - cur[0] as f64;
            for j in 1..ids.len() {
                let e = w2[j] * x - cur[j] as f64;
                if e > max_err {
                    max_err = e;
                    best = j;
                }
            }
            cur[best] += 1;
        }
        let got: BTreeMap<String, u128> = ids.iter().cloned().zip(cur.iter().map(|&c| c as u128)).collect();
        check_all(c, &got, |l| l.seen, 1, "megatron greedy");
    }
}

fn energon(c: &Case) {
    let strict = |m: &Yaml, allowed: &[&str], what: &str| {
        for k in m.as_hash().unwrap_or_else(|| panic!("{}: {what} is not a mapping", c.name)).keys() {
            let k = k.as_str().unwrap();
            assert!(allowed.contains(&k), "{}: {what} has `{k}`, which the strict parser refuses", c.name);
        }
    };
    let files = &c.files[&Target::Energon];
    let doc = yaml(&files["blend_epochized.yaml"]);
    strict(&doc, &["__module__", "__class__", "splits"], "the top");
    assert_eq!(doc["__class__"].as_str(), Some("MetadatasetV2"));
    let mut got = BTreeMap::new();
    for e in doc["splits"]["train"]["blend_epochized"].as_vec().expect("blend_epochized") {
        strict(e, &["path", "repetitions", "subset", "split_part", "subflavors"], "an entry");
        let id = id_of(e["path"].as_str().unwrap(), "/en/", "");
        let len = c.leaves[&id].len;
        let len = match e["subset"]["range"].as_vec() {
            Some(r) => {
                let (a, b) = (r[0].as_i64().unwrap() as u64, r[1].as_i64().unwrap() as u64);
                assert!(a < b, "{}: start < end", c.name);
                b.min(len) - a
            }
            None => len,
        };
        let n = match &e["repetitions"] {
            Yaml::Integer(k) => u128::from(len) * *k as u128,
            Yaml::Real(t) => {
                let r: f64 = t.parse().unwrap();
                r.floor() as u128 * u128::from(len) + (len as f64 * (r - r.floor())).floor() as u128
            }
            other => panic!("{}: repetitions {other:?}", c.name),
        };
        *got.entry(id).or_insert(0) += n;
    }
    check_all(c, &got, |l| l.per_pass.into(), 0, "energon epochized");
    let doc = yaml(&files["blend.yaml"]);
    let blend = doc["splits"]["train"]["blend"].as_vec().expect("blend");
    let ws: Vec<f64> = blend.iter().map(|e| e["weight"].as_i64().map(|w| w as f64).unwrap()).collect();
    let total: f64 = ws.iter().sum();
    let seen_total: u128 = c.leaves.values().map(|l| l.seen).sum();
    for (e, w) in blend.iter().zip(&ws) {
        strict(e, &["path", "weight", "subset", "split_part", "subflavors"], "a blend entry");
        let id = id_of(e["path"].as_str().unwrap(), "/en/", "");
        let want = c.leaves[&id].seen as f64 / seen_total as f64;
        assert!((w / total - want).abs() < 1e-12, "{}: share of {id}", c.name);
    }
}

fn llama_factory(c: &Case) {
    let files = &c.files[&Target::LlamaFactory];
    let info: Value = serde_json::from_str(&files["dataset_info.json"]).expect("JSON");
    let args = yaml(&files["data_args.yaml"]);
    let names: Vec<&str> = args["dataset"].as_str().expect("dataset").split(',').map(str::trim).collect();
    let strategy = args["mix_strategy"].as_str().unwrap();
    assert!(["concat", "interleave_under", "interleave_over", "interleave_once"].contains(&strategy));
    let probs: Vec<f64> = match &args["interleave_probs"] {
        Yaml::String(s) => s.split(',').map(|p| p.trim().parse().unwrap()).collect(),
        Yaml::Real(r) => vec![r.parse().unwrap()],
        Yaml::Integer(i) => vec![*i as f64],
        other => panic!("{}: interleave_probs {other:?}", c.name),
    };
    assert_eq!(probs.len(), names.len(), "{}: one probability per dataset", c.name);
    // numpy's choice accepts p when |sum − 1| is within sqrt(eps)
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1.5e-8, "{}: probabilities sum to 1", c.name);
    let mut got = BTreeMap::new();
    for name in &names {
        let e = &info[*name];
        assert!(e.is_object(), "{}: `{name}` is not in dataset_info.json (Undefined dataset)", c.name);
        assert_eq!(e["ranking"].as_bool().unwrap_or(false), c.kind == "preference", "{}: ranking", c.name);
        let n = match e.get("num_samples") {
            Some(n) => n.as_u64().expect("an int"),
            None => c.leaves[*name].len,
        };
        got.insert(name.to_string(), u128::from(n));
    }
    check_all(c, &got, |l| l.per_pass.into(), 0, "llama-factory");
    let total: u128 = got.values().sum();
    for (name, p) in names.iter().zip(&probs) {
        assert!((p - got[*name] as f64 / total as f64).abs() < 1e-12, "{}: share of {name}", c.name);
    }
}

fn hf(c: &Case) {
    let doc: Value = serde_json::from_str(&c.files[&Target::HfInterleave]["interleave.json"]).expect("JSON");
    let s = doc["stopping_strategy"].as_str().unwrap();
    assert!(["first_exhausted", "all_exhausted", "all_exhausted_without_replacement"].contains(&s));
    let probs: Vec<f64> =
        doc["probabilities"].as_array().unwrap().iter().map(|p| p.as_f64().unwrap()).collect();
    let ds = doc["datasets"].as_array().unwrap();
    assert_eq!(probs.len(), ds.len());
    assert!((probs.iter().sum::<f64>() - 1.0).abs() < 1.5e-8);
    let mut got = BTreeMap::new();
    for d in ds {
        let id = id_of(d["path"].as_str().unwrap(), "hub/", "");
        let len = c.leaves[&id].len;
        let n = d["repeats"].as_u64().unwrap() as u128 * len as u128
            + d["head"].as_u64().unwrap().min(len) as u128;
        got.insert(id, n);
    }
    check_all(c, &got, |l| l.per_pass.into(), 0, "hf-interleave");
}
