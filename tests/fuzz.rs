//! Randomized bad input: the valid fixture files (`tests/fixtures/catalog/
//! base.toml` and `tests/fixtures/recipes/*.toml`) are mutated with a seeded
//! pseudo-random generator (byte flips, truncation, duplicated, deleted and
//! inserted lines, keys and values nested up to 200 deep, values swapped for
//! another type: a number where text was and the reverse, a table where a
//! list was, …), written into a temporary directory and checked by the real
//! binary:
//!
//! ```text
//! mixplan --no-builtin --catalog <tmp>/catalog --recipes <tmp>/recipes check
//! ```
//!
//! For every mutant the command must not panic (no "panicked" on stderr, exit
//! code not 101), must finish within 20 s, must exit 0, 1 or 3, and when it
//! exits 1 every `error[…]` line must be followed by its location
//! (` --> file:line:col`). Errors about the command line are plain `error:`
//! lines and need no location.
//!
//! Environment:
//! - `MIXPLAN_FUZZ_CASES`: how many mutants (default 2,000: about 11 s in a
//!   debug build and 6 s with `--release` on two cores; process start-up
//!   dominates, the cases run on every core);
//! - `MIXPLAN_FUZZ_SEED`: the base seed (default 0x006d_6978_706c_616e); case
//!   `i` uses seed + i, so a failure is replayed with
//!   `MIXPLAN_FUZZ_SEED=<its seed> MIXPLAN_FUZZ_CASES=1` (and two runs whose
//!   seeds are closer than their case counts share cases).
//!
//! A long run of 100,000 cases (about 5 minutes on two cores):
//!
//! ```sh
//! MIXPLAN_FUZZ_CASES=100000 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! A failing case prints its seed, the mutations, every mutated file's text
//! and the output, ready to be added as a folder under `tests/bad/`.

use assert_cmd::Command;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const DEFAULT_CASES: usize = 2_000;
const DEFAULT_SEED: u64 = 0x006d_6978_706c_616e;
const TIMEOUT: Duration = Duration::from_secs(20);
/// Failures printed in full; the rest are counted.
const SHOWN: usize = 8;

/// xorshift64*: small, fast and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // splitmix64 of the seed, so that neighbouring seeds differ in every bit
        let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        Rng((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (`n > 0`).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Bytes a flip writes: TOML punctuation, line ends, invalid UTF-8 and the rest.
const BYTES: &[u8] = b"\"'[]{}=,.#\\\n\r\t -_+0159aeznAZ:\x00\x7f\xff\xc3\xef";

/// Values put where another type was, by the type they replace.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2",
    "0.5",
    "1.5",
    "-0.5",
    "1e30",
    "5e-324",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "1_000",
    "0x10",
];
const TEXTS: &[&str] = &[
    "\"48K\"",
    "\"\"",
    "\"-1000\"",
    "\"−5\"",
    "\"1.2M\"",
    "\"abc\"",
    "\"alpha\"",
    "\"Alpha Captions\"",
    "\"two-stage:sft\"",
    "\"50%\"",
    "\"sft\"",
    "\"100GB\"",
];
const LISTS: &[&str] = &["[]", "[1, 2]", "[\"sft\"]", "[{ dataset = \"alpha\" }]", "[[]]"];
const TABLES: &[&str] = &["{}", "{ x = 1 }", "{ dataset = \"alpha\" }", "{ hf = 1 }"];
const BOOLS: &[&str] = &["true", "false"];

/// Lines a mutation inserts: headers, references that may close a cycle,
/// unknown keys and keys of the other file kind.
const LINES: &[&str] = &[
    "[[stage]]",
    "[[dataset]]",
    "[model]",
    "[stage.training]",
    "[eval]",
    "id = \"alpha\"",
    "id = \"mix\"",
    "id = \"sft\"",
    "kind = \"pretrain\"",
    "extends = \"child\"",
    "extends = \"two-stage\"",
    "include = \"two-stage:sft\"",
    "include = \"child:sft\"",
    "after = [\"sft\"]",
    "after = [\"pretrain\"]",
    "components = [{ dataset = \"mix\" }]",
    "components = [{ dataset = \"alpha\", samples = 5 }]",
    "variant_of = \"beta\"",
    "budget = 10",
    "mix = [{ dataset = \"mix\", weight = 1 }]",
    "benchmarks = [\"gamma\"]",
    "allow = [\"low-epochs\"]",
    "aliases = [\"beta\"]",
    "samples = 9223372036854775807",
    "unknown_key = 1",
    "",
    "# a comment",
];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Text,
    Number,
    List,
    Table,
    Bool,
    Other,
}

/// The end of the value starting at `start` (a string, a bracketed list or
/// table, or a bare token).
fn value_end(t: &[u8], start: usize) -> usize {
    match t[start] {
        b'"' | b'\'' => {
            let q = t[start];
            let mut i = start + 1;
            while i < t.len() && t[i] != q && t[i] != b'\n' {
                i += if t[i] == b'\\' { 2 } else { 1 };
            }
            (i + 1).min(t.len())
        }
        b'[' | b'{' => {
            let mut depth = 0i32;
            let mut i = start;
            let mut in_str = false;
            while i < t.len() {
                match t[i] {
                    b'"' => in_str = !in_str,
                    b'\\' if in_str => i += 1,
                    b'[' | b'{' if !in_str => depth += 1,
                    b']' | b'}' if !in_str => {
                        depth -= 1;
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            t.len()
        }
        _ => {
            let mut i = start;
            while i < t.len() && !matches!(t[i], b',' | b'}' | b']' | b'\n' | b'\r' | b' ' | b'#') {
                i += 1;
            }
            i
        }
    }
}

fn kind_of(v: &[u8]) -> Kind {
    match v.first() {
        Some(b'"' | b'\'') => Kind::Text,
        Some(b'[') => Kind::List,
        Some(b'{') => Kind::Table,
        Some(b't' | b'f') => Kind::Bool,
        Some(c) if c.is_ascii_digit() || matches!(c, b'-' | b'+' | b'n' | b'i') => Kind::Number,
        _ => Kind::Other,
    }
}

/// The spans of every value written after `=`, and of every string literal
/// (list elements included).
fn value_spans(t: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < t.len() {
        if t[i] == b'=' {
            let mut s = i + 1;
            while s < t.len() && t[s] == b' ' {
                s += 1;
            }
            if s < t.len() && t[s] != b'\n' {
                spans.push((s, value_end(t, s)));
            }
        } else if t[i] == b'"' && i > 0 && matches!(t[i - 1], b'[' | b' ' | b',') {
            let e = value_end(t, i);
            spans.push((i, e));
            i = e;
            continue;
        }
        i += 1;
    }
    spans
}

/// A value of another type than `kind`.
fn other_value(rng: &mut Rng, kind: Kind) -> &'static str {
    let choices: &[&[&str]] = match kind {
        Kind::Text => &[NUMBERS, LISTS, TABLES, BOOLS],
        Kind::Number => &[TEXTS, LISTS, TABLES, BOOLS],
        Kind::List => &[TABLES, TEXTS, NUMBERS],
        Kind::Table => &[LISTS, TEXTS, NUMBERS, BOOLS],
        Kind::Bool => &[TEXTS, NUMBERS],
        Kind::Other => &[NUMBERS, TEXTS],
    };
    let group = rng.pick(choices);
    rng.pick(group)
}

/// Line starts (byte offsets) and the end of the text.
fn lines(t: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in t.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < t.len() {
        out.push((start, t.len()));
    }
    out
}

/// Applies one random mutation; returns what it did.
fn mutate(rng: &mut Rng, t: &mut Vec<u8>) -> String {
    if t.is_empty() {
        let line = rng.pick(LINES);
        t.extend_from_slice(line.as_bytes());
        return format!("insert {line:?} into an empty file");
    }
    match rng.below(10) {
        0 => {
            let at = rng.below(t.len());
            let b = if rng.chance(50) { rng.pick(BYTES) } else { rng.next() as u8 };
            let old = t[at];
            t[at] = b;
            format!("flip byte {at} from {old:#04x} to {b:#04x}")
        }
        1 => {
            let at = rng.below(t.len());
            t.truncate(at);
            format!("truncate at byte {at}")
        }
        2 => {
            let ls = lines(t);
            let (s, e) = rng.pick(&ls);
            let line = t[s..e].to_vec();
            let to = rng.pick(&ls).0;
            let line = if line.ends_with(b"\n") { line } else { [line, b"\n".to_vec()].concat() };
            t.splice(to..to, line);
            format!("duplicate the line at byte {s} to byte {to}")
        }
        3 => {
            let ls = lines(t);
            let (s, e) = rng.pick(&ls);
            t.drain(s..e);
            format!("delete the line at byte {s}")
        }
        4 | 5 => {
            let ls = lines(t);
            let to = rng.pick(&ls).0;
            let line = rng.pick(LINES);
            t.splice(to..to, format!("{line}\n").into_bytes());
            format!("insert {line:?} at byte {to}")
        }
        6 => {
            // deep nesting: a dotted key, nested lists or nested tables
            let depth = 1 + rng.below(200);
            let line = match rng.below(3) {
                0 => format!("{} = 1", vec!["k"; depth].join(".")),
                1 => format!("k = {}{}", "[".repeat(depth), "]".repeat(depth)),
                _ => format!("k = {}1{}", "{ a = ".repeat(depth), " }".repeat(depth)),
            };
            let ls = lines(t);
            let to = rng.pick(&ls).0;
            t.splice(to..to, format!("{line}\n").into_bytes());
            format!("insert a line nested {depth} deep at byte {to}")
        }
        _ => {
            let spans = value_spans(t);
            if spans.is_empty() {
                t.truncate(t.len() / 2);
                return "truncate to half (no value to swap)".into();
            }
            let (s, e) = rng.pick(&spans);
            let kind = kind_of(&t[s..e]);
            let new = other_value(rng, kind);
            let old = String::from_utf8_lossy(&t[s..e]).into_owned();
            t.splice(s..e, new.bytes());
            format!("swap {kind:?} value {old:?} at byte {s} for {new}")
        }
    }
}

/// What the checks found wrong with one run, if anything.
fn judge(code: Option<i32>, stderr: &str, elapsed: Duration) -> Option<String> {
    if elapsed >= TIMEOUT {
        return Some(format!("did not finish within {} s", TIMEOUT.as_secs()));
    }
    if stderr.contains("panicked") || code == Some(101) {
        return Some("panicked".into());
    }
    match code {
        Some(0 | 1 | 3) => {}
        other => return Some(format!("exit code {other:?}, not 0, 1 or 3")),
    }
    if code == Some(1) {
        let lines: Vec<&str> = stderr.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.starts_with("error[") {
                continue;
            }
            let next = lines.get(i + 1).copied().unwrap_or("");
            if !is_location(next) {
                return Some(format!("`{line}` is not followed by ` --> file:line:col`"));
            }
        }
    }
    None
}

/// ` --> file:line:col` (any indentation).
fn is_location(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix("--> ") else { return false };
    let mut parts = rest.rsplitn(3, ':');
    let col = parts.next().unwrap_or("");
    let row = parts.next().unwrap_or("");
    let file = parts.next().unwrap_or("");
    !file.is_empty()
        && !row.is_empty()
        && !col.is_empty()
        && row.bytes().all(|b| b.is_ascii_digit())
        && col.bytes().all(|b| b.is_ascii_digit())
}

struct Fixture {
    /// Path under the temporary directory, e.g. `recipes/child.toml`.
    rel: String,
    text: Vec<u8>,
}

fn fixtures() -> Vec<Fixture> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = vec![Fixture {
        rel: "catalog/base.toml".into(),
        text: std::fs::read(root.join("catalog/base.toml")).expect("the fixture catalog"),
    }];
    let mut recipes: Vec<_> = std::fs::read_dir(root.join("recipes"))
        .expect("the fixture recipes")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    recipes.sort();
    for p in recipes {
        let name = p.file_name().expect("a file").to_string_lossy().into_owned();
        out.push(Fixture { rel: format!("recipes/{name}"), text: std::fs::read(&p).expect("a recipe") });
    }
    out
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => {
            let v = v.replace('_', "");
            let parsed = match v.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => v.parse(),
            };
            parsed.unwrap_or_else(|_| panic!("{name} must be a whole number, not {v:?}"))
        }
        Err(_) => default,
    }
}

/// One case: the files as mutated, what was done, and the run's verdict.
fn run_case(dir: &Path, base: &[Fixture], seed: u64) -> (Option<i32>, Option<String>) {
    let mut rng = Rng::new(seed);
    let mut files: Vec<Vec<u8>> = base.iter().map(|f| f.text.clone()).collect();
    let mut done = Vec::new();
    let mut touched = vec![false; files.len()];
    let n = 1 + rng.below(3);
    for _ in 0..n {
        let which = rng.below(files.len());
        touched[which] = true;
        let what = mutate(&mut rng, &mut files[which]);
        done.push(format!("{}: {what}", base[which].rel));
    }
    for (f, text) in base.iter().zip(&files) {
        std::fs::write(dir.join(&f.rel), text).expect("write a mutant");
    }
    let started = Instant::now();
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(dir)
        .args(["--no-builtin", "--catalog", "catalog", "--recipes", "recipes", "check"])
        .timeout(TIMEOUT)
        .output();
    let elapsed = started.elapsed();
    let (code, stderr) = match out {
        Ok(o) => (o.status.code(), String::from_utf8_lossy(&o.stderr).into_owned()),
        Err(e) => (None, format!("could not run: {e}")),
    };
    let Some(verdict) = judge(code, &stderr, elapsed) else { return (code, None) };
    let mut report = format!("seed {seed:#x}: {verdict}\nmutations:\n");
    for d in &done {
        report.push_str(&format!("  {d}\n"));
    }
    for (i, f) in base.iter().enumerate() {
        if touched[i] {
            report.push_str(&format!("--- {} (as mutated)\n{}\n", f.rel, String::from_utf8_lossy(&files[i])));
        }
    }
    report.push_str(&format!("--- exit {code:?}, stderr\n{stderr}"));
    (code, Some(report))
}

#[test]
fn mutated_fixtures_never_panic_and_errors_say_where() {
    let cases = env_number("MIXPLAN_FUZZ_CASES", DEFAULT_CASES as u64) as usize;
    let seed = env_number("MIXPLAN_FUZZ_SEED", DEFAULT_SEED);
    let base = fixtures();
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16);
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    // exit 0, 1, 3, other: how the mutants ended, to see that they do fail
    let ends = [AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)];
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                let tmp = tempfile::tempdir().expect("a temporary directory");
                std::fs::create_dir(tmp.path().join("catalog")).expect("catalog dir");
                std::fs::create_dir(tmp.path().join("recipes")).expect("recipes dir");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= cases {
                        break;
                    }
                    let (code, report) = run_case(tmp.path(), &base, seed.wrapping_add(i as u64));
                    let slot = match code {
                        Some(0) => 0,
                        Some(1) => 1,
                        Some(3) => 2,
                        _ => 3,
                    };
                    ends[slot].fetch_add(1, Ordering::Relaxed);
                    if let Some(report) = report {
                        failures.lock().expect("lock").push((i, report));
                    }
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("lock");
    failures.sort_by_key(|(i, _)| *i);
    let [ok, invalid, io, other] = ends.map(|n| n.into_inner());
    eprintln!(
        "fuzz: {cases} cases from seed {seed:#x} on {workers} threads in {:.1} s: exit 0 {ok}, 1 {invalid}, 3 {io}, other {other}; {} failed",
        started.elapsed().as_secs_f64(),
        failures.len()
    );
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(SHOWN).map(|(_, r)| r.as_str()).collect();
        panic!(
            "{} of {cases} mutants failed (first {} shown; replay one with MIXPLAN_FUZZ_SEED=<seed> MIXPLAN_FUZZ_CASES=1):\n\n{}",
            failures.len(),
            shown.len(),
            shown.join("\n==========\n")
        );
    }
}

#[test]
fn the_generator_is_deterministic_and_mutates() {
    let base = b"id = \"r\"\nname = \"R\"\nmix = [{ dataset = \"alpha\", fraction = 0.5 }]\n".to_vec();
    let run = |seed| {
        let mut rng = Rng::new(seed);
        let mut t = base.clone();
        let what = mutate(&mut rng, &mut t);
        (t, what)
    };
    assert_eq!(run(7), run(7));
    let changed = (0..100).filter(|s| run(*s).0 != base).count();
    assert!(changed > 90, "only {changed} of 100 seeds changed the text");
    let spans = value_spans(&base);
    let values: Vec<String> =
        spans.iter().map(|(s, e)| String::from_utf8_lossy(&base[*s..*e]).into_owned()).collect();
    assert!(values.contains(&"\"alpha\"".to_string()), "{values:?}");
    assert!(values.contains(&"0.5".to_string()), "{values:?}");
    assert!(values.contains(&"[{ dataset = \"alpha\", fraction = 0.5 }]".to_string()), "{values:?}");
}

#[test]
fn the_judge_wants_a_location_after_each_error() {
    let ok = "error[syntax]: invalid TOML\n --> recipes/a.toml:3:7\n  |\n";
    assert_eq!(judge(Some(1), ok, Duration::ZERO), None);
    let bad = "error[syntax]: invalid TOML: recursion limit\n\nchecked …\n";
    assert!(judge(Some(1), bad, Duration::ZERO).is_some());
    assert!(judge(Some(101), "", Duration::ZERO).is_some());
    assert!(judge(Some(2), "", Duration::ZERO).is_some());
    assert!(judge(Some(1), "error: cannot read\n", Duration::ZERO).is_none());
    assert!(is_location("  --> tests/x.toml:12:3"));
    assert!(!is_location(" |"));
}
