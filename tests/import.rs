//! `mixplan catalog import` on the seed awesome lists (copies in
//! `tests/fixtures/seeds/`), run as a user runs it.

use assert_cmd::Command;

const SEEDS: &str = "tests/fixtures/seeds";

fn mixplan() -> Command {
    let mut c = Command::cargo_bin("mixplan").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// Imports a seed list against an empty catalog: (stdout, stderr, exit code).
fn import(file: &str) -> (String, String, i32) {
    let out = mixplan()
        .args(["--no-builtin", "catalog", "import", &format!("{SEEDS}/{file}")])
        .output()
        .expect("runs");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("utf-8");
    (text(out.stdout), text(out.stderr), out.status.code().expect("exit code"))
}

/// The draft with `id`, as a TOML table.
fn draft(drafts: &toml::Value, id: &str) -> toml::Value {
    drafts["dataset"]
        .as_array()
        .expect("datasets")
        .iter()
        .find(|d| d["id"].as_str() == Some(id))
        .unwrap_or_else(|| panic!("no draft `{id}`"))
        .clone()
}

#[test]
fn the_sft_and_preference_list_gives_sized_drafts() {
    let (out, err, code) = import("004_5d2ad158fdc6e8a1.md");
    assert_eq!(code, 0, "{err}");
    assert!(err.ends_with("drafted 44 datasets from 5 tables of tests/fixtures/seeds/004_5d2ad158fdc6e8a1.md (0 already in the catalog)\n"), "{err}");
    let drafts: toml::Value = toml::from_str(&out).expect("drafts are TOML");
    let rlhf = draft(&drafts, "rlhf-v-dataset");
    assert_eq!(rlhf["samples"].as_integer(), Some(5_700));
    assert_eq!(rlhf["approx"].as_bool(), Some(true));
    assert_eq!(rlhf["stages"].as_array().unwrap()[0].as_str(), Some("preference"));
    assert_eq!(rlhf["reported"][0].as_str(), Some("5.7k (004_5d2ad158fdc6e8a1.md)"));
    assert_eq!(rlhf["links"]["hf"].as_str(), Some("openbmb/RLHF-V-Dataset"));
    // 100GB is a size on disk, not a count
    let clue = draft(&drafts, "cluecorpus2020");
    assert_eq!((clue.get("samples"), clue["bytes"].as_integer()), (None, Some(100_000_000_000)));
    // 396,209篇: a plain integer with a counter is exact
    let csl = draft(&drafts, "chinese-scientific-literature-dataset");
    assert_eq!((csl["samples"].as_integer(), csl.get("approx")), (Some(396_209), None));
    // 超2600万个 and 115万
    assert_eq!(draft(&drafts, "huatuo-26m")["samples"].as_integer(), Some(26_000_000));
    assert_eq!(draft(&drafts, "firefly-train-1.1m")["samples"].as_integer(), Some(1_150_000));
}

#[test]
fn cells_with_several_figures_are_kept_verbatim_and_warned_about() {
    let (out, err, _) = import("004_5d2ad158fdc6e8a1.md");
    let warned: Vec<&str> = err.lines().filter(|l| l.starts_with("warning[import-size]:")).collect();
    assert_eq!(
        warned,
        [
            "warning[import-size]: `RefGPT`: 2 figures in one size cell; the cell is kept in `reported` only",
            "warning[import-size]: `Chinese medical dialogue data`: 7 figures in one size cell; the cell is kept in `reported` only",
            "warning[import-size]: `ShareChat`: 2 figures in one size cell; the cell is kept in `reported` only",
            "warning[import-size]: `UltraFeedback`: 2 figures in one size cell; the cell is kept in `reported` only",
        ]
    );
    assert!(err.contains("--> tests/fixtures/seeds/004_5d2ad158fdc6e8a1.md:71:30"), "{err}");
    let drafts: toml::Value = toml::from_str(&out).unwrap();
    let uf = draft(&drafts, "ultrafeedback");
    assert_eq!(uf.get("samples"), None);
    assert!(uf["reported"][0].as_str().unwrap().starts_with("约64k"));
}

#[test]
fn drafts_pass_check_once_the_stages_the_lists_leave_out_are_filled() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("drafts.toml");
    let status = mixplan()
        .args(["--no-builtin", "catalog", "import", &format!("{SEEDS}/000_ac4d99a6dab7f232.md"), "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success() && status.stdout.is_empty());
    // repaired/000 gives every row a stage (some rows swap the stage and
    // language cells): `check` accepts the file as it is
    let check = mixplan().args(["--no-builtin", "check"]).arg(&out).output().unwrap();
    assert_eq!(
        String::from_utf8(check.stdout).unwrap(),
        "checked 17 datasets and 0 recipes: 0 errors, 0 warnings\n",
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // repaired/004's text corpora sit under a heading the repair damaged, so
    // their stage is left for the reviewer; filling it is all check asks
    let (drafts, _, _) = import("004_5d2ad158fdc6e8a1.md");
    let reviewed = drafts.replace("stages = []", "stages = [\"pretrain\"]");
    std::fs::write(&out, reviewed).unwrap();
    let check = mixplan().args(["--no-builtin", "check"]).arg(&out).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
}

#[test]
fn every_seed_table_row_is_already_in_the_builtin_catalog() {
    for file in ["000_ac4d99a6dab7f232.md", "001_8f592ac0ff290892.md", "004_5d2ad158fdc6e8a1.md"] {
        let out = mixplan().args(["catalog", "import", &format!("{SEEDS}/{file}")]).output().unwrap();
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("drafted 0 datasets"), "{file}: {err}");
    }
}

#[test]
fn a_file_without_a_dataset_table_is_an_error() {
    let (out, err, code) = import("002_7d234615ac32ba1d.md");
    assert_eq!((out.as_str(), code), ("", 1));
    assert_eq!(err, "error: tests/fixtures/seeds/002_7d234615ac32ba1d.md has no Markdown table with a dataset-name column\n");
    let (_, err, code) = import("no-such-file.md");
    assert_eq!(code, 3);
    assert_eq!(
        err,
        "error: cannot read `tests/fixtures/seeds/no-such-file.md`: No such file or directory (os error 2)\n"
    );
}
