//! `catalog import`: draft catalog entries from the tables of an awesome-list
//! Markdown file.
//!
//! Every table with a dataset-name column becomes one draft per row. Columns
//! are recognised by their headers (English or Chinese); sizes go through
//! the [`quantity`](crate::quantity) reader, and the cell is always kept
//! verbatim in `reported`. What a table does not say stays empty, and a
//! stage that neither a column nor the section heading gives is left for
//! the reviewer (`check` then asks for it). Rows naming a dataset the
//! catalog already has are not drafted again.

use super::schema::{DatasetStage, Links, Modality};
use super::Catalog;
use crate::diag::{Diagnostic, Diagnostics, FileId, Loc, Sources};
use crate::quantity::{self, Figure, Reading};
use std::collections::BTreeSet;
use std::fmt::Write;
use std::ops::Range;

/// One draft entry, from one table row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Draft {
    pub id: String,
    pub name: String,
    pub stages: Vec<DatasetStage>,
    pub modalities: Vec<Modality>,
    pub languages: Vec<String>,
    pub size: Option<Figure>,
    /// The size cell as written.
    pub reported: Option<String>,
    pub publisher: Option<String>,
    pub links: Links,
    /// The row's line in the file (1-based).
    pub line: usize,
    /// Model and notes columns, for the reviewer.
    pub comments: Vec<String>,
}

/// What one file gave.
#[derive(Debug, Default)]
pub struct Imported {
    pub drafts: Vec<Draft>,
    pub tables: usize,
    /// Rows already in the catalog: (name in the file, catalog id).
    pub known: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Name,
    Size,
    Modality,
    Language,
    Stage,
    Publisher,
    Model,
    Notes,
    Other,
}

/// A table cell: its text and where it is in the file.
struct Cell<'a> {
    text: &'a str,
    span: Range<usize>,
}

/// Reads every table of the Markdown file `file` (already in `sources`).
pub fn import(file: FileId, sources: &Sources, catalog: &Catalog, diags: &mut Diagnostics) -> Imported {
    let text = sources.text(file);
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let mut out = Imported::default();
    let mut headings: Vec<(usize, String)> = Vec::new();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut i = 0;
    while i < lines.len() {
        let (_, line) = lines[i];
        if let Some((level, title)) = heading(line) {
            headings.retain(|(l, _)| *l < level);
            headings.push((level, title.to_string()));
        }
        let is_table = i + 1 < lines.len() && line.contains('|') && is_separator(lines[i + 1].1);
        if !is_table {
            i += 1;
            continue;
        }
        let roles: Vec<Role> = cells(lines[i].1, lines[i].0).iter().map(|c| role(c.text)).collect();
        let mut end = i + 2;
        while end < lines.len() && lines[end].1.contains('|') {
            end += 1;
        }
        if roles.contains(&Role::Name) {
            out.tables += 1;
            let section = stages_of_section(&headings);
            for &(offset, row) in &lines[i + 2..end] {
                let ctx = Row { file, sources, offset, section: &section };
                if let Some(d) = ctx.draft(row, &roles, catalog, &mut out.known, diags) {
                    out.drafts.push(unique(d, &mut used));
                }
            }
        }
        i = end;
    }
    out
}

struct Row<'a> {
    file: FileId,
    sources: &'a Sources,
    offset: usize,
    section: &'a [DatasetStage],
}

impl Row<'_> {
    fn draft(
        &self,
        row: &str,
        roles: &[Role],
        catalog: &Catalog,
        known: &mut Vec<(String, String)>,
        diags: &mut Diagnostics,
    ) -> Option<Draft> {
        let cells = cells(row, self.offset);
        let cell = |r: Role| roles.iter().zip(&cells).find(|(role, _)| **role == r).map(|(_, c)| c);
        let name = cell(Role::Name).map(|c| plain(c.text)).filter(|n| !is_blank(n))?;
        let id = slug(&name);
        if let Some(ds) = catalog.resolve(&name).or_else(|| catalog.resolve(&id)) {
            known.push((name, ds.id.to_string()));
            return None;
        }
        let (line, _) = self.sources.line_col(self.file, self.offset);
        let mut d = Draft { id, name, line, ..Default::default() };
        // Some lists swap the stage and language cells in part of a table
        // (repaired/000 does from its fifth row): read each from whichever
        // of the two cells holds it.
        let (stage, lang) = (cell(Role::Stage), cell(Role::Language));
        d.stages = match stage {
            Some(_) => either(stages_in, stage, lang),
            None => self.section.to_vec(),
        };
        d.languages = either(languages_in, lang, stage);
        d.modalities = cell(Role::Modality).map_or(vec![], |c| modalities_in(c.text));
        d.publisher = cell(Role::Publisher).map(|c| plain(c.text)).filter(|p| !is_blank(p));
        if let Some(c) = cell(Role::Size) {
            self.size(&mut d, c, diags);
        }
        for (role, c) in roles.iter().zip(&cells) {
            if *role != Role::Publisher {
                add_links(&mut d.links, c.text);
            }
        }
        for (role, label) in [(Role::Model, "used by"), (Role::Notes, "list notes")] {
            if let Some(t) = cell(role).map(|c| plain(c.text)).filter(|t| !is_blank(t)) {
                d.comments.push(format!("{label}: {t}"));
            }
        }
        Some(d)
    }

    fn size(&self, d: &mut Draft, c: &Cell, diags: &mut Diagnostics) {
        let text = c.text.trim();
        if is_blank(text) {
            return;
        }
        d.reported = Some(text.to_string());
        let loc = Loc::new(self.file, c.span.clone());
        let problem = match quantity::read(text) {
            Ok(Reading::One(f)) => {
                d.size = Some(f);
                return;
            }
            Ok(Reading::Nothing) => return,
            Ok(Reading::Many(fs)) => format!("{} figures in one size cell", fs.len()),
            Err(e) => e.to_string(),
        };
        diags.push(
            Diagnostic::warning(
                crate::diag::codes::IMPORT_SIZE,
                format!("`{}`: {problem}; the cell is kept in `reported` only", d.name),
            )
            .at(Some(loc))
            .help("set `samples` by hand from a primary source"),
        );
    }
}

/// What `read` finds in cell `a`, or failing that in cell `b`.
fn either<T>(read: fn(&str) -> Vec<T>, a: Option<&Cell>, b: Option<&Cell>) -> Vec<T> {
    let first = a.map_or(vec![], |c| read(c.text));
    if first.is_empty() {
        b.map_or(vec![], |c| read(c.text))
    } else {
        first
    }
}

/// Each line with the byte offset it starts at.
fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut offset = 0;
    text.split_inclusive('\n')
        .map(|l| {
            let at = offset;
            offset += l.len();
            (at, l.trim_end_matches(['\n', '\r']))
        })
        .collect()
}

fn heading(line: &str) -> Option<(usize, &str)> {
    let level = line.chars().take_while(|&c| c == '#').count();
    let rest = &line[level..];
    (level > 0 && rest.starts_with(' ')).then(|| (level, rest.trim()))
}

fn is_separator(line: &str) -> bool {
    let cells: Vec<&str> = split_row(line).collect();
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim().trim_start_matches(':').trim_end_matches(':');
            !c.is_empty() && c.chars().all(|ch| ch == '-')
        })
}

/// The cells of a table row (outer pipes optional, `\|` kept in a cell).
fn split_row(line: &str) -> impl Iterator<Item = &str> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") { &t[..t.len() - 1] } else { t };
    let mut parts = Vec::new();
    let mut start = 0;
    let bytes = t.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            parts.push(&t[start..i]);
            start = i + 1;
        }
    }
    parts.push(&t[start..]);
    parts.into_iter()
}

fn cells(line: &str, offset: usize) -> Vec<Cell<'_>> {
    split_row(line)
        .map(|raw| {
            let text = raw.trim();
            // both slices point into `line`, so the difference is the column
            let start = offset + (text.as_ptr() as usize - line.as_ptr() as usize);
            Cell { text, span: start..start + text.len() }
        })
        .collect()
}

fn role(header: &str) -> Role {
    let h = plain(header).to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if has(&["quantity", "size", "samples", "count", "scale", "数量", "规模", "数据量"]) {
        Role::Size
    } else if has(&["modalit", "模态"]) {
        Role::Modality
    } else if has(&["lang", "语言"]) || h.ends_with('言') {
        Role::Language
    } else if has(&["stage", "category", "type", "分类", "阶段", "类型"]) {
        Role::Stage
    } else if has(&["publisher", "author", "organi", "发布", "机"]) {
        Role::Publisher
    } else if has(&["model", "模型"]) {
        Role::Model
    } else if has(&["note", "description", "简介", "备注", "介绍", "说明"]) {
        Role::Notes
    } else if has(&["dataset", "name", "benchmark", "数据集", "名称"]) || h.ends_with('称') {
        Role::Name
    } else {
        Role::Other
    }
}

/// Cell text without Markdown: `[text](url)` gives `text`, emphasis and
/// code marks go.
fn plain(cell: &str) -> String {
    let mut out = String::new();
    let mut rest = cell;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find("](").and_then(|close| Some((close, after[close..].find(')')? + close))) {
            Some((close, end)) => {
                out.push_str(&after[..close]);
                rest = &after[end + 1..];
            }
            None => {
                out.push('[');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out.replace("**", "").replace("__", "").replace('`', "").trim().to_string()
}

fn is_blank(text: &str) -> bool {
    matches!(text.trim(), "" | "-" | "—" | "–" | "/" | "N/A" | "n/a" | "?")
}

/// A lowercase id from a name: `LLaVA-Instruct-150K` gives
/// `llava-instruct-150k`, `seq - monkey - data` gives `seq-monkey-data`.
pub fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    s.trim_matches(|c| c == '-' || c == '.').replace("-.", ".").replace(".-", "-")
}

/// The draft with an id not yet used in this import.
fn unique(mut d: Draft, used: &mut BTreeSet<String>) -> Draft {
    if d.id.is_empty() {
        d.id = format!("dataset-line-{}", d.line);
    }
    let base = d.id.clone();
    let mut n = 2;
    while !used.insert(d.id.clone()) {
        d.id = format!("{base}-{n}");
        n += 1;
    }
    d
}

fn stages_in(text: &str) -> Vec<DatasetStage> {
    let t = text.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    let mut out = Vec::new();
    if has(&["pretrain", "pre-train", "预训练"]) {
        out.push(DatasetStage::Pretrain);
    }
    if has(&["instruct", "sft", "finetun", "fine-tun", "微调", "指令"]) {
        out.push(DatasetStage::Sft);
    }
    if has(&["preference", "rlhf", "dpo", "偏好"]) {
        out.push(DatasetStage::Preference);
    }
    if has(&["eval", "benchmark", "评测", "评估"]) {
        out.push(DatasetStage::Eval);
    }
    out
}

/// The stages the nearest heading names. A generic heading ("Training
/// Set") defers to its parent; a specific one that names no stage (or that
/// cannot be read) gives none, rather than a parent's guess.
fn stages_of_section(headings: &[(usize, String)]) -> Vec<DatasetStage> {
    for (_, title) in headings.iter().rev() {
        let found = stages_in(title);
        if !found.is_empty() {
            return found;
        }
        let lower = title.to_lowercase();
        let generic = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).all(|w| {
            matches!(
                w,
                "training" | "train" | "set" | "sets" | "data" | "dataset" | "datasets" | "数据集" | "数据"
            )
        });
        if !generic {
            return vec![];
        }
    }
    vec![]
}

fn modalities_in(text: &str) -> Vec<Modality> {
    let t = text.to_lowercase();
    let mut out = Vec::new();
    for (words, m) in [
        (&["image", "图像", "图片", "图文"][..], Modality::Image),
        (&["video", "视频"][..], Modality::Video),
        (&["text", "文本"][..], Modality::Text),
        (&["audio", "speech", "语音", "音频"][..], Modality::Audio),
        (&["interleav"][..], Modality::Interleaved),
    ] {
        if words.iter().any(|w| t.contains(w)) {
            out.push(m);
        }
    }
    out
}

fn languages_in(text: &str) -> Vec<String> {
    let t = text.to_lowercase();
    let words: Vec<&str> = t.split(|c: char| !c.is_alphanumeric()).collect();
    let mut out = Vec::new();
    if words.iter().any(|w| matches!(*w, "en" | "english")) || t.contains("英") {
        out.push("en".to_string());
    }
    if words.iter().any(|w| matches!(*w, "zh" | "cn" | "chinese")) || t.contains("中") {
        out.push("zh".to_string());
    }
    if words.iter().any(|w| w.starts_with("multi")) {
        out.push("multi".to_string());
    }
    out
}

/// Sorts the row's URLs into the catalog's link kinds (first of each kind).
fn add_links(links: &mut Links, cell: &str) {
    for url in urls(cell) {
        let url = url.trim();
        let slot = if let Some(repo) = hf_dataset(url) {
            links.hf.get_or_insert(repo);
            continue;
        } else if url.contains("modelscope.cn") {
            &mut links.modelscope
        } else if url.contains("github.com/") && url.split('/').filter(|s| !s.is_empty()).count() >= 4 {
            &mut links.github
        } else if url.contains("arxiv.org")
            || url.contains("aclanthology.org")
            || url.contains("openreview.net")
        {
            &mut links.paper
        } else if url.starts_with("http") && !url.contains("github.com/") {
            &mut links.homepage
        } else {
            continue;
        };
        slot.get_or_insert_with(|| url.to_string());
    }
}

fn urls(cell: &str) -> impl Iterator<Item = &str> {
    cell.match_indices("](").filter_map(move |(i, _)| {
        let rest = &cell[i + 2..];
        rest.find(')').map(|end| &rest[..end])
    })
}

/// `owner/name` of a Hugging Face dataset URL.
fn hf_dataset(url: &str) -> Option<String> {
    let rest = url.split("huggingface.co/datasets/").nth(1)?;
    let parts: Vec<&str> = rest.split('/').take(2).collect();
    (parts.len() == 2 && !parts[1].is_empty()).then(|| parts.join("/"))
}

/// The drafts as catalog TOML, headed by a note on what to review.
pub fn to_toml(imported: &Imported, file_name: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Drafted by `mixplan catalog import` from {file_name}: {} from {}.\n\
         # Review each entry before use: check its figures against a primary source\n\
         # (paper, dataset card, authors' repository) and record both where they differ,\n\
         # write a one-line description in your own words, and fill what is empty.\n",
        crate::num::counted(imported.drafts.len() as u128, "dataset", "datasets"),
        crate::num::counted(imported.tables as u128, "table", "tables"),
    );
    for d in &imported.drafts {
        write_draft(&mut out, d, file_name);
    }
    out
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: impl IntoIterator<Item = String>) -> String {
    format!("[{}]", items.into_iter().map(|s| quoted(&s)).collect::<Vec<_>>().join(", "))
}

fn write_draft(out: &mut String, d: &Draft, file_name: &str) {
    let _ = writeln!(out, "[[dataset]]");
    let _ = writeln!(out, "id = {}", quoted(&d.id));
    let _ = writeln!(out, "name = {}", quoted(&d.name));
    if d.name != d.id {
        let _ = writeln!(out, "aliases = {}", list([d.name.clone()]));
    }
    if d.stages.is_empty() {
        let _ = writeln!(out, "# neither the table nor its heading says which stage: fill `stages`");
    }
    let _ = writeln!(out, "stages = {}", list(d.stages.iter().map(|s| s.as_str().to_string())));
    let _ = writeln!(out, "modalities = {}", list(d.modalities.iter().map(|m| m.as_str().to_string())));
    let _ = writeln!(out, "languages = {}", list(d.languages.clone()));
    if let Some(f) = &d.size {
        // the catalog's size keys are the measures' names
        let _ = writeln!(out, "{} = {}", f.measure.as_str(), f.value);
        if f.approx {
            let _ = writeln!(out, "approx = true");
        }
    }
    if let Some(r) = &d.reported {
        let _ = writeln!(out, "reported = {}", list([format!("{r} ({file_name})")]));
    }
    let _ = writeln!(out, "license = \"unknown\"");
    if let Some(p) = &d.publisher {
        let _ = writeln!(out, "publisher = {}", quoted(p));
    }
    let links: Vec<String> = d.links.iter().map(|(k, v)| format!("{k} = {}", quoted(v))).collect();
    if !links.is_empty() {
        let _ = writeln!(out, "links = {{ {} }}", links.join(", "));
    }
    let _ = writeln!(
        out,
        "source = {}",
        quoted(&format!("{file_name}, table row at line {} (as the list states it; not yet checked against a primary source)", d.line))
    );
    for c in &d.comments {
        let _ = writeln!(out, "# {}", c.replace('\n', " "));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests;
