//! Reading input: the built-in catalog and recipes compiled into the binary,
//! the `--catalog`/`--recipes` overlays, the recipe files named on the
//! command line and the files beside them, all parsed into one [`Inputs`]
//! with every problem collected.
//!
//! Layers: 0 built-in, 1 `--catalog`/`--recipes`, 2 the files beside a
//! recipe named by path (and that file). A later layer replaces an entry
//! with the same id, and a note says so.

use crate::catalog::Catalog;
use crate::diag::{codes, Diagnostic, Diagnostics, FileId, Loc, Origin, Sources};
use crate::recipe::Recipes;
use std::io::Read;
use std::path::{Path, PathBuf};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// Files as (name, text).
pub type Files = &'static [(&'static str, &'static str)];

/// The built-in files: every catalog file, then every recipe file.
pub fn builtin_files() -> (Files, Files) {
    (builtin::CATALOG, builtin::RECIPES)
}

/// The size limit of one input file unless `--max-file-size` says otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 256 * 1024 * 1024;

/// An input file could not be read: exit code 3, not a data error.
#[derive(Debug, thiserror::Error)]
#[error("cannot {op} `{path}`: {source}")]
pub struct IoError {
    pub op: &'static str,
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl IoError {
    pub fn new(op: &'static str, path: &Path, source: std::io::Error) -> IoError {
        IoError { op, path: path.to_path_buf(), source }
    }
}

/// Everything a command works on, with the diagnostics found while reading.
#[derive(Debug, Default)]
pub struct Inputs {
    pub sources: Sources,
    pub catalog: Catalog,
    pub recipes: Recipes,
    pub diags: Diagnostics,
    /// Recipe files named on the command line: (path as given, file id).
    pub named: Vec<(PathBuf, FileId)>,
    /// Every file read as a recipe file.
    pub recipe_files: rustc_hash::FxHashSet<FileId>,
}

/// Where to read from besides the built-in data.
#[derive(Debug, Clone)]
pub struct Overlays {
    pub catalog_dirs: Vec<PathBuf>,
    pub recipe_dirs: Vec<PathBuf>,
    /// Recipe files named directly (a `RECIPE` argument that is a path); the
    /// recipe and catalog files beside each are read too.
    pub recipe_files: Vec<PathBuf>,
    /// Leave the built-in data out.
    pub no_builtin: bool,
    pub max_file_size: u64,
}

impl Default for Overlays {
    fn default() -> Self {
        Overlays {
            catalog_dirs: Vec::new(),
            recipe_dirs: Vec::new(),
            recipe_files: Vec::new(),
            no_builtin: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
        }
    }
}

impl Inputs {
    /// Reads the built-in data and the overlays, in that order: the files
    /// are read, then parsed, then added in the order they were read. A
    /// file reached twice (a `--catalog` folder that is also the folder of
    /// a named recipe) is read once, the first time.
    pub fn load(overlays: &Overlays) -> Result<Inputs, IoError> {
        let mut inputs = Inputs::default();
        if !overlays.no_builtin {
            inputs.load_builtin();
        }
        let limit = overlays.max_file_size;
        let mut jobs: Vec<Job> = Vec::new();
        // Each file by its identity, and the id it was read as.
        let mut seen: rustc_hash::FxHashMap<FileKey, FileId> = Default::default();
        let mut once = |inputs: &mut Inputs, jobs: &mut Vec<Job>, path: &Path, want: Want, layer: u8| {
            let key = FileKey::of(path);
            if let Some(&f) = seen.get(&key) {
                return Ok(f);
            }
            let f = inputs.sources.len();
            jobs.extend(inputs.read(path, limit, want, layer)?);
            seen.insert(key, f);
            Ok::<FileId, IoError>(f)
        };
        for dir in &overlays.catalog_dirs {
            for path in toml_files(dir)? {
                once(&mut inputs, &mut jobs, &path, Want::Catalog, 1)?;
            }
        }
        for dir in &overlays.recipe_dirs {
            for path in toml_files(dir)? {
                once(&mut inputs, &mut jobs, &path, Want::Recipe, 1)?;
            }
        }
        for named in &overlays.recipe_files {
            let f = once(&mut inputs, &mut jobs, named, Want::Recipe, 2)?;
            inputs.named.push((named.clone(), f));
            for sibling in siblings(named)? {
                once(&mut inputs, &mut jobs, &sibling, Want::Either, 2)?;
            }
        }
        // Each file is added as soon as it is parsed, so that only one
        // file's parsed entries are held at a time.
        for job in &jobs {
            match parse_one(&inputs.sources, job) {
                Parsed::Catalog(entries, diags) => {
                    inputs.diags.extend(diags.into_vec());
                    for e in entries {
                        match e {
                            Ok(ds) => inputs.catalog.insert(ds, job.layer, &mut inputs.diags),
                            Err((id, loc)) => inputs.catalog.insert_broken(&id, loc),
                        }
                    }
                }
                Parsed::Recipe(raw, diags) => {
                    inputs.diags.extend(diags.into_vec());
                    if let Some(raw) = raw {
                        inputs.recipes.add_parsed(job.file, *raw, job.layer);
                    }
                }
            }
        }
        inputs.finish();
        Ok(inputs)
    }

    /// The built-in data from the blob the build wrote: its files first (so
    /// their ids match the locations in the blob), then the entries.
    fn load_builtin(&mut self) {
        let (catalog, recipes) = builtin_files();
        for (name, text) in catalog {
            self.sources.add_from(*name, *text, Origin::Builtin);
        }
        for (name, text) in recipes {
            let file = self.sources.add_from(*name, *text, Origin::Builtin);
            self.recipe_files.insert(file);
        }
        self.catalog = crate::builtin::decode(builtin::BLOB, &mut self.recipes);
    }

    /// Inputs from text alone, without the built-in data: for tests and for
    /// programs that build recipes in memory. Names are shown in messages.
    pub fn from_strs(catalog: &[(&str, &str)], recipes: &[(&str, &str)]) -> Inputs {
        let mut inputs = Inputs::default();
        for (name, text) in catalog {
            let file = inputs.sources.add(*name, text.to_string());
            crate::catalog::convert::add_file(&mut inputs.catalog, file, text, 0, &mut inputs.diags);
        }
        for (name, text) in recipes {
            let file = inputs.sources.add(*name, text.to_string());
            inputs.recipe_files.insert(file);
            inputs.recipes.add_file(file, text, 0, &mut inputs.diags);
        }
        inputs.finish();
        inputs
    }

    fn finish(&mut self) {
        self.catalog.finish(&mut self.diags);
        self.recipes.finish(&self.catalog, &mut self.diags);
    }

    /// Reads a file into the sources and says how to parse it: as what the
    /// option it came with wants, or (beside a named recipe) by its content.
    /// `None` when it cannot be parsed (too large, not UTF-8, the wrong kind
    /// of file), with a diagnostic.
    fn read(&mut self, path: &Path, limit: u64, want: Want, layer: u8) -> Result<Option<Job>, IoError> {
        let Some(file) = self.read_into_sources(path, limit)? else { return Ok(None) };
        let text = self.sources.text(file);
        let catalog = match want {
            Want::Either => looks_like_catalog(text),
            Want::Catalog => true,
            Want::Recipe => false,
        };
        if !catalog {
            self.recipe_files.insert(file);
        }
        if want != Want::Either && !self.right_kind(file, catalog) {
            return Ok(None);
        }
        Ok(Some(Job { file, catalog, layer }))
    }

    /// A recipe file given as a catalog (or the other way round) is said to
    /// be one, rather than reported key by key.
    fn right_kind(&mut self, file: FileId, want_catalog: bool) -> bool {
        let text = self.sources.text(file);
        // The kind wanted is seen first: then the other need not be looked
        // for through the whole file.
        let wrong = if want_catalog {
            !looks_like_catalog(text) && looks_like_recipe(text)
        } else {
            !looks_like_recipe(text) && looks_like_catalog(text)
        };
        if wrong {
            let (is, flag) =
                if want_catalog { ("a recipe", "--recipes") } else { ("a catalog file", "--catalog") };
            let first_line = 0..text.find('\n').unwrap_or(text.len());
            self.diags.push(
                Diagnostic::error(codes::WRONG_TYPE, format!("`{}` is {is}", self.sources.name(file)))
                    .at(Some(Loc::new(file, first_line)))
                    .help(format!("pass it with `{flag}`")),
            );
        }
        !wrong
    }

    /// Reads a file into the sources: its id, or `None` (with a diagnostic)
    /// when it is too large or not UTF-8.
    fn read_into_sources(&mut self, path: &Path, limit: u64) -> Result<Option<FileId>, IoError> {
        let name = path.display().to_string();
        match read_text(path, limit)? {
            Text::Ok(text) => Ok(Some(self.sources.add(name, text))),
            Text::TooLarge => {
                let file = self.sources.add(name.clone(), String::new());
                self.diags.push(
                    Diagnostic::error(
                        codes::FILE_TOO_LARGE,
                        format!(
                            "`{name}` is larger than {}",
                            crate::num::counted(u128::from(limit), "byte", "bytes")
                        ),
                    )
                    .at(Some(Loc::new(file, 0..0)))
                    .help("pass `--max-file-size BYTES` to read larger files"),
                );
                Ok(None)
            }
            Text::NotUtf8 { lossy, offset } => {
                let file = self.sources.add(name.clone(), lossy);
                self.diags.push(
                    Diagnostic::error(
                        codes::NOT_UTF8,
                        format!(
                            "`{name}` is not UTF-8 text (byte {})",
                            crate::num::thousands(offset as u128)
                        ),
                    )
                    .at(Some(Loc::new(file, offset..offset + 1)))
                    .label("this byte starts an invalid sequence")
                    .help("save the file as UTF-8"),
                );
                Ok(None)
            }
        }
    }
}

/// What a read file is parsed as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    Catalog,
    Recipe,
    /// Beside a named recipe: by its content.
    Either,
}

/// A file to parse.
#[derive(Debug, Clone, Copy)]
struct Job {
    file: FileId,
    catalog: bool,
    layer: u8,
}

/// A file parsed (and, for a catalog, its entries converted): what it gave
/// and its diagnostics. Files are parsed one after another: on the two-core
/// machine the benches run on, parsing them in parallel saved about 6% of
/// the time of a 100,000-dataset catalog and cost 1.7 times the memory (one
/// allocator arena per thread), so it is not worth it here.
enum Parsed {
    Catalog(Vec<crate::catalog::convert::Converted>, Diagnostics),
    Recipe(Option<Box<crate::recipe::schema::RawRecipe>>, Diagnostics),
}

fn parse_one(sources: &Sources, job: &Job) -> Parsed {
    let text = sources.text(job.file);
    let mut diags = Diagnostics::default();
    if job.catalog {
        let entries = crate::catalog::convert::parse_file(job.file, text, &mut diags);
        Parsed::Catalog(entries, diags)
    } else {
        let raw = crate::parse::parse_toml(job.file, text, &mut diags);
        Parsed::Recipe(raw.map(Box::new), diags)
    }
}

enum Text {
    Ok(String),
    TooLarge,
    NotUtf8 { lossy: String, offset: usize },
}

/// Reads at most `limit` bytes; a UTF-8 byte order mark is dropped.
fn read_text(path: &Path, limit: u64) -> Result<Text, IoError> {
    let f = std::fs::File::open(path).map_err(|e| IoError::new("read", path, e))?;
    let meta = f.metadata().ok();
    if meta.as_ref().is_some_and(|m| m.is_dir()) {
        let e = std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory");
        return Err(IoError::new("read", path, e));
    }
    // sized once from the file's length (a hint: the file may change)
    let hint = meta.map_or(0, |m| m.len().min(limit).saturating_add(1));
    let mut bytes = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    f.take(limit.saturating_add(1)).read_to_end(&mut bytes).map_err(|e| IoError::new("read", path, e))?;
    if bytes.len() as u64 > limit {
        return Ok(Text::TooLarge);
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(Text::Ok(s)),
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            Ok(Text::NotUtf8 { lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(), offset })
        }
    }
}

/// The other recipe and catalog files in a named recipe's directory.
fn siblings(named: &Path) -> Result<Vec<PathBuf>, IoError> {
    let dir = match named.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(files) = toml_files(&dir) else { return Ok(vec![]) };
    let me = std::fs::canonicalize(named).ok();
    Ok(files
        .into_iter()
        .filter(|p| std::fs::canonicalize(p).ok() != me)
        .filter(|p| {
            let head = head(p).unwrap_or_default();
            head.contains("[[stage]]")
                || looks_like_catalog(&head)
                || head.lines().any(|l| l.trim_start().starts_with("extends"))
        })
        .collect())
}

/// The first MiB of a file, to tell what kind of file it is without reading
/// all of it (a device or a huge file costs nothing here).
pub fn head(path: &Path) -> Result<String, IoError> {
    let f = std::fs::File::open(path).map_err(|e| IoError::new("read", path, e))?;
    let mut bytes = Vec::new();
    f.take(1 << 20).read_to_end(&mut bytes).map_err(|e| IoError::new("read", path, e))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Whether a file holds catalog entries (`[[dataset]]`, or the common slip
/// `[dataset]`) rather than a recipe.
pub fn looks_like_catalog(text: &str) -> bool {
    starts_a_line(text, &["[[dataset]]", "[dataset]"])
}

/// Whether a file holds a recipe (`[[stage]]`, `[stage]` or `extends`).
pub fn looks_like_recipe(text: &str) -> bool {
    starts_a_line(text, &["[[stage]]", "[stage]", "extends"])
}

/// Whether a line starts (after spaces) with one of `starts`: one pass over
/// the lines, each looked at only up to its first word.
fn starts_a_line(text: &str, starts: &[&str]) -> bool {
    text.split('\n').any(|line| {
        let line = line.trim_start();
        starts.iter().any(|s| line.starts_with(s))
    })
}

/// The `.toml` files of a directory, or the file itself, sorted by name.
/// A file's identity, to read a file reached by two paths once: its device
/// and inode where the system has them (one `stat`), else its resolved path
/// (the path itself when it cannot be resolved: reading it will say why).
#[derive(Debug, PartialEq, Eq, Hash)]
enum FileKey {
    Inode(u64, u64),
    Path(PathBuf),
}

impl FileKey {
    fn of(path: &Path) -> FileKey {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            if let Ok(m) = std::fs::metadata(path) {
                return FileKey::Inode(m.dev(), m.ino());
            }
        }
        FileKey::Path(std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()))
    }
}

pub fn toml_files(path: &Path) -> Result<Vec<PathBuf>, IoError> {
    let meta = std::fs::metadata(path).map_err(|e| IoError::new("read", path, e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).map_err(|e| IoError::new("read the directory", path, e))? {
        let entry = entry.map_err(|e| IoError::new("read the directory", path, e))?;
        let p = entry.path();
        // the entry's type comes with the listing; only a link needs a stat
        let dir = match entry.file_type() {
            Ok(t) if t.is_symlink() => p.is_dir(),
            Ok(t) => t.is_dir(),
            Err(_) => p.is_dir(),
        };
        if p.extension().is_some_and(|e| e == "toml") && !dir {
            files.push(p);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::{looks_like_catalog, looks_like_recipe};

    #[test]
    fn a_kind_is_told_by_what_starts_a_line() {
        assert!(looks_like_catalog("# a catalog\n[[dataset]]\nid = \"a\"\n"));
        assert!(looks_like_catalog("  \t[dataset]\r\n"));
        assert!(!looks_like_catalog("x = \"[[dataset]]\"\n# [[dataset]]\n"));
        assert!(looks_like_recipe("id = \"r\"\nextends = \"base\"\n"));
        assert!(looks_like_recipe("a = 1\r\n [[stage]]\n"));
        assert!(looks_like_recipe("[stage]"));
        assert!(!looks_like_recipe("notes = \"extends the base\"\n#[[stage]]\nx = 1 [stage]\n"));
        assert!(!looks_like_recipe(""));
        // many matches inside long lines: each looks back only over spaces
        let long = "a extends ".repeat(200_000);
        assert!(!looks_like_recipe(&long));
        assert!(looks_like_recipe(&format!("{long}\n  extends = \"x\"")));
    }
}
