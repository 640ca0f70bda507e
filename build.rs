//! Compiles the repository's `catalog/` and `recipes/` into the binary.
//!
//! The TOML files are read, checked and converted here, with the same code
//! the binary uses for a user's files (the modules below are the library's
//! own sources), and written as one compact blob (`src/builtin.rs`) that the binary
//! reads at start-up without parsing TOML. A problem in the built-in
//! data fails the build with the usual located message. The TOML text is
//! kept too, only to quote lines in messages.
#![allow(dead_code, unused_imports, clippy::all)]

#[path = "src/builtin.rs"]
#[rustfmt::skip]
mod builtin;
#[path = "src/catalog/mod.rs"]
#[rustfmt::skip]
mod catalog;
#[path = "src/diag/mod.rs"]
#[rustfmt::skip]
mod diag;
#[path = "src/id.rs"]
#[rustfmt::skip]
mod id;
#[path = "src/lazy.rs"]
#[rustfmt::skip]
mod lazy;
#[path = "src/num.rs"]
#[rustfmt::skip]
mod num;
#[path = "src/parse.rs"]
#[rustfmt::skip]
mod parse;
#[path = "src/plain_toml.rs"]
#[rustfmt::skip]
mod plain_toml;
#[path = "src/quantity.rs"]
#[rustfmt::skip]
mod quantity;
#[path = "src/recipe/mod.rs"]
#[rustfmt::skip]
mod recipe;
#[path = "src/schema.rs"]
#[rustfmt::skip]
mod schema;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn toml_files(root: &str, dir: &str) -> Vec<PathBuf> {
    let path = Path::new(root).join(dir);
    println!("cargo:rerun-if-changed={}", path.display());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
    }
    files
}

fn main() {
    let root = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let catalog_files = toml_files(&root, "catalog");
    let recipe_files = toml_files(&root, "recipes");
    let mut sources = diag::Sources::default();
    let mut diags = diag::Diagnostics::default();
    let mut catalog = catalog::Catalog::default();
    let mut recipes = recipe::Recipes::default();
    let name = |dir: &str, f: &Path| format!("{dir}/{}", f.file_name().expect("a file").to_string_lossy());
    for f in &catalog_files {
        let text = std::fs::read_to_string(f).expect("a readable catalog file");
        let file = sources.add_from(name("catalog", f), text.clone(), diag::Origin::Builtin);
        catalog::convert::add_file(&mut catalog, file, &text, 0, &mut diags);
    }
    for f in &recipe_files {
        let text = std::fs::read_to_string(f).expect("a readable recipe file");
        let file = sources.add_from(name("recipes", f), text.clone(), diag::Origin::Builtin);
        recipes.add_file(file, &text, 0, &mut diags);
    }
    catalog.finish(&mut diags);
    recipes.finish(&catalog, &mut diags);
    let shown: diag::Diagnostics =
        diags.iter().filter(|d| d.severity != diag::Severity::Note).cloned().collect();
    if !shown.is_empty() {
        eprintln!("{}", shown.render(&sources));
        panic!("the built-in catalog and recipes have {} problem(s); see above", shown.len());
    }
    std::fs::write(out_dir.join("builtin.bin"), builtin::encode(&catalog, recipes))
        .expect("write builtin.bin");
    let mut out = String::new();
    for (konst, dir, files) in [("CATALOG", "catalog", &catalog_files), ("RECIPES", "recipes", &recipe_files)]
    {
        let _ = writeln!(out, "pub static {konst}: &[(&str, &str)] = &[");
        for f in files {
            let _ = writeln!(out, "    ({:?}, include_str!({:?})),", name(dir, f), f.display().to_string());
        }
        let _ = writeln!(out, "];");
    }
    let _ = writeln!(
        out,
        "pub static BLOB: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/builtin.bin\"));"
    );
    std::fs::write(out_dir.join("builtin.rs"), out).expect("write builtin.rs");
}
