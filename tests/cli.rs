//! The command line as a user runs it: every command and format, on the
//! fixture catalog and recipes and on the built-in data. JSON and CSV are
//! checked by parsing them.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn mixplan() -> Command {
    let mut c = Command::cargo_bin("mixplan").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// The fixture data only: `--no-builtin` plus the test catalog and recipes.
fn fixtures() -> Command {
    let mut c = mixplan();
    c.args(["--no-builtin", "--catalog", "tests/fixtures/catalog", "--recipes", "tests/fixtures/recipes"]);
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().expect("runs");
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json(c: &mut Command) -> Value {
    serde_json::from_str(&stdout(c)).expect("valid JSON")
}

#[test]
fn plan_of_the_builtin_llava_1_5_shows_the_665k_mix() {
    let out = stdout(mixplan().args(["plan", "llava-1.5-7b"]));
    assert!(out.contains("Stage `sft` (sft, after pretrain): 665,298 samples"), "{out}");
    let vqa = out.lines().find(|l| l.contains(" vqav2 ")).expect("a vqav2 row");
    assert!(vqa.contains("82,783") && vqa.contains("12.44%"), "{vqa}");
}

#[test]
fn plan_json_has_the_documented_keys_and_exact_counts() {
    let v = json(mixplan().args(["plan", "llava-1.5-7b", "--format", "json"]));
    assert_eq!(v["recipe"]["id"], "llava-1.5-7b");
    let sft = v["stages"].as_array().unwrap().iter().find(|s| s["id"] == "sft").expect("sft stage");
    assert_eq!(sft["kind"], "sft");
    assert_eq!(sft["after"], serde_json::json!(["pretrain"]));
    assert_eq!(sft["total_samples"], 665298);
    assert_eq!(sft["complete"], true);
    let e = &sft["entries"][0];
    assert_eq!(
        (e["dataset"].as_str(), e["samples"].as_u64(), e["share"].as_f64()),
        (Some("llava-v1.5-mix665k"), Some(665298), Some(1.0))
    );
    let leaves = sft["leaves"].as_array().unwrap();
    let vqa = leaves.iter().find(|l| l["dataset"] == "vqav2").expect("vqav2 leaf");
    assert_eq!(vqa["samples"], 82783);
    assert_eq!(vqa["share"], 0.1244);
    assert_eq!(vqa["epochs"], 1.0);
    assert_eq!(vqa["via"], serde_json::json!(["llava-v1.5-mix665k"]));
    // 80,000 of OCR-VQA's 207,572 images: 0.385 epochs
    let ocr = leaves.iter().find(|l| l["dataset"] == "ocr-vqa").expect("ocr-vqa leaf");
    assert_eq!((ocr["samples"].as_u64(), ocr["epochs"].as_f64()), (Some(80000), Some(0.385)));
    // the leaves add up to the stage total exactly
    let sum: u64 = leaves.iter().map(|l| l["samples"].as_u64().unwrap()).sum();
    assert_eq!(sum, 665298);
    // ShareGPT is the only text-only source: 40,688 / 665,298 = 0.0612
    assert_eq!(sft["by_modality"]["text"], 0.0612);
    let total: u64 =
        v["stages"].as_array().unwrap().iter().map(|s| s["total_samples"].as_u64().unwrap()).sum();
    assert_eq!(v["total_samples"].as_u64(), Some(total));
}

#[test]
fn video_llava_reuses_the_llava_1_5_sft_mix() {
    let v = json(mixplan().args(["plan", "video-llava", "-f", "json"]));
    let sft = v["stages"].as_array().unwrap().iter().find(|s| s["id"] == "sft").expect("sft");
    // 665,298 + 100,000 (VideoInstruct-100K, a rounded figure)
    assert_eq!(sft["total_samples"], 765298);
    let mix =
        sft["entries"].as_array().unwrap().iter().find(|e| e["dataset"] == "llava-v1.5-mix665k").unwrap();
    assert_eq!(mix["from"], "llava-1.5-7b:sft");
    let pt = &v["stages"][0];
    let valley =
        pt["entries"].as_array().unwrap().iter().find(|e| e["dataset"] == "valley-webvid2m-703k").unwrap();
    assert_eq!(valley["samples"], 702000);
}

#[test]
fn plan_of_fixtures_applies_weights_and_composites() {
    let v = json(fixtures().args(["plan", "two-stage", "-f", "json"]));
    let sft = &v["stages"][1];
    // budget 1000; mix whole = 150 beta + 200 gamma = 350; 650 left for
    // alpha:beta = 3:1 -> 487.5 and 162.5 -> tie -> alpha (smaller id) 488
    let e: Vec<(String, u64)> = sft["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["dataset"].as_str().unwrap().to_string(), e["samples"].as_u64().unwrap()))
        .collect();
    assert_eq!(e, vec![("alpha".into(), 488), ("mix".into(), 350), ("beta".into(), 162)]);
    assert_eq!(sft["total_samples"], 1000);
    // beta is reached directly and through the mix: 162 + 150 = 312
    let beta = sft["leaves"].as_array().unwrap().iter().find(|l| l["dataset"] == "beta").unwrap();
    assert_eq!(beta["samples"], 312);
    assert_eq!(
        sft["warnings"][0],
        "`beta` is reached 2 times in this stage (`beta` and `mix → beta`); it is probably counted twice"
    );
    // fraction 0.5 of alpha's 1000
    assert_eq!(v["stages"][0]["total_samples"], 500);
    assert_eq!(v["total_samples"], 1500);
}

#[test]
fn batch_size_adds_binomial_figures() {
    let v = json(fixtures().args(["plan", "two-stage", "-f", "json", "--batch-size", "100"]));
    let leaves = v["stages"][1]["leaves"].as_array().unwrap();
    let gamma = leaves.iter().find(|l| l["dataset"] == "gamma").unwrap();
    // share 0.2 of a batch of 100: mean 20; P(none) = 0.8^100 = 2.04e-10 -> 0.0
    assert_eq!(gamma["batch"]["expected"], 20.0);
    assert_eq!(gamma["batch"]["p_none"], 0.0);
    // Binomial(100, 0.2): 5th percentile 14, 95th percentile 27
    assert_eq!((gamma["batch"]["p05"].as_u64(), gamma["batch"]["p95"].as_u64()), (Some(14), Some(27)));
    assert!(v["stages"][1]["effective_datasets"].as_f64().unwrap() > 2.0);
}

#[test]
fn unknown_sizes_show_as_null_and_at_least() {
    let v = json(fixtures().args(["plan", "child", "-f", "json"]));
    let sft = &v["stages"][1];
    // includes two-stage:sft and its budget of 1000; delta's 50 samples are
    // absolute, so the weights share 1000 - 350 (mix) - 50 = 600:
    // alpha 3/4 = 450, beta 1/4 = 150
    assert_eq!(sft["total_samples"], 1000);
    let alpha = sft["entries"].as_array().unwrap().iter().find(|e| e["dataset"] == "alpha").unwrap();
    assert_eq!((alpha["samples"].as_u64(), alpha["from"].as_str()), (Some(450), Some("two-stage:sft")));
    assert_eq!(sft["defined_in"], "child");
    let delta = sft["entries"].as_array().unwrap().iter().find(|e| e["dataset"] == "delta").unwrap();
    assert_eq!(delta["samples"], 50);
    assert!(delta["epochs"].is_null());
}

#[test]
fn plan_markdown_has_tables() {
    let out = stdout(fixtures().args(["plan", "two-stage", "--format", "md"]));
    assert!(out.starts_with("# Two Stage (two-stage)\n"));
    assert!(out.contains("## Stage `sft`"));
    assert!(out.contains("| alpha "), "{out}");
}

#[test]
fn plan_csv_parses_with_the_documented_header() {
    let out = stdout(fixtures().args(["plan", "two-stage", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header.join(","),
        "recipe,stage,stage_kind,level,dataset,dataset_name,via,samples,epochs,share_of_stage,share_of_recipe,modalities,languages"
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    let gamma = rows.iter().find(|r| &r[3] == "leaf" && &r[4] == "gamma").unwrap();
    assert_eq!((&gamma[6], &gamma[7], &gamma[9], &gamma[12]), ("mix", "200", "0.200000", "zh"));
    // 200 of the recipe's 1500
    assert_eq!(&gamma[10], "0.133333");
}

#[test]
fn a_recipe_file_path_works_as_an_argument() {
    let out = stdout(mixplan().args([
        "--no-builtin",
        "--catalog",
        "tests/fixtures/catalog",
        "plan",
        "tests/fixtures/recipes/two-stage.toml",
    ]));
    assert!(out.contains("Two Stage (two-stage)"));
}

#[test]
fn compare_lines_up_shared_datasets() {
    let v = json(mixplan().args(["compare", "llava-1.5-7b", "video-llava", "-f", "json"]));
    assert_eq!(v["recipes"], serde_json::json!(["llava-1.5-7b", "video-llava"]));
    let vqa = v["rows"].as_array().unwrap().iter().find(|r| r["dataset"] == "vqav2").unwrap();
    assert_eq!(vqa["used_by"], 2);
    assert_eq!(vqa["cells"][0]["samples"], 82783);
    assert_eq!(vqa["cells"][1]["samples"], 82783);
    assert!(v["shared"].as_array().unwrap().iter().any(|d| d == "vqav2"));
    assert_eq!(v["totals"]["sft"]["video-llava"], 765298);
    let table = stdout(mixplan().args(["compare", "llava-1.5-7b", "video-llava", "--stage", "sft"]));
    assert!(table.contains("Shared datasets"), "{table}");
}

#[test]
fn compare_of_three_llava_1_5_descendants_lines_up_their_shared_sft_data() {
    // LLaVA-1.5's SFT mix is Video-LLaVA's image SFT and MoE-LLaVA's stage 3;
    // each of its leaves is one row with the same count in all three columns
    let v = json(mixplan().args([
        "compare",
        "llava-1.5-7b",
        "video-llava",
        "moe-llava-phi2",
        "--stage",
        "sft",
        "-f",
        "json",
    ]));
    let rows = v["rows"].as_array().unwrap();
    let shared: Vec<&Value> = rows.iter().filter(|r| r["used_by"] == 3).collect();
    let names: Vec<&str> = shared.iter().map(|r| r["dataset"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "a-okvqa",
            "gqa",
            "llava-instruct-150k-conversation",
            "llava-instruct-150k-detail",
            "llava-instruct-150k-reasoning",
            "ocr-vqa",
            "ok-vqa",
            "refcoco",
            "sharegpt",
            "textcaps",
            "visual-genome",
            "vqav2",
        ]
    );
    let mut sum = 0;
    for r in &shared {
        let n = &r["cells"][0]["samples"];
        assert!(r["cells"][1]["samples"] == *n && r["cells"][2]["samples"] == *n, "{r}");
        sum += n.as_u64().unwrap();
    }
    // the twelve leaves are the whole 665K mix
    assert_eq!(sum, 665_298);
    let vqa = shared.iter().find(|r| r["dataset"] == "vqav2").unwrap();
    assert_eq!(vqa["cells"][2]["samples"], 82_783);
}

#[test]
fn compare_all_lists_the_datasets_most_recipes_use() {
    let v = json(mixplan().args(["compare", "--all", "-f", "json"]));
    assert_eq!(v["recipes"].as_array().unwrap().len(), 33);
    let most = v["most_used"].as_array().unwrap();
    assert_eq!(most.len(), 15);
    // LLaVA-Instruct-150K's conversation part reaches 14 recipes, most of
    // them through LLaVA-1.5's mix
    assert_eq!(most[0]["dataset"], "llava-instruct-150k-conversation");
    assert_eq!(most[0]["recipes"].as_array().unwrap().len(), 14);
    let counts: Vec<usize> = most.iter().map(|u| u["recipes"].as_array().unwrap().len()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let table = stdout(mixplan().args(["compare", "--all"]));
    assert!(table.starts_with("Comparison of 33 recipes (all stages, leaf datasets)\n"), "{table}");
    assert!(table.contains("Datasets used by the most recipes"), "{table}");
    let row = table.lines().find(|l| l.contains(" llava-pretrain-558k ")).expect("a 558K row");
    assert!(row.contains("┆       9 ┆"), "{row}");
}

#[test]
fn export_all_writes_one_csv_pandas_can_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixes.csv");
    mixplan().args(["export", "--all", "--out"]).arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let width = r.headers().unwrap().len();
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    // rectangular, one recipe column, all 33 recipes present
    assert!(rows.iter().all(|row| row.len() == width));
    let recipes: std::collections::BTreeSet<&str> = rows.iter().map(|row| &row[0]).collect();
    assert_eq!(recipes.len(), 33);
}

#[test]
fn compare_csv_and_entry_level() {
    let out = stdout(fixtures().args(["compare", "two-stage", "child", "--level", "entry", "-f", "csv"]));
    let mut r = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        r.headers().unwrap().iter().collect::<Vec<_>>(),
        vec!["dataset", "used_by", "recipe", "samples", "share"]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    assert!(rows.iter().any(|r| &r[0] == "delta" && &r[2] == "child" && &r[3] == "50"));
}

#[test]
fn export_writes_csv_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mix.csv");
    fixtures().args(["export", "two-stage", "child", "--out"]).arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let recipes: std::collections::BTreeSet<String> =
        r.records().map(|r| r.unwrap()[0].to_string()).collect();
    assert_eq!(recipes.into_iter().collect::<Vec<_>>(), vec!["child", "two-stage"]);
}

#[test]
fn a_failed_export_leaves_the_old_file_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mix.csv");
    std::fs::write(&path, "precious\n").unwrap();
    // a bad recipe: the run fails before writing
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "id = \"bad\"\nname = \"B\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{ dataset = \"nope\" }]\n",
    )
    .unwrap();
    fixtures().args(["export"]).arg(&bad).arg("--out").arg(&path).assert().code(1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious\n");
    // an unwritable destination: exit 3, nothing half-written
    let missing = dir.path().join("no/such/dir/mix.csv");
    fixtures()
        .args(["export", "two-stage", "--out"])
        .arg(&missing)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("error:"));
}

#[test]
fn graph_prints_dot() {
    let out = stdout(fixtures().args(["graph", "child"]));
    assert!(out.starts_with("digraph \"child\" {"));
    assert!(out.contains("\"stage:child:sft\" -> \"stage:two-stage:sft\" [label=\"includes\"];"), "{out}");
    assert!(out.contains("\"dataset:mix\" -> \"dataset:gamma\" [label=\"contains\"];"));
    assert!(out.contains("\"recipe:child\" -> \"recipe:two-stage\" [label=\"extends\"];"));
}

#[test]
fn recipes_lists_stage_totals() {
    let v = json(fixtures().args(["recipes", "-f", "json"]));
    let two = v.as_array().unwrap().iter().find(|r| r["id"] == "two-stage").unwrap();
    assert_eq!(two["name"], "Two Stage");
    assert_eq!(two["stages"][0]["id"], "pretrain");
    assert_eq!(two["stages"][0]["kind"], "pretrain");
    assert_eq!(two["stages"][0]["total_samples"], 500);
    let out = stdout(mixplan().args(["recipes"]));
    assert!(out.contains("llava-1.5-7b") && out.contains("665,298"), "{out}");
}

#[test]
fn catalog_list_filters() {
    let v = json(fixtures().args(["catalog", "list", "--stage", "sft", "--modality", "text", "-f", "json"]));
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["gamma", "mix"]);
    let v = json(fixtures().args(["catalog", "list", "--language", "zh", "-f", "json"]));
    assert_eq!(v.as_array().unwrap().len(), 2);
    // catalog field names
    let alpha = json(fixtures().args(["catalog", "list", "--stage", "pretrain", "-f", "json"]));
    assert_eq!(alpha[0]["samples"], 1000);
    assert_eq!(alpha[0]["aliases"], serde_json::json!(["Alpha-Cap"]));
}

#[test]
fn catalog_show_expands_a_composite() {
    let out = stdout(fixtures().args(["catalog", "show", "the_mix"]));
    assert!(out.contains("Beta+Gamma Mix (mix)"));
    assert!(out.contains("components:"));
    let v = json(fixtures().args(["catalog", "show", "mix", "-f", "json"]));
    assert_eq!(v["effective_samples"], 350);
    let leaves: Vec<(&str, u64)> = v["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["dataset"].as_str().unwrap(), l["samples"].as_u64().unwrap()))
        .collect();
    assert_eq!(leaves, vec![("gamma", 200), ("beta", 150)]);
}

#[test]
fn catalog_show_of_an_unknown_name_suggests() {
    fixtures()
        .args(["catalog", "show", "gama"])
        .assert()
        .code(1)
        .stderr("error: unknown dataset `gama`\n  = help: did you mean `gamma`?\n");
}

#[test]
fn catalog_search_forgives_case_and_punctuation() {
    let v = json(fixtures().args(["catalog", "search", "ALPHA cap", "-f", "json"]));
    assert_eq!(v[0]["id"], "alpha");
    let v = json(fixtures().args(["catalog", "search", "lab_b", "-f", "json"]));
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["beta", "gamma"]);
}

#[test]
fn check_of_the_builtin_data_is_clean() {
    mixplan().arg("check").assert().success().stdout(predicate::str::contains(" 0 errors"));
}

#[test]
fn unknown_recipe_suggests_and_exits_1() {
    mixplan().args(["plan", "llava-1.5-7"]).assert().code(1).stderr(
        predicate::str::contains("error: unknown recipe `llava-1.5-7`")
            .and(predicate::str::contains("did you mean `llava-1.5-7b`?")),
    );
}

#[test]
fn wrong_usage_exits_2() {
    mixplan().args(["plan"]).assert().code(2);
    mixplan().args(["plan", "x", "--format", "xml"]).assert().code(2);
    mixplan().args(["compare"]).assert().code(2);
}

#[test]
fn a_missing_overlay_directory_exits_3() {
    mixplan()
        .args(["--catalog", "no/such/dir", "recipes"])
        .assert()
        .code(3)
        .stderr(predicate::str::starts_with("error: cannot read `no/such/dir`"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::{Command as Std, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("mixplan");
    let mut child = Std::new(bin)
        .args(["plan", "llava-1.5-7b"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away at once, like `| head -0`
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = stdout(mixplan().args(["plan", "video-llava", "-f", "json"]));
    let b = stdout(mixplan().args(["plan", "video-llava", "-f", "json"]));
    assert_eq!(a, b);
}

/// `catalog show NAME --format json`.
fn show(name: &str) -> Value {
    json(mixplan().args(["catalog", "show", name, "-f", "json"]))
}

#[test]
fn the_spot_figures_a_reader_checks_first() {
    // LLaVA-1.5's mix: 665,298 records
    let mix = show("llava_v1_5_mix665k");
    assert_eq!(mix["effective_samples"], 665_298);
    // UniMM-Chat: 117,238 dialogues; SA1B-Dense-Caption: 8,631,528 images
    assert_eq!(
        (show("UniMM-Chat")["samples"].clone(), show("unimm-chat")["approx"].clone()),
        (117_238.into(), false.into())
    );
    assert_eq!(show("SA1B-Dense-Caption")["samples"], 8_631_528);
    // the medical dialogue set: 792,099 pairs over six departments, the
    // seed list's per-department figures
    let med = show("Chinese medical dialogue data");
    assert_eq!(med["samples"], 792_099);
    let leaves: Vec<(String, u64)> = med["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["dataset"].as_str().unwrap().trim_start_matches("chinese-medical-dialogue-").to_string(),
                l["samples"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("im", 220_606),
        ("oagd", 183_751),
        ("surgical", 115_991),
        ("pediatric", 101_602),
        ("andriatria", 94_596),
        ("oncology", 75_553),
    ];
    assert_eq!(leaves, expected.map(|(d, n)| (d.to_string(), n)));
    assert_eq!(expected.iter().map(|(_, n)| n).sum::<u64>(), 792_099);
}
