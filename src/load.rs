//! Reading input: the built-in catalog and recipes compiled into the binary,
//! the `--catalog`/`--recipes` overlays and recipe files named on the command
//! line, all parsed into one [`Inputs`] with every problem collected.

use crate::catalog::Catalog;
use crate::diag::{Diagnostic, Diagnostics, FileId, Loc, Sources};
use crate::recipe::Recipes;
use serde::de::DeserializeOwned;
use std::path::{Path, PathBuf};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// An input file could not be read: exit code 3, not a data error.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{path}`: {source}")]
pub struct IoError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Everything a command works on, with the diagnostics found while reading.
#[derive(Debug, Default)]
pub struct Inputs {
    pub sources: Sources,
    pub catalog: Catalog,
    pub recipes: Recipes,
    pub diags: Diagnostics,
}

/// Where to read from besides the built-in data.
#[derive(Debug, Default, Clone)]
pub struct Overlays {
    pub catalog_dirs: Vec<PathBuf>,
    pub recipe_dirs: Vec<PathBuf>,
    /// Recipe files named directly (a `RECIPE` argument that is a path).
    pub recipe_files: Vec<PathBuf>,
    /// Leave the built-in data out (for `check PATH`).
    pub no_builtin: bool,
}

/// Parses TOML into a raw schema type; a syntax or schema error becomes a
/// diagnostic pointing at the offending span.
pub fn parse_toml<T: DeserializeOwned>(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let message = e.message().trim_end().to_string();
            let (message, help) = explain_toml_error(&message);
            diags.push(
                Diagnostic::error(message).at(e.span().map(|span| Loc::new(file, span))).maybe_help(help),
            );
            None
        }
    }
}

/// Turns serde's wording into ours and adds a fix where one is obvious.
fn explain_toml_error(message: &str) -> (String, Option<String>) {
    let first = message.lines().next().unwrap_or(message).to_string();
    let help = if first.starts_with("unknown field") {
        Some("check the spelling; the format is in the README".to_string())
    } else if first.starts_with("missing field") {
        Some("add the field; the format is in the README".to_string())
    } else {
        None
    };
    (first, help)
}

impl Inputs {
    /// Reads the built-in data and the overlays, in that order; a later layer
    /// replaces an entry with the same id.
    pub fn load(overlays: &Overlays) -> Result<Inputs, IoError> {
        let mut inputs = Inputs::default();
        if !overlays.no_builtin {
            for (name, text) in builtin::CATALOG {
                inputs.add_catalog(name, text, 0);
            }
            for (name, text) in builtin::RECIPES {
                inputs.add_recipe(name, text, 0);
            }
        }
        for dir in &overlays.catalog_dirs {
            for path in toml_files(dir)? {
                let text = read(&path)?;
                inputs.add_catalog(&display(&path), &text, 1);
            }
        }
        for dir in &overlays.recipe_dirs {
            for path in toml_files(dir)? {
                let text = read(&path)?;
                inputs.add_recipe(&display(&path), &text, 1);
            }
        }
        for path in &overlays.recipe_files {
            let text = read(path)?;
            inputs.add_recipe(&display(path), &text, 2);
        }
        inputs.catalog.finish(&mut inputs.diags);
        inputs.recipes.finish(&inputs.catalog, &mut inputs.diags);
        Ok(inputs)
    }

    /// Inputs from text alone, without the built-in data: for tests and for
    /// programs that build recipes in memory. Names are shown in messages.
    pub fn from_strs(catalog: &[(&str, &str)], recipes: &[(&str, &str)]) -> Inputs {
        let mut inputs = Inputs::default();
        for (name, text) in catalog {
            inputs.add_catalog(name, text, 0);
        }
        for (name, text) in recipes {
            inputs.add_recipe(name, text, 0);
        }
        inputs.catalog.finish(&mut inputs.diags);
        inputs.recipes.finish(&inputs.catalog, &mut inputs.diags);
        inputs
    }

    fn add_catalog(&mut self, name: &str, text: &str, layer: usize) {
        let file = self.sources.add(name, text);
        self.catalog.add_file(file, text, layer, &mut self.diags);
    }

    fn add_recipe(&mut self, name: &str, text: &str, layer: usize) {
        let file = self.sources.add(name, text);
        self.recipes.add_file(file, text, layer, &mut self.diags);
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

fn read(path: &Path) -> Result<String, IoError> {
    std::fs::read_to_string(path).map_err(|source| IoError { path: path.to_path_buf(), source })
}

/// The `.toml` files of a directory, or the file itself, sorted by name.
pub fn toml_files(path: &Path) -> Result<Vec<PathBuf>, IoError> {
    let io = |source| IoError { path: path.to_path_buf(), source };
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(io)? {
        let p = entry.map_err(io)?.path();
        if p.extension().is_some_and(|e| e == "toml") {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}
