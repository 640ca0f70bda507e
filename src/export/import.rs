//! `import-config`: a LLaVA-NeXT data YAML or an InternVL meta JSON read
//! back as a recipe stage.
//!
//! Each file the config names becomes one mix entry, its count worked out
//! as the trainer's loader would (`first:P%` keeps ⌈P × len / 100⌉, `all`
//! and `end:0` the whole file, a file listed twice is loaded twice;
//! InternVL keeps `int(len × r)` for r < 1 and `len × r` for an integer r).
//! A file's length comes from, in this order: the sizes file, the count in
//! its name (`…_738590.json`), the catalog entry it matches; else it is
//! unknown and the entry keeps the config's words (a fraction, epochs,
//! whole). A name matches a catalog dataset by id or alias, tried on the
//! InternVL key, the file name and the file name without its extension;
//! names that match none get a draft catalog entry.

use crate::catalog::Catalog;
use crate::diag::{codes, Diagnostic, Diagnostics, FileId, Loc, Sources};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{ToPrimitive, Zero};
use std::collections::BTreeMap;
use std::fmt::Write;

/// The config formats `import-config` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConfigFormat {
    #[value(name = "llava-next")]
    LlavaNext,
    Internvl,
}

/// One way a config takes part of a file.
#[derive(Debug, Clone, PartialEq)]
enum Take {
    All,
    /// The first (last, random) K records: min(K, len).
    Head(u64),
    /// ⌈P × len / 100⌉.
    Percent(u64),
    /// InternVL: int(len × r), r < 1.
    Part(f64),
    /// InternVL: len × k.
    Times(u64),
}

/// One file of the config with every way it is taken.
#[derive(Debug)]
struct Group {
    path: String,
    /// InternVL object keys (the first is the name tried first).
    keys: Vec<String>,
    takes: Vec<(Take, String)>,
    loc: Loc,
    /// InternVL's informational `length`, a size hint.
    length: Option<u64>,
}

/// What an import gives: the recipe, draft catalog entries, remarks.
#[derive(Debug, Default)]
pub struct Imported {
    pub recipe: String,
    pub drafts: String,
    pub draft_count: usize,
    pub entries: usize,
    pub diags: Diagnostics,
}

/// Sizes from a CSV with a `dataset` (or `name`, `file`) column and a
/// `samples` column; names as the config writes them or catalog ids.
pub fn read_sizes(file: FileId, sources: &Sources) -> Result<BTreeMap<String, u64>, Box<Diagnostic>> {
    let text = sources.text(file);
    let mut r = ::csv::ReaderBuilder::new().trim(::csv::Trim::All).from_reader(text.as_bytes());
    let bad = |m: String| Box::new(Diagnostic::error(codes::WRONG_TYPE, m).at(Some(Loc::new(file, 0..0))));
    let headers = r.headers().map_err(|e| bad(format!("cannot read the sizes file: {e}")))?.clone();
    let col = |names: &[&str]| headers.iter().position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)));
    let (Some(name_col), Some(size_col)) = (col(&["dataset", "name", "file"]), col(&["samples", "size"]))
    else {
        return Err(Box::new(
            Diagnostic::error(codes::MISSING_KEY, "the sizes file needs a `dataset` and a `samples` column")
                .at(Some(Loc::new(file, 0..text.lines().next().map_or(0, str::len))))
                .help("write a header line `dataset,samples`, then one line per file: `my_data.json,12000`"),
        ));
    };
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| bad(format!("cannot read the sizes file: {e}")))?;
        let start = rec.position().map_or(0, |p| p.byte() as usize);
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let name = rec.get(name_col).unwrap_or("").to_string();
        let value = rec.get(size_col).unwrap_or("").replace([',', '_'], "");
        match value.parse::<u64>() {
            Ok(n) if n > 0 => {
                out.insert(name, n);
            }
            _ => {
                return Err(Box::new(
                    Diagnostic::error(
                        codes::INVALID_VALUE,
                        format!(
                            "`{}` is not a sample count (a whole number from 1)",
                            rec.get(size_col).unwrap_or("")
                        ),
                    )
                    .at(Some(Loc::new(file, start..end))),
                ))
            }
        }
    }
    Ok(out)
}

/// Reads `file` (already in `sources`) as a config of `from` and writes a
/// recipe with one stage.
pub fn import(
    from: ConfigFormat,
    file: FileId,
    sources: &Sources,
    catalog: &Catalog,
    sizes: &BTreeMap<String, u64>,
    stage_kind: crate::recipe::schema::StageKind,
) -> Imported {
    let mut out = Imported::default();
    let groups = match from {
        ConfigFormat::LlavaNext => llava_groups(file, sources, &mut out.diags),
        ConfigFormat::Internvl => internvl_groups(file, sources, &mut out.diags),
    };
    if out.diags.has_errors() {
        return out;
    }
    let name = sources.name(file);
    let base =
        std::path::Path::new(name).file_name().map_or(name.to_string(), |n| n.to_string_lossy().into_owned());
    let stem = base.rsplit_once('.').map_or(base.as_str(), |(s, _)| s).to_string();
    let mut mix = String::new();
    let mut drafts = String::new();
    let mut used = std::collections::BTreeSet::new();
    for g in &groups {
        let file_name = g.path.rsplit(['/', '\\']).next().unwrap_or(&g.path).to_string();
        let file_stem = file_name
            .strip_suffix(".jsonl")
            .or_else(|| file_name.strip_suffix(".json"))
            .unwrap_or(&file_name)
            .to_string();
        let candidates: Vec<&str> =
            g.keys.iter().map(String::as_str).chain([file_name.as_str(), file_stem.as_str()]).collect();
        let matched = candidates.iter().find_map(|c| catalog.lookup(c));
        let id = match matched {
            Some(ix) => catalog.get(ix).id.to_string(),
            None => {
                let mut id = crate::catalog::import::slug(&file_stem);
                if id.is_empty() {
                    id = "imported-dataset".into();
                }
                let base_id = id.clone();
                let mut n = 2;
                while !used.insert(id.clone()) || catalog.lookup(&id).is_some() {
                    id = format!("{base_id}-{n}");
                    n += 1;
                }
                id
            }
        };
        let (mut size, mut size_from) = size_of(&candidates, &id, &file_stem, sizes, catalog, matched);
        if let Some(l) = g.length.filter(|_| !matches!(size_from, Some("the sizes file" | "the file name"))) {
            (size, size_from) = (Some(l), Some("its `length`"));
        }
        let written: Vec<&str> = g.takes.iter().map(|(_, w)| w.as_str()).collect();
        let note = format!(
            "{file_name}, {}{}",
            written.join(" + "),
            size_from.map_or(String::new(), |f| format!("; size from {f}"))
        );
        // a draft gets the size read here, so the entry may take it whole
        let known = match matched {
            Some(_) => catalog_size(matched, catalog),
            None => size.filter(|_| size_from.is_some_and(|f| f != "the catalog")),
        };
        let amount = amount(&g.takes, size, known);
        let _ = writeln!(mix, "  {{ dataset = {}{amount}, note = {} }},", quoted(&id), quoted(&note));
        out.entries += 1;
        if matched.is_none() {
            out.draft_count += 1;
            draft(
                &mut drafts,
                &id,
                &file_name,
                size.filter(|_| size_from.is_some_and(|f| f != "the catalog")),
                stage_kind,
                name,
                sources,
                &g.loc,
            );
            // the first few point at their lines; the rest are counted
            if out.draft_count <= 10 {
                out.diags.push(
                    Diagnostic::note(
                        codes::IMPORT_DRAFT,
                        format!("`{file_name}` matches no catalog dataset: drafted as `{id}`"),
                    )
                    .at(Some(g.loc.clone())),
                );
            }
        }
    }
    if out.draft_count > 10 {
        out.diags.push(Diagnostic::note(
            codes::IMPORT_DRAFT,
            format!(
                "and {} more files match no catalog dataset: drafted too",
                crate::report::count((out.draft_count - 10) as u128)
            ),
        ));
    }
    let kind = stage_kind.as_str();
    let mut recipe = String::new();
    let _ = writeln!(recipe, "# Imported by `mixplan import-config` from {base}: {} files.", groups.len());
    let _ = writeln!(recipe, "# Counts follow the trainer's loader; review the notes before use.");
    let _ = writeln!(recipe, "id = {}", quoted(&format!("imported-{}", crate::catalog::import::slug(&stem))));
    let _ = writeln!(recipe, "name = {}", quoted(&format!("Imported from {base}")));
    let _ = writeln!(recipe, "source = {}", quoted(&format!("{base} (read by mixplan import-config)")));
    let _ = writeln!(recipe, "\n[[stage]]\nid = {}\nkind = {}", quoted(kind), quoted(kind));
    let _ = writeln!(recipe, "source = {}", quoted(&base));
    let _ = writeln!(recipe, "mix = [\n{mix}]");
    out.recipe = recipe;
    out.drafts = drafts;
    out
}

fn quoted(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn catalog_size(matched: Option<crate::catalog::DsId>, catalog: &Catalog) -> Option<u64> {
    matched.and_then(|ix| catalog.get(ix).samples)
}

/// The file's length and where it was read.
fn size_of(
    candidates: &[&str],
    id: &str,
    stem: &str,
    sizes: &BTreeMap<String, u64>,
    catalog: &Catalog,
    matched: Option<crate::catalog::DsId>,
) -> (Option<u64>, Option<&'static str>) {
    if let Some(n) = candidates.iter().chain([&id]).find_map(|c| sizes.get(*c)) {
        return (Some(*n), Some("the sizes file"));
    }
    // a file named by its catalog id: the digits are the id's, not a count
    let named_by_id =
        matched.is_some_and(|ix| catalog.lookup(stem) == Some(ix) && catalog.get(ix).id.as_str() == stem);
    match (count_in_name(stem), catalog_size(matched, catalog)) {
        (Some(n), _) if !named_by_id => (Some(n), Some("the file name")),
        (_, Some(n)) => (Some(n), Some("the catalog")),
        (Some(n), None) => (Some(n), Some("the file name")),
        (None, None) => (None, None),
    }
}

/// The sample count a file name carries: the last group of digits that
/// stands alone between `_`, `-` or `.` (`…_wild_738590`, `aokvqa_16539_llava_format`),
/// not one glued to letters (`gpt4`, `39k`, `80b`).
pub fn count_in_name(stem: &str) -> Option<u64> {
    stem.split(['_', '-', '.', ' '])
        .filter(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        .filter_map(|part| part.parse::<u64>().ok())
        .rfind(|&n| n > 0)
}

/// The mix entry's amount (`, samples = 2000`), by the loader's rules.
fn amount(takes: &[(Take, String)], size: Option<u64>, catalog: Option<u64>) -> String {
    match size {
        Some(len) => {
            // whole or epochs only where the catalog's size is this length:
            // otherwise the plan would count another size
            let n: u128 = takes.iter().map(|(t, _)| loaded(t, len)).sum();
            match catalog.filter(|&c| c == len).map(u128::from) {
                Some(c) if c == n => String::new(),
                Some(c) if n > 0 && n % c == 0 => format!(", epochs = {}", n / c),
                _ => format!(", samples = {n}"),
            }
        }
        None => {
            let mut q = BigRational::zero();
            let mut heads: u128 = 0;
            for (t, _) in takes {
                match t {
                    Take::All => q += BigRational::from_integer(BigInt::from(1)),
                    Take::Percent(p) => q += BigRational::new(BigInt::from(*p), BigInt::from(100)),
                    Take::Times(k) => q += BigRational::from_integer(BigInt::from(*k)),
                    Take::Part(r) => {
                        q += BigRational::from_float(*r).unwrap_or_default();
                    }
                    Take::Head(k) => heads += u128::from(*k),
                }
            }
            match (q.is_zero(), heads) {
                (false, 0) => {
                    let text = super::model::decimal_text(&q)
                        .unwrap_or_else(|| format!("{}", crate::num::to_f64(&q)));
                    let one = BigRational::from_integer(BigInt::from(1));
                    if q == one {
                        String::new()
                    } else if q < one {
                        format!(", fraction = {text}")
                    } else {
                        format!(", epochs = {text}")
                    }
                }
                (true, h) if h > 0 => format!(", samples = {h}"),
                _ => ", subset = true".into(),
            }
        }
    }
}

/// What the loader keeps of a file of `len` records for one take.
fn loaded(t: &Take, len: u64) -> u128 {
    let len128 = u128::from(len);
    match t {
        Take::All => len128,
        Take::Head(k) => u128::from(*k).min(len128),
        Take::Percent(p) => (u128::from(*p) * len128).div_ceil(100),
        Take::Part(r) => (len as f64 * r).floor().to_u128().unwrap_or(0),
        Take::Times(k) => len128 * u128::from(*k),
    }
}

#[allow(clippy::too_many_arguments)]
fn draft(
    out: &mut String,
    id: &str,
    file_name: &str,
    size: Option<u64>,
    kind: crate::recipe::schema::StageKind,
    config: &str,
    sources: &Sources,
    loc: &Loc,
) {
    let (line, _) = sources.line_col(loc.file, loc.span.start);
    let _ = writeln!(out, "[[dataset]]\nid = {}\nname = {}", quoted(id), quoted(file_name));
    let _ = writeln!(out, "aliases = [{}]", quoted(file_name));
    let _ = writeln!(out, "stages = [{}]", quoted(kind.as_str()));
    let _ = writeln!(out, "modalities = []  # fill in: the config does not say");
    let _ = writeln!(out, "languages = []  # fill in");
    if let Some(n) = size {
        let _ = writeln!(out, "samples = {n}");
    }
    let _ = writeln!(out, "license = \"unknown\"");
    let _ = writeln!(
        out,
        "source = {}\n",
        quoted(&format!(
            "{config}, line {line} (a training config; the size, if any, from the file name or a sizes file)"
        ))
    );
}

// ---- LLaVA-NeXT YAML -------------------------------------------------

/// A YAML node with the character offset where it starts.
#[derive(Debug, Clone)]
enum Node {
    Scalar(String, usize),
    Seq(Vec<Node>, usize),
    Map(Vec<(Node, Node)>, usize),
    Other(usize),
}

impl Node {
    fn at(&self) -> usize {
        match self {
            Node::Scalar(_, a) | Node::Seq(_, a) | Node::Map(_, a) | Node::Other(a) => *a,
        }
    }

    fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Map(pairs, _) => {
                pairs.iter().rev().find(|(k, _)| matches!(k, Node::Scalar(s, _) if s == key)).map(|(_, v)| v)
            }
            _ => None,
        }
    }
}

/// Builds [`Node`]s from the parser's events, with an explicit stack (no
/// recursion, so deep nesting cannot overflow ours).
#[derive(Default)]
struct Builder {
    stack: Vec<(Node, Option<Node>)>,
    docs: Vec<Node>,
}

impl Builder {
    fn push_value(&mut self, v: Node) {
        match self.stack.last_mut() {
            None => self.docs.push(v),
            Some((Node::Seq(items, _), _)) => items.push(v),
            Some((Node::Map(pairs, _), pending)) => match pending.take() {
                None => *pending = Some(v),
                Some(k) => pairs.push((k, v)),
            },
            Some(_) => {}
        }
    }
}

impl yaml_rust2::parser::MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: yaml_rust2::parser::Event, mark: yaml_rust2::scanner::Marker) {
        use yaml_rust2::parser::Event;
        let at = mark.index();
        match ev {
            Event::Scalar(s, ..) => self.push_value(Node::Scalar(s, at)),
            Event::SequenceStart(..) => self.stack.push((Node::Seq(Vec::new(), at), None)),
            Event::MappingStart(..) => self.stack.push((Node::Map(Vec::new(), at), None)),
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some((n, _)) = self.stack.pop() {
                    self.push_value(n);
                }
            }
            Event::Alias(_) => self.push_value(Node::Other(at)),
            _ => {}
        }
    }
}

/// Byte offsets of character offsets (the parser's markers count
/// characters), with a checkpoint every 1,024 characters so that many
/// look-ups in a large file stay linear.
struct CharIndex<'t> {
    text: &'t str,
    ascii: bool,
    marks: Vec<usize>,
}

impl<'t> CharIndex<'t> {
    fn new(text: &'t str) -> CharIndex<'t> {
        let ascii = text.is_ascii();
        let marks = if ascii { vec![] } else { text.char_indices().step_by(1024).map(|(b, _)| b).collect() };
        CharIndex { text, ascii, marks }
    }

    fn byte_at(&self, chars: usize) -> usize {
        if self.ascii {
            return chars.min(self.text.len());
        }
        let Some(&from) = self.marks.get(chars / 1024) else { return self.text.len() };
        self.text[from..].char_indices().nth(chars % 1024).map_or(self.text.len(), |(b, _)| from + b)
    }
}

fn llava_groups(file: FileId, sources: &Sources, diags: &mut Diagnostics) -> Vec<Group> {
    let text = sources.text(file);
    let mut b = Builder::default();
    let mut parser = yaml_rust2::parser::Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut b, false) {
        let at = CharIndex::new(text).byte_at(e.marker().index());
        diags.push(
            Diagnostic::error(codes::SYNTAX, format!("invalid YAML: {}", e.info()))
                .at(Some(Loc::new(file, at..at))),
        );
        return vec![];
    }
    let chars = CharIndex::new(text);
    let loc_of = |n: &Node| {
        let s = chars.byte_at(n.at());
        let e = text[s..].find('\n').map_or(text.len(), |i| s + i);
        Loc::new(file, s..e)
    };
    let Some(doc) = b.docs.first() else {
        diags.push(Diagnostic::error(
            codes::MISSING_KEY,
            "the file is empty: a data YAML has a `datasets:` list",
        ));
        return vec![];
    };
    let Some(Node::Seq(list, _)) = doc.get("datasets") else {
        diags.push(
            Diagnostic::error(
                codes::MISSING_KEY,
                "no `datasets:` list at the top (LLaVA-NeXT iterates over it)",
            )
            .at(Some(loc_of(doc)))
            .help("write `datasets:` and under it `- json_path: FILE.json` items"),
        );
        return vec![];
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for item in list {
        let loc = loc_of(item);
        let path = match item.get("json_path") {
            Some(Node::Scalar(p, _)) => p.clone(),
            _ => {
                diags.push(
                    Diagnostic::error(codes::MISSING_KEY, "an item without a `json_path` text")
                        .at(Some(loc))
                        .help("each item needs `json_path: FILE.json` (the loader fails without it)"),
                );
                continue;
            }
        };
        if !(path.ends_with(".json") || path.ends_with(".jsonl")) {
            diags.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_PATH,
                    format!("`{path}`: LLaVA-NeXT loads only .json and .jsonl files"),
                )
                .at(Some(loc)),
            );
            continue;
        }
        let (strategy, sloc) = match item.get("sampling_strategy") {
            None => ("all".to_string(), loc.clone()),
            Some(n @ Node::Scalar(s, _)) => (s.clone(), loc_of(n)),
            Some(n) => {
                diags.push(
                    Diagnostic::error(codes::WRONG_TYPE, "`sampling_strategy` must be text")
                        .at(Some(loc_of(n))),
                );
                continue;
            }
        };
        let take = match parse_strategy(&strategy) {
            Ok((t, warn)) => {
                if let Some(w) = warn {
                    diags.push(Diagnostic::warning(codes::IMPORT_QUIRK, w).at(Some(sloc.clone())));
                }
                t
            }
            Err(why) => {
                diags.push(Diagnostic::error(codes::INVALID_VALUE, why).at(Some(sloc)).help(
                    "write `all`, or `first:K`, `end:K`, `random:K` with K a whole number or a whole percent (`first:10%`)",
                ));
                continue;
            }
        };
        match index.get(&path).map(|&i| &mut groups[i]) {
            Some(g) => g.takes.push((take, strategy)),
            None => {
                index.insert(path.clone(), groups.len());
                groups.push(Group { path, keys: vec![], takes: vec![(take, strategy)], loc, length: None })
            }
        }
    }
    groups
}

/// A `sampling_strategy` as the loader reads it, with a warning for its quirks.
fn parse_strategy(s: &str) -> Result<(Take, Option<String>), String> {
    let Some((kind, number)) = s.split_once(':') else {
        return Ok((
            Take::All,
            (s != "all")
                .then(|| format!("`{s}` is not a strategy the loader knows: it loads the whole file")),
        ));
    };
    if number.contains(':') {
        return Err(format!("`{s}` has two colons: the loader's split fails"));
    }
    let count = if let Some(p) = number.strip_suffix('%') {
        match p.parse::<u64>() {
            Ok(p) => Take::Percent(p),
            Err(_) => {
                return Err(format!("`{s}`: the loader reads the percent with int(), which refuses `{p}`"))
            }
        }
    } else {
        match number.parse::<u64>() {
            Ok(k) => Take::Head(k),
            Err(_) => {
                return Err(format!("`{s}`: the loader reads the count with int(), which refuses `{number}`"))
            }
        }
    };
    match kind {
        "first" | "end" | "random" => {
            if kind == "end" && matches!(count, Take::Head(0) | Take::Percent(0)) {
                // data[-0:] is the whole list
                return Ok((Take::All, Some(format!("`{s}`: data[-0:] is the whole file, not none of it"))));
            }
            let warn = (kind == "random").then(|| {
                format!("`{s}`: the loader shuffles with the global random state; the count is the same")
            });
            Ok((count, warn))
        }
        _ => Ok((
            Take::All,
            Some(format!("`{kind}` is not a strategy the loader knows: it loads the whole file")),
        )),
    }
}

// ---- InternVL meta JSON ---------------------------------------------

/// The meta JSON's objects in file order (a duplicate key keeps its last
/// value, as `json.loads` does).
struct Ordered(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Ordered {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of datasets")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<Ordered, A::Error> {
                let mut v: Vec<(String, serde_json::Value)> = Vec::new();
                while let Some((k, val)) = m.next_entry::<String, serde_json::Value>()? {
                    v.retain(|(k2, _)| *k2 != k);
                    v.push((k, val));
                }
                Ok(Ordered(v))
            }
        }
        d.deserialize_map(V)
    }
}

fn internvl_groups(file: FileId, sources: &Sources, diags: &mut Diagnostics) -> Vec<Group> {
    let text = sources.text(file);
    let line_loc = |line: usize, col: usize| {
        let start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        let s = (start + col.saturating_sub(1)).min(text.len());
        let s = crate::diag::floor_char_boundary(text, s);
        Loc::new(file, s..s)
    };
    let Ordered(objects) = match serde_json::from_str::<Ordered>(text) {
        Ok(o) => o,
        Err(e) => {
            diags.push(
                Diagnostic::error(codes::SYNTAX, format!("invalid meta JSON: {e}"))
                    .at(Some(line_loc(e.line(), e.column()))),
            );
            return vec![];
        }
    };
    // keys come in file order: search on from the last one found
    let from = std::cell::Cell::new(0usize);
    let key_loc = |key: &str| {
        let needle = serde_json::Value::String(key.to_string()).to_string();
        let s = match text[from.get()..].find(&needle) {
            Some(i) => from.get() + i,
            None => text.find(&needle).unwrap_or(0),
        };
        from.set(s);
        Loc::new(file, s..s + needle.len().min(text.len() - s))
    };
    let mut groups: Vec<Group> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (key, v) in objects {
        let loc = key_loc(&key);
        let field = |name: &str| v.get(name);
        let (Some(serde_json::Value::String(ann)), Some(_root)) = (field("annotation"), field("root")) else {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    format!("`{key}` needs `annotation` and `root` (the loader reads both)"),
                )
                .at(Some(loc)),
            );
            continue;
        };
        if field("data_augment").is_none() {
            diags.push(
                Diagnostic::error(
                    codes::MISSING_KEY,
                    format!("`{key}` has no `data_augment`: the finetune loader fails on it"),
                )
                .at(Some(loc.clone())),
            );
        }
        let take = match field("repeat_time") {
            Some(serde_json::Value::Number(n)) => match (n.as_u64(), n.as_f64()) {
                (Some(k), _) if k >= 1 => Take::Times(k),
                (_, Some(r)) if r > 0.0 && r < 1.0 => Take::Part(r),
                (_, Some(1.0)) => Take::All,
                (_, Some(r)) => {
                    diags.push(
                        Diagnostic::error(
                            codes::INVALID_VALUE,
                            format!("`{key}`: repeat_time {r} — above 1 it must be a JSON integer (the loader asserts it), and it must be above 0"),
                        )
                        .at(Some(loc)),
                    );
                    continue;
                }
                _ => continue,
            },
            _ => {
                diags.push(
                    Diagnostic::error(codes::MISSING_KEY, format!("`{key}` has no numeric `repeat_time`"))
                        .at(Some(loc)),
                );
                continue;
            }
        };
        if !ann.ends_with("jsonl") {
            diags.push(
                Diagnostic::error(
                    codes::UNSUPPORTED_PATH,
                    format!("`{key}`: the annotation must end in `jsonl` (the loader asserts it)"),
                )
                .at(Some(loc.clone())),
            );
            continue;
        }
        let written = match &take {
            Take::Times(k) => format!("repeat_time {k}"),
            Take::Part(r) => format!("repeat_time {r}"),
            _ => "repeat_time 1".into(),
        };
        // `length` is informational in the trainer; as a size hint it is
        // what the exporter wrote, so it stands in for a sizes-file line
        let key_name = key.split('#').next().unwrap_or(&key).to_string();
        match index.get(ann.as_str()).map(|&i| &mut groups[i]) {
            Some(g) => {
                g.takes.push((take, written));
                if !g.keys.contains(&key_name) {
                    g.keys.push(key_name);
                }
            }
            None => groups.push({
                index.insert(ann.clone(), groups.len());
                Group {
                    path: ann.clone(),
                    keys: vec![key_name],
                    takes: vec![(take, written)],
                    loc,
                    length: v.get("length").and_then(serde_json::Value::as_u64).filter(|&l| l > 0),
                }
            }),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_in_file_names() {
        assert_eq!(count_in_name("llava_next_fit_mix_filtered_text_wild_738590"), Some(738_590));
        assert_eq!(count_in_name("aokvqa_16539_llava_format"), Some(16_539));
        assert_eq!(count_in_name("magpie_pro_qwen2_72b_st_300000_sp_token_fltd_299992"), Some(299_992));
        assert_eq!(count_in_name("llava_wild_4v_39k"), None);
        assert_eq!(count_in_name("Evol-Instruct-GPT4-Turbo-143000"), Some(143_000));
        assert_eq!(count_in_name("sharegpt4o_dataset"), None);
    }

    #[test]
    fn strategies_as_the_loader_reads_them() {
        assert_eq!(parse_strategy("first:10%").unwrap().0, Take::Percent(10));
        assert_eq!(parse_strategy("end:3000").unwrap().0, Take::Head(3000));
        assert!(parse_strategy("first:12.5%").is_err());
        assert!(parse_strategy("first:1:2").is_err());
        let (t, w) = parse_strategy("end:0").unwrap();
        assert_eq!(t, Take::All);
        assert!(w.is_some());
        assert_eq!(parse_strategy("foo:10").unwrap().0, Take::All);
        // ceil(10% of 87,358) = 8,736
        assert_eq!(loaded(&Take::Percent(10), 87_358), 8_736);
    }

    #[test]
    fn amounts_keep_the_configs_words_when_the_size_is_unknown() {
        let t = |take: Take| (take, String::new());
        assert_eq!(amount(&[t(Take::Percent(10))], None, None), ", fraction = 0.1");
        assert_eq!(amount(&[t(Take::All), t(Take::All)], None, None), ", epochs = 2");
        assert_eq!(amount(&[t(Take::All)], None, None), "");
        assert_eq!(amount(&[t(Take::Head(500))], None, None), ", samples = 500");
        assert_eq!(amount(&[t(Take::All), t(Take::Head(5))], None, None), ", subset = true");
        // known size: 2 × 1,000 + 500
        assert_eq!(
            amount(&[t(Take::All), t(Take::All), t(Take::Head(500))], Some(1000), Some(1000)),
            ", samples = 2500"
        );
        assert_eq!(amount(&[t(Take::All), t(Take::All)], Some(1000), Some(1000)), ", epochs = 2");
        // a size the catalog does not have: the count, so the plan knows it
        assert_eq!(amount(&[t(Take::All)], Some(1000), None), ", samples = 1000");
    }
}
