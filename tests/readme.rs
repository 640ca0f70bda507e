//! The README's examples come from the real binary and are checked here, so
//! they cannot drift.
//!
//! A ```text block whose first line is `$ mixplan …` is a session: each
//! `$ ` line is run (at 80 columns, in a scratch directory of its own where
//! `tests/` is the repository's) and what it prints, standard output then
//! standard error, must match the lines under it. A line `...` stands for
//! any number of lines, and `[..]` inside a line for any text. The JSON
//! example of `plan` is checked too: every key it names is a real key and
//! every number it shows is in the real output.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md")
}

/// Fenced blocks of one language: (first line number, lines).
fn blocks(text: &str, lang: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut current: Option<(usize, Vec<String>)> = None;
    for (i, line) in text.lines().enumerate() {
        match &mut current {
            None if line.trim_start() == format!("```{lang}") => current = Some((i + 2, Vec::new())),
            Some(_) if line.trim_start() == "```" => out.extend(current.take()),
            Some((_, lines)) => lines.push(line.to_string()),
            None => {}
        }
    }
    out
}

/// Words of a command line, with '…' and "…" quoting.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut started = false;
    for ch in line.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                started = true;
            }
            (None, ' ') => {
                if started || !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                started = false;
            }
            (None, c) => word.push(c),
        }
    }
    if started || !word.is_empty() {
        out.push(word);
    }
    out
}

/// A scratch directory for one block's commands (what they write stays
/// there), with `tests/` of the repository reachable as in a checkout.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    #[cfg(unix)]
    std::os::unix::fs::symlink(concat!(env!("CARGO_MANIFEST_DIR"), "/tests"), dir.path().join("tests"))
        .expect("link tests/");
    dir
}

fn run(dir: &Path, args: &[String]) -> String {
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(dir)
        .env("COLUMNS", "80")
        .args(args)
        .output()
        .expect("runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    text
}

/// One line against a pattern where `[..]` matches any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let Some(mut rest) = line.strip_prefix(parts[0]) else { return false };
    for (i, part) in parts.iter().enumerate().skip(1) {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Lines against patterns where a `...` line matches any number of lines
/// (wildcard matching, backtracking to the last `...`).
fn matches(expected: &[String], actual: &[&str]) -> bool {
    let (mut e, mut a) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while a < actual.len() {
        if e < expected.len() && expected[e] == "..." {
            star = Some((e, a));
            e += 1;
        } else if e < expected.len() && line_matches(expected[e].trim_end(), actual[a].trim_end()) {
            e += 1;
            a += 1;
        } else if let Some((se, sa)) = star {
            star = Some((se, sa + 1));
            e = se + 1;
            a = sa + 1;
        } else {
            return false;
        }
    }
    expected[e..].iter().all(|l| l == "...")
}

#[test]
fn every_session_in_the_readme_is_what_the_binary_prints() {
    let text = readme();
    let mut sessions = 0;
    let mut failures = Vec::new();
    for (at, lines) in blocks(&text, "text") {
        if !lines.first().is_some_and(|l| l.starts_with("$ mixplan")) {
            continue;
        }
        let dir = scratch();
        let mut i = 0;
        while i < lines.len() {
            let command = lines[i].strip_prefix("$ ").expect("a command line");
            let mut expected = Vec::new();
            i += 1;
            while i < lines.len() && !lines[i].starts_with("$ ") {
                expected.push(lines[i].clone());
                i += 1;
            }
            let args = words(command);
            assert_eq!(args[0], "mixplan", "README.md:{at}: {command}");
            let output = run(dir.path(), &args[1..]);
            let actual: Vec<&str> = output.lines().collect();
            if !matches(&expected, &actual) {
                failures.push(format!("README.md:{at}: `{command}` prints:\n{output}"));
            }
            sessions += 1;
        }
    }
    assert!(sessions >= 6, "only {sessions} sessions checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, val) in o {
                out.insert(k.clone());
                keys(val, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

fn numbers(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Number(n) => {
            out.insert(n.to_string());
        }
        Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
        Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
        _ => {}
    }
}

#[test]
fn the_json_example_names_real_keys_and_real_numbers() {
    let text = readme();
    let example = blocks(&text, "json")
        .into_iter()
        .find(|(_, l)| l.iter().any(|x| x.contains("\"recipe\": {\"id\": \"llava-1.5-7b\"")))
        .expect("the JSON example of `plan`")
        .1
        .join("\n");
    let real: Value = serde_json::from_str(&run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["plan".into(), "llava-1.5-7b".into(), "-f".into(), "json".into()],
    ))
    .expect("JSON");
    let (mut real_keys, mut real_numbers) = (BTreeSet::new(), BTreeSet::new());
    keys(&real, &mut real_keys);
    numbers(&real, &mut real_numbers);
    // Keys this recipe leaves out (it has no budget, batch or unattributed part).
    for absent in ["include", "budget", "batch", "unattributed", "from", "eval", "help"] {
        real_keys.insert(absent.to_string());
    }
    let mut bad = Vec::new();
    let mut rest = example.as_str();
    while let Some(start) = rest.find('"') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('"') else { break };
        let word = &after[..end];
        let tail = after[end + 1..].trim_start();
        if tail.starts_with(':') && !real_keys.contains(word) {
            bad.push(format!("key `{word}`"));
        }
        rest = &after[end + 1..];
    }
    // Numbers outside strings ("llava-1.5-7b" holds none).
    let bare: String = example.split('"').step_by(2).collect::<Vec<_>>().join(" ");
    for token in bare.split(|c: char| !(c.is_ascii_digit() || c == '.')) {
        let t = token.trim_matches('.');
        let trivial = matches!(t, "" | "0" | "0.0" | "1" | "1.0");
        if !trivial && t.chars().any(|c| c.is_ascii_digit()) && !real_numbers.contains(t) {
            bad.push(format!("number {t}"));
        }
    }
    assert!(
        bad.is_empty(),
        "the README's JSON example has what `plan llava-1.5-7b -f json` does not: {bad:?}"
    );
}

#[test]
fn the_matcher_honours_elisions() {
    let lines = |s: &str| s.lines().map(String::from).collect::<Vec<_>>();
    assert!(matches(&lines("a\n...\nd"), &["a", "b", "c", "d"]));
    assert!(matches(&lines("a\n...\n"), &["a"]));
    assert!(!matches(&lines("a\nd"), &["a", "b", "d"]));
    assert!(matches(&lines("checked [..] datasets"), &["checked 1,234 datasets"]));
    assert!(!matches(&lines("checked [..] recipes"), &["checked 1,234 datasets"]));
    assert_eq!(words("mixplan plan 'a b' \"c\""), ["mixplan", "plan", "a b", "c"]);
}
