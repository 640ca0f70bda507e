//! Bad input, one fixture folder each under `tests/bad/`: the command must
//! exit with the expected code and print exactly `expected.stderr` (the
//! code, file:line:col, the line, a caret, and a hint), never panic.
//!
//! A folder holds the bad files and, optionally:
//! - `args`: the command line, one argument per line, `{dir}` standing for
//!   the folder (default: `check {dir}` over the fixture catalog and
//!   recipes, without the built-in data);
//! - `expected.code`: the exit code (default 1);
//! - `expected.stdout`: what goes to standard output (default: nothing).
//!
//! Run with `BLESS=1` to write the expected files after a deliberate change
//! of wording, then review the diff.

use assert_cmd::Command;
use std::path::Path;
use std::time::Duration;

const DEFAULT_ARGS: &[&str] = &[
    "--no-builtin",
    "--catalog",
    "tests/fixtures/catalog",
    "--recipes",
    "tests/fixtures/recipes",
    "check",
    "{dir}",
];

fn run(dir: &Path) -> (i32, String, String) {
    let rel = dir.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside the package").display().to_string();
    let args: Vec<String> = match std::fs::read_to_string(dir.join("args")) {
        Ok(text) => text.lines().filter(|l| !l.is_empty()).map(|l| l.replace("{dir}", &rel)).collect(),
        Err(_) => DEFAULT_ARGS.iter().map(|a| a.replace("{dir}", &rel)).collect(),
    };
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(&args)
        .timeout(Duration::from_secs(60))
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_bad_fixture_fails_with_its_exact_message() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).expect("tests/bad").map(|e| e.expect("entry").path()).collect();
    dirs.sort();
    assert!(dirs.len() >= 150, "only {} bad-input fixtures", dirs.len());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for dir in dirs {
        let (code, stdout, stderr) = run(&dir);
        let name = dir.file_name().expect("a folder").to_string_lossy().into_owned();
        assert!(!stderr.contains("panicked"), "{name}: panic\n{stderr}");
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
        if bless {
            std::fs::write(dir.join("expected.stderr"), &stderr).expect("write expected.stderr");
            if !stdout.is_empty() {
                std::fs::write(dir.join("expected.stdout"), &stdout).expect("write expected.stdout");
            }
        }
        let want_code: i32 = read("expected.code").map_or(1, |c| c.trim().parse().expect("a number"));
        let want_err = read("expected.stderr").unwrap_or_default();
        let want_out = read("expected.stdout").unwrap_or_default();
        if code != want_code || stderr != want_err || stdout != want_out {
            failures.push(format!(
                "{name}: exit {code} (want {want_code})\n--- expected stderr\n{want_err}--- got\n{stderr}--- stdout\n{stdout}"
            ));
        }
        // An error in a file says where.
        if want_code == 1 && stderr.contains(".toml") && !stderr.contains(" --> ") {
            failures.push(format!("{name}: an error about a file without file:line:col\n{stderr}"));
        }
    }
    assert!(failures.is_empty(), "{} fixtures differ:\n{}", failures.len(), failures.join("\n"));
}
