//! Fitting reports to their reader: terminal tables that follow the width
//! (long text wraps or is cut with `…`, low-priority columns give way with a
//! note), Markdown tables with aligned columns, and prose wrapped to the
//! width (Markdown prose is left to the renderer).
//!
//! Every table of the text reports goes through [`Layout::table`]; each
//! column says how it gives way ([`Column`]).

use comfy_table::{presets, Cell, CellAlignment, ContentArrangement, Table};
use unicode_width::UnicodeWidthStr;

/// How a text column gives way when the table is too wide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// Never narrower than its widest cell (numbers).
    Keep,
    /// Long text goes on over several lines, split at spaces and after `-`.
    Wrap,
    /// Long text is cut and ends in `…` (names that only inform).
    Truncate,
}

/// One column of a table: header, alignment, how it fits, and its priority.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// Right-aligned (`---:` in Markdown).
    pub numeric: bool,
    pub fit: Fit,
    /// 0: always shown; otherwise the highest priority number is dropped
    /// first when even the narrowest layout does not fit.
    pub priority: u8,
    /// The narrowest a wrapping or truncated column becomes before columns
    /// are dropped.
    pub min: usize,
}

impl Column {
    /// Text that wraps; always shown.
    pub fn text(name: impl Into<String>) -> Column {
        Column { name: name.into(), numeric: false, fit: Fit::Wrap, priority: 0, min: 12 }
    }

    /// A number: right-aligned, never wrapped; always shown.
    pub fn num(name: impl Into<String>) -> Column {
        Column { name: name.into(), numeric: true, fit: Fit::Keep, priority: 0, min: 0 }
    }

    /// Cut with `…` instead of wrapping.
    pub fn truncate(mut self) -> Column {
        self.fit = Fit::Truncate;
        self
    }

    /// May be dropped to fit; higher numbers go first.
    pub fn optional(mut self, priority: u8) -> Column {
        self.priority = priority;
        self
    }

    /// The narrowest it wraps or is cut to before columns are dropped.
    pub fn min(mut self, width: usize) -> Column {
        self.min = width;
        self
    }
}

/// Where a report goes: Markdown, or a terminal of some width (`None`: no
/// limit, as with `--wide`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Layout {
    pub md: bool,
    pub width: Option<usize>,
}

/// The width used for the table format when stdout is not a terminal and
/// `COLUMNS` is not set.
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest width honoured; below it tables could not show a number.
pub const MIN_WIDTH: usize = 40;

impl Layout {
    pub fn markdown() -> Layout {
        Layout { md: true, width: None }
    }

    pub fn terminal(width: Option<usize>) -> Layout {
        Layout { md: false, width: width.map(|w| w.max(MIN_WIDTH)) }
    }

    /// A Markdown heading, or the plain title in a terminal.
    pub fn heading(&self, level: usize, text: &str) -> String {
        if self.md {
            format!("{} {}\n", "#".repeat(level), escape(text))
        } else {
            self.para(text)
        }
    }

    /// A paragraph: wrapped in a terminal, escaped in Markdown.
    pub fn para(&self, text: &str) -> String {
        if self.md {
            format!("{}\n", escape(text))
        } else {
            self.wrapped(text, 0)
        }
    }

    /// A list item in Markdown; a line with a hanging indent in a terminal.
    pub fn item(&self, text: &str) -> String {
        if self.md {
            format!("- {}\n", escape(text))
        } else {
            self.wrapped(text, 2)
        }
    }

    /// `name` and `value` as a Markdown item (`- **name**: value`) or an
    /// aligned line whose value wraps under itself.
    pub fn field(&self, name: &str, value: &str, name_width: usize) -> String {
        if self.md {
            return format!("- **{}**: {}\n", escape(name), escape(value));
        }
        let head = format!("{name:<name_width$} ");
        let indent = name_width + 1;
        let lines = match self.width {
            Some(w) => wrap_first(value, w.saturating_sub(indent), w.saturating_sub(indent)),
            None => vec![value.to_string()],
        };
        let mut out = String::new();
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                out.push_str(&head);
            } else {
                out.push_str(&" ".repeat(indent));
            }
            out.push_str(l);
            out.push('\n');
        }
        out
    }

    fn wrapped(&self, text: &str, indent: usize) -> String {
        let Some(w) = self.width else { return format!("{text}\n") };
        let mut out = String::new();
        for (i, l) in wrap_first(text, w, w.saturating_sub(indent)).iter().enumerate() {
            if i > 0 {
                out.push_str(&" ".repeat(indent));
            }
            out.push_str(l);
            out.push('\n');
        }
        out
    }

    /// A table: Markdown with `---:` under numeric columns, or a terminal
    /// table fitted to the width, with a note naming the columns left out.
    pub fn table(&self, columns: &[Column], rows: Vec<Vec<String>>) -> String {
        if self.md {
            return markdown_table(columns, &rows);
        }
        let fitted = fit(columns, &rows, self.width);
        let mut t = Table::new();
        t.load_preset(presets::UTF8_FULL_CONDENSED);
        t.set_content_arrangement(ContentArrangement::Disabled);
        let shown = |i: usize| fitted.widths[i].is_some();
        t.set_header(columns.iter().enumerate().filter(|(i, _)| shown(*i)).map(|(i, c)| {
            let w = fitted.widths[i].unwrap_or(0);
            Cell::new(wrap(&c.name, w).join("\n"))
        }));
        for row in rows {
            t.add_row(row.into_iter().enumerate().filter(|(i, _)| *i < columns.len() && shown(*i)).map(
                |(i, v)| {
                    let c = &columns[i];
                    let w = fitted.widths[i].unwrap_or(0);
                    let text = match c.fit {
                        Fit::Keep if display_width(&v) <= w => v,
                        Fit::Truncate => truncate(&v, w),
                        _ => wrap(&v, w).join("\n"),
                    };
                    let cell = Cell::new(text);
                    if c.numeric {
                        cell.set_alignment(CellAlignment::Right)
                    } else {
                        cell
                    }
                },
            ));
        }
        let mut s = t.to_string();
        s.push('\n');
        if !fitted.dropped.is_empty() {
            let names: Vec<&str> = fitted.dropped.iter().map(|&i| columns[i].name.as_str()).collect();
            let width = self.width.unwrap_or(DEFAULT_WIDTH);
            s.push_str(&self.para(&format!(
                "(left out to fit {width} columns: {}; `--wide` shows every column)",
                names.join(", ")
            )));
        }
        s
    }
}

/// Column widths (content only, `None` for a dropped column) and the
/// columns dropped, most important last.
struct Fitted {
    widths: Vec<Option<usize>>,
    dropped: Vec<usize>,
}

/// Border and padding of the terminal preset: `│ a ┆ b │` is 1 + Σ(w + 3).
fn frame(columns: usize) -> usize {
    1 + 3 * columns
}

/// Chooses widths: natural widths when they fit; else wrapping and
/// truncated columns shrink toward their `min`; else the column with the
/// highest priority number is dropped and the rest tried again.
fn fit(columns: &[Column], rows: &[Vec<String>], width: Option<usize>) -> Fitted {
    let n = columns.len();
    let body = |i: usize| rows.iter().filter_map(|r| r.get(i)).map(|v| display_width(v)).max().unwrap_or(0);
    let natural: Vec<usize> = (0..n).map(|i| body(i).max(display_width(&columns[i].name)).max(1)).collect();
    // A number never wraps, but its header may, after `-` or a space.
    let floor: Vec<usize> = (0..n)
        .map(|i| match columns[i].fit {
            Fit::Keep => body(i).max(longest_piece(&columns[i].name)).max(1),
            _ => natural[i].min(columns[i].min.max(3)),
        })
        .collect();
    // Below the floors, when nothing is left to drop: text to 3 columns,
    // numbers to their widest value.
    let last: Vec<usize> = (0..n)
        .map(|i| match columns[i].fit {
            Fit::Keep => body(i).max(1),
            _ => natural[i].min(3),
        })
        .collect();
    let mut shown: Vec<bool> = vec![true; n];
    let mut dropped = Vec::new();
    let Some(width) = width else {
        let widths = (0..n).map(|i| Some(body(i).max(display_width(&columns[i].name)))).collect();
        return Fitted { widths, dropped };
    };
    let avail = |shown: &[bool]| width.saturating_sub(frame(shown.iter().filter(|s| **s).count()));
    loop {
        let need: usize = (0..n).filter(|&i| shown[i]).map(|i| floor[i]).sum();
        if need <= avail(&shown) {
            break;
        }
        // The least important column; among equals the rightmost.
        let victim =
            (0..n).filter(|&i| shown[i] && columns[i].priority > 0).max_by_key(|&i| (columns[i].priority, i));
        match victim {
            Some(v) => {
                shown[v] = false;
                dropped.push(v);
            }
            None => break,
        }
    }
    let mut widths: Vec<usize> = natural.clone();
    let room = avail(&shown);
    let mut total: usize = (0..n).filter(|&i| shown[i]).map(|i| widths[i]).sum();
    // Shrink one character at a time: the least important column first
    // and, among equals, the widest; each down to its floor, then (only
    // when nothing is left to drop) further.
    for bound in [&floor, &last] {
        while total > room {
            let candidate = (0..n)
                .filter(|&i| shown[i] && widths[i] > bound[i])
                .max_by_key(|&i| (columns[i].priority, widths[i], std::cmp::Reverse(i)));
            let Some(i) = candidate else { break };
            // Straight down to the next widest column of the same priority
            // (or the floor, or as far as needed), not a character a time.
            let next = (0..n)
                .filter(|&j| j != i && shown[j] && columns[j].priority == columns[i].priority)
                .map(|j| widths[j])
                .filter(|&w| w < widths[i])
                .max()
                .unwrap_or(0);
            let target = bound[i].max(next).max(widths[i].saturating_sub(total - room)).min(widths[i] - 1);
            total -= widths[i] - target;
            widths[i] = target;
        }
    }
    dropped.sort();
    Fitted { widths: (0..n).map(|i| shown[i].then_some(widths[i])).collect(), dropped }
}

/// A Markdown (GFM) table: numeric columns right-aligned with `---:`.
fn markdown_table(columns: &[Column], rows: &[Vec<String>]) -> String {
    let cell = |s: &str| escape(s).replace('\n', " ");
    let header: Vec<String> = columns.iter().map(|c| cell(&c.name)).collect();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| (0..columns.len()).map(|i| cell(r.get(i).map_or("", String::as_str))).collect())
        .collect();
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            body.iter().map(|r| display_width(&r[i])).chain([display_width(&header[i]), 3]).max().unwrap_or(3)
        })
        .collect();
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(widths[i].saturating_sub(display_width(c)));
                if columns[i].numeric {
                    format!(" {pad}{c} ")
                } else {
                    format!(" {c}{pad} ")
                }
            })
            .collect();
        format!("|{}|\n", parts.join("|"))
    };
    let mut out = line(&header);
    let rule: Vec<String> =
        columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if c.numeric {
                    format!("{}:", "-".repeat(widths[i] + 1))
                } else {
                    "-".repeat(widths[i] + 2)
                }
            })
            .collect();
    out.push_str(&format!("|{}|\n", rule.join("|")));
    for r in &body {
        out.push_str(&line(r));
    }
    out
}

/// Columns on a terminal screen.
pub fn display_width(s: &str) -> usize {
    s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// The widest part of `s` that wrapping cannot split.
fn longest_piece(s: &str) -> usize {
    s.split(' ').flat_map(pieces).map(UnicodeWidthStr::width).max().unwrap_or(0)
}

/// `text` cut to `width` columns, ending in `…` when cut.
pub fn truncate(text: &str, width: usize) -> String {
    let text = text.replace('\n', " ");
    if UnicodeWidthStr::width(text.as_str()) <= width {
        return text;
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// `text` in lines of at most `width` columns.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_first(text, width, width)
}

/// Greedy wrapping at spaces; a word longer than a line is split after
/// `-`, `_`, `/`, `.` or `,` where it can be, else between characters. The
/// first line may be wider than the others (for a hanging indent).
fn wrap_first(text: &str, first: usize, rest: usize) -> Vec<String> {
    let (first, rest) = (first.max(1), rest.max(1));
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let w = UnicodeWidthStr::width(word);
            let room = if lines.is_empty() { first } else { rest };
            if used > 0 && used + 1 + w <= room {
                line.push(' ');
                line.push_str(word);
                used += 1 + w;
                continue;
            }
            if used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            let room = if lines.is_empty() { first } else { rest };
            if w <= room {
                line.push_str(word);
                used = w;
                continue;
            }
            // Longer than a line: its pieces, packed line by line.
            for piece in pieces(word) {
                for chunk in hard_split(piece, first.min(rest)) {
                    let cw = UnicodeWidthStr::width(chunk.as_str());
                    let room = if lines.is_empty() { first } else { rest };
                    if used > 0 && used + cw > room {
                        lines.push(std::mem::take(&mut line));
                        used = 0;
                    }
                    line.push_str(&chunk);
                    used += cw;
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// A word split after the characters where a break reads naturally.
fn pieces(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, ch) in word.char_indices() {
        if matches!(ch, '-' | '_' | '/' | '.' | ',') {
            let end = i + ch.len_utf8();
            out.push(&word[start..end]);
            start = end;
        }
    }
    if start < word.len() {
        out.push(&word[start..]);
    }
    out
}

/// A piece longer than `width` split between characters.
fn hard_split(piece: &str, width: usize) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut used = 0;
    for ch in piece.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push(ch);
        }
        used += w;
    }
    out
}

/// Markdown text with the characters that would change its structure
/// escaped, on one line; code spans (between backticks) are left as they
/// are.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    let chars: Vec<char> = text.chars().map(|c| if c == '\n' || c == '\r' { ' ' } else { c }).collect();
    for (i, &ch) in chars.iter().enumerate() {
        if ch == '`' {
            in_code = !in_code;
            out.push(ch);
            continue;
        }
        if in_code {
            out.push(ch);
            continue;
        }
        let prev_word = i > 0 && chars[i - 1].is_alphanumeric();
        let next_word = chars.get(i + 1).is_some_and(|c| c.is_alphanumeric());
        let special = match ch {
            '\\' | '*' | '[' | ']' | '<' | '>' | '|' => true,
            // Inside a word `_` cannot open emphasis; at its edges it can.
            '_' => !(prev_word && next_word),
            '#' => i == 0,
            _ => false,
        };
        if special {
            out.push('\\');
        }
        out.push(ch);
    }
    // An unclosed backtick was not a code span: escape it.
    if in_code {
        if let Some(pos) = out.rfind('`') {
            out.insert(pos, '\\');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn widest(s: &str) -> usize {
        s.lines().map(UnicodeWidthStr::width).max().unwrap_or(0)
    }

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec![
                "llava-instruct-150k-conversation".into(),
                "57,894".into(),
                "llava-v1.5-mix665k → llava-instruct-150k".into(),
            ],
            vec!["vqav2".into(), "82,783".into(), "llava-v1.5-mix665k".into()],
        ]
    }

    #[test]
    fn a_table_that_fits_is_left_alone() {
        let cols = [Column::text("dataset"), Column::num("seen"), Column::text("via").optional(1)];
        let t = Layout::terminal(Some(200)).table(&cols, rows());
        // 1 + (32 + 3) + (6 + 3) + (40 + 3) = 88 columns.
        assert_eq!(widest(&t), 88, "{t}");
        assert!(!t.contains("left out"));
    }

    #[test]
    fn text_wraps_before_a_column_is_dropped() {
        let cols = [Column::text("dataset"), Column::num("seen"), Column::text("via").min(20).optional(1)];
        // Natural 88; at 70 the two text columns give 18 between them.
        let t = Layout::terminal(Some(70)).table(&cols, rows());
        assert!(widest(&t) <= 70, "{t}");
        assert!(t.contains("via") && !t.contains("left out"), "{t}");
        assert!(t.contains("57,894"), "{t}");
    }

    #[test]
    fn a_low_priority_column_is_dropped_with_a_note() {
        let cols =
            [Column::text("dataset").min(32), Column::num("seen"), Column::text("via").min(30).optional(1)];
        // Floors: 32 + 6 + 30 + frame 10 = 78 > 60, so `via` goes.
        let t = Layout::terminal(Some(60)).table(&cols, rows());
        assert!(widest(&t) <= 60, "{t}");
        assert!(!t.contains("→"), "{t}");
        let note = t.replace('\n', " ");
        assert!(note.contains("(left out to fit 60 columns: via; `--wide` shows every column)"), "{t}");
    }

    #[test]
    fn truncated_text_ends_in_an_ellipsis() {
        assert_eq!(truncate("LLaVA-Instruct-665K", 8), "LLaVA-I…");
        assert_eq!(truncate("short", 8), "short");
        // A wide character counts two columns: 2 + 2 + 1 (…) = 5.
        assert_eq!(truncate("名称名称", 5), "名称…");
    }

    #[test]
    fn wrapping_splits_after_hyphens_and_keeps_every_character() {
        let lines = wrap("llava-instruct-150k-conversation", 20);
        assert_eq!(lines, ["llava-instruct-150k-", "conversation"]);
        let lines = wrap("by task: caption 30.00%, vqa 20.00%, ocr 10.00%", 20);
        assert!(lines.iter().all(|l| UnicodeWidthStr::width(l.as_str()) <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), "by task: caption 30.00%, vqa 20.00%, ocr 10.00%");
        assert_eq!(wrap("aaaaaaaaaa", 4), ["aaaa", "aaaa", "aa"]);
    }

    #[test]
    fn markdown_tables_right_align_numbers() {
        let cols = [Column::text("dataset"), Column::num("seen")];
        let t = Layout::markdown().table(&cols, vec![vec!["a|b".into(), "1,000".into()]]);
        assert_eq!(t, "| dataset |  seen |\n|---------|------:|\n| a\\|b    | 1,000 |\n");
    }

    #[test]
    fn markdown_escapes_outside_code_spans_only() {
        assert_eq!(escape("a *b* `c*d` _e_ x_y"), "a \\*b\\* `c*d` \\_e\\_ x_y");
        assert_eq!(escape("#1 and #2"), "\\#1 and #2");
    }
}
