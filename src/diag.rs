//! Diagnostics: every problem found in the input, with the place it points at.
//!
//! Loading, validation, graph building and planning all push into one
//! [`Diagnostics`] list so a run reports every problem together. Rendering
//! shows `file:line:col`, the offending line and a caret under the span, the
//! way rustc and cargo do.

use std::fmt::Write as _;
use std::ops::Range;

/// Index of a loaded file in a [`Sources`] table.
pub type FileId = usize;

/// A place in a loaded file: which file and which byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: FileId,
    pub span: Range<usize>,
}

impl Loc {
    pub fn new(file: FileId, span: Range<usize>) -> Self {
        Loc { file, span }
    }
}

/// The text of every file read in a run, so diagnostics can quote lines.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

#[derive(Debug)]
struct SourceFile {
    name: String,
    text: String,
}

impl Sources {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile { name: name.into(), text: text.into() });
        self.files.len() - 1
    }

    pub fn name(&self, file: FileId) -> &str {
        &self.files[file].name
    }

    pub fn text(&self, file: FileId) -> &str {
        &self.files[file].text
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let text = self.text(file);
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let col = text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    /// `file:line:col` of a location.
    pub fn position(&self, loc: &Loc) -> String {
        let (line, col) = self.line_col(loc.file, loc.span.start);
        format!("{}:{line}:{col}", self.name(loc.file))
    }
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem: a short lowercase message, where it is, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub loc: Option<Loc>,
    pub label: Option<String>,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Error, message: message.into(), loc: None, label: None, help: None }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message) }
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

    /// Renders the diagnostic with the quoted line, as a person reads it.
    pub fn render(&self, sources: &Sources) -> String {
        let mut out = String::new();
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "{kind}: {}", self.message);
        if let Some(loc) = &self.loc {
            render_snippet(&mut out, sources, loc, self.label.as_deref());
        }
        if let Some(help) = &self.help {
            let _ = writeln!(out, "  = help: {help}");
        }
        out
    }
}

fn render_snippet(out: &mut String, sources: &Sources, loc: &Loc, label: Option<&str>) {
    let text = sources.text(loc.file);
    let (line, col) = sources.line_col(loc.file, loc.span.start);
    let gutter = line.to_string().len();
    let pad = " ".repeat(gutter);
    let _ = writeln!(out, "{pad}--> {}:{line}:{col}", sources.name(loc.file));
    let line_text = text.lines().nth(line - 1).unwrap_or("");
    let shown = line_text.trim_end();
    // The caret covers the span up to the end of its first line.
    let start_col = col - 1;
    let span_text = &text[floor_char_boundary(text, loc.span.start.min(text.len()))
        ..floor_char_boundary(text, loc.span.end.min(text.len()))];
    let first = span_text.lines().next().unwrap_or("");
    // Columns count characters; the caret line counts terminal cells, so a
    // span after Chinese text (two cells a character) still lines up.
    let cells = |s: &str| unicode_width::UnicodeWidthStr::width(s);
    let before: String = shown.chars().take(start_col).collect();
    let lead = cells(&before);
    let max_width = cells(shown).saturating_sub(lead).max(1);
    let width = cells(first).clamp(1, max_width);
    let _ = writeln!(out, "{pad} |");
    let _ = writeln!(out, "{line} | {shown}");
    let marks = format!("{}{}", " ".repeat(lead), "^".repeat(width));
    match label {
        Some(label) => {
            let _ = writeln!(out, "{pad} | {marks} {label}");
        }
        None => {
            let _ = writeln!(out, "{pad} | {marks}");
        }
    }
}

/// Every diagnostic of a run, in the order found.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Sorted by file and position so the output does not depend on the
    /// order in which checks ran, then rendered one after another.
    pub fn render(&self, sources: &Sources) -> String {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.loc.as_ref().map(|l| (sources.name(l.file).to_string(), l.span.start)),
                    d.severity,
                    d.message.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        sorted.dedup();
        let mut out = String::new();
        for d in sorted {
            out.push_str(&d.render(sources));
            out.push('\n');
        }
        out
    }
}

/// "did you mean" for a misspelt name: the closest candidates within a small
/// edit distance, closest first.
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let name = name.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| {
            let d = strsim::damerau_levenshtein(&name, &c.to_lowercase());
            let limit = (name.chars().count() / 3).max(2);
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
        let d = Diagnostic::error("unknown dataset `vqa2`")
            .at(Some(Loc::new(f, 26..32)))
            .label("not in the catalog")
            .help("did you mean `vqav2`?");
        assert_eq!(
            d.render(&s),
            "error: unknown dataset `vqa2`\n --> r.toml:2:21\n  |\n2 | mix = [ { dataset = \"vqa2\" } ]\n  |                     ^^^^^^ not in the catalog\n  = help: did you mean `vqav2`?\n"
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
        let d = Diagnostic::warning("w").at(Some(Loc::new(f, start..start + "5万".len())));
        assert_eq!(d.render(&s), "warning: w\n --> l.md:1:8\n  |\n1 | | 中文 | 5万 |\n  |          ^^^\n");
    }

    #[test]
    fn suggestions_are_close_names_only() {
        let names = ["vqav2", "gqa", "ok-vqa", "textcaps"];
        assert_eq!(suggest("vqa2", names.iter().copied()).as_deref(), Some("did you mean `vqav2`?"));
        assert_eq!(suggest("zzzzzzzzz", names.iter().copied()), None);
    }
}
