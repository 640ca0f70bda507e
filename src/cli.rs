//! The command line: clap definitions and one function per command. Each
//! command returns an [`Outcome`] (what to print and the exit code); only
//! `main` touches the process.

use crate::catalog::schema::{DatasetStage, Modality};
use crate::diag::Diagnostics;
use crate::load::{Inputs, IoError, Overlays};
use crate::plan::{PlanOptions, Planner};
use crate::recipe::schema::StageKind;
use crate::report::{self, compare::Level, Format};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(name = "mixplan", version, about = "Plan and compare training mixes of multimodal LLMs")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Add the catalog files of this directory (or file) on top of the built-in catalog.
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// Add the recipe files of this directory (or file) on top of the built-in recipes.
    #[arg(long, global = true, value_name = "DIR")]
    pub recipes: Vec<PathBuf>,
    /// Leave out the built-in catalog and recipes (use only --catalog, --recipes and PATHs).
    #[arg(long, global = true)]
    pub no_builtin: bool,
    /// Output format.
    #[arg(long, short, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the catalog and recipes (built-in, overlays and PATHs); exit 1 on errors.
    Check {
        /// Catalog or recipe files, or directories of them, to check with the built-in data.
        paths: Vec<PathBuf>,
    },
    /// The mix report of one recipe.
    Plan {
        /// A built-in recipe id or a path to a recipe file.
        recipe: String,
        /// Add per-leaf statistics for batches of this many samples.
        #[arg(long, value_name = "B", value_parser = clap::value_parser!(u64).range(1..))]
        batch_size: Option<u64>,
    },
    /// Recipes side by side.
    Compare {
        /// Recipe ids or paths.
        #[arg(value_name = "RECIPE")]
        names: Vec<String>,
        /// Compare every recipe.
        #[arg(long)]
        all: bool,
        /// Only stages of this kind.
        #[arg(long, value_enum)]
        stage: Option<StageKind>,
        /// Rows are leaf datasets (what the model sees) or entries (what recipes write).
        #[arg(long, value_enum, default_value_t = Level::Leaf)]
        level: Level,
    },
    /// Write the plans as CSV (long format), atomically.
    Export {
        /// Recipe ids or paths.
        #[arg(value_name = "RECIPE")]
        names: Vec<String>,
        /// Export every recipe.
        #[arg(long)]
        all: bool,
        /// The CSV file to write.
        #[arg(long, value_name = "FILE.csv")]
        out: PathBuf,
    },
    /// The dependency graph of a recipe as Graphviz DOT.
    Graph {
        /// A recipe id or path.
        recipe: String,
    },
    /// The recipes with their stages and totals.
    Recipes,
    /// Look into the dataset catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Datasets, filtered.
    List {
        #[arg(long, value_enum)]
        stage: Option<DatasetStage>,
        #[arg(long, value_enum)]
        modality: Option<Modality>,
        /// ISO 639-1 code or `multi`.
        #[arg(long)]
        language: Option<String>,
    },
    /// One dataset with every field; a composite with its leaves.
    Show {
        /// Id or alias.
        dataset: String,
    },
    /// Datasets whose id, name, alias or publisher contains TEXT (case and punctuation forgiven).
    Search { text: String },
    /// Draft catalog entries from the tables of an awesome-list Markdown file.
    Import {
        /// The Markdown file.
        #[arg(value_name = "FILE.md")]
        file: PathBuf,
        /// Write the drafts to this file (atomically) instead of standard output.
        #[arg(long, value_name = "FILE.toml")]
        out: Option<PathBuf>,
    },
}

/// What a command prints and how the process ends.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    pub stdout: String,
    pub stderr: String,
    pub code: u8,
}

pub const EXIT_INVALID: u8 = 1;
pub const EXIT_IO: u8 = 3;

impl Outcome {
    fn ok(stdout: String) -> Outcome {
        Outcome { stdout, ..Default::default() }
    }

    fn io(e: &dyn std::fmt::Display) -> Outcome {
        Outcome { stderr: format!("error: {e}\n"), code: EXIT_IO, ..Default::default() }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    let mut overlays = Overlays {
        catalog_dirs: cli.global.catalog.clone(),
        recipe_dirs: cli.global.recipes.clone(),
        no_builtin: cli.global.no_builtin,
        ..Default::default()
    };
    let format = cli.global.format;
    let recipe_args: Vec<&String> = match &cli.command {
        Command::Plan { recipe, .. } | Command::Graph { recipe } => vec![recipe],
        Command::Compare { names, .. } | Command::Export { names, .. } => names.iter().collect(),
        _ => vec![],
    };
    for r in &recipe_args {
        if is_path(r) {
            overlays.recipe_files.push(PathBuf::from(r));
        }
    }
    if let Command::Check { paths } = &cli.command {
        if let Err(e) = sort_paths(paths, &mut overlays) {
            return Outcome::io(&e);
        }
    }
    let inputs = match Inputs::load(&overlays) {
        Ok(i) => i,
        Err(e) => return Outcome::io(&e),
    };
    let mut diags = Diagnostics::default();
    let planner = Planner::new(&inputs, &mut diags);
    let mut session = Session { inputs: &inputs, planner, diags, format };
    session.run(cli.command)
}

/// A `RECIPE` argument that names a file rather than a built-in id.
fn is_path(arg: &str) -> bool {
    arg.ends_with(".toml") || arg.contains('/') || arg.contains('\\')
}

/// `check PATH...`: files with `[[dataset]]` tables are catalog files, the others recipes.
fn sort_paths(paths: &[PathBuf], overlays: &mut Overlays) -> Result<(), IoError> {
    for p in paths {
        for file in crate::load::toml_files(p)? {
            let text =
                std::fs::read_to_string(&file).map_err(|source| IoError { path: file.clone(), source })?;
            if looks_like_catalog(&text) {
                overlays.catalog_dirs.push(file);
            } else {
                overlays.recipe_dirs.push(file);
            }
        }
    }
    Ok(())
}

fn looks_like_catalog(text: &str) -> bool {
    text.lines().any(|l| l.trim_start().starts_with("[[dataset]]"))
}

struct Session<'a> {
    inputs: &'a Inputs,
    planner: Planner<'a>,
    diags: Diagnostics,
    format: Format,
}

impl Session<'_> {
    fn run(&mut self, command: Command) -> Outcome {
        if let Command::Check { .. } = command {
            return self.check();
        }
        if self.inputs.diags.has_errors() || self.diags.has_errors() {
            return self.invalid();
        }
        let out = match command {
            Command::Check { .. } => unreachable!("handled above"),
            Command::Plan { recipe, batch_size } => self.plan(&recipe, batch_size),
            Command::Compare { names, all, stage, level } => self.compare(&names, all, stage, level),
            Command::Export { names, all, out } => self.export(&names, all, &out),
            Command::Graph { recipe } => self.graph(&recipe),
            Command::Recipes => self.recipes(),
            Command::Catalog(c) => Ok(self.catalog(c)),
        };
        match out {
            Ok(o) | Err(o) => o,
        }
    }

    fn invalid(&self) -> Outcome {
        let mut all = Diagnostics::default();
        for d in self.inputs.diags.iter().chain(self.diags.iter()) {
            all.push(d.clone());
        }
        let n = all.error_count();
        let mut stderr = all.render(&self.inputs.sources);
        stderr.push_str(&format!(
            "error: {n} error{} found; nothing was planned\n",
            if n == 1 { "" } else { "s" }
        ));
        Outcome { stderr, code: EXIT_INVALID, ..Default::default() }
    }

    fn check(&mut self) -> Outcome {
        let opts = PlanOptions::default();
        if !self.inputs.diags.has_errors() && !self.diags.has_errors() {
            self.planner.plan_all(&opts, &mut self.diags);
        }
        let mut all = Diagnostics::default();
        for d in self.inputs.diags.iter().chain(self.diags.iter()) {
            all.push(d.clone());
        }
        let errors = all.error_count();
        let warnings = all.iter().count() - errors;
        let mut stderr = all.render(&self.inputs.sources);
        let summary = format!(
            "checked {} datasets and {} recipes: {errors} error{}, {warnings} warning{}\n",
            self.inputs.catalog.len(),
            self.inputs.recipes.iter().count(),
            if errors == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" },
        );
        if errors > 0 {
            stderr.push_str(&summary);
            return Outcome { stderr, code: EXIT_INVALID, ..Default::default() };
        }
        Outcome { stdout: summary, stderr, code: 0 }
    }

    /// The recipe id an argument names (a path is read as an overlay file).
    fn recipe_id(&self, arg: &str) -> Result<crate::id::Id, Outcome> {
        if is_path(arg) {
            let idx = self.inputs.recipes.named.iter().find(|id| {
                self.inputs.recipes.get(id.as_str()).is_some_and(|r| {
                    self.inputs.sources.name(r.loc.file) == Path::new(arg).display().to_string()
                })
            });
            if let Some(id) = idx {
                return Ok(id.clone());
            }
        }
        crate::plan::find_recipe(self.inputs, arg).map_err(|d| {
            let mut stderr = d.render(&self.inputs.sources);
            if self.inputs.recipes.iter().next().is_some() {
                stderr.push_str("  = note: `mixplan recipes` lists the recipes\n");
            }
            Outcome { stderr, code: EXIT_INVALID, ..Default::default() }
        })
    }

    fn plans(
        &mut self,
        args: &[String],
        all: bool,
        opts: &PlanOptions,
    ) -> Result<Vec<crate::plan::Plan>, Outcome> {
        if all {
            let plans = self.planner.plan_all(opts, &mut self.diags);
            return if self.diags.has_errors() { Err(self.invalid()) } else { Ok(plans) };
        }
        if args.is_empty() {
            return Err(Outcome {
                stderr: "error: name at least one recipe, or use --all\n".into(),
                code: 2,
                ..Default::default()
            });
        }
        let mut plans = Vec::new();
        for a in args {
            let id = self.recipe_id(a)?;
            match self.planner.plan(&id, opts, &mut self.diags) {
                Some(p) => plans.push(p),
                None => return Err(self.invalid()),
            }
        }
        Ok(plans)
    }

    fn plan(&mut self, recipe: &str, batch_size: Option<u64>) -> Result<Outcome, Outcome> {
        let opts = PlanOptions { batch_size };
        let plans = self.plans(&[recipe.to_string()], false, &opts)?;
        Ok(Outcome::ok(report::plan::render(&plans[0], self.format)))
    }

    fn compare(
        &mut self,
        args: &[String],
        all: bool,
        stage: Option<StageKind>,
        level: Level,
    ) -> Result<Outcome, Outcome> {
        let plans = self.plans(args, all, &PlanOptions::default())?;
        let c = report::compare::compare(&plans, level, stage);
        Ok(Outcome::ok(report::compare::render(&c, self.format)))
    }

    fn export(&mut self, args: &[String], all: bool, out: &Path) -> Result<Outcome, Outcome> {
        let plans = self.plans(args, all, &PlanOptions::default())?;
        let text = report::csv::plans(&plans);
        write_atomically(out, text.as_bytes()).map_err(|e| Outcome::io(&e))?;
        let rows = text.lines().count().saturating_sub(1);
        Ok(Outcome {
            stderr: format!(
                "wrote {rows} rows for {} recipe{} to {}\n",
                plans.len(),
                if plans.len() == 1 { "" } else { "s" },
                out.display()
            ),
            ..Default::default()
        })
    }

    fn graph(&mut self, recipe: &str) -> Result<Outcome, Outcome> {
        let id = self.recipe_id(recipe)?;
        Ok(Outcome::ok(report::dot::render(&self.planner.resolved, id.as_str())))
    }

    fn recipes(&mut self) -> Result<Outcome, Outcome> {
        let plans = self.plans(&[], true, &PlanOptions::default())?;
        Ok(Outcome::ok(report::listing::recipes(&report::listing::recipe_lines(&plans), self.format)))
    }

    fn catalog(&self, c: CatalogCommand) -> Outcome {
        let catalog = &self.inputs.catalog;
        let size = |d: &crate::catalog::Dataset| self.planner.expansions.get(&d.id).size;
        match c {
            CatalogCommand::List { stage, modality, language } => {
                let list: Vec<_> = catalog
                    .iter()
                    .filter(|d| stage.is_none_or(|s| d.stages.contains(&s)))
                    .filter(|d| modality.is_none_or(|m| d.modalities.contains(&m)))
                    .filter(|d| {
                        language
                            .as_ref()
                            .is_none_or(|l| d.languages.iter().any(|x| x.eq_ignore_ascii_case(l)))
                    })
                    .collect();
                Outcome::ok(report::listing::datasets(&list, &size, self.format))
            }
            CatalogCommand::Show { dataset } => match catalog.resolve(&dataset) {
                Some(d) => Outcome::ok(report::listing::show(
                    d,
                    self.planner.expansions.get(&d.id),
                    catalog,
                    self.format,
                )),
                None => Outcome {
                    stderr: catalog.unknown(&dataset, None).render(&self.inputs.sources),
                    code: EXIT_INVALID,
                    ..Default::default()
                },
            },
            CatalogCommand::Search { text } => {
                let list = crate::catalog::search(catalog, &text);
                Outcome::ok(report::listing::datasets(&list, &size, self.format))
            }
            CatalogCommand::Import { file, out } => import(catalog, &file, out.as_deref()),
        }
    }
}

/// `catalog import`: drafts to stdout or `--out`; warnings and a summary to stderr.
fn import(catalog: &crate::catalog::Catalog, file: &Path, out: Option<&Path>) -> Outcome {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(source) => return Outcome::io(&IoError { path: file.to_path_buf(), source }),
    };
    let mut sources = crate::diag::Sources::default();
    let id = sources.add(file.display().to_string(), text);
    let mut diags = Diagnostics::default();
    let imported = crate::catalog::import::import(id, &sources, catalog, &mut diags);
    let mut stderr = diags.render(&sources);
    if imported.tables == 0 {
        stderr.push_str(&format!(
            "error: {} has no Markdown table with a dataset-name column\n",
            file.display()
        ));
        return Outcome { stderr, code: EXIT_INVALID, ..Default::default() };
    }
    let name =
        file.file_name().map_or_else(|| file.display().to_string(), |n| n.to_string_lossy().into_owned());
    let toml = crate::catalog::import::to_toml(&imported, &name);
    for (name, id) in &imported.known {
        stderr.push_str(&format!("note: `{name}` is already in the catalog as `{id}`; not drafted\n"));
    }
    let stdout = match out {
        Some(path) => {
            if let Err(e) = write_atomically(path, toml.as_bytes()) {
                return Outcome::io(&format!("{}: {e}", path.display()));
            }
            String::new()
        }
        None => toml,
    };
    stderr.push_str(&format!(
        "drafted {} datasets from {} tables of {} ({} already in the catalog){}\n",
        imported.drafts.len(),
        imported.tables,
        file.display(),
        imported.known.len(),
        out.map_or(String::new(), |p| format!("; wrote {}", p.display())),
    ));
    Outcome { stdout, stderr, code: 0 }
}

/// Writes through a temporary file renamed into place: a failure leaves the
/// old file as it was.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = atomic_write_file::AtomicWriteFile::options().open(path)?;
    f.write_all(bytes)?;
    f.commit()
}
