//! The command line: clap definitions and one function per command. Each
//! command returns an [`Outcome`] (what to print and the exit code); only
//! `main` touches the process.

use crate::catalog::license::Use;
use crate::catalog::schema::{DatasetStage, Modality};
use crate::diag::{codes, Diagnostic, Diagnostics, FileId, Severity};
use crate::load::{Inputs, IoError, Overlays};
use crate::plan::{BatchSize, PlanOptions, Planned, Planner};
use crate::recipe::schema::StageKind;
use crate::recipe::RecipeIx;
use crate::report::{self, compare::Level, Format};
use clap::{Args, Parser, Subcommand};
use std::path::{Path, PathBuf};

const AFTER_HELP: &str = "\
Exit codes:
  0  success (warnings may be printed)
  1  the input is invalid; every error is printed with file:line:col
  2  wrong use of the command line
  3  a file could not be read or written

Examples:
  mixplan plan llava-1.5-7b
  mixplan plan my-recipe.toml --format json
  mixplan compare llava-1.5-7b sharegpt4v-7b --stage sft
  mixplan export --all --out mixes.csv
  mixplan check my-recipes/ --strict";

#[derive(Debug, Parser)]
#[command(
    name = "mixplan",
    version,
    about = "Plan and compare training mixes of multimodal LLMs",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Output format (each command lists the ones it takes).
    #[arg(long, short, global = true, value_enum)]
    pub format: Option<Format>,
    /// Add the catalog files of this directory (or file) on top of the built-in catalog.
    #[arg(long, global = true, value_name = "DIR")]
    pub catalog: Vec<PathBuf>,
    /// Add the recipe files of this directory (or file) on top of the built-in recipes.
    #[arg(long, global = true, value_name = "DIR")]
    pub recipes: Vec<PathBuf>,
    /// Leave out the built-in catalog and recipes (use only --catalog, --recipes and PATHs).
    #[arg(long, global = true)]
    pub no_builtin: bool,
    /// Silence a warning code in this run (repeatable); `mixplan check` lists codes.
    #[arg(long, global = true, value_name = "CODE")]
    pub allow: Vec<String>,
    /// The largest input file read, in bytes (K, M and G suffixes allowed).
    #[arg(long, global = true, value_name = "BYTES", value_parser = parse_bytes, default_value = "256M")]
    pub max_file_size: u64,
    /// Show every table column and whole cells, whatever the width (tables otherwise fit the
    /// terminal, else $COLUMNS, else 100 columns).
    #[arg(long, global = true)]
    pub wide: bool,
}

/// Options of the commands that plan.
#[derive(Debug, Args, Clone, Default)]
pub struct PlanArgs {
    /// Warn when a stage repeats a dataset more than this many times.
    #[arg(long, value_name = "E", default_value_t = 5.0)]
    pub max_epochs: f64,
    /// Benchmarks to check the training data against, comma-separated (besides the recipe's `[eval]`).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub eval: Vec<String>,
    /// Fail unless every training dataset's license allows this use.
    #[arg(long, value_name = "USE", value_parser = ["commercial", "non-commercial", "research-only"])]
    pub require: Option<String>,
    /// The accelerator of the GPU-hour estimate: a100, h100, h200, tpu-v4, or a peak in dense BF16 TFLOPS.
    #[arg(long, value_name = "GPU", default_value = "h100")]
    pub gpu: String,
    /// The fraction of the accelerator's peak the run reaches (model FLOPs utilization), above 0 and at most 1.
    #[arg(long, value_name = "U", default_value_t = 0.4)]
    pub mfu: f64,
}

impl PlanArgs {
    /// The options of a command that plans without taking them (compare, export, recipes).
    fn defaults() -> PlanArgs {
        PlanArgs { max_epochs: 5.0, gpu: "h100".into(), mfu: 0.4, ..Default::default() }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate the catalog and recipes (built-in, overlays and PATHs) and plan every recipe.
    Check {
        /// Catalog or recipe files, or directories of them; with PATHs only those are checked.
        paths: Vec<PathBuf>,
        /// Exit 1 on warnings too.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// The mix report of one recipe (formats: table, md, json, csv, html).
    Plan {
        /// A built-in recipe id or a path to a recipe file (the files beside it are read too).
        recipe: String,
        /// Per-leaf counts for batches of B samples; `auto` takes each stage's global batch.
        #[arg(long, value_name = "B|auto", value_parser = parse_batch)]
        batch_size: Option<BatchSize>,
        #[command(flatten)]
        plan: PlanArgs,
    },
    /// Recipes side by side: shared and different data, model and training facts (formats: table, md, json, csv, html).
    Compare {
        /// Recipe ids or paths (two or more), or --all.
        #[arg(value_name = "RECIPE")]
        names: Vec<String>,
        /// Compare every recipe.
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// Only stages of this kind: pretrain, sft or preference.
        #[arg(long, value_parser = parse_kind)]
        stage: Option<StageKind>,
        /// Rows are leaf datasets (what the model sees) or entries (what recipes write).
        #[arg(long, value_parser = parse_level, default_value = "leaf")]
        level: Level,
    },
    /// Write the plans to a file (csv, json or md: from --format or the file's extension),
    /// or one stage as a trainer's data config (--to).
    Export {
        /// Recipe ids or paths, or --all.
        #[arg(value_name = "RECIPE")]
        names: Vec<String>,
        /// Export every recipe.
        #[arg(long, conflicts_with = "names")]
        all: bool,
        /// The file to write (`-` for standard output); a directory for multi-file formats.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Write one stage as a trainer's data config.
        #[arg(long, value_enum, value_name = "FORMAT")]
        to: Option<crate::export::Target>,
        /// The stage to write (needed when the recipe has several).
        #[arg(long, value_name = "ID", requires = "to")]
        stage: Option<String>,
        /// Where each dataset lives: annotation files, image roots, prefixes, Energon paths.
        #[arg(long, value_name = "PATHS.toml", requires = "to")]
        paths: Option<PathBuf>,
        /// Also write the trainer-versus-plan counts as JSON to this file.
        #[arg(long, value_name = "FILE", requires = "to")]
        report: Option<PathBuf>,
    },
    /// Read a trainer's data config (LLaVA-NeXT YAML, InternVL meta JSON) back as a recipe (TOML).
    ImportConfig {
        /// The data YAML or meta JSON.
        file: PathBuf,
        /// Its format.
        #[arg(long = "from", value_enum, value_name = "FORMAT")]
        from: crate::export::import::ConfigFormat,
        /// A CSV of file sizes (`dataset,samples`; names as the config writes them, or catalog ids).
        #[arg(long, value_name = "SIZES.csv")]
        sizes: Option<PathBuf>,
        /// The stage's kind.
        #[arg(long, value_parser = parse_kind, default_value = "sft")]
        kind: StageKind,
        /// Write the recipe here (and draft catalog entries beside it) instead of standard output.
        #[arg(long, value_name = "FILE.toml")]
        out: Option<PathBuf>,
    },
    /// Megatron's blend index of a stage (build_blending_indices) as .npy files.
    Schedule {
        /// A recipe id or path.
        recipe: String,
        /// The stage (needed when the recipe has several).
        #[arg(long, value_name = "ID")]
        stage: Option<String>,
        /// Training samples N (Megatron's --train-samples): one greedy step each.
        #[arg(long, value_name = "N", value_parser = parse_steps)]
        steps: u64,
        /// The directory to write dataset_index.npy, dataset_sample_index.npy and datasets.json to.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// The dependency graph of a recipe (formats: dot, mermaid, json).
    Graph {
        /// A recipe id or path.
        recipe: String,
    },
    /// Every recipe with its stage totals (formats: table, md, json, csv).
    Recipes,
    /// Look into the dataset catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// A shell completion script, to standard output (see the README for where it goes).
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// The manual page (roff), to standard output: `mixplan man | man -l -`.
    Man,
    /// A JSON Schema of a TOML format, for editors that complete and check recipes (taplo, Even Better TOML).
    Schema {
        /// Which format: `recipe` or `catalog`.
        #[arg(value_enum)]
        kind: crate::editor::SchemaKind,
    },
}

#[derive(Debug, Subcommand)]
pub enum CatalogCommand {
    /// Datasets, filtered (formats: table, md, json, csv).
    List {
        /// pretrain, sft, preference or eval.
        #[arg(long, value_parser = parse_dataset_stage)]
        stage: Option<DatasetStage>,
        /// text, image, video, audio, multi-image, interleaved or 3d.
        #[arg(long, value_parser = parse_modality)]
        modality: Option<Modality>,
        /// ISO 639-1 code or `multi`.
        #[arg(long)]
        language: Option<String>,
        /// A task tag (caption, vqa, ocr, doc, chart …).
        #[arg(long)]
        task: Option<String>,
    },
    /// One dataset with every field; a composite with its leaves (formats: table, md, json, csv).
    Show {
        /// Id or alias.
        dataset: String,
    },
    /// Datasets whose id, name, alias, publisher or task tag contains TEXT.
    Search {
        /// What to look for; case and punctuation are forgiven.
        text: String,
    },
    /// Draft catalog entries from the tables of an awesome-list Markdown file (TOML output).
    Import {
        /// The Markdown file.
        #[arg(value_name = "FILE.md")]
        file: PathBuf,
        /// Write the drafts to this file (atomically) instead of standard output.
        #[arg(long, value_name = "FILE.toml")]
        out: Option<PathBuf>,
    },
}

fn parse_bytes(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, mult) = match t.chars().last() {
        Some('K' | 'k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('M' | 'm') => (&t[..t.len() - 1], 1 << 20),
        Some('G' | 'g') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    digits
        .replace('_', "")
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|&n| n > 0)
        .ok_or_else(|| "expected a number of bytes such as `1000000`, `64M` or `1G`".to_string())
}

fn parse_steps(s: &str) -> Result<u64, String> {
    match s.replace('_', "").parse::<u64>() {
        Ok(n) if (1..=1u64 << 40).contains(&n) => Ok(n),
        _ => Err("expected a whole number of samples from 1 to 2^40".to_string()),
    }
}

fn parse_batch(s: &str) -> Result<BatchSize, String> {
    if s == "auto" {
        return Ok(BatchSize::Stage);
    }
    let max = crate::plan::stats::MAX_BATCH;
    match s.replace('_', "").parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(BatchSize::Fixed(n)),
        _ => Err(format!("expected `auto` or a whole number from 1 to {}", report::count(u128::from(max)))),
    }
}

fn one_of<T: Copy>(s: &str, all: &[T], name: impl Fn(T) -> &'static str) -> Result<T, String> {
    all.iter().copied().find(|v| name(*v) == s).ok_or_else(|| {
        format!("expected one of {}", all.iter().map(|v| name(*v)).collect::<Vec<_>>().join(", "))
    })
}

fn parse_kind(s: &str) -> Result<StageKind, String> {
    one_of(s, &StageKind::ALL, StageKind::as_str)
}

fn parse_dataset_stage(s: &str) -> Result<DatasetStage, String> {
    one_of(s, &DatasetStage::ALL, DatasetStage::as_str)
}

fn parse_modality(s: &str) -> Result<Modality, String> {
    one_of(s, &Modality::ALL, Modality::as_str)
}

fn parse_level(s: &str) -> Result<Level, String> {
    one_of(s, &[Level::Leaf, Level::Entry], |l| match l {
        Level::Leaf => "leaf",
        Level::Entry => "entry",
    })
}

/// What a command prints and how the process ends.
#[derive(Debug, Default)]
pub struct Outcome {
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub code: u8,
    /// The inputs the command read, handed back so that the binary can exit
    /// without freeing them one by one (a large catalog takes a tenth of
    /// the run to free); a library caller simply drops them.
    pub inputs: Option<Box<Inputs>>,
}

pub const EXIT_INVALID: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
pub const EXIT_IO: u8 = 3;

impl Outcome {
    fn ok(stdout: String) -> Outcome {
        Outcome { stdout: stdout.into_bytes(), ..Default::default() }
    }

    fn io(e: &dyn std::fmt::Display) -> Outcome {
        Outcome { stderr: format!("error: {e}\n"), code: EXIT_IO, ..Default::default() }
    }

    fn usage(message: &str) -> Outcome {
        Outcome { stderr: format!("error: {message}\n"), code: EXIT_USAGE, ..Default::default() }
    }
}

/// The formats each command takes, the first being its default.
fn formats(command: &Command) -> &'static [Format] {
    use Format::*;
    match command {
        Command::Check { .. } => &[Table, Md, Json, Csv],
        Command::Plan { .. } | Command::Compare { .. } => &[Table, Md, Json, Csv, Html],
        Command::Export { .. } => &[Csv, Json, Md],
        Command::ImportConfig { .. } => &[Toml],
        Command::Schedule { .. } => &[Table],
        Command::Graph { .. } => &[Dot, Mermaid, Json],
        Command::Recipes => &[Table, Md, Json, Csv],
        Command::Schema { .. } => &[Json],
        Command::Completions { .. } | Command::Man => &[],
        Command::Catalog(CatalogCommand::Import { .. }) => &[Toml],
        Command::Catalog(_) => &[Table, Md, Json, Csv],
    }
}

fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Check { .. } => "check",
        Command::Plan { .. } => "plan",
        Command::Compare { .. } => "compare",
        Command::Export { .. } => "export",
        Command::ImportConfig { .. } => "import-config",
        Command::Schedule { .. } => "schedule",
        Command::Graph { .. } => "graph",
        Command::Recipes => "recipes",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
        Command::Schema { .. } => "schema",
        Command::Catalog(CatalogCommand::Import { .. }) => "catalog import",
        Command::Catalog(_) => "catalog",
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Outcome {
    let allowed = formats(&cli.command);
    if allowed.is_empty() {
        return match cli.global.format {
            Some(f) => Outcome::usage(&format!(
                "`{}` does not write `--format {}`; leave --format out",
                command_name(&cli.command),
                f.name()
            )),
            None => standalone(&cli.command),
        };
    }
    let format = match (cli.global.format, &cli.command) {
        (Some(f), Command::Export { to: Some(t), .. }) => {
            return Outcome::usage(&format!(
                "`--format {}` does not apply with `--to {}`: the trainer's format is the output",
                f.name(),
                t.name()
            ))
        }
        (None, Command::Export { to: Some(_), .. }) => allowed[0],
        (None, Command::Export { out, .. }) => match export_format(out) {
            Ok(f) => f,
            Err(o) => return o,
        },
        (None, _) => allowed[0],
        (Some(f), Command::Export { out, .. }) => match export_format(out) {
            Ok(by_ext) if by_ext != f && out.extension().is_some() => {
                return Outcome::usage(&format!(
                    "`--format {}` does not match the extension of `{}`",
                    f.name(),
                    out.display()
                ))
            }
            _ => f,
        },
        (Some(f), _) => f,
    };
    if !allowed.contains(&format) {
        let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
        return Outcome::usage(&format!(
            "`{}` does not write `--format {}`; it takes {}",
            command_name(&cli.command),
            format.name(),
            names.join(", ")
        ));
    }
    for entry in &cli.global.allow {
        if let Err(message) = crate::diag::Allow::check(entry) {
            return Outcome::usage(&format!("--allow {entry}: {message}"));
        }
    }
    let mut overlays = Overlays {
        catalog_dirs: cli.global.catalog.clone(),
        recipe_dirs: cli.global.recipes.clone(),
        no_builtin: cli.global.no_builtin,
        max_file_size: cli.global.max_file_size,
        ..Default::default()
    };
    let recipe_args: Vec<&String> = match &cli.command {
        Command::Plan { recipe, .. } | Command::Graph { recipe } | Command::Schedule { recipe, .. } => {
            vec![recipe]
        }
        Command::Compare { names, .. } | Command::Export { names, .. } => names.iter().collect(),
        _ => vec![],
    };
    for r in &recipe_args {
        if is_path(r) {
            overlays.recipe_files.push(PathBuf::from(r));
        }
    }
    if let Command::Check { paths, .. } = &cli.command {
        if let Err(e) = sort_paths(paths, &mut overlays) {
            return Outcome::io(&e);
        }
    }
    if let Command::Schema { kind } = &cli.command {
        return Outcome::ok(report::json(&crate::editor::schema(*kind)));
    }
    if let Command::Catalog(CatalogCommand::Import { file, out }) = &cli.command {
        let inputs = match Inputs::load(&overlays) {
            Ok(i) => i,
            Err(e) => return Outcome::io(&e),
        };
        return import(&inputs.catalog, file, out.as_deref(), overlays.max_file_size);
    }
    if let Command::ImportConfig { file, from, sizes, kind, out } = &cli.command {
        let inputs = match Inputs::load(&overlays) {
            Ok(i) => i,
            Err(e) => return Outcome::io(&e),
        };
        return import_config(
            &inputs.catalog,
            file,
            *from,
            sizes.as_deref(),
            *kind,
            out.as_deref(),
            &overlays,
        );
    }
    let inputs = match Inputs::load(&overlays) {
        Ok(i) => i,
        Err(e) => return Outcome::io(&e),
    };
    for entry in &cli.global.allow {
        if let Some((_, key)) = entry.split_once(':') {
            let stage = inputs
                .recipes
                .ixs()
                .any(|r| inputs.recipes.skeleton(r).stages.iter().any(|(id, _)| id.as_str() == key));
            if inputs.catalog.lookup(key).is_none() && !stage {
                return Outcome::usage(&format!("--allow {entry}: no dataset or stage `{key}`"));
            }
        }
    }
    let planner = Planner::new(&inputs);
    let width = table_width(cli.global.wide);
    let mut session = Session {
        inputs: &inputs,
        planner,
        format,
        allow: cli.global.allow.clone(),
        width,
        limit: overlays.max_file_size,
    };
    let out = session.run(cli.command);
    drop(session);
    let mut out = match out {
        Ok(o) | Err(o) => o,
    };
    out.inputs = Some(Box::new(inputs));
    out
}

/// The width terminal tables fit: the terminal's when standard output is
/// one, else `COLUMNS`, else 100; `None` (no limit) with `--wide`.
fn table_width(wide: bool) -> Option<usize> {
    if wide {
        return None;
    }
    // comfy-table asks the terminal only when standard output is one.
    let terminal = comfy_table::Table::new().width().map(usize::from).filter(|&w| w > 0);
    let columns =
        || std::env::var("COLUMNS").ok().and_then(|v| v.trim().parse::<usize>().ok()).filter(|&w| w > 0);
    Some(terminal.or_else(columns).unwrap_or(report::layout::DEFAULT_WIDTH))
}

/// Commands that read no catalog: completions and the manual page.
fn standalone(command: &Command) -> Outcome {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    match command {
        Command::Completions { shell } => clap_complete::generate(*shell, &mut cmd, "mixplan", &mut buf),
        _ => {
            if let Err(e) = clap_mangen::Man::new(cmd).render(&mut buf) {
                return Outcome::io(&e);
            }
        }
    }
    Outcome { stdout: buf, ..Default::default() }
}

/// The format an export file's extension asks for.
fn export_format(out: &Path) -> Result<Format, Outcome> {
    match out.extension().and_then(|e| e.to_str()) {
        Some("csv") | None => Ok(Format::Csv),
        Some("json") => Ok(Format::Json),
        Some("md") | Some("markdown") => Ok(Format::Md),
        Some(other) => Err(Outcome::usage(&format!(
            "cannot tell the format of `{}` from `.{other}`; use .csv, .json or .md, or pass --format",
            out.display()
        ))),
    }
}

/// A `RECIPE` argument that names a file rather than a built-in id.
fn is_path(arg: &str) -> bool {
    arg.ends_with(".toml") || arg.contains('/') || arg.contains('\\')
}

/// `check PATH...`: files with `[[dataset]]` tables are catalog files, the others recipes.
fn sort_paths(paths: &[PathBuf], overlays: &mut Overlays) -> Result<(), IoError> {
    for p in paths {
        for file in crate::load::toml_files(p)? {
            let text = crate::load::head(&file)?;
            if crate::load::looks_like_catalog(&text) {
                overlays.catalog_dirs.push(file);
            } else {
                overlays.recipe_dirs.push(file);
            }
        }
    }
    Ok(())
}

struct Session<'a> {
    inputs: &'a Inputs,
    planner: Planner<'a>,
    format: Format,
    allow: Vec<String>,
    /// The width terminal tables fit (`None`: no limit).
    width: Option<usize>,
    /// The largest input file read (`--max-file-size`).
    limit: u64,
}

impl Session<'_> {
    fn run(&mut self, command: Command) -> Result<Outcome, Outcome> {
        match command {
            Command::Check { strict, plan, paths } => self.check(strict, &plan, !paths.is_empty()),
            Command::Plan { recipe, batch_size, plan } => self.plan(&recipe, batch_size, &plan),
            Command::Compare { names, all, stage, level } => self.compare(&names, all, stage, level),
            Command::Export { names, all, out, to: Some(to), stage, paths, report } => {
                self.export_to(&names, all, to, stage.as_deref(), paths.as_deref(), &out, report.as_deref())
            }
            Command::Export { names, all, out, .. } => self.export(&names, all, &out),
            Command::Schedule { recipe, stage, steps, out } => {
                self.schedule(&recipe, stage.as_deref(), steps, &out)
            }
            Command::ImportConfig { .. } => unreachable!("handled before planning"),
            Command::Graph { recipe } => self.graph(&recipe),
            Command::Recipes => self.recipes(),
            Command::Catalog(c) => self.catalog(c),
            Command::Completions { .. } | Command::Man | Command::Schema { .. } => {
                unreachable!("handled before loading")
            }
        }
    }

    fn options(&self, args: &PlanArgs, batch: Option<BatchSize>) -> Result<PlanOptions, Outcome> {
        let mut eval = Vec::new();
        for name in &args.eval {
            match self.inputs.catalog.lookup(name) {
                Some(ix) => eval.push(ix),
                None => {
                    let mut d = self.inputs.catalog.unknown(name, None);
                    d.message = format!("{} (in `--eval`)", d.message);
                    return Err(Outcome {
                        stderr: d.render(&self.inputs.sources),
                        code: EXIT_INVALID,
                        ..Default::default()
                    });
                }
            }
        }
        if !(args.max_epochs.is_finite() && args.max_epochs > 0.0) {
            return Err(Outcome::usage("--max-epochs must be a positive number"));
        }
        let require = args.require.as_deref().map(|r| match r {
            "non-commercial" => Use::NonCommercial,
            "research-only" => Use::ResearchOnly,
            _ => Use::Commercial,
        });
        if !(args.mfu.is_finite() && args.mfu > 0.0 && args.mfu <= 1.0) {
            return Err(Outcome::usage("--mfu must be a fraction above 0 and at most 1, such as 0.4"));
        }
        let accelerator = crate::plan::compute::Accelerator::parse(&args.gpu, args.mfu)
            .map_err(|e| Outcome::usage(&format!("--gpu {}: {e}", args.gpu)))?;
        Ok(PlanOptions {
            batch_size: batch,
            max_epochs: args.max_epochs,
            eval,
            allow: self.allow.clone(),
            require,
            accelerator,
        })
    }

    fn check(&mut self, strict: bool, args: &PlanArgs, only_user: bool) -> Result<Outcome, Outcome> {
        let opts = self.options(args, None)?;
        let all = self.planner.check_all(&opts, only_user);
        let sources = &self.inputs.sources;
        let errors = all.error_count();
        let warnings = all.count(Severity::Warning);
        let summary = format!(
            "checked {} and {}: {}, {}",
            plural(self.inputs.catalog.len(), "dataset"),
            plural(self.inputs.recipes.len(), "recipe"),
            plural(errors, "error"),
            plural(warnings, "warning"),
        );
        let failed = errors > 0 || (strict && warnings > 0);
        let code = if failed { EXIT_INVALID } else { 0 };
        let stdout = match self.format {
            Format::Json => report::json(&serde_json::json!({
                "datasets": self.inputs.catalog.len(),
                "recipes": self.inputs.recipes.len(),
                "errors": errors,
                "warnings": warnings,
                "diagnostics": all.to_json(sources),
            })),
            Format::Csv => diagnostics_csv(&all, sources),
            _ => {
                let shown: Diagnostics = all
                    .iter()
                    .filter(|d| d.severity != Severity::Note || d.code == codes::OVERLAY_REPLACES)
                    .cloned()
                    .collect();
                let mut text = shown.render(sources);
                text.push_str(&summary);
                text.push('\n');
                return Ok(if failed {
                    Outcome { stderr: text, code, ..Default::default() }
                } else {
                    Outcome {
                        stdout: format!("{summary}\n").into_bytes(),
                        stderr: shown.render(sources),
                        code,
                        ..Default::default()
                    }
                });
            }
        };
        Ok(Outcome {
            stdout: stdout.into_bytes(),
            stderr: format!("{summary}\n"),
            code,
            ..Default::default()
        })
    }

    /// The recipe an argument names (a path is read as a recipe file).
    fn recipe_ix(&self, arg: &str) -> Result<RecipeIx, Outcome> {
        if is_path(arg) {
            let file = self.inputs.named.iter().find(|(p, _)| p.as_path() == Path::new(arg)).map(|(_, f)| *f);
            let found = file
                .and_then(|f| self.inputs.recipes.ixs().find(|r| self.inputs.recipes.get(*r).loc.file == f));
            if let Some(r) = found {
                return Ok(r);
            }
            // A file that could not be read as a recipe has only its own
            // errors to show; one whose recipe was read but failed shows the
            // catalog's too (a dataset it names may be one that failed).
            let read = file.is_some_and(|f| self.inputs.recipes.broken_in(f));
            return Err(self.unreadable(arg, file, read));
        }
        if let Some(file) = self.inputs.recipes.broken_file(arg) {
            return Err(self.unreadable(arg, Some(file), true));
        }
        self.planner.find(arg).map_err(|d| {
            let mut stderr = d.render(&self.inputs.sources);
            if !self.inputs.recipes.is_empty() {
                stderr.push_str("note: `mixplan recipes` lists the recipes");
                if !arg.contains(['/', '.']) {
                    stderr.push_str(
                        "; a recipe of your own is a path (`./my-recipe.toml`) or goes in --recipes DIR",
                    );
                }
                stderr.push('\n');
            }
            Outcome { stderr, code: EXIT_INVALID, ..Default::default() }
        })
    }

    /// A recipe that could not be read: the errors of its file (and, with
    /// `catalog`, of the catalog files), with the count of the others.
    fn unreadable(&self, arg: &str, file: Option<FileId>, catalog: bool) -> Outcome {
        let (own, other): (Vec<Diagnostic>, Vec<Diagnostic>) =
            self.inputs.diags.iter().cloned().partition(|d| match &d.loc {
                Some(l) => Some(l.file) == file || (catalog && !self.inputs.recipe_files.contains(&l.file)),
                None => catalog,
            });
        let mut own: Diagnostics = own.into_iter().collect();
        let other = other.iter().filter(|d| d.severity == Severity::Error).count();
        if own.error_count() == 0 {
            own.push(Diagnostic::error(codes::NO_STAGE, format!("`{arg}` holds no recipe")));
        }
        self.invalid(own.into_vec(), other)
    }

    /// Errors that stop a command, with the count of the errors in files it does not use.
    fn invalid(&self, diags: Vec<Diagnostic>, elsewhere: usize) -> Outcome {
        let all: Diagnostics = diags.into_iter().collect();
        let n = all.error_count();
        let mut stderr = all.render(&self.inputs.sources);
        stderr.push_str(&elsewhere_note(elsewhere));
        stderr.push_str(&format!("error: {} found; nothing was planned\n", plural(n, "error")));
        Outcome { stderr, code: EXIT_INVALID, ..Default::default() }
    }

    /// The plans of `args` and what goes to stderr: errors stop; warnings
    /// are printed there unless `in_output` (the output carries them).
    fn plans(
        &self,
        args: &[String],
        all: bool,
        opts: &PlanOptions,
        in_output: bool,
    ) -> Result<(Vec<crate::plan::Plan>, String), Outcome> {
        let ixs: Vec<RecipeIx> = if all {
            self.inputs.recipes.sorted()
        } else {
            if args.is_empty() {
                return Err(Outcome::usage("name at least one recipe, or use --all"));
            }
            args.iter().map(|a| self.recipe_ix(a)).collect::<Result<_, _>>()?
        };
        let mut plans = Vec::new();
        let mut notes = Diagnostics::default();
        let mut elsewhere = 0;
        for r in ixs {
            let Planned { plan, diags, errors_elsewhere } = self.planner.plan(r, opts);
            elsewhere = elsewhere.max(errors_elsewhere);
            match plan {
                Some(p) => {
                    notes.extend(diags.into_iter().filter(|d| d.severity != Severity::Error));
                    plans.push(p);
                }
                None => return Err(self.invalid(diags, errors_elsewhere)),
            }
        }
        let mut stderr = String::new();
        let sources = &self.inputs.sources;
        // Warnings go to stderr unless the output carries them; of the notes,
        // only those about the user's own files (a replaced built-in entry).
        let rest: Diagnostics = notes
            .iter()
            .filter(|d| match d.severity {
                Severity::Note => d.code == codes::OVERLAY_REPLACES,
                _ => !in_output,
            })
            .cloned()
            .collect();
        stderr.push_str(&rest.render(sources));
        stderr.push_str(&elsewhere_note(elsewhere));
        Ok((plans, stderr))
    }

    fn plan(&mut self, recipe: &str, batch: Option<BatchSize>, args: &PlanArgs) -> Result<Outcome, Outcome> {
        let opts = self.options(args, batch)?;
        // CSV leaves warnings to stderr; the other formats carry them.
        let in_output = matches!(self.format, Format::Table | Format::Md | Format::Json | Format::Html);
        let (plans, stderr) = self.plans(&[recipe.to_string()], false, &opts, in_output)?;
        let text = report::plan::render_width(&plans[0], self.format, self.width);
        Ok(Outcome { stdout: text.into_bytes(), stderr, ..Default::default() })
    }

    fn compare(
        &mut self,
        args: &[String],
        all: bool,
        stage: Option<StageKind>,
        level: Level,
    ) -> Result<Outcome, Outcome> {
        if !all && args.len() == 1 {
            return Err(Outcome::usage("compare needs two or more recipes (or --all)"));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(dup) = args.iter().find(|a| !seen.insert(a.as_str())) {
            return Err(Outcome::usage(&format!("`{dup}` is named twice")));
        }
        let opts = self.options(&PlanArgs::defaults(), None)?;
        // A comparison does not carry the plans' warnings.
        let (plans, stderr) = self.plans(args, all, &opts, false)?;
        let c = report::compare::compare(&plans, &self.inputs.catalog, level, stage);
        let text = report::comparison(&c, self.format, self.width);
        Ok(Outcome { stdout: text.into_bytes(), stderr, ..Default::default() })
    }

    fn export(&mut self, args: &[String], all: bool, out: &Path) -> Result<Outcome, Outcome> {
        let opts = self.options(&PlanArgs::defaults(), None)?;
        let in_output = self.format == Format::Json;
        let (plans, mut stderr) = self.plans(args, all, &opts, in_output)?;
        let text = match self.format {
            Format::Json => report::json(&plans),
            Format::Md => {
                plans.iter().map(|p| report::plan::render(p, Format::Md)).collect::<Vec<_>>().join("\n")
            }
            _ => report::csv::plans(&plans),
        };
        let rows = match self.format {
            Format::Csv => plural(text.lines().count().saturating_sub(1), "row"),
            _ => plural(text.len(), "byte"),
        };
        match crate::output::write(out, text.into_bytes()).map_err(|e| Outcome::io(&e))? {
            crate::output::Written::Stdout(bytes) => {
                Ok(Outcome { stdout: bytes, stderr, ..Default::default() })
            }
            crate::output::Written::File(p) => {
                stderr.push_str(&format!(
                    "wrote {rows} for {} to {}\n",
                    plural(plans.len(), "recipe"),
                    p.display()
                ));
                Ok(Outcome { stderr, ..Default::default() })
            }
        }
    }

    /// The plan of one recipe and one of its stages (`--stage`, or the only one).
    fn one_stage(
        &self,
        recipe: &str,
        stage: Option<&str>,
    ) -> Result<(crate::plan::Plan, usize, String), Outcome> {
        let opts = self.options(&PlanArgs::defaults(), None)?;
        // The trainer's files carry no warnings: they go to stderr.
        let (mut plans, stderr) = self.plans(&[recipe.to_string()], false, &opts, false)?;
        let plan = plans.remove(0);
        let ids: Vec<&str> = plan.stages.iter().map(|s| s.id.as_str()).collect();
        let ix = match stage {
            Some(id) => ids.iter().position(|s| *s == id).ok_or_else(|| {
                Outcome::usage(&format!(
                    "`{}` has no stage `{id}`; its stages are {}",
                    plan.recipe.id,
                    ids.join(", ")
                ))
            })?,
            None if ids.len() == 1 => 0,
            None => {
                return Err(Outcome::usage(&format!(
                    "`{}` has {} stages: name one with --stage ({})",
                    plan.recipe.id,
                    ids.len(),
                    ids.join(", ")
                )))
            }
        };
        Ok((plan, ix, stderr))
    }

    /// The export items of a planned stage; errors as an outcome.
    fn stage_items(
        &self,
        plan: &crate::plan::Plan,
        ix: usize,
        paths: Option<&crate::export::paths::Paths>,
    ) -> Result<crate::export::model::StageItems, Outcome> {
        crate::export::items_for(&self.planner, plan, ix, paths).map_err(|d| self.invalid(d, 0))
    }

    #[allow(clippy::too_many_arguments)]
    fn export_to(
        &mut self,
        args: &[String],
        all: bool,
        to: crate::export::Target,
        stage: Option<&str>,
        paths: Option<&Path>,
        out: &Path,
        report_to: Option<&Path>,
    ) -> Result<Outcome, Outcome> {
        if all || args.len() != 1 {
            return Err(Outcome::usage(
                "`--to` writes one stage of one recipe: name one recipe (and --stage)",
            ));
        }
        let Some(paths_file) = paths else {
            return Err(Outcome::usage(
                "`--to` needs --paths PATHS.toml: where each dataset lives (the README describes the file)",
            ));
        };
        let (plan, ix, mut stderr) = self.one_stage(&args[0], stage)?;
        let text = read_limited(paths_file, self.inputs_limit())?;
        let paths = crate::export::paths::Paths::parse(&paths_file.display().to_string(), text).map_err(
            |(sources, d)| {
                let n = d.error_count();
                let mut stderr = d.render(&sources);
                stderr.push_str(&format!(
                    "error: {} in {}; nothing was written\n",
                    plural(n, "error"),
                    paths_file.display()
                ));
                Outcome { stderr, code: EXIT_INVALID, ..Default::default() }
            },
        )?;
        let items = self.stage_items(&plan, ix, Some(&paths))?;
        let exported = crate::export::export(to, &items, &paths).map_err(|d| {
            let all: Diagnostics = d.into_iter().collect();
            let n = all.error_count();
            let mut stderr = all.render(&paths.sources);
            stderr.push_str(&format!("error: {} found; nothing was written\n", plural(n, "error")));
            Outcome { stderr, code: EXIT_INVALID, ..Default::default() }
        })?;
        let (stdout, wrote) =
            crate::export::write_files(to, &exported.files, out).map_err(|e| Outcome::io(&e))?;
        stderr.push_str(&crate::export::summary(&items, to, &exported, &wrote));
        if let Some(r) = report_to {
            let json = crate::export::report_json(&items, to, &exported);
            match crate::output::write(r, json.into_bytes()).map_err(|e| Outcome::io(&e))? {
                crate::output::Written::Stdout(b) if stdout.is_empty() => {
                    return Ok(Outcome { stdout: b, stderr, ..Default::default() })
                }
                crate::output::Written::Stdout(_) => {
                    return Err(Outcome::usage("`--report -` and `--out -` cannot both be standard output"))
                }
                crate::output::Written::File(_) => {}
            }
        }
        Ok(Outcome { stdout, stderr, ..Default::default() })
    }

    fn inputs_limit(&self) -> u64 {
        self.limit
    }

    fn schedule(
        &mut self,
        recipe: &str,
        stage: Option<&str>,
        steps: u64,
        out: &Path,
    ) -> Result<Outcome, Outcome> {
        let (plan, ix, mut stderr) = self.one_stage(recipe, stage)?;
        let items = self.stage_items(&plan, ix, None)?;
        let written = crate::export::write_schedule(&items, steps, out).map_err(|e| match e {
            crate::export::ScheduleError::Io(e) => Outcome::io(&e),
            crate::export::ScheduleError::Invalid(d) => self.invalid(vec![*d], 0),
        })?;
        stderr.push_str(&written);
        Ok(Outcome { stderr, ..Default::default() })
    }

    fn graph(&mut self, recipe: &str) -> Result<Outcome, Outcome> {
        let r = self.recipe_ix(recipe)?;
        let g = report::graph::build(&self.planner, r);
        Ok(Outcome::ok(report::graph::render(&g, self.format)))
    }

    fn recipes(&mut self) -> Result<Outcome, Outcome> {
        let opts = self.options(&PlanArgs::defaults(), None)?;
        let mut plans = Vec::new();
        let mut stderr = String::new();
        for r in self.inputs.recipes.sorted() {
            let planned = self.planner.plan(r, &opts);
            match planned.plan {
                Some(p) => plans.push(p),
                None => stderr.push_str(&format!(
                    "note: `{}` has errors and is left out (`mixplan plan {}` shows them)\n",
                    self.planner.recipe_id(r),
                    self.planner.recipe_id(r)
                )),
            }
        }
        let lines = report::listing::recipe_lines(&plans);
        let text = report::listing::recipes_width(&lines, self.format, self.width);
        Ok(Outcome { stdout: text.into_bytes(), stderr, ..Default::default() })
    }

    fn catalog(&self, c: CatalogCommand) -> Result<Outcome, Outcome> {
        let catalog = &self.inputs.catalog;
        let size = |d: &crate::catalog::Dataset| {
            catalog.lookup(d.id.as_str()).and_then(|ix| self.planner.size_of(ix).size)
        };
        let listing = |list: Vec<&crate::catalog::Dataset>, what: String| {
            if list.is_empty() && matches!(self.format, Format::Table | Format::Md) {
                return Outcome { stderr: format!("no dataset {what}\n"), ..Default::default() };
            }
            Outcome::ok(report::listing::datasets_width(&list, &size, self.format, self.width))
        };
        Ok(match c {
            CatalogCommand::List { stage, modality, language, task } => {
                if let Some(t) = &task {
                    if crate::catalog::schema::Task::parse(t).is_none() {
                        let names: Vec<&str> =
                            crate::catalog::schema::Task::ALL.iter().map(|t| t.as_str()).collect();
                        return Err(Outcome::usage(&format!(
                            "unknown task `{t}`; the tasks are {}",
                            names.join(", ")
                        )));
                    }
                }
                let list: Vec<_> = catalog
                    .iter()
                    .filter(|d| stage.is_none_or(|s| d.stages.contains(&s)))
                    .filter(|d| modality.is_none_or(|m| d.modalities.contains(&m)))
                    .filter(|d| {
                        language
                            .as_ref()
                            .is_none_or(|l| d.languages.iter().any(|x| x.eq_ignore_ascii_case(l)))
                    })
                    .filter(|d| task.as_ref().is_none_or(|t| d.tasks.iter().any(|x| x.as_str() == t)))
                    .collect();
                listing(list, "matches these filters".into())
            }
            CatalogCommand::Show { dataset } => match catalog.lookup(&dataset) {
                Some(ix) => {
                    let d = catalog.get(ix);
                    let (size, split) = self.planner.leaves_of(ix);
                    let leaves = if d.is_composite() {
                        let mut v: Vec<report::listing::ShownLeaf> = split
                            .leaves
                            .iter()
                            .map(|l| report::listing::ShownLeaf {
                                dataset: catalog.get(l.ds).id.to_string(),
                                samples: l.taken,
                                approx: l.approx,
                                share: l
                                    .taken
                                    .zip(size.size)
                                    .filter(|(_, s)| *s > 0)
                                    .map(|(n, s)| n as f64 / s as f64),
                                paths: l.paths,
                                via: {
                                    let ids: Vec<String> =
                                        l.via.iter().map(|v| catalog.get(*v).id.to_string()).collect();
                                    report::via_parts(&ids, l.via_omitted).split_off(1.min(ids.len()))
                                },
                            })
                            .collect();
                        v.sort_by(|a, b| b.samples.cmp(&a.samples).then_with(|| a.dataset.cmp(&b.dataset)));
                        v
                    } else {
                        vec![]
                    };
                    let shown = report::listing::Shown {
                        dataset: d,
                        effective_samples: size.size,
                        allows: crate::catalog::license::dataset_use(d),
                        leaves,
                        unattributed: (split.unattributed_taken > 0).then_some(split.unattributed_taken),
                    };
                    Outcome::ok(report::listing::show_width(&shown, catalog, self.format, self.width))
                }
                None => Outcome {
                    stderr: catalog.unknown(&dataset, None).render(&self.inputs.sources),
                    code: EXIT_INVALID,
                    ..Default::default()
                },
            },
            CatalogCommand::Search { text } => {
                let list = crate::catalog::search(catalog, &text);
                listing(
                    list,
                    format!("matches `{text}` (ids, names, aliases, publishers and task tags are searched)"),
                )
            }
            CatalogCommand::Import { .. } => unreachable!("handled before planning"),
        })
    }
}

fn plural(n: usize, what: &str) -> String {
    format!("{} {what}{}", report::count(n as u128), if n == 1 { "" } else { "s" })
}

fn elsewhere_note(n: usize) -> String {
    if n == 0 {
        return String::new();
    }
    format!(
        "note[{}]: {} in files this command does not use; `mixplan check` lists {}\n",
        codes::ERRORS_ELSEWHERE,
        plural(n, "error"),
        if n == 1 { "it" } else { "them" }
    )
}

/// Diagnostics as CSV: one row each.
fn diagnostics_csv(all: &Diagnostics, sources: &crate::diag::Sources) -> String {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["severity", "code", "file", "line", "column", "message", "help"]);
    for d in all.to_json(sources) {
        let (file, line, col) =
            d.location.as_ref().map_or((String::new(), String::new(), String::new()), |l| {
                (l.file.clone(), l.line.to_string(), l.column.to_string())
            });
        let _ = w.write_record([
            d.severity.as_str(),
            d.code,
            &file,
            &line,
            &col,
            &d.message,
            d.help.as_deref().unwrap_or(""),
        ]);
    }
    report::csv_text(w)
}

/// `catalog import`: drafts to stdout or `--out`; warnings and a summary to stderr.
fn import(catalog: &crate::catalog::Catalog, file: &Path, out: Option<&Path>, limit: u64) -> Outcome {
    let text = match std::fs::File::open(file).and_then(|f| {
        use std::io::Read;
        let mut s = String::new();
        f.take(limit + 1).read_to_string(&mut s).map(|_| s)
    }) {
        Ok(t) if t.len() as u64 > limit => {
            return Outcome {
                stderr: format!(
                    "error[{}]: `{}` is larger than {}\n",
                    codes::FILE_TOO_LARGE,
                    file.display(),
                    report::counted(u128::from(limit), "byte", "bytes")
                ),
                code: EXIT_INVALID,
                ..Default::default()
            }
        }
        Ok(t) => t,
        Err(source) => return Outcome::io(&IoError::new("read", file, source)),
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
    let mut stdout = Vec::new();
    match out {
        Some(path) => match crate::output::write(path, toml.into_bytes()) {
            Ok(crate::output::Written::Stdout(b)) => stdout = b,
            Ok(_) => {}
            Err(e) => return Outcome::io(&e),
        },
        None => stdout = toml.into_bytes(),
    }
    stderr.push_str(&format!(
        "drafted {} from {} of {} ({} already in the catalog){}\n",
        plural(imported.drafts.len(), "dataset"),
        plural(imported.tables, "table"),
        file.display(),
        report::count(imported.known.len() as u128),
        out.filter(|p| p.as_os_str() != "-").map_or(String::new(), |p| format!("; wrote {}", p.display())),
    ));
    Outcome { stdout, stderr, ..Default::default() }
}

/// A file read whole, refused above `limit` bytes.
fn read_limited(path: &Path, limit: u64) -> Result<String, Outcome> {
    use std::io::Read;
    let mut s = String::new();
    let read = std::fs::File::open(path).and_then(|f| f.take(limit + 1).read_to_string(&mut s));
    match read {
        Ok(_) if s.len() as u64 > limit => Err(Outcome {
            stderr: format!(
                "error[{}]: `{}` is larger than {limit} bytes\n",
                codes::FILE_TOO_LARGE,
                path.display()
            ),
            code: EXIT_INVALID,
            ..Default::default()
        }),
        Ok(_) => Ok(s),
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData => Err(Outcome {
            stderr: format!("error[{}]: `{}` is not UTF-8 text\n", codes::NOT_UTF8, path.display()),
            code: EXIT_INVALID,
            ..Default::default()
        }),
        Err(source) => Err(Outcome::io(&IoError::new("read", path, source))),
    }
}

/// `import-config`: the recipe to stdout or `--out`, drafts beside it.
fn import_config(
    catalog: &crate::catalog::Catalog,
    file: &Path,
    from: crate::export::import::ConfigFormat,
    sizes: Option<&Path>,
    kind: StageKind,
    out: Option<&Path>,
    overlays: &Overlays,
) -> Outcome {
    let mut sources = crate::diag::Sources::default();
    let text = match read_limited(file, overlays.max_file_size) {
        Ok(t) => t,
        Err(o) => return o,
    };
    let id = sources.add(file.display().to_string(), text);
    let mut table = std::collections::BTreeMap::new();
    if let Some(sizes) = sizes {
        let text = match read_limited(sizes, overlays.max_file_size) {
            Ok(t) => t,
            Err(o) => return o,
        };
        let sid = sources.add(sizes.display().to_string(), text);
        match crate::export::import::read_sizes(sid, &sources) {
            Ok(t) => table = t,
            Err(d) => {
                return Outcome { stderr: d.render(&sources), code: EXIT_INVALID, ..Default::default() };
            }
        }
    }
    let imported = crate::export::import::import(from, id, &sources, catalog, &table, kind);
    let mut stderr = imported.diags.render(&sources);
    if imported.diags.has_errors() {
        stderr.push_str(&format!(
            "error: {} in {}; nothing was imported\n",
            plural(imported.diags.error_count(), "error"),
            file.display()
        ));
        return Outcome { stderr, code: EXIT_INVALID, ..Default::default() };
    }
    let mut stdout = Vec::new();
    let to_file = out.filter(|p| p.as_os_str() != "-");
    match to_file {
        Some(path) => {
            if let Err(e) = crate::output::write(path, imported.recipe.clone().into_bytes()) {
                return Outcome::io(&e);
            }
            if imported.draft_count > 0 {
                let stem = path.file_stem().map_or("imported".into(), |s| s.to_string_lossy().into_owned());
                let drafts = path.with_file_name(format!("{stem}.datasets.toml"));
                if let Err(e) = crate::output::write(&drafts, imported.drafts.clone().into_bytes()) {
                    return Outcome::io(&e);
                }
                stderr.push_str(&format!(
                    "wrote {} draft catalog {} to {} (review them; they are read with the recipe)\n",
                    report::count(imported.draft_count as u128),
                    if imported.draft_count == 1 { "entry" } else { "entries" },
                    drafts.display()
                ));
            }
        }
        None => {
            stdout = imported.recipe.clone().into_bytes();
            if imported.draft_count > 0 {
                let commented: String = imported.drafts.lines().map(|l| format!("# {l}\n")).collect();
                stdout.extend_from_slice(
                    format!("\n# Draft catalog entries (save them, uncommented, as a catalog file beside the recipe):\n{commented}")
                        .as_bytes(),
                );
            }
        }
    }
    stderr.push_str(&format!(
        "imported {} from {}{}\n",
        plural(imported.entries, "file"),
        file.display(),
        to_file.map_or(String::new(), |p| format!("; wrote {}", p.display()))
    ));
    Outcome { stdout, stderr, ..Default::default() }
}
