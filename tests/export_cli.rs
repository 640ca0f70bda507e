//! `export --to`, `import-config` and `schedule` as a user runs them, on
//! the built-in data and on the made-up datasets of
//! `tests/fixtures/export/` (sizes 7, 3, 4, 1000 and one unknown). The
//! optional tests at the end round-trip through the trainers' own Python
//! parsers (PyYAML, numpy, Hugging Face `datasets`) and skip, saying so,
//! when Python or the package is missing.

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn mixplan() -> Command {
    let mut c = Command::cargo_bin("mixplan").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

const RECIPE: &str = "tests/fixtures/export/recipes.toml";
const PATHS: &str = "tests/fixtures/export/paths.toml";

fn run(c: &mut Command) -> (String, String, i32) {
    let out = c.output().expect("runs");
    (
        String::from_utf8(out.stdout).expect("utf-8"),
        String::from_utf8(out.stderr).expect("utf-8"),
        out.status.code().unwrap_or(-1),
    )
}

fn ok(c: &mut Command) -> (String, String) {
    let (o, e, code) = run(c);
    assert_eq!(code, 0, "failed: {e}");
    (o, e)
}

fn demo(args: &[&str]) -> Command {
    let mut c = mixplan();
    c.args(["--no-builtin", "export", RECIPE, "--paths", PATHS]).args(args);
    c
}

#[test]
fn llava_next_yaml_goes_to_stdout_with_exact_heads_and_repeats() {
    let (yaml, err) = ok(&mut demo(&["--stage", "mixed", "--to", "llava-next", "--out", "-"]));
    // four: 10 of 4 = all, all, first:2; big: round(0.123 × 1000) = 123; seven: all
    let lines: Vec<&str> =
        yaml.lines().filter(|l| l.contains("json_path") || l.contains("sampling")).collect();
    assert_eq!(
        lines,
        [
            "  - json_path: \"/data/big.jsonl\"",
            "    sampling_strategy: \"first:123\"",
            "  - json_path: \"/data/four.jsonl\"",
            "    sampling_strategy: \"all\"",
            "  - json_path: \"/data/four.jsonl\"",
            "    sampling_strategy: \"all\"",
            "  - json_path: \"/data/four.jsonl\"",
            "    sampling_strategy: \"first:2\"",
            "  - json_path: \"/data/seven.jsonl\"",
            "    sampling_strategy: \"all\"",
        ]
    );
    assert!(
        err.contains("exported stage `mixed` of `blend-demo` for llava-next: 3 datasets (per pass), 3 with the planned count"),
        "{err}"
    );
    assert!(err.contains("note: images: pass --image_folder /data/images"), "{err}");
}

#[test]
fn unknown_sizes_keep_the_recipes_words_where_the_format_can() {
    let (yaml, err) = ok(&mut demo(&["--stage", "unknown", "--to", "llava-next", "--out", "-"]));
    assert!(
        yaml.contains("json_path: \"/data/nosize.jsonl\"\n    sampling_strategy: \"first:25%\""),
        "{yaml}"
    );
    assert!(err.contains("1 of unknown size"), "{err}");
    let (meta, _) = ok(&mut demo(&["--stage", "unknown", "--to", "internvl", "--out", "-"]));
    let v: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(v["nosize"]["repeat_time"], 0.25);
    assert_eq!(v["three"]["repeat_time"], 2);
    // Megatron needs counts
    let (_, err, code) = run(&mut demo(&["--stage", "unknown", "--to", "megatron", "--out", "-"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("error[export-unknown-count]: the counts of 1 dataset of the stage are unknown"),
        "{err}"
    );
    assert!(err.contains("unknown: `nosize`"), "{err}");
}

#[test]
fn a_length_in_paths_makes_an_unknown_size_countable() {
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.toml");
    std::fs::write(
        &paths,
        format!("{}\n[dataset.nosize]\nlength = 1001\n", std::fs::read_to_string(PATHS).unwrap()),
    )
    .unwrap();
    let (blend, _) = ok(mixplan().args([
        "--no-builtin",
        "export",
        RECIPE,
        "--stage",
        "unknown",
        "--to",
        "megatron",
        "--paths",
        paths.to_str().unwrap(),
        "--out",
        "-",
    ]));
    // round half even of 0.25 × 1001 = 250.25 → 250; three × 2 = 6
    // (in the plan's order: known counts first)
    assert!(
        blend.contains("6 /data/megatron/three_text_document\n250 /data/megatron/nosize_text_document\n"),
        "{blend}"
    );
}

#[test]
fn every_unmapped_dataset_is_listed_in_one_error() {
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.toml");
    std::fs::write(&paths, "[dataset.sevn]\nannotation = \"/x.json\"\n").unwrap();
    let (_, err, code) = run(mixplan().args([
        "export",
        "llava-1.5-7b",
        "--stage",
        "sft",
        "--to",
        "llava-next",
        "--paths",
        paths.to_str().unwrap(),
        "--out",
        "-",
    ]));
    assert_eq!(code, 1, "{err}");
    assert_eq!(err.matches("error[unmapped-dataset]").count(), 1, "{err}");
    assert!(err.contains("12 datasets of the stage have no `annotation`"), "{err}");
    for id in ["vqav2", "gqa", "ocr-vqa", "sharegpt", "textcaps", "ok-vqa"] {
        assert!(err.contains(&format!("unmapped: `{id}`")), "{id}: {err}");
    }
    assert!(err.contains("help: add a table per dataset"), "{err}");
}

#[test]
fn a_path_the_trainer_refuses_points_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.toml");
    std::fs::write(&paths, "[default]\nannotation = \"/d/{id}.json\"\nimage_root = \"/i\"\n").unwrap();
    let (_, err, code) = run(mixplan().args([
        "--no-builtin",
        "export",
        RECIPE,
        "--stage",
        "sft",
        "--to",
        "internvl",
        "--paths",
        paths.to_str().unwrap(),
        "--out",
        "-",
    ]));
    assert_eq!(code, 1);
    assert!(
        err.contains(
            "error[unsupported-path]: `seven`: InternVL's loader asserts that an annotation ends in `jsonl`"
        ),
        "{err}"
    );
    assert!(err.contains("paths.toml:2:14"), "{err}");
}

#[test]
fn multi_file_formats_write_a_directory_and_refuse_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("mg");
    let (_, err) = ok(&mut demo(&["--stage", "sft", "--to", "megatron", "--out", out.to_str().unwrap()]));
    assert_eq!(
        std::fs::read_to_string(out.join("blend.txt")).unwrap(),
        "7 /data/megatron/seven_text_document\n3 /data/megatron/three_text_document\n"
    );
    let args = std::fs::read_to_string(out.join("args.txt")).unwrap();
    assert!(args.contains("--data-args-path blend.txt --split 100,0,0 --train-samples 10\n"), "{args}");
    assert!(err.contains("wrote ") && err.contains("per_split.json"), "{err}");
    let file = dir.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let (_, err, code) =
        run(&mut demo(&["--stage", "sft", "--to", "energon", "--out", file.to_str().unwrap()]));
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("it is a file"), "{err}");
    // standard output: every file under a header line
    let (all, _) = ok(&mut demo(&["--stage", "sft", "--to", "llama-factory", "--out", "-"]));
    assert!(all.starts_with("==> dataset_info.json <==\n{"), "{all}");
    assert!(all.contains("==> data_args.yaml <==\n"), "{all}");
    assert!(all.contains("interleave_probs: 0.7,0.3\n"), "{all}");
}

#[test]
fn the_report_json_gives_planned_trainer_and_difference_per_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    ok(&mut demo(&[
        "--stage",
        "mixed",
        "--to",
        "internvl",
        "--out",
        "-",
        "--report",
        report.to_str().unwrap(),
    ]));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["format"], "internvl");
    assert_eq!(v["basis"], "per-pass");
    assert_eq!(v["differences"], 0);
    let four = v["datasets"].as_array().unwrap().iter().find(|d| d["dataset"] == "four").unwrap();
    assert_eq!(four["planned"], 10);
    assert_eq!(four["trainer"], 10);
    assert_eq!(four["difference"], 0.0);
    assert_eq!(four["exact"], true);
    assert_eq!(four["expression"], "repeat_time 2 + repeat_time 0.625");
}

#[test]
fn a_count_the_trainer_cannot_reach_is_a_trainer_difference() {
    // A file of about 2^62 records: InternVL's int(len × r) works in doubles,
    // which are 256 apart there, so 0.25 of it (1,152,921,504,606,846,726 by
    // the plan's rounding) comes out 6 short.
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.toml");
    std::fs::write(
        &paths,
        format!(
            "{}\n[dataset.nosize]\nlength = 4611686018427386903\n",
            std::fs::read_to_string(PATHS).unwrap()
        ),
    )
    .unwrap();
    let report = dir.path().join("r.json");
    let (_, err) = ok(mixplan()
        .args(["--no-builtin", "export", RECIPE, "--stage", "unknown", "--to", "internvl", "--paths"])
        .arg(&paths)
        .args(["--out", "-", "--report"])
        .arg(&report));
    assert!(
        err.contains("warning[trainer-difference]: the trainer's loader gives 1 of 2 datasets another count than the plan"),
        "{err}"
    );
    assert!(
        err.contains("`nosize`: planned 1,152,921,504,606,846,726, trainer 1,152,921,504,606,846,720 (-6)"),
        "{err}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(v["differences"], 1);
    let row = v["datasets"].as_array().unwrap().iter().find(|d| d["dataset"] == "nosize").unwrap();
    assert_eq!(row["difference"], -6.0);
}

#[test]
fn usage_errors_name_what_to_do() {
    let (_, err, code) = run(&mut demo(&["--to", "llava-next", "--out", "-"]));
    assert_eq!(code, 2);
    assert!(err.contains("`blend-demo` has 3 stages: name one with --stage (sft, mixed, unknown)"), "{err}");
    let (_, err, code) = run(&mut demo(&["--stage", "nope", "--to", "llava-next", "--out", "-"]));
    assert_eq!(code, 2);
    assert!(err.contains("has no stage `nope`"), "{err}");
    let (_, err, code) = run(mixplan().args(["export", "llava-1.5-7b", "--to", "llava-next", "--out", "-"]));
    assert_eq!(code, 2);
    assert!(err.contains("needs --paths PATHS.toml"), "{err}");
    let (_, err, code) = run(mixplan().args([
        "-f",
        "json",
        "export",
        "llava-1.5-7b",
        "--to",
        "megatron",
        "--paths",
        PATHS,
        "--out",
        "-",
    ]));
    assert_eq!(code, 2);
    assert!(err.contains("does not apply with `--to megatron`"), "{err}");
}

#[test]
fn the_csv_export_still_works_without_to() {
    let (csv, _) = ok(mixplan().args(["export", "llava-1.5-7b", "--out", "-"]));
    assert!(csv.starts_with("recipe,stage,"), "{csv}");
}

// ---- import-config -------------------------------------------------------

/// A stage's leaves as (dataset, unique, seen), by dataset.
type Leaves = Vec<(String, Value, Value)>;

fn leaves(plan: &Value, stage: &str) -> Leaves {
    let st = plan["stages"].as_array().unwrap().iter().find(|s| s["id"] == stage).unwrap();
    let mut v: Vec<(String, Value, Value)> = st["leaves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["dataset"].as_str().unwrap().to_string(), l["unique"].clone(), l["seen"].clone()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn plan_json(args: &[&str]) -> Value {
    let mut c = mixplan();
    c.args(args).args(["-f", "json"]);
    serde_json::from_str(&ok(&mut c).0).expect("JSON")
}

/// Exports a stage, imports the file back, and returns both plans' leaves.
fn round_trip(recipe: &str, stage: &str, to: &str, from: &str, paths: &Path, dir: &Path) -> (Leaves, Leaves) {
    let exported = dir.join(format!("{stage}.{}", if to == "llava-next" { "yaml" } else { "json" }));
    ok(mixplan()
        .args(["export", recipe, "--stage", stage, "--to", to, "--paths"])
        .arg(paths)
        .arg("--out")
        .arg(&exported));
    let imported: PathBuf = dir.join(format!("imported-{stage}.toml"));
    let (_, err) =
        ok(mixplan().arg("import-config").arg(&exported).args(["--from", from, "--out"]).arg(&imported));
    assert!(!err.contains("draft"), "every file matches a catalog id: {err}");
    let original = plan_json(&["plan", recipe]);
    let back = plan_json(&["plan", imported.to_str().unwrap()]);
    let back_stage = back["stages"][0]["id"].as_str().unwrap().to_string();
    (leaves(&original, stage), leaves(&back, &back_stage))
}

#[test]
fn the_released_onevision_stages_survive_export_and_import_config() {
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.toml");
    std::fs::write(&paths, "[default]\nannotation = \"/data/llava/{id}.json\"\n").unwrap();
    for stage in ["si", "ov"] {
        let (a, b) =
            round_trip("llava-onevision-7b-released", stage, "llava-next", "llava-next", &paths, dir.path());
        assert_eq!(a.len(), if stage == "si" { 90 } else { 82 });
        assert_eq!(a, b, "stage {stage}: the entries and counts differ after the round trip");
    }
}

#[test]
fn an_internvl_meta_survives_export_and_import_config() {
    let dir = tempfile::tempdir().unwrap();
    let paths = dir.path().join("paths.toml");
    // llava-1.5's SFT has three datasets of unknown size: say how long the files are
    std::fs::write(
        &paths,
        "[default]\nannotation = \"/d/{id}.jsonl\"\nimage_root = \"/img\"\n\
         [dataset.gqa]\nlength = 72140\n[dataset.a-okvqa]\nlength = 66160\n[dataset.refcoco]\nlength = 48447\n",
    )
    .unwrap();
    let (a, b) = round_trip("llava-1.5-7b", "sft", "internvl", "internvl", &paths, dir.path());
    assert_eq!(a, b);
}

#[test]
fn import_config_reads_sizes_from_file_names_and_a_sizes_file_and_drafts_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("data.yaml");
    std::fs::write(
        &yaml,
        "datasets:\n  - json_path: /x/mavis_math_metagen_87358.json\n    sampling_strategy: \"first:10%\"\n\
         \x20 - json_path: /x/my_new_set.json\n    sampling_strategy: end:0\n\
         \x20 - json_path: /x/other_corpus.jsonl\n    sampling_strategy: first:50%\n",
    )
    .unwrap();
    let sizes = dir.path().join("sizes.csv");
    std::fs::write(&sizes, "dataset,samples\nother_corpus.jsonl,1001\n").unwrap();
    let (toml, err) =
        ok(mixplan().arg("import-config").arg(&yaml).args(["--from", "llava-next", "--sizes"]).arg(&sizes));
    // the catalog's alias for mavis_math_metagen_87358.json; ceil(10% of 87,358) = 8,736
    assert!(toml.contains("{ dataset = \"ov-rel-mavis-math-metagen-87358\", samples = 8736,"), "{toml}");
    // end:0 is the whole file (data[-0:])
    assert!(err.contains("warning[import-quirk]: `end:0`: data[-0:] is the whole file"), "{err}");
    assert!(toml.contains("{ dataset = \"my-new-set\", note = \"my_new_set.json, end:0\" }"), "{toml}");
    // ceil(50% of 1,001) = 501, from the sizes file
    assert!(toml.contains("{ dataset = \"other-corpus\", samples = 501, note = \"other_corpus.jsonl, first:50%; size from the sizes file\" }"), "{toml}");
    assert!(toml.contains("# [[dataset]]\n# id = \"my-new-set\""), "{toml}");
    assert!(err.contains("note[import-draft]: `my_new_set.json` matches no catalog dataset"), "{err}");
}

#[test]
fn import_config_refuses_what_the_loader_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("bad.yaml");
    std::fs::write(
        &yaml,
        "datasets:\n  - json_path: a.json\n    sampling_strategy: first:12.5%\n  - json_path: b.parquet\n",
    )
    .unwrap();
    let (_, err, code) = run(mixplan().arg("import-config").arg(&yaml).args(["--from", "llava-next"]));
    assert_eq!(code, 1);
    assert!(
        err.contains("error[invalid-value]: `first:12.5%`: the loader reads the percent with int()"),
        "{err}"
    );
    assert!(err.contains("bad.yaml:3:24"), "{err}");
    assert!(err.contains("error[unsupported-path]: `b.parquet`"), "{err}");
    let json = dir.path().join("meta.json");
    std::fs::write(&json, "{\"a\": {\"root\": \"/r\", \"annotation\": \"a.jsonl\", \"data_augment\": false, \"repeat_time\": 1.5}}").unwrap();
    let (_, err, code) = run(mixplan().arg("import-config").arg(&json).args(["--from", "internvl"]));
    assert_eq!(code, 1);
    assert!(err.contains("repeat_time 1.5 — above 1 it must be a JSON integer"), "{err}");
    std::fs::write(&yaml, "datasets: [\n").unwrap();
    let (_, err, code) = run(mixplan().arg("import-config").arg(&yaml).args(["--from", "llava-next"]));
    assert_eq!(code, 1);
    assert!(err.contains("error[syntax]: invalid YAML"), "{err}");
}

#[test]
fn compare_shows_the_paper_against_the_released_configs() {
    let (out, _) = ok(mixplan().args(["compare", "llava-onevision-7b", "llava-onevision-7b-released"]));
    assert!(out.contains("llava-onevision-7b-released"), "{out}");
    // VisualWebInstruct is in the released OneVision yaml only
    assert!(out.contains("ov-rel-visualwebinstruct-263589"), "{out}");
    let v = plan_json(&["compare", "llava-onevision-7b", "llava-onevision-7b-released"]);
    let pair = &v["pairs"][0];
    assert!(
        pair["only_in_b"].as_array().unwrap().iter().any(|d| d == "ov-rel-visualwebinstruct-263589"),
        "{pair}"
    );
}

// ---- schedule ---------------------------------------------------------------

/// An `.npy` file's shape, element type and data bytes.
fn npy(path: &Path) -> (String, usize, Vec<u8>) {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[..8], b"\x93NUMPY\x01\x00");
    let hl = u16::from_le_bytes([b[8], b[9]]) as usize;
    assert_eq!((10 + hl) % 64, 0);
    let header = std::str::from_utf8(&b[10..10 + hl]).unwrap();
    let descr = header.split("'descr': '").nth(1).unwrap().split('\'').next().unwrap().to_string();
    let n: usize = header.split("'shape': (").nth(1).unwrap().split(',').next().unwrap().parse().unwrap();
    (descr, n, b[10 + hl..].to_vec())
}

fn schedule(stage: &str, n: u64, dir: &Path) -> (Vec<i16>, Vec<i64>, Value) {
    ok(mixplan()
        .args(["--no-builtin", "schedule", RECIPE, "--stage", stage, "--steps", &n.to_string(), "--out"])
        .arg(dir));
    let (d1, n1, b1) = npy(&dir.join("dataset_index.npy"));
    let (d2, n2, b2) = npy(&dir.join("dataset_sample_index.npy"));
    assert_eq!((d1.as_str(), d2.as_str()), ("<i2", "<i8"));
    assert_eq!(n1, n2);
    let di: Vec<i16> = b1.chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])).collect();
    let si: Vec<i64> = b2.chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(di.len(), n1);
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("datasets.json")).unwrap()).unwrap();
    (di, si, meta)
}

#[test]
fn schedule_writes_megatrons_worked_example() {
    // counts 7 and 3 (weights 0.7 and 0.3, the plan's order: larger first),
    // N = 10: the reference's example [1,0,1,1,0,1,1,0,1,1] with the two
    // datasets' positions swapped, worked by hand in src/export/schedule.rs
    let dir = tempfile::tempdir().unwrap();
    let (di, si, meta) = schedule("sft", 10, dir.path());
    assert_eq!(di, [0, 1, 0, 0, 1, 0, 0, 1, 0, 0]);
    assert_eq!(si, [0, 0, 1, 2, 1, 3, 4, 2, 5, 6]);
    assert_eq!(meta["size"], 10);
    assert_eq!(meta["datasets"][0]["dataset"], "seven");
    assert_eq!(meta["datasets"][0]["trained"], 7);
}

#[test]
fn schedule_counts_stay_within_one_of_their_share_and_longer_runs_extend_shorter_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (short, short_s, _) = schedule("mixed", 997, &dir.path().join("a"));
    let (long, long_s, meta) = schedule("mixed", 10_007, &dir.path().join("b"));
    assert_eq!(&long[..short.len()], &short[..], "the index of a shorter run is a prefix of a longer one");
    assert_eq!(&long_s[..short_s.len()], &short_s[..]);
    let ws: Vec<f64> =
        meta["datasets"].as_array().unwrap().iter().map(|d| d["weight"].as_f64().unwrap()).collect();
    let mut count = vec![0f64; ws.len()];
    for (k, &d) in long.iter().enumerate() {
        // the sample index is how many of its dataset came before
        assert_eq!(long_s[k] as f64, count[d as usize]);
        count[d as usize] += 1.0;
        let n = (k + 1) as f64;
        for (c, w) in count.iter().zip(&ws) {
            assert!((c - w * n).abs() <= 1.5, "after {n} samples: {c} against {}", w * n);
        }
    }
}

#[test]
fn schedule_needs_known_counts_and_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err, code) = run(mixplan()
        .args(["--no-builtin", "schedule", RECIPE, "--stage", "unknown", "--steps", "10", "--out"])
        .arg(dir.path()));
    assert_eq!(code, 1);
    assert!(err.contains("export-unknown-count"), "{err}");
    let (_, err, code) = run(mixplan()
        .args(["--no-builtin", "schedule", RECIPE, "--stage", "sft", "--steps", "0", "--out"])
        .arg(dir.path()));
    assert_eq!(code, 2, "{err}");
}

// ---- the trainers' own Python parsers, when present -------------------------

/// Runs Python with `code`; `None` (with a message) when Python or one of
/// `modules` is missing.
fn python(modules: &[&str], code: &str, args: &[&str]) -> Option<String> {
    let probe = format!("import {}", modules.join(", "));
    match std::process::Command::new("python3").args(["-c", &probe]).output() {
        Ok(o) if o.status.success() => {}
        _ => {
            eprintln!("skipped: python3 with {} is not available", modules.join(", "));
            return None;
        }
    }
    let out =
        std::process::Command::new("python3").arg("-c").arg(code).args(args).output().expect("python runs");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn pyyaml_reads_the_llava_and_energon_files_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("data.yaml");
    ok(&mut demo(&["--stage", "mixed", "--to", "llava-next", "--out", yaml.to_str().unwrap()]));
    ok(&mut demo(&["--stage", "mixed", "--to", "energon", "--out", dir.path().join("en").to_str().unwrap()]));
    let code = "import sys, json, yaml\n\
                d = yaml.safe_load(open(sys.argv[1]))\n\
                e = yaml.safe_load(open(sys.argv[2]))\n\
                print(json.dumps([[x['json_path'], x.get('sampling_strategy', 'all')] for x in d['datasets']]))\n\
                print(json.dumps(e['splits']['train']['blend_epochized']))";
    let Some(out) = python(
        &["yaml"],
        code,
        &[yaml.to_str().unwrap(), dir.path().join("en/blend_epochized.yaml").to_str().unwrap()],
    ) else {
        return;
    };
    let mut lines = out.lines();
    let llava: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        llava,
        serde_json::json!([
            ["/data/big.jsonl", "first:123"],
            ["/data/four.jsonl", "all"],
            ["/data/four.jsonl", "all"],
            ["/data/four.jsonl", "first:2"],
            ["/data/seven.jsonl", "all"]
        ])
    );
    let energon: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(
        energon[0],
        serde_json::json!({"repetitions": 1, "path": "/data/energon/big", "subset": {"range": [0, 123]}})
    );
    assert_eq!(energon[1], serde_json::json!({"repetitions": 2, "path": "/data/energon/four"}));
}

#[test]
fn numpy_normalises_the_blend_weights_to_the_same_bits() {
    let dir = tempfile::tempdir().unwrap();
    schedule("mixed", 1000, dir.path());
    numpy_check(&dir.path().join("datasets.json"));
    // 81 datasets: numpy's pairwise summation in blocks, not a plain loop
    let out = dir.path().join("ov");
    ok(mixplan()
        .args(["schedule", "llava-onevision-7b", "--stage", "si", "--steps", "1000", "--out"])
        .arg(&out));
    let meta: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("datasets.json")).unwrap()).unwrap();
    assert_eq!(meta["datasets"].as_array().unwrap().len(), 81);
    numpy_check(&out.join("datasets.json"));
}

/// numpy's double normalisation of the planned counts against the
/// `weight`s of datasets.json, compared in Python (whose JSON reader rounds
/// correctly; serde_json's default reader may be one unit off).
fn numpy_check(datasets_json: &Path) {
    let code = "import sys, json, numpy\n\
                def normalize(w):\n    w = numpy.array(w, dtype=numpy.float64)\n    return (w / numpy.sum(w)).tolist()\n\
                m = json.load(open(sys.argv[1]))\n\
                ours = [d['weight'] for d in m['datasets']]\n\
                theirs = normalize(normalize([float(d['planned']) for d in m['datasets']]))\n\
                print(sum(1 for a, b in zip(ours, theirs) if a != b), len(ours))";
    let Some(out) = python(&["numpy"], code, &[datasets_json.to_str().unwrap()]) else { return };
    let meta: Value = serde_json::from_str(&std::fs::read_to_string(datasets_json).unwrap()).unwrap();
    let n = meta["datasets"].as_array().unwrap().len();
    assert_eq!(out.trim(), format!("0 {n}"), "weights that differ from numpy's, of all");
}

#[test]
fn hugging_face_interleave_datasets_gives_the_planned_counts() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("interleave.json");
    ok(&mut demo(&["--stage", "mixed", "--to", "hf-interleave", "--out", json.to_str().unwrap()]));
    // the recipe the README gives: each dataset cut to repeats × whole + head
    // rows, then interleaved without replacement; datasets of `size` rows
    // stand in for the files
    let code = "import sys, json, collections\n\
                from datasets import Dataset, concatenate_datasets, interleave_datasets\n\
                cfg = json.load(open(sys.argv[1]))\n\
                parts = []\n\
                for d in cfg['datasets']:\n\
                \x20   ds = Dataset.from_dict({'source': [d['name']] * d['size'], 'row': list(range(d['size']))})\n\
                \x20   cut = [ds] * d['repeats'] + ([ds.select(range(d['head']))] if d['head'] else [])\n\
                \x20   parts.append(concatenate_datasets(cut))\n\
                mix = interleave_datasets(parts, probabilities=cfg['probabilities'], seed=cfg['seed'], stopping_strategy=cfg['stopping_strategy'])\n\
                print(json.dumps(dict(collections.Counter(mix['source']))))";
    // an older `datasets` without the strategy: skip, saying so
    let probe = "import inspect, datasets.combine as c\n\
                 assert 'all_exhausted_without_replacement' in inspect.getsource(c)";
    match std::process::Command::new("python3").args(["-c", probe]).output() {
        Ok(o) if o.status.success() => {}
        _ => {
            eprintln!("skipped: no `datasets` with all_exhausted_without_replacement");
            return;
        }
    }
    let Some(out) = python(&["datasets"], code, &[json.to_str().unwrap()]) else { return };
    let counts: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(counts, serde_json::json!({"big": 123, "four": 10, "seven": 7}));
}
