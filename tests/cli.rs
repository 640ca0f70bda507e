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

fn stage<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["stages"].as_array().unwrap().iter().find(|s| s["id"] == id).unwrap_or_else(|| panic!("stage {id}"))
}

fn row<'a>(list: &'a Value, dataset: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|e| e["dataset"] == dataset)
        .unwrap_or_else(|| panic!("row {dataset}"))
}

#[test]
fn plan_of_the_builtin_llava_1_5_shows_the_665k_mix() {
    let out = stdout(mixplan().args(["plan", "llava-1.5-7b"]));
    assert!(out.contains("Stage `sft` (sft, after pretrain)"), "{out}");
    assert!(out.contains("665,298 distinct samples, 665,298 seen (1 epoch)"), "{out}");
    let vqa = out.lines().find(|l| l.contains(" vqav2 ")).expect("a vqav2 row");
    assert!(vqa.contains("82,783") && vqa.contains("12.44%"), "{vqa}");
}

#[test]
fn plan_json_has_the_documented_keys_and_exact_counts() {
    let v = json(mixplan().args(["plan", "llava-1.5-7b", "--format", "json"]));
    assert_eq!(v["recipe"]["id"], "llava-1.5-7b");
    let sft = stage(&v, "sft");
    assert_eq!(sft["kind"], "sft");
    assert_eq!(sft["after"], serde_json::json!(["pretrain"]));
    assert_eq!((sft["total_unique"].as_u64(), sft["total_seen"].as_u64()), (Some(665298), Some(665298)));
    assert_eq!(sft["complete"], true);
    let e = &sft["entries"][0];
    assert_eq!(
        (e["dataset"].as_str(), e["unique"].as_u64(), e["seen"].as_u64(), e["share"].as_f64()),
        (Some("llava-v1.5-mix665k"), Some(665298), Some(665298), Some(1.0))
    );
    let vqa = row(&sft["leaves"], "vqav2");
    assert_eq!(
        (vqa["seen"].as_u64(), vqa["share"].as_f64(), vqa["epochs"].as_f64()),
        (Some(82783), Some(0.1244), Some(1.0))
    );
    assert_eq!(vqa["via"], serde_json::json!(["llava-v1.5-mix665k"]));
    // 80,000 of OCR-VQA's 207,572 images: 0.385 epochs
    let ocr = row(&sft["leaves"], "ocr-vqa");
    assert_eq!((ocr["seen"].as_u64(), ocr["epochs"].as_f64()), (Some(80000), Some(0.385)));
    // the leaves add up to the stage total exactly
    let sum: u64 = sft["leaves"].as_array().unwrap().iter().map(|l| l["seen"].as_u64().unwrap()).sum();
    assert_eq!(sum, 665298);
    // ShareGPT is the only text-only source: 40,688 / 665,298 = 0.0612
    assert_eq!(sft["by_modality"]["text"], 0.0612);
    let total: u64 = v["stages"].as_array().unwrap().iter().map(|s| s["total_seen"].as_u64().unwrap()).sum();
    assert_eq!(v["total_seen"].as_u64(), Some(total));
    assert_eq!(v["total_seen"].as_u64(), Some(558_128 + 665_298));
}

#[test]
fn llava_13b_counts_three_epochs_as_seen_not_unique() {
    let v = json(mixplan().args(["plan", "llava-13b", "-f", "json"]));
    let sft = stage(&v, "sft");
    // one pass over LLaVA-Instruct-158K, trained 3 epochs: 157,712 x 3
    assert_eq!((sft["total_unique"].as_u64(), sft["total_seen"].as_u64()), (Some(157712), Some(473136)));
    assert_eq!((sft["passes"].as_f64(), sft["passes_stated"].as_bool()), (Some(3.0), Some(true)));
    let table = stdout(mixplan().args(["plan", "llava-13b"]));
    assert!(table.contains("157,712 distinct samples, 473,136 seen (3 epochs)"), "{table}");
}

#[test]
fn video_llava_reuses_the_llava_1_5_sft_mix() {
    let v = json(mixplan().args(["plan", "video-llava", "-f", "json"]));
    let sft = stage(&v, "sft");
    // 665,298 + 100,000 (VideoInstruct-100K, a rounded figure)
    assert_eq!(sft["total_unique"], 765298);
    assert_eq!(row(&sft["entries"], "llava-v1.5-mix665k")["from"], "llava-1.5-7b:sft");
    assert_eq!(row(&v["stages"][0]["entries"], "valley-webvid2m-703k")["seen"], 702000);
}

#[test]
fn plan_of_fixtures_applies_weights_and_composites() {
    let v = json(fixtures().args(["plan", "two-stage", "-f", "json"]));
    let sft = stage(&v, "sft");
    // budget 1000; mix whole = 150 beta + 200 gamma = 350; 650 left for alpha
    let e: Vec<(&str, u64)> = sft["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["dataset"].as_str().unwrap(), e["seen"].as_u64().unwrap()))
        .collect();
    assert_eq!(e, vec![("alpha", 650), ("mix", 350)]);
    // alpha: 650 of a 1,000-sample dataset are all distinct
    assert_eq!(row(&sft["entries"], "alpha")["unique"], 650);
    assert_eq!(row(&sft["leaves"], "beta")["seen"], 150);
    // fraction 0.5 of alpha's 1000
    assert_eq!(stage(&v, "pretrain")["total_seen"], 500);
    assert_eq!((v["total_unique"].as_u64(), v["total_seen"].as_u64()), (Some(1500), Some(1500)));
}

#[test]
fn batch_size_adds_binomial_figures() {
    let v = json(fixtures().args(["plan", "two-stage", "-f", "json", "--batch-size", "100"]));
    let gamma = row(&stage(&v, "sft")["leaves"], "gamma");
    // share 0.2 of a batch of 100: mean 20; P(none) = 0.8^100 = 2.04e-10 -> 0.0
    assert_eq!(gamma["batch"]["expected"], 20.0);
    assert_eq!(gamma["batch"]["p_none"], 0.0);
    // Binomial(100, 0.2): 5th percentile 14, 95th percentile 27
    assert_eq!((gamma["batch"]["p05"].as_u64(), gamma["batch"]["p95"].as_u64()), (Some(14), Some(27)));
    // every stage gets them, composites or not
    assert!(row(&stage(&v, "pretrain")["leaves"], "alpha")["batch"].is_object());
    // `auto` takes each stage's own global batch: the built-in LLaVA-1.5
    // pretraining states 256
    let v = json(mixplan().args(["plan", "llava-1.5-7b", "-f", "json", "--batch-size", "auto"]));
    assert_eq!(stage(&v, "pretrain")["leaves"][0]["batch"]["batch_size"], 256);
}

#[test]
fn batch_size_out_of_range_is_refused() {
    for b in ["0", "100000001", "18446744073709551615", "x"] {
        mixplan()
            .args(["plan", "llava-1.5-7b", "--batch-size", b])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("expected `auto` or a whole number from 1 to 100,000,000"));
    }
}

#[test]
fn unknown_sizes_show_as_null_and_at_least() {
    let v = json(fixtures().args(["plan", "child", "-f", "json"]));
    let sft = stage(&v, "sft");
    // includes two-stage:sft and its budget of 1000; delta's 50 samples are
    // absolute (size unknown, so 50 distinct), the weight gets 1000 − 350 − 50
    assert_eq!(sft["total_seen"], 1000);
    let alpha = row(&sft["entries"], "alpha");
    assert_eq!((alpha["seen"].as_u64(), alpha["from"].as_str()), (Some(600), Some("two-stage:sft")));
    assert_eq!(sft["defined_in"], "child");
    let delta = row(&sft["entries"], "delta");
    assert_eq!((delta["seen"].as_u64(), delta["unique"].as_u64()), (Some(50), Some(50)));
    assert!(delta["epochs"].is_null());
}

#[test]
fn an_unknown_total_is_never_printed_as_zero() {
    // Idefics2 names its datasets but gives no amounts
    let out = stdout(mixplan().args(["compare", "idefics2-8b", "llava-onevision-7b"]));
    let idefics = out
        .lines()
        .find(|l| l.contains("idefics2-8b") && l.contains("unknown"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(!idefics.split(['│', '┆']).any(|c| c.trim() == "0"), "{idefics}");
    // OneVision's mid stage is only partly known: "at least", "≥" in a table cell
    assert!(out.contains("≥ "), "{out}");
    assert!(stdout(mixplan().args(["plan", "llava-onevision-7b"])).contains("at least "));
    let v = json(mixplan().args(["compare", "idefics2-8b", "llava-onevision-7b", "-f", "json"]));
    let t = &v["totals"][0];
    assert_eq!(t["recipe"], "idefics2-8b");
    assert!(t["total_unique"].is_null() && t["complete"] == false);
    let v = json(mixplan().args(["plan", "idefics2-8b", "-f", "json"]));
    assert!(v["total_unique"].is_null());
    let table = stdout(mixplan().args(["plan", "idefics2-8b"]));
    assert!(!table.contains("at least 0"), "{table}");
}

#[test]
fn compare_sft_of_llava_1_5_and_sharegpt4v_shows_ten_shared_sources_and_one_swap() {
    let v =
        json(mixplan().args(["compare", "llava-1.5-7b", "sharegpt4v-7b", "--stage", "sft", "-f", "json"]));
    let p = &v["pairs"][0];
    let shared: Vec<&str> =
        p["shared_sources"].as_array().unwrap().iter().map(|s| s["source"].as_str().unwrap()).collect();
    assert_eq!(
        shared.iter().copied().collect::<std::collections::BTreeSet<_>>(),
        [
            "a-okvqa",
            "gqa",
            "llava-instruct-150k",
            "ocr-vqa",
            "ok-vqa",
            "refcoco",
            "sharegpt",
            "textcaps",
            "visual-genome",
            "vqav2"
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(p["only_in_a"], serde_json::json!(["llava-instruct-150k-detail"]));
    assert_eq!(p["only_in_b"], serde_json::json!(["sharegpt4v-cap23k"]));
    assert_eq!(p["by_source"]["shared"], 10);
    // the totals are of the SFT stages only
    let stages: Vec<&Value> = v["totals"].as_array().unwrap().iter().map(|t| &t["stages"]).collect();
    assert_eq!(stages, vec![&serde_json::json!(["sft"]), &serde_json::json!(["sft"])]);
    let table = stdout(mixplan().args(["compare", "llava-1.5-7b", "sharegpt4v-7b", "--stage", "sft"]));
    assert!(
        table.contains("Only in llava-1.5-7b (1)") && table.contains("llava-instruct-150k-detail"),
        "{table}"
    );
    assert!(table.contains("Only in sharegpt4v-7b (1)") && table.contains("sharegpt4v-cap23k"), "{table}");
    assert!(table.contains("Shared sources (10)"), "{table}");
    assert!(!table.contains("pretrain"), "--stage sft shows no pretraining totals:\n{table}");
}

#[test]
fn compare_with_onevision_sees_shared_sources_and_media() {
    let v = json(mixplan().args(["compare", "llava-1.5-7b", "llava-onevision-7b", "-f", "json"]));
    let p = &v["pairs"][0];
    // ov-aokvqa is a re-sampled A-OKVQA: the same source, not the same id
    let shared: Vec<&str> =
        p["shared_sources"].as_array().unwrap().iter().map(|s| s["source"].as_str().unwrap()).collect();
    assert!(shared.contains(&"a-okvqa"), "{shared:?}");
    assert!(p["by_source"]["shared"].as_u64().unwrap() > p["by_dataset"]["shared"].as_u64().unwrap());
    assert!(p["by_media"]["shared"].as_u64().unwrap() >= 1);
    let coco = v["media"].as_array().unwrap().iter().find(|r| r["key"] == "coco").expect("COCO media row");
    assert_eq!(coco["used_by"], 2);
    let table = stdout(mixplan().args(["compare", "llava-1.5-7b", "llava-onevision-7b"]));
    assert!(table.contains("Model and training"), "{table}");
    assert!(table.contains("jaccard: shared ÷ all keys the two use"), "{table}");
}

#[test]
fn a_known_total_over_unknown_parts_gets_an_unattributed_row() {
    let v = json(mixplan().args(["plan", "mplug-docowl1.5", "-f", "json"]));
    let st = stage(&v, "multitask-tuning");
    assert_eq!((st["total_unique"].as_u64(), st["complete"].as_bool()), (Some(595877), Some(false)));
    assert!(st["unattributed"]["seen"].as_u64().unwrap() > 500_000);
    assert!(st["by_generator"]["unattributed"].as_f64().unwrap() > 0.9);
    let csv = stdout(mixplan().args(["plan", "mplug-docowl1.5", "-f", "csv"]));
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let sum: f64 = r
        .records()
        .map(|x| x.unwrap())
        .filter(|x| &x[col("stage")] == "multitask-tuning" && &x[col("level")] == "leaf")
        .filter_map(|x| x[col("share_of_stage")].parse::<f64>().ok())
        .sum();
    assert!((sum - 1.0).abs() < 1e-9, "{sum}");
}

#[test]
fn plan_markdown_renders_lists_and_tables() {
    let out = stdout(fixtures().args(["plan", "two-stage", "--format", "md"]));
    assert!(out.starts_with("# Two Stage (two-stage)\n"));
    assert!(out.contains("## Stage `sft`"));
    assert!(out.contains("- by modality:"), "{out}");
    assert!(out.contains("| alpha "), "{out}");
}

#[test]
fn plan_csv_parses_with_the_documented_header() {
    let out = stdout(fixtures().args(["plan", "two-stage", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header.join(","),
        "recipe,stage,stage_kind,stage_order,stage_complete,level,dataset,dataset_name,via,take,amount,unique,seen,approx,epochs,share_of_stage,share_of_recipe,modalities,languages"
    );
    let col = |n: &str| header.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|r| r.unwrap()).collect();
    let gamma = rows.iter().find(|r| &r[col("level")] == "leaf" && &r[col("dataset")] == "gamma").unwrap();
    assert_eq!(
        (&gamma[col("via")], &gamma[col("seen")], &gamma[col("share_of_stage")], &gamma[col("languages")]),
        ("mix", "200", "0.200000", "zh")
    );
    // 200 of the recipe's 1,500
    assert_eq!(&gamma[col("share_of_recipe")], "0.133333");
    let alpha = rows.iter().find(|r| &r[col("level")] == "entry" && &r[col("stage")] == "sft").unwrap();
    assert_eq!((&alpha[col("take")], &alpha[col("amount")]), ("weight", "weight 3"));
}

#[test]
fn a_recipe_file_reaches_the_files_beside_it() {
    // acme-7b-hires extends acme-7b, which sits in the same folder with a
    // private catalog file; zz-wip beside them is broken but not used
    let out =
        mixplan().args(["plan", "tests/fixtures/draft/acme-7b-hires.toml", "-f", "json"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["recipe"]["extends"], "acme-7b");
    assert_eq!(row(&stage(&v, "sft")["entries"], "acme-charts")["seen"], 25000);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("note[errors-elsewhere]: 1 error in files this command does not use"),
        "{stderr}"
    );
    assert!(!stderr.contains("chart-qa"), "{stderr}");
    // check still reports it
    mixplan()
        .args(["check", "tests/fixtures/draft"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error[unknown-dataset]: unknown dataset `chart-qa`"));
}

#[test]
fn a_user_error_is_not_buried_under_builtin_warnings() {
    let out = mixplan().args(["plan", "tests/fixtures/draft/zz-wip.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("error[unknown-dataset]: unknown dataset `chart-qa`"), "{stderr}");
    assert!(!stderr.contains("catalog/"), "a diagnostic located in built-in data:\n{stderr}");
}

#[test]
fn every_warning_code_is_triggered_by_its_fixture_and_documented() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/warn");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut codes_seen = Vec::new();
    for f in files.iter().filter(|f| f.file_name().unwrap() != "catalog.toml") {
        let code = f.file_stem().unwrap().to_string_lossy().into_owned();
        let mut c = mixplan();
        c.args(["--no-builtin", "--catalog", "tests/fixtures/warn/catalog.toml", "plan", "-f", "json"])
            .arg(f);
        if code == "batch-larger-than-stage" {
            c.args(["--batch-size", "auto"]);
        }
        let v = json(&mut c);
        let codes: Vec<&str> =
            v["warnings"].as_array().unwrap().iter().map(|w| w["code"].as_str().unwrap()).collect();
        assert!(codes.contains(&code.as_str()), "{code}: {codes:?}");
        let w = v["warnings"].as_array().unwrap().iter().find(|w| w["code"] == code.as_str()).unwrap();
        assert!(w["location"]["line"].as_u64().is_some(), "{code} has no location: {w}");
        assert!(readme.contains(&format!("`{code}`")), "{code} is not in the README");
        codes_seen.push(code);
    }
    for (code, sev, _) in mixplan::diag::codes::ALL {
        assert!(readme.contains(&format!("`{code}`")), "{code} is not in the README");
        // not plan warnings: catalog import, and export --to / import-config
        // (tests/export_cli.rs triggers those two)
        let elsewhere = ["import-size", "trainer-difference", "import-quirk"];
        if *sev == mixplan::diag::Severity::Warning && !elsewhere.contains(code) {
            assert!(codes_seen.iter().any(|c| c == code), "no fixture triggers {code}");
        }
    }
}

#[test]
fn contamination_names_the_path_through_two_composites() {
    let v = json(mixplan().args([
        "--no-builtin",
        "--catalog",
        "tests/fixtures/warn/catalog.toml",
        "plan",
        "tests/fixtures/warn/contamination.toml",
        "-f",
        "json",
    ]));
    let w = v["warnings"].as_array().unwrap().iter().find(|w| w["code"] == "contamination").unwrap();
    assert_eq!(
        w["message"],
        "stage `s`: `outer → inner → docqa-train` and the benchmark `docqa-bench` share media from `docs`"
    );
    // --eval works on a recipe without [eval], and `--allow` silences it
    let out = stdout(mixplan().args([
        "--no-builtin",
        "--catalog",
        "tests/fixtures/warn/catalog.toml",
        "--allow",
        "contamination:docqa-bench",
        "plan",
        "tests/fixtures/warn/contamination.toml",
    ]));
    assert!(!out.contains("warning[contamination]"), "{out}");
}

#[test]
fn warnings_reach_stderr_in_csv_and_export() {
    let out = mixplan()
        .args([
            "--no-builtin",
            "--catalog",
            "tests/fixtures/warn/catalog.toml",
            "plan",
            "tests/fixtures/warn/counted-twice.toml",
            "-f",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning[counted-twice]"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.csv");
    let out = mixplan()
        .args([
            "--no-builtin",
            "--catalog",
            "tests/fixtures/warn/catalog.toml",
            "export",
            "tests/fixtures/warn/counted-twice.toml",
            "--out",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("warning[counted-twice]") && stderr.contains("wrote "), "{stderr}");
}

#[test]
fn the_license_summary_and_require_commercial() {
    let v = json(mixplan().args(["plan", "sharegpt4v-7b", "-f", "json"]));
    let uses: Vec<&str> =
        v["licenses"].as_array().unwrap().iter().map(|l| l["use"].as_str().unwrap()).collect();
    assert!(uses.contains(&"model-terms") || uses.contains(&"non-commercial"), "{uses:?}");
    let out = mixplan().args(["plan", "llava-1.5-7b", "--require", "commercial"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error[license-required]"), "{stderr}");
    assert!(stderr.contains("llava-instruct-150k-conversation"), "GPT-4 written data is named:\n{stderr}");
}

#[test]
fn check_strict_and_json() {
    // gamma (200) taken 2,000 times: 10 epochs, above the threshold of 5
    let base = ["--no-builtin", "--catalog", "tests/fixtures/catalog"];
    let out = mixplan().args(base).args(["check", "tests/fixtures/strict", "-f", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let d = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "high-epochs")
        .expect("high-epochs");
    assert_eq!(d["severity"], "warning");
    assert_eq!(d["location"]["file"], "tests/fixtures/strict/repeats.toml");
    assert_eq!((d["location"]["line"].as_u64(), d["location"]["column"].as_u64()), (Some(6), Some(8)));
    assert!(d["help"].is_string());
    assert_eq!(v["warnings"], 1);
    mixplan().args(base).args(["check", "--strict", "tests/fixtures/strict"]).assert().code(1);
    mixplan()
        .args(base)
        .args(["--allow", "high-epochs:gamma", "check", "--strict", "tests/fixtures/strict"])
        .assert()
        .code(0);
    mixplan()
        .args(base)
        .args(["--max-epochs", "10"])
        .args(["check", "--strict", "tests/fixtures/strict"])
        .assert()
        .code(2);
    mixplan()
        .args(base)
        .args(["check", "--strict", "--max-epochs", "10", "tests/fixtures/strict"])
        .assert()
        .code(0);
}

#[test]
fn check_of_the_builtin_data_is_clean() {
    let out = mixplan().args(["check", "--strict"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains(": 0 errors, 0 warnings"));
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn export_takes_its_format_from_the_extension_and_refuses_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("x.json");
    mixplan().args(["export", "llava-1.5-7b", "--out"]).arg(&json_path).assert().success();
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(v[0]["recipe"]["id"], "llava-1.5-7b");
    mixplan()
        .args(["export", "llava-1.5-7b", "-f", "csv", "--out"])
        .arg(&json_path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does not match the extension"));
    mixplan().args(["export", "llava-1.5-7b", "--out", "x.parquet"]).assert().code(2);
    let out = stdout(mixplan().args(["export", "llava-1.5-7b", "--out", "-"]));
    assert!(out.starts_with("recipe,stage,"), "{out}");
}

#[test]
fn export_all_writes_one_csv_with_every_recipe() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixes.csv");
    mixplan().args(["export", "--all", "--out"]).arg(&path).assert().success();
    let text = std::fs::read_to_string(&path).unwrap();
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let recipes: std::collections::BTreeSet<String> =
        r.records().map(|x| x.unwrap()[0].to_string()).collect();
    assert!(recipes.len() >= 50, "{}", recipes.len());
}

#[test]
fn failed_writes_name_the_path_and_leave_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    mixplan()
        .args(["export", "llava-1.5-7b", "--out"])
        .arg(dir.path())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("it is a directory"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    mixplan().args(["export", "llava-1.5-7b", "--out", "/nonexistent/dir/x.csv"]).assert().code(3).stderr(
        "error: cannot write `/nonexistent/dir/x.csv`: the directory does not exist: `/nonexistent/dir`\n",
    );
    // a failed export leaves the old file alone
    let path = dir.path().join("old.csv");
    std::fs::write(&path, "old\n").unwrap();
    mixplan().args(["export", "no-such-recipe", "--out"]).arg(&path).assert().code(1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old\n");
}

#[test]
fn conflicting_and_missing_arguments_exit_2() {
    mixplan().args(["export", "--all", "llava-1.5-7b", "--out", "x.csv"]).assert().code(2);
    mixplan().args(["compare", "--all", "llava-1.5-7b"]).assert().code(2);
    mixplan().args(["compare", "llava-1.5-7b"]).assert().code(2);
    mixplan().args(["compare", "llava-1.5-7b", "llava-1.5-7b"]).assert().code(2);
    mixplan().args(["compare"]).assert().code(2);
    mixplan().args(["plan"]).assert().code(2);
    mixplan().args(["--allow", "no-such-code", "plan", "llava-1.5-7b"]).assert().code(2);
}

#[test]
fn every_format_is_honored_or_refused() {
    let dot = stdout(mixplan().args(["graph", "llava-1.5-7b"]));
    assert!(dot.starts_with("digraph \"llava-1.5-7b\" {") && dot.contains("rankdir=LR"), "{dot}");
    let mermaid = stdout(mixplan().args(["graph", "llava-1.5-7b", "-f", "mermaid"]));
    assert!(mermaid.starts_with("flowchart LR\n"), "{mermaid}");
    let g = json(mixplan().args(["graph", "llava-1.5-7b", "-f", "json"]));
    assert!(g["edges"].as_array().unwrap().iter().any(|e| e["kind"] == "then"));
    mixplan()
        .args(["graph", "llava-1.5-7b", "-f", "csv"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("takes dot, mermaid, json"));
    mixplan().args(["plan", "llava-1.5-7b", "-f", "dot"]).assert().code(2);
    let show = stdout(mixplan().args(["catalog", "show", "ocr-vqa", "-f", "csv"]));
    assert!(show.lines().count() > 5 && show.contains("ocr-vqa,samples,207572"), "{show}");
    mixplan().args(["catalog", "import", "README.md", "-f", "json"]).assert().code(2);
}

#[test]
fn graph_mermaid_parses_back_into_its_nodes_and_edges() {
    let g = json(mixplan().args(["graph", "llava-1.5-7b", "-f", "json"]));
    let text = stdout(mixplan().args(["graph", "llava-1.5-7b", "-f", "mermaid"]));
    // every line after the header is a node `nX["label"]`-like, an edge
    // `nA --> |kind| nB`, or a composite's subgraph around its parts
    let mut nodes = 0;
    let mut edges = 0;
    let mut open = 0;
    for line in text.lines().skip(1) {
        let l = line.trim();
        if l.starts_with("subgraph ") {
            open += 1;
        } else if l == "end" {
            open -= 1;
        } else if l.contains("-->") || l.contains("-.->") {
            let parts: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(parts.len(), 3, "{l}");
            assert!(parts[0].starts_with('n') && parts[2].starts_with('n') && parts[1].contains('|'), "{l}");
            edges += 1;
        } else {
            assert!(l.starts_with('n') && l.contains('"'), "{l}");
            nodes += 1;
        }
    }
    assert_eq!(nodes, g["nodes"].as_array().unwrap().len());
    assert_eq!(edges, g["edges"].as_array().unwrap().len());
    assert_eq!(open, 0, "{text}");
    // llava-v1.5-mix665k holds llava-instruct-150k, which holds its three parts.
    assert_eq!(text.matches("subgraph ").count(), 2, "{text}");
}

#[test]
fn recipes_lists_unique_and_seen() {
    let out = stdout(mixplan().args(["recipes", "--wide"]));
    let line = out.lines().find(|l| l.contains("llava-13b")).unwrap();
    assert!(line.contains("157,712 / 473,136"), "{line}");
    let v = json(mixplan().args(["recipes", "-f", "json"]));
    let r = v.as_array().unwrap().iter().find(|r| r["id"] == "llava-13b").unwrap();
    assert_eq!(
        (r["total_unique"].as_u64(), r["total_seen"].as_u64()),
        (Some(595_000 + 157_712), Some(595_000 + 473_136))
    );
}

#[test]
fn catalog_list_filters_and_says_when_nothing_matches() {
    let v = json(fixtures().args(["catalog", "list", "--stage", "pretrain", "-f", "json"]));
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["alpha"]);
    fixtures()
        .args(["catalog", "list", "--language", "english"])
        .assert()
        .success()
        .stderr(predicate::str::contains("no dataset matches these filters"));
}

#[test]
fn catalog_show_expands_a_composite() {
    let v = json(fixtures().args(["catalog", "show", "the_mix", "-f", "json"]));
    assert_eq!(v["id"], "mix");
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
        .stderr(predicate::str::contains("did you mean `gamma`?"));
}

#[test]
fn catalog_search_forgives_case_and_punctuation_and_finds_tasks() {
    let v = json(fixtures().args(["catalog", "search", "BETA-vqa", "-f", "json"]));
    assert_eq!(v[0]["id"], "beta");
}

#[test]
fn unknown_recipe_suggests_and_exits_1() {
    mixplan()
        .args(["plan", "llava15-7b"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean `llava-1.5-7b`?"));
}

#[test]
fn a_missing_overlay_directory_exits_3_and_names_it() {
    mixplan()
        .args(["--catalog", "no/such/dir", "recipes"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("cannot read `no/such/dir`"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mixplan"))
        .args(["plan", "llava-onevision-7b"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn output_is_byte_identical_across_runs() {
    let a = stdout(mixplan().args(["compare", "--all", "-f", "json"]));
    let b = stdout(mixplan().args(["compare", "--all", "-f", "json"]));
    assert_eq!(a, b);
}

#[test]
fn a_catalog_named_and_beside_the_recipe_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("c.toml"),
        "[[dataset]]\nid = \"mine-a\"\nname = \"A\"\nstages = [\"sft\"]\nsamples = 100\nsource = \"t\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("r.toml"),
        "id = \"mine\"\nname = \"Mine\"\nsource = \"t\"\n\n[[stage]]\nid = \"sft\"\nkind = \"sft\"\nmix = [{ dataset = \"mine-a\" }]\n",
    )
    .unwrap();
    let out = mixplan()
        .arg("--catalog")
        .arg(dir.path().join("c.toml"))
        .arg("plan")
        .arg(dir.path().join("r.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    // No note that the file replaces its own entries.
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 stage: 100 distinct samples, 100 seen"));
}

#[test]
fn recipe_warnings_are_in_the_report_once_and_not_on_stderr() {
    for format in ["table", "md"] {
        let out = mixplan().args(["plan", "llava-1.5-7b", "--eval", "gqa", "-f", format]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            text.matches("warning[contamination]").count()
                + text.matches("warning\\[contamination\\]").count(),
            1,
            "{format}:\n{text}"
        );
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "{format}");
    }
    // CSV has no place for them: stderr.
    let out = mixplan().args(["plan", "llava-1.5-7b", "--eval", "gqa", "-f", "csv"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning[contamination]"));
}

#[test]
fn the_built_in_catalog_reads_the_same_as_its_files() {
    // The blob the build writes, and the same TOML read at run time, give
    // the same entries field for field: links (kept only when there are
    // some), text tokens, aliases and references included.
    let blob = stdout(mixplan().args(["catalog", "list", "--format", "json"]));
    let files = stdout(mixplan().args([
        "--no-builtin",
        "--catalog",
        "catalog",
        "--recipes",
        "recipes",
        "catalog",
        "list",
        "--format",
        "json",
    ]));
    assert_eq!(blob, files);
    let list: Value = serde_json::from_str(&blob).expect("valid JSON");
    let entries = list.as_array().expect("a list");
    let with = |key: &str| entries.iter().filter(|d| d.get(key).is_some_and(|v| !v.is_null())).count();
    // Every entry has a `links` table, empty or not; some have each kind
    // of rarely set field.
    assert!(entries.iter().all(|d| d["links"].is_object()));
    assert!(entries.iter().any(|d| d["links"].as_object().is_some_and(|l| l.is_empty())));
    assert!(entries.iter().any(|d| d["links"]["hf"].is_string()));
    for key in ["text_tokens", "aliases", "variant_of", "image_sources"] {
        assert!(with(key) > 0, "no entry has {key}");
    }
}
