//! Tables that fit: every command that prints a table, run as a user runs it
//! (standard output is a pipe here, so `COLUMNS` sets the width), prints no
//! line wider than the width; `--wide` brings back what was left out.

use assert_cmd::Command;
use unicode_width::UnicodeWidthStr;

fn run(columns: Option<usize>, args: &[&str]) -> String {
    let mut c = Command::cargo_bin("mixplan").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR")).args(args);
    match columns {
        Some(w) => c.env("COLUMNS", w.to_string()),
        None => c.env_remove("COLUMNS"),
    };
    let out = c.output().expect("runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The lines wider than `width` (display columns: `…` and box lines count one).
fn too_wide(text: &str, width: usize) -> Vec<String> {
    text.lines()
        .filter(|l| UnicodeWidthStr::width(*l) > width)
        .map(|l| format!("{} {l}", l.width()))
        .collect()
}

fn recipes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("recipes");
    let mut ids: Vec<String> = std::fs::read_dir(dir)
        .expect("recipes/")
        .filter_map(|e| e.ok()?.path().file_stem()?.to_str().map(String::from))
        .filter(|s| s != "notes")
        .collect();
    ids.sort();
    ids
}

const COMMANDS: &[&[&str]] = &[
    &["plan", "llava-1.5-7b", "--batch-size", "256"],
    &["compare", "llava-1.5-7b", "sharegpt4v-7b"],
    &["compare", "llava-1.5-7b", "sharegpt4v-7b", "video-llava"],
    &["compare", "llava-1.5-7b", "llava-onevision-7b", "idefics2-8b", "eagle2-9b", "videochat2", "blip-2"],
    &["compare", "--all"],
    &["compare", "--all", "--level", "entry", "--stage", "sft"],
    &["recipes"],
    &["catalog", "list"],
    &["catalog", "search", "llava"],
    &["catalog", "show", "llava-v1.5-mix665k"],
    &["catalog", "show", "the-cauldron"],
    &["catalog", "show", "docdownstream-1.0"],
    &["check"],
];

#[test]
fn every_table_command_fits_80_and_100_columns() {
    let mut failures = Vec::new();
    for width in [80, 100] {
        let plans: Vec<Vec<String>> = recipes().into_iter().map(|r| vec!["plan".into(), r]).collect();
        let all = COMMANDS.iter().map(|c| c.iter().map(|s| s.to_string()).collect::<Vec<_>>()).chain(plans);
        for args in all {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = run(Some(width), &refs);
            let wide = too_wide(&out, width);
            if !wide.is_empty() {
                failures.push(format!("{refs:?} at {width}:\n{}", wide.join("\n")));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn without_columns_a_pipe_gets_100() {
    let out = run(None, &["compare", "--all"]);
    assert!(too_wide(&out, 100).is_empty(), "{out}");
    assert!(out.lines().any(|l| l.width() > 90), "the width is used: {out}");
}

#[test]
fn dropped_columns_are_named_and_wide_restores_them() {
    let narrow = run(Some(80), &["plan", "llava-1.5-7b"]);
    let note = narrow.replace('\n', " ");
    assert!(note.contains("(left out to fit 80 columns: via; `--wide` shows every column)"), "{narrow}");
    assert!(!narrow.contains("llava-v1.5-mix665k → llava-instruct-150k"), "{narrow}");
    let wide = run(Some(80), &["plan", "llava-1.5-7b", "--wide"]);
    assert!(!wide.contains("left out"), "{wide}");
    let row = wide.lines().find(|l| l.contains(" llava-instruct-150k-conversation ")).expect("a leaf row");
    assert!(row.contains("llava-v1.5-mix665k → llava-instruct-150k"), "{row}");
    // --wide is the table as it was: one line per row, whatever COLUMNS says.
    assert_eq!(wide, run(Some(40), &["plan", "llava-1.5-7b", "--wide"]));
}

#[test]
fn long_names_wrap_or_end_in_an_ellipsis_and_numbers_stay_whole() {
    let out = run(Some(100), &["catalog", "list"]);
    // Names are cut: ActivityNet's name is longer than the column.
    assert!(out.lines().any(|l| l.contains('…')), "{out}");
    // Counts are never split: every count cell parses back whole.
    for line in out.lines().filter(|l| l.starts_with('│')).skip(1) {
        let last = line.trim_end_matches('│').rsplit('┆').next().unwrap().trim();
        assert!(
            last.is_empty()
                || last == "unknown"
                || last.trim_start_matches('~').replace(',', "").parse::<u64>().is_ok(),
            "{line}"
        );
    }
    // Ids wrap after a hyphen and keep every character.
    let show = run(Some(80), &["compare", "--all"]);
    assert!(show.contains("llava-instruct-150k-"), "{show}");
}

#[test]
fn a_narrow_terminal_still_gets_every_line_fitted_down_to_40_columns() {
    for width in [40, 60] {
        for args in [&["plan", "llava-onevision-7b"][..], &["compare", "--all"], &["catalog", "list"]] {
            let out = run(Some(width), args);
            let wide = too_wide(&out, width);
            assert!(wide.is_empty(), "{args:?} at {width}:\n{}", wide.join("\n"));
        }
    }
}
