//! Compiles the repository's `catalog/` and `recipes/` into the binary, so
//! `mixplan plan llava-1.5-7b` works from any directory.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let mut out = String::new();
    for (konst, dir) in [("CATALOG", "catalog"), ("RECIPES", "recipes")] {
        let path = Path::new(&root).join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut files: Vec<_> = std::fs::read_dir(&path)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        let _ = writeln!(out, "pub static {konst}: &[(&str, &str)] = &[");
        for f in files {
            let name = format!("{dir}/{}", f.file_name().expect("a file").to_string_lossy());
            println!("cargo:rerun-if-changed={}", f.display());
            let _ = writeln!(out, "    ({name:?}, include_str!({:?})),", f.display().to_string());
        }
        let _ = writeln!(out, "];");
    }
    let dest = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("builtin.rs");
    std::fs::write(dest, out).expect("write builtin.rs");
}
