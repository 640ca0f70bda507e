//! The quick TOML reader (`src/plain_toml.rs`) against the `toml` crate:
//! wherever the quick reader accepts a text, the `toml` crate must accept it
//! too and give the same tree, spans included, and the same schema values.
//! Checked on every file of the built-in data, on the test fixtures, on
//! hand-written cases and on thousands of damaged copies of real files.

use mixplan::catalog::schema::RawDataset;
use mixplan::plain_toml::{self, Item, Table, Value};
use mixplan::recipe::schema::RawRecipe;
use mixplan::schema::Table as Tbl;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// One text for a tree: tables with keys sorted, every key and value with
/// its span, numbers by value (floats by their bits).
fn show_quick(item: &Item, out: &mut String) {
    let _ = write!(out, "@{:?}", item.span);
    match &item.value {
        Value::Str(s) => {
            let _ = write!(out, "s{s:?}");
        }
        Value::Int(i) => {
            let _ = write!(out, "i{i}");
        }
        Value::Float(f) => {
            let _ = write!(out, "f{}", f.to_bits());
        }
        Value::Bool(b) => {
            let _ = write!(out, "b{b}");
        }
        Value::Array(a) => {
            out.push('[');
            for v in &a.items {
                show_quick(v, out);
                out.push(',');
            }
            out.push(']');
        }
        Value::Table(t) => show_quick_table(t, out),
    }
}

fn show_quick_table(t: &Table, out: &mut String) {
    let mut entries: Vec<_> = t.entries.iter().collect();
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    out.push('{');
    for e in entries {
        let _ = write!(out, "{:?}@{:?}=", e.key, e.key_span);
        show_quick(&e.item, out);
        out.push(',');
    }
    out.push('}');
}

fn show_toml(v: &Spanned<DeValue>, out: &mut String) {
    let _ = write!(out, "@{:?}", v.span());
    match v.get_ref() {
        DeValue::String(s) => {
            let _ = write!(out, "s{s:?}");
        }
        DeValue::Integer(i) => {
            let n = i128::from_str_radix(i.as_str(), i.radix()).expect("an integer");
            let _ = write!(out, "i{n}");
        }
        DeValue::Float(f) => {
            let x: f64 = f.as_str().parse().expect("a float");
            let _ = write!(out, "f{}", x.to_bits());
        }
        DeValue::Boolean(b) => {
            let _ = write!(out, "b{b}");
        }
        DeValue::Datetime(d) => {
            let _ = write!(out, "d{d}");
        }
        DeValue::Array(a) => {
            out.push('[');
            for v in a.iter() {
                show_toml(v, out);
                out.push(',');
            }
            out.push(']');
        }
        DeValue::Table(t) => show_toml_table(t, out),
    }
}

fn show_toml_table(t: &DeTable, out: &mut String) {
    out.push('{');
    for (k, v) in t.iter() {
        let _ = write!(out, "{:?}@{:?}=", k.get_ref(), k.span());
        show_toml(v, out);
        out.push(',');
    }
    out.push('}');
}

/// Whether the quick reader took `text`; if it did, that the `toml` crate
/// takes it too and reads the same tree.
fn agrees(text: &str, what: &str) -> bool {
    let Ok(quick) = plain_toml::parse(text) else { return false };
    let reference = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => panic!("{what}: the quick reader took a text the toml crate refuses ({e}):\n{text}"),
    };
    let (mut a, mut b) = (String::new(), String::new());
    show_quick_table(&quick, &mut a);
    assert_eq!(reference.span(), 0..0, "{what}");
    show_toml_table(reference.get_ref(), &mut b);
    assert_eq!(a, b, "{what}: the two readers differ on:\n{text}");
    true
}

/// The same schema values from both readers (a catalog file's datasets or
/// a recipe), compared by their debug text, spans included.
fn same_values(text: &str, what: &str) {
    let quick = plain_toml::tables::<Spanned<Tbl<RawDataset>>>(text, "dataset");
    if let Ok(quick) = quick {
        let root = DeTable::parse(text).expect("toml takes it");
        let reference: Vec<Spanned<Tbl<RawDataset>>> = match root.into_inner().remove("dataset") {
            Some(list) => match list.into_inner() {
                DeValue::Array(items) => items
                    .into_iter()
                    .map(|i| {
                        serde::Deserialize::deserialize(toml::de::ValueDeserializer::from(i))
                            .expect("toml deserializes what the quick reader did")
                    })
                    .collect(),
                _ => panic!("{what}: not a list"),
            },
            None => Vec::new(),
        };
        assert_eq!(format!("{quick:#?}"), format!("{reference:#?}"), "{what}");
    }
    if let Ok(quick) = plain_toml::from_str::<RawRecipe>(text) {
        let reference: RawRecipe = toml::from_str(text).expect("toml deserializes what the quick reader did");
        assert_eq!(format!("{quick:#?}"), format!("{reference:#?}"), "{what}");
    }
}

fn toml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("a directory").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            toml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
}

fn files(dirs: &[&str]) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    for d in dirs {
        toml_files(&root.join(d), &mut paths);
    }
    paths
        .into_iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(&p).ok()?)))
        .collect()
}

#[test]
fn the_quick_reader_takes_every_built_in_file_and_agrees() {
    let all = files(&["catalog", "recipes"]);
    assert!(all.len() > 60, "{} files", all.len());
    for (path, text) in &all {
        assert!(agrees(text, path), "{path}: the quick reader gave up on a built-in file");
        same_values(text, path);
    }
    // and the datasets and recipes come out whole
    let (path, text) = all.iter().find(|(p, _)| p.ends_with("catalog/video.toml")).expect("video.toml");
    let datasets = plain_toml::tables::<Spanned<Tbl<RawDataset>>>(text, "dataset").expect(path);
    assert!(datasets.len() > 50, "{}", datasets.len());
}

#[test]
fn fixtures_agree_where_the_quick_reader_takes_them() {
    let all = files(&["tests"]);
    assert!(all.len() > 100, "{} files", all.len());
    let mut taken = 0;
    for (path, text) in &all {
        if agrees(text, path) {
            taken += 1;
            same_values(text, path);
        }
    }
    // most fixtures are plain TOML with a mistake the schema finds
    assert!(taken * 2 > all.len(), "{taken} of {}", all.len());
}

/// Texts the quick reader takes: each form of the subset.
const TAKES: &[&str] = &[
    "a = 1\nb = -0\nc = +7_000\nd = 1.5e-3\ne = 0.0\nf = 1E5\ng = true\nh = false\n",
    "a = \"x\\u00e9\\U0001F600\\n\\t\\\\\\\"\"\nb = 'C:\\path'\n\"quoted key\" = 1\n'lit key' = 2\n\"\" = 3\n",
    "a = [\n  1, # one\n  2,\n]\nb = []\nc = [[1], [\"x\", 2.5]]\nd = { x = 1, y = { z = \"w\" } }\ne = {}\n",
    "[[d]]\nid = \"a\"\n[d.links]\nx = 1\n[[d.parts]]\nn = 1\n[[d.parts]]\nn = 2\n[[d]]\nid = \"b\"\n",
    "[t]\na = 1\n[t.u]\nb = 2\n[ t . v ]\nc = 3\n",
    "a = \"\"\"\nline one\nline two \\\n    joined \"quoted\" \"\"\"\"\nb = '''\nraw \\n ''text'' '''''\n",
    "# only a comment\r\n\r\na = 1 # and one here\r\n",
    "",
];

#[test]
fn what_the_quick_reader_takes_and_leaves() {
    for (i, text) in TAKES.iter().enumerate() {
        assert!(agrees(text, &format!("case {i}")), "case {i} should be taken:\n{text}");
    }
    // Valid TOML the quick reader leaves to the toml crate, and invalid text.
    let leaves = [
        "a.b = 1\n",                  // dotted key
        "d = 1979-05-27\n",           // date
        "x = inf\n",                  // inf
        "x = 0x10\n",                 // hexadecimal
        "x = 99999999999999999999\n", // past i64
        "x = { a = 1,\n b = 2 }\n",   // TOML 1.1 inline table
        "[a.b]\nx = 1\n",             // `a` made implicitly
        "a = \"\"\"x\r\ny\"\"\"\n",   // \r\n inside a string
        "x = \"\\e\"\n",              // TOML 1.1 escape
        "x = 1\nx = 2\n",             // duplicate key
        "[t]\n[t]\n",                 // table twice
        "x = 01\n",                   // leading zero
        "x = 1.\n",                   // no digit after the point
        "x = 1__0\n",                 // double underscore
        "x = \"a\tb\u{1}\"\n",        // control character
        "x = 1 y = 2\n",              // two values on a line
        "a = {x = 1}\n[a.b]\n",       // into an inline table
        "a = [1]\n[[a]]\n",           // into a static array
        "\u{feff}a = 1\n",            // byte-order mark
        "x = 'a\rb'\n",               // lone carriage return
    ];
    for (i, text) in leaves.iter().enumerate() {
        assert!(plain_toml::parse(text).is_err(), "case {i} should be left:\n{text}");
    }
    // A file of one list: anything else at the top is left at once.
    type Any = serde::de::IgnoredAny;
    assert_eq!(
        plain_toml::tables::<Any>("[[dataset]]\nid = \"a\"\n[dataset.links]\n", "dataset").map(|v| v.len()),
        Ok(1)
    );
    assert!(plain_toml::tables::<Any>("x = 1\n[[dataset]]\n", "dataset").is_err());
    assert!(plain_toml::tables::<Any>("[[dataset]]\n[t]\n", "dataset").is_err());
    assert!(plain_toml::tables::<Any>("[[stage]]\n", "dataset").is_err());
    assert_eq!(plain_toml::tables::<Any>("# nothing\n", "dataset").map(|v| v.len()), Ok(0));
}

#[test]
fn deep_nesting_is_left_to_the_toml_crate() {
    let n = plain_toml::MAX_DEPTH + 5;
    let text = format!("a = {}{}\n", "[".repeat(n), "]".repeat(n));
    assert!(plain_toml::parse(&text).is_err());
    let text = format!("a = {}{}\n", "[".repeat(10), "]".repeat(10));
    assert!(agrees(&text, "ten deep"));
    // a header of many keys (each made by the header before it)
    let mut text = String::new();
    let mut path = String::from("t");
    for i in 0..n {
        let _ = writeln!(text, "[{path}]\nx = {i}");
        path.push_str(".u");
    }
    assert!(plain_toml::parse(&text).is_err());
    assert!(DeTable::parse(&text).is_ok());
    let shallow: String = text.lines().take(2 * 10).map(|l| format!("{l}\n")).collect();
    assert!(agrees(&shallow, "ten headers deep"));
}

#[test]
fn a_table_of_many_keys_is_indexed_and_still_agrees() {
    let mut text = String::new();
    for i in 0..500 {
        let _ = writeln!(text, "k{i} = {i}");
    }
    assert!(agrees(&text, "500 keys"));
    text.push_str("k250 = 1\n");
    assert!(plain_toml::parse(&text).is_err(), "a duplicate among many keys");
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A damaged copy of `text`: a few cuts, copies and insertions of the
/// characters TOML's grammar turns on.
fn damage(text: &str, rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        "\"",
        "'",
        "\"\"\"",
        "'''",
        "=",
        ",",
        ".",
        "#",
        "\n",
        "\r\n",
        "\r",
        "\\",
        "\\u00e9",
        "\\x41",
        "_",
        "-",
        "+",
        "e",
        "E",
        "0",
        "1",
        "9",
        " ",
        "\t",
        "true",
        "inf",
        "nan",
        "a",
        "é",
        "\u{1}",
        "x = 1\n",
        "[t]\n",
        "[[dataset]]\n",
        "1979-05-27",
        "0x1F",
        "1.5",
        "1e400",
    ];
    let mut bytes: Vec<char> = text.chars().collect();
    for _ in 0..1 + rng.below(3) {
        if bytes.is_empty() {
            break;
        }
        let at = rng.below(bytes.len());
        match rng.below(4) {
            0 => {
                let len = 1 + rng.below(8.min(bytes.len() - at));
                bytes.drain(at..at + len);
            }
            1 => {
                let len = 1 + rng.below(40.min(bytes.len() - at));
                let copy: Vec<char> = bytes[at..at + len].to_vec();
                let to = rng.below(bytes.len());
                bytes.splice(to..to, copy);
            }
            _ => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.chars());
            }
        }
    }
    bytes.into_iter().collect()
}

#[test]
fn damaged_copies_of_real_files_never_split_the_readers() {
    let mut seeds: Vec<(String, String)> = files(&["recipes"]).into_iter().take(12).collect();
    // small catalog pieces: a file's first few entries
    for (path, text) in files(&["catalog"]).into_iter().take(6) {
        let piece: String = text.split("[[dataset]]").take(4).collect::<Vec<_>>().join("[[dataset]]");
        seeds.push((path, piece));
    }
    // an entry with a multi-line string, as the built-in catalog writes them
    for (path, text) in files(&["catalog"]) {
        if let Some(entry) = text.split("[[dataset]]").find(|e| e.contains("\"\"\"")) {
            seeds.push((path, format!("[[dataset]]{entry}")));
        }
    }
    seeds.extend(TAKES.iter().map(|t| ("a case of TAKES".to_string(), t.to_string())));
    // PLAIN_TOML_ROUNDS=20000 (and PLAIN_TOML_SEED) for a longer search
    let rounds: usize = std::env::var("PLAIN_TOML_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(250);
    let seed: u64 =
        std::env::var("PLAIN_TOML_SEED").ok().and_then(|r| r.parse().ok()).unwrap_or(0x5eed_1234_abcd_0001);
    let mut rng = Rng(seed | 1);
    let (mut tried, mut taken) = (0, 0);
    for (path, text) in &seeds {
        for round in 0..rounds {
            let damaged = damage(text, &mut rng);
            tried += 1;
            if agrees(&damaged, &format!("{path}, damaged copy {round}")) {
                taken += 1;
                same_values(&damaged, path);
            }
        }
    }
    // both outcomes happen often: the test exercises acceptance and refusal
    assert!(taken > tried / 10 && taken < tried * 9 / 10, "{taken} of {tried} taken");
}
