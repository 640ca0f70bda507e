//! The baseline of the benchmarks: reads the same files as a mixplan run
//! and parses each with the `toml` crate into a `toml::Table`, nothing else.
//!
//! ```text
//! cargo run --release --example parse_only -- DIR...
//! ```

fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    if dir.is_file() {
        out.push(dir.to_path_buf());
        return;
    }
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).expect("a readable directory").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "toml") {
            out.push(p);
        }
    }
}

fn main() {
    let mut all = Vec::new();
    for arg in std::env::args().skip(1) {
        files(std::path::Path::new(&arg), &mut all);
    }
    let mut tables = 0usize;
    let mut parsed = Vec::new();
    for f in &all {
        let text = std::fs::read_to_string(f).expect("readable");
        let table: toml::Table = text.parse().expect("valid TOML");
        tables += table.len();
        parsed.push(table);
    }
    println!("{} files, {tables} top-level keys", all.len());
}
