//! Bad input, one fixture folder each under `tests/bad/`: `mixplan check`
//! must exit 1 and print exactly `expected.stderr` (file:line:col, the line,
//! a caret, and a hint). Run with `BLESS=1` to write the expected files after
//! a deliberate change of wording, then review the diff.

use assert_cmd::Command;
use std::path::Path;

fn check(dir: &Path) -> (i32, String, String) {
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "--no-builtin",
            "--catalog",
            "tests/fixtures/catalog",
            "--recipes",
            "tests/fixtures/recipes",
            "check",
        ])
        .arg(dir)
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
    assert!(dirs.len() >= 40, "only {} bad-input fixtures", dirs.len());
    let bless = std::env::var_os("BLESS").is_some();
    let mut failures = Vec::new();
    for dir in dirs {
        let rel = dir.strip_prefix(env!("CARGO_MANIFEST_DIR")).expect("inside the package");
        let (code, stdout, stderr) = check(rel);
        let expected_path = dir.join("expected.stderr");
        if bless {
            std::fs::write(&expected_path, &stderr).expect("write expected.stderr");
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if code != 1 || !stdout.is_empty() || stderr != expected {
            failures
                .push(format!("{}: exit {code}\n--- expected\n{expected}--- got\n{stderr}", rel.display()));
        }
        assert!(!stderr.contains("panicked"), "{}: panic\n{stderr}", rel.display());
    }
    assert!(failures.is_empty(), "{} fixtures differ:\n{}", failures.len(), failures.join("\n"));
}
