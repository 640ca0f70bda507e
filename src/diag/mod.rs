//! Diagnostics: every problem found in the input, with the place it points at.
//!
//! Loading, validation, graph building and planning all push into one
//! [`Diagnostics`] list so a run reports every problem together. Each
//! diagnostic has a stable [`code`](codes) (documented in the README), a
//! severity, and where it applies. Rendering shows `file:line:col`, the
//! offending line and a caret under the span, with rustc's own renderer
//! (`annotate-snippets`), or a JSON object per diagnostic.

pub mod codes;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;
use std::borrow::Cow;
use std::ops::Range;

/// Index of a loaded file in a [`Sources`] table.
pub type FileId = usize;

/// A place in a loaded file: which file and which byte range.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Deserialize, Serialize)]
pub struct Loc {
    pub file: FileId,
    #[serde(with = "span_pair")]
    pub span: Range<usize>,
}

/// A span as a pair `[start, end]`: smaller and faster to read back than a
/// map in the built-in blob.
mod span_pair {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::ops::Range;

    pub fn serialize<S: Serializer>(r: &Range<usize>, s: S) -> Result<S::Ok, S::Error> {
        (r.start, r.end).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Range<usize>, D::Error> {
        let (a, b) = <(usize, usize)>::deserialize(d)?;
        Ok(a..b)
    }
}

impl Loc {
    pub fn new(file: FileId, span: Range<usize>) -> Self {
        Loc { file, span }
    }
}

/// Where a loaded file came from: shipped in the binary, or the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Builtin,
    User,
}

/// The text of every file read in a run, so diagnostics can quote lines.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
struct SourceFile {
    name: String,
    text: Cow<'static, str>,
    origin: Origin,
    /// Byte offsets where lines start, worked out on first use.
    lines: std::sync::OnceLock<Vec<usize>>,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Cow<'static, str>>) -> FileId {
        self.add_from(name, text, Origin::User)
    }

    pub fn add_from(
        &mut self,
        name: impl Into<String>,
        text: impl Into<Cow<'static, str>>,
        origin: Origin,
    ) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            origin,
            lines: Default::default(),
        });
        self.files.len() - 1
    }

    pub fn name(&self, file: FileId) -> &str {
        &self.files[file].name
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.files[file].text
    }

    pub fn origin(&self, file: FileId) -> Origin {
        self.files[file].origin
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// One-based line and column (in characters) of a byte offset. The
    /// line starts are indexed once per file, so many diagnostics in a
    /// large file cost a binary search each.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let f = &self.files[file];
        let text: &str = &f.text;
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let starts = f.lines.get_or_init(|| {
            std::iter::once(0)
                .chain(text.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1))
                .collect()
        });
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line - 1];
        let col = text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// `file:line:col` of a location.
    pub fn position(&self, loc: &Loc) -> String {
        let (line, col) = self.line_col(loc.file, loc.span.start);
        format!("{}:{line}:{col}", self.name(loc.file))
    }
}

pub(crate) fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// What a diagnostic is about, so a run can tell whether a plan depends on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Recipe(String),
    Dataset(String),
}

/// A second place a diagnostic points at (the other definition, the first
/// link of a cycle …), possibly in another file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Related {
    pub loc: Loc,
    pub label: String,
}

/// One problem: a stable code, a short lowercase message, where it is, and
/// how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub loc: Option<Loc>,
    pub label: Option<String>,
    pub related: Vec<Related>,
    pub notes: Vec<String>,
    pub help: Option<String>,
    pub subject: Option<Subject>,
    /// Dataset or benchmark ids the diagnostic is about: `allow =
    /// ["contamination:textvqa"]` silences it for one of them only.
    pub keys: Vec<String>,
}

/// Warnings silenced: `code` for every one of that code, `code:id` for
/// those about one dataset or benchmark.
#[derive(Debug, Clone, Default)]
pub struct Allow {
    entries: Vec<(String, Option<String>)>,
}

impl Allow {
    pub fn new<'a>(items: impl IntoIterator<Item = &'a str>) -> Allow {
        let entries = items
            .into_iter()
            .map(|a| match a.split_once(':') {
                Some((c, k)) => (c.to_string(), Some(k.to_string())),
                None => (a.to_string(), None),
            })
            .collect();
        Allow { entries }
    }

    /// Whether `d` is a warning this silences (errors never are).
    pub fn silences(&self, d: &Diagnostic) -> bool {
        d.severity != Severity::Error
            && self
                .entries
                .iter()
                .any(|(c, k)| c == d.code && k.as_ref().is_none_or(|k| d.keys.iter().any(|x| x == k)))
    }

    /// The code part of an `allow` entry.
    pub fn code_of(entry: &str) -> &str {
        entry.split_once(':').map_or(entry, |(c, _)| c)
    }

    /// Whether an `allow` entry names a code that can be silenced.
    pub fn check(entry: &str) -> Result<(), String> {
        let code = Allow::code_of(entry);
        match codes::severity(code) {
            Some(Severity::Error) => {
                Err(format!("`{code}` is an error; only warnings and notes can be silenced"))
            }
            Some(_) if entry.ends_with(':') => Err(format!("`{entry}` names no dataset after `:`")),
            Some(_) => Ok(()),
            None => {
                let close = suggest(code, codes::ALL.iter().filter(|c| c.1 != Severity::Error).map(|c| c.0));
                Err(format!(
                    "unknown diagnostic code `{code}`{}; the README lists every code",
                    close.map_or(String::new(), |c| format!(" ({c})"))
                ))
            }
        }
    }
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            loc: None,
            label: None,
            related: Vec::new(),
            notes: Vec::new(),
            help: None,
            subject: None,
            keys: Vec::new(),
        }
    }

    /// Adds an id the diagnostic is about (see [`Allow`]).
    pub fn key(mut self, id: impl Into<String>) -> Self {
        self.keys.push(id.into());
        self
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, code, message)
    }

    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Note, code, message)
    }

    pub fn at(mut self, loc: Option<Loc>) -> Self {
        self.loc = loc;
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn maybe_help(mut self, help: Option<String>) -> Self {
        self.help = help;
        self
    }

    pub fn note_line(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn related(mut self, loc: Option<Loc>, label: impl Into<String>) -> Self {
        if let Some(loc) = loc {
            self.related.push(Related { loc, label: label.into() });
        }
        self
    }

    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }

    /// Renders the diagnostic with the quoted lines, as a person reads it.
    pub fn render(&self, sources: &Sources) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let title = level.primary_title(self.message.as_str()).id(self.code);
        let mut group = Group::with_title(title);
        let mut windows = Vec::new();
        if let Some(loc) = &self.loc {
            windows.push((window(sources, loc), self.label.as_deref().unwrap_or(""), true));
        }
        for r in &self.related {
            windows.push((window(sources, &r.loc), r.label.as_str(), false));
        }
        for (w, label, primary) in &windows {
            let kind = if *primary { AnnotationKind::Primary } else { AnnotationKind::Context };
            let mut annotation = kind.span(w.span.clone());
            if !label.is_empty() {
                annotation = annotation.label(*label);
            }
            group = group.element(
                Snippet::source(w.text.as_str())
                    .line_start(w.line)
                    .path(w.path.as_str())
                    .annotation(annotation),
            );
        }
        for n in &self.notes {
            group = group.element(Level::NOTE.message(n.as_str()));
        }
        if let Some(h) = &self.help {
            group = group.element(Level::HELP.message(h.as_str()));
        }
        let mut out = Renderer::plain().render(&[group]);
        out.push('\n');
        out
    }

    /// The diagnostic as a JSON object (for `--format json`).
    pub fn to_json(&self, sources: &Sources) -> JsonDiagnostic {
        let at = |loc: &Loc| {
            let (line, column) = sources.line_col(loc.file, loc.span.start);
            let (end_line, end_column) = sources.line_col(loc.file, loc.span.end);
            JsonLocation { file: sources.name(loc.file).to_string(), line, column, end_line, end_column }
        };
        JsonDiagnostic {
            code: self.code,
            severity: self.severity,
            message: self.message.clone(),
            location: self.loc.as_ref().map(at),
            label: self.label.clone(),
            related: self
                .related
                .iter()
                .map(|r| JsonRelated { location: at(&r.loc), label: r.label.clone() })
                .collect(),
            notes: self.notes.clone(),
            help: self.help.clone(),
        }
    }
}

/// A diagnostic as JSON: stable keys, documented in the README.
#[derive(Debug, Clone, Serialize)]
pub struct JsonDiagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<JsonLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonRelated>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct JsonRelated {
    pub location: JsonLocation,
    pub label: String,
}

/// The lines a span covers (at most a few), cut out of the file so that
/// rendering costs the size of those lines, not of the file.
struct Window {
    text: String,
    line: usize,
    span: Range<usize>,
    path: String,
}

/// Lines shown per snippet at most; a longer span is cut after them.
const MAX_LINES: usize = 4;

fn window(sources: &Sources, loc: &Loc) -> Window {
    let text = sources.text(loc.file);
    let start = floor_char_boundary(text, loc.span.start);
    let end = floor_char_boundary(text, loc.span.end.max(start));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let mut line_end = start;
    for _ in 0..MAX_LINES {
        match text[line_end..].find('\n') {
            Some(i) => line_end += i,
            None => {
                line_end = text.len();
                break;
            }
        }
        if line_end >= end {
            break;
        }
        line_end += 1;
    }
    let line_end = line_end.min(text.len());
    let cut_end = end.min(line_end).max(start);
    let (line, _) = sources.line_col(loc.file, start);
    // Windows line ends: the carriage returns are not part of what is shown.
    let shown: String = text[line_start..line_end].replace("\r\n", "\n").trim_end_matches('\r').to_string();
    let span_end = (cut_end - line_start).min(shown.len()).max(start - line_start);
    Window {
        text: shown,
        line,
        span: (start - line_start).min(span_end)..span_end,
        path: sources.name(loc.file).to_string(),
    }
}

/// Every diagnostic of a run, in the order found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }

    /// Keeps the diagnostics `keep` accepts.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    /// Sorted by file and position, then deduplicated, so the output does
    /// not depend on the order in which checks ran.
    pub fn sorted(&self, sources: &Sources) -> Vec<&Diagnostic> {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort_by_cached_key(|d| {
            (
                d.loc.as_ref().map(|l| (sources.name(l.file).to_string(), l.span.start, l.span.end)),
                d.severity,
                d.code,
                d.message.clone(),
            )
        });
        // The same problem seen from two recipes is shown once.
        sorted.dedup_by(|a, b| {
            a.loc == b.loc && a.severity == b.severity && a.code == b.code && a.message == b.message
        });
        sorted
    }

    /// Rendered one after another, each followed by a blank line.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        for d in self.sorted(sources) {
            out.push_str(&d.render(sources));
            out.push('\n');
        }
        out
    }

    pub fn to_json(&self, sources: &Sources) -> Vec<JsonDiagnostic> {
        self.sorted(sources).into_iter().map(|d| d.to_json(sources)).collect()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics { items: iter.into_iter().collect() }
    }
}

/// "did you mean" for a misspelt name: the closest candidates within a small
/// edit distance, closest first.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let name = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    let len = name.chars().count();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        // A length gap above the limit cannot be within it: skip the work.
        .filter(|c| c.len().abs_diff(len) <= limit + 4)
        .filter_map(|c| {
            let d = strsim::damerau_levenshtein(&name, &c.to_lowercase());
            (d <= limit).then_some((d, c))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    // Only the closest names: `vqa2` suggests `vqav2`, not also `gqa`.
    let best = scored.first().map(|s| s.0);
    scored.retain(|s| Some(s.0) == best);
    let names: Vec<String> = scored.iter().take(3).map(|(_, c)| format!("`{c}`")).collect();
    match names.len() {
        0 => None,
        _ => Some(format!("did you mean {}?", names.join(" or "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let mut s = Sources::default();
        let f = s.add("a.toml", "x = 1\nné = \"b\"\n");
        assert_eq!(s.line_col(f, 0), (1, 1));
        // byte 6 is the start of line 2; "né" is 3 bytes, so byte 10 is column 4
        assert_eq!(s.line_col(f, 6), (2, 1));
        assert_eq!(s.line_col(f, 10), (2, 4));
    }

    #[test]
    fn snippet_points_at_the_span() {
        let mut s = Sources::default();
        let f = s.add("r.toml", "a = 1\nmix = [ { dataset = \"vqa2\" } ]\n");
        let d = Diagnostic::error("unknown-dataset", "unknown dataset `vqa2`")
            .at(Some(Loc::new(f, 26..32)))
            .label("not in the catalog")
            .help("did you mean `vqav2`?");
        assert_eq!(
            d.render(&s),
            "error[unknown-dataset]: unknown dataset `vqa2`\n --> r.toml:2:21\n  |\n2 | mix = [ { dataset = \"vqa2\" } ]\n  |                     ^^^^^^ not in the catalog\n  |\n  = help: did you mean `vqav2`?\n"
        );
    }

    #[test]
    fn carets_line_up_after_wide_characters() {
        // "| 中文 | " is 7 characters but 9 terminal cells (中 and 文 take two
        // each), so the caret under `5万` starts after 9 spaces and is 3
        // cells wide (5 one, 万 two); the column stays 8 (characters)
        let mut s = Sources::default();
        let f = s.add("l.md", "| 中文 | 5万 |\n");
        let start = "| 中文 | ".len();
        let d = Diagnostic::warning("w", "w").at(Some(Loc::new(f, start..start + "5万".len())));
        assert_eq!(d.render(&s), "warning[w]: w\n --> l.md:1:8\n  |\n1 | | 中文 | 5万 |\n  |          ^^^\n");
    }

    #[test]
    fn a_long_line_is_cut_around_the_column() {
        // 10,000 characters before the span: the rendered line is cut to a
        // terminal's width, never the whole line
        let mut s = Sources::default();
        let text = format!("x = \"{}\" y\n", "a".repeat(10_000));
        let at = text.len() - 2;
        let f = s.add("big.toml", text);
        let out = Diagnostic::error("e", "e").at(Some(Loc::new(f, at..at + 1))).render(&s);
        assert!(out.contains("big.toml:1:10008"), "{out}");
        assert!(out.lines().all(|l| l.chars().count() < 200), "{out}");
    }

    #[test]
    fn suggestions_are_close_names_only() {
        let names = ["vqav2", "gqa", "ok-vqa", "textcaps"];
        assert_eq!(suggest("vqa2", names.iter().copied()).as_deref(), Some("did you mean `vqav2`?"));
        assert_eq!(suggest("zzzzzzzzz", names.iter().copied()), None);
    }
}
