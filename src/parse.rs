//! TOML text into the raw schema types, with errors in our words: a syntax
//! or schema problem becomes a diagnostic at the offending span, naming the
//! key and what it accepts.

use crate::diag::{codes, suggest, Diagnostic, Diagnostics, FileId, Loc};
use serde::de::DeserializeOwned;
use std::ops::Range;

/// Parses TOML into a raw schema type; a syntax or schema error becomes a
/// diagnostic pointing at the offending span, in our words. Plain TOML is
/// read by [`crate::plain_toml`]; whatever that leaves, errors included, by
/// the `toml` crate.
pub fn parse_toml<T: DeserializeOwned>(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<T> {
    if let Ok(v) = crate::plain_toml::from_str(text) {
        return Some(v);
    }
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(toml_error(file, text, &e));
            None
        }
    }
}

/// What one table of a `[[key]]` list gave: its value, or, when it could
/// not be read, the id it names (with where) if it names one.
pub type Entry<T> = Result<T, Option<(String, Range<usize>)>>;

/// Reads a file that holds one list of tables, `[[key]]`, table by table: a
/// mistake in one table costs that table only, and every table's first
/// mistake is reported. A syntax error, a key other than `key` at the top,
/// or a `key` that is not a list of tables stops the file. Each table read
/// (or not) goes to `each`, in the file's order, which may keep something
/// of it.
pub fn parse_tables<T: DeserializeOwned, U>(
    file: FileId,
    text: &str,
    key: &str,
    diags: &mut Diagnostics,
    mut each: impl FnMut(Entry<T>, &mut Diagnostics) -> Option<U>,
) -> Vec<U> {
    use toml::de::{DeTable, DeValue, ValueDeserializer};
    // Plain TOML: each table handed on as soon as it is read. If the quick
    // reader gives up part way, what it gave is dropped and the file is
    // read again below.
    let mut kept = Vec::new();
    let mut said = Diagnostics::default();
    let quick = crate::plain_toml::tables_each(text, key, |t| kept.extend(each(Ok(t), &mut said)));
    if quick.is_ok() {
        diags.extend(said.into_vec());
        return kept;
    }
    drop(kept);
    let root = match DeTable::parse(text) {
        Ok(root) => root.into_inner(),
        Err(e) => {
            diags.push(toml_error(file, text, &e));
            return Vec::new();
        }
    };
    let mut list = None;
    for (k, v) in root {
        if k.get_ref() == key {
            list = Some(v);
            continue;
        }
        diags.push(
            Diagnostic::error(codes::UNKNOWN_KEY, format!("unknown key `{}`", k.get_ref()))
                .at(Some(Loc::new(file, k.span())))
                .help(format!("this file holds `[[{key}]]` tables only")),
        );
        return Vec::new();
    }
    let Some(list) = list else { return Vec::new() };
    let span = list.span();
    let DeValue::Array(items) = list.into_inner() else {
        diags.push(
            Diagnostic::error(codes::WRONG_TYPE, format!("`{key}`: expected a list of tables"))
                .at(Some(Loc::new(file, span)))
                .help(format!("write `[[{key}]]` with two brackets: the file holds a list of them")),
        );
        return Vec::new();
    };
    // Every table read first, then handed on: the errors of reading come
    // before what `each` finds.
    let entries: Vec<Entry<T>> = items
        .into_iter()
        .map(|item| {
            let id = item
                .get_ref()
                .as_table()
                .and_then(|t| t.get("id"))
                .and_then(|v| v.get_ref().as_str().map(|s| (s.to_string(), v.span())));
            T::deserialize(ValueDeserializer::from(item)).map_err(|e| {
                diags.push(toml_error(file, text, &e));
                id
            })
        })
        .collect();
    entries.into_iter().filter_map(|e| each(e, diags)).collect()
}

/// Messages of ours (from the value visitors in [`crate::schema`]) and of
/// serde's derive, as opposed to the TOML parser's own.
fn from_schema(first: &str) -> bool {
    [
        "invalid type:",
        "invalid value:",
        "invalid length",
        "unknown variant",
        "invalid id",
        "an id ",
        "expected a table",
    ]
    .iter()
    .any(|p| first.starts_with(p))
        || (first.starts_with('`') && !first.starts_with("`_`"))
}

fn toml_error(file: FileId, text: &str, e: &toml::de::Error) -> Diagnostic {
    let raw = e.message().trim_end();
    let first = raw.lines().next().unwrap_or(raw);
    let span = match e.span() {
        Some(s) if first.contains("string") => Some(fix_span(text, s, first)),
        Some(s) => Some(s),
        None => deepest_line(text).filter(|_| first.contains("recursion")),
    };
    let key = span.as_ref().and_then(|s| key_before(text, s.start).or_else(|| header_at(text, s)));
    let at = |k: &Option<String>, what: String| match k {
        Some(k) => format!("`{k}`: {what}"),
        None => what,
    };
    let (code, message, help) = if let Some(field) = first.strip_prefix("unknown field ") {
        let field = field.split(',').next().unwrap_or(field).trim();
        let expected: Vec<&str> = first
            .split_once("expected ")
            .map(|(_, e)| e.trim_start_matches("one of ").split(", ").map(|k| k.trim_matches('`')).collect())
            .unwrap_or_default();
        let close = suggest(field.trim_matches('`'), expected.iter().copied());
        let list = expected.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
        let help = match close {
            Some(c) => format!("{c} (the keys here are {list})"),
            None if list.is_empty() => "check the spelling; the format is in the README".to_string(),
            None => format!("the keys here are {list}"),
        };
        (codes::UNKNOWN_KEY, format!("unknown key {field}"), Some(help))
    } else if let Some(field) = first.strip_prefix("missing field ") {
        (
            codes::MISSING_KEY,
            format!("missing key {field}"),
            Some("add the key; the format is in the README".into()),
        )
    } else if first == "wanted string or table" {
        // a list or number where a name of a fixed set belongs
        let accepted = key.as_deref().and_then(accepted_values);
        let what = match accepted {
            Some(a) => format!("expected one of {a}"),
            None => "expected text in quotes".to_string(),
        };
        (codes::WRONG_TYPE, at(&key, what), None)
    } else if from_schema(first) {
        let what = crate::schema::friendly(first);
        let help = match key.as_deref() {
            Some(k @ ("stage" | "dataset")) if what.contains("found a table") => {
                Some(format!("write `[[{k}]]` with two brackets: the file holds a list of them"))
            }
            _ => None,
        };
        let code = if first.starts_with("invalid id") || first.starts_with("an id ") {
            codes::INVALID_ID
        } else if first.contains("too large") {
            codes::INVALID_VALUE
        } else {
            codes::WRONG_TYPE
        };
        (code, at(&key, what), help)
    } else {
        syntax(text, span.as_ref(), first)
    };
    Diagnostic::error(code, message).at(span.map(|s| Loc::new(file, s))).maybe_help(help)
}

/// A syntax error, in words a person can act on.
fn syntax(text: &str, span: Option<&Range<usize>>, first: &str) -> (&'static str, String, Option<String>) {
    let first = first.trim_end_matches(", expected nothing");
    let at_span = span.map(|s| {
        &text[crate::diag::floor_char_boundary(text, s.start)..crate::diag::floor_char_boundary(text, s.end)]
    });
    if first.starts_with("duplicate key") {
        let key = at_span.map(|k| k.trim().trim_matches('"')).filter(|k| !k.is_empty());
        let message = key.map_or("a key is set twice".to_string(), |k| format!("the key `{k}` is set twice"));
        return (codes::SYNTAX, message, Some("keep one of the two; a table can set each key once".into()));
    }
    if first.contains("must be quoted") && span.is_some_and(|s| line_after_equals_is_empty(text, s.start)) {
        return (
            codes::SYNTAX,
            "a value is missing after `=`".into(),
            Some("write the value, or remove the key".into()),
        );
    }
    if first.contains("number too large") || first.contains("integer number overflowed") {
        return (
            codes::INVALID_VALUE,
            "the number is too large: counts go up to 9,223,372,036,854,775,807 (2^63 − 1)".into(),
            None,
        );
    }
    if first.contains("recursion limit") {
        return (
            codes::SYNTAX,
            "the keys or values nest too deeply to read".into(),
            Some("no mixplan file needs this depth; check the line for a repeated key or bracket".into()),
        );
    }
    let help = if first.contains("escape") {
        Some("write `\\\\` for a backslash, or use a literal string in single quotes".into())
    } else if first.contains("unclosed") || first.contains("unterminated") {
        Some("close it where it ends".into())
    } else {
        None
    };
    (codes::SYNTAX, format!("invalid TOML: {}", crate::schema::friendly(first)), help)
}

/// The accepted values of a key that names one of a fixed set.
fn accepted_values(key: &str) -> Option<String> {
    let list: Vec<&str> = match key {
        "kind" => crate::recipe::schema::StageKind::ALL.iter().map(|k| k.as_str()).collect(),
        "stages" => crate::catalog::schema::DatasetStage::ALL.iter().map(|k| k.as_str()).collect(),
        "modalities" => crate::catalog::schema::Modality::ALL.iter().map(|k| k.as_str()).collect(),
        "tasks" => crate::catalog::schema::Task::ALL.iter().map(|k| k.as_str()).collect(),
        _ => return None,
    };
    Some(list.join(", "))
}

fn line_after_equals_is_empty(text: &str, offset: usize) -> bool {
    let offset = crate::diag::floor_char_boundary(text, offset);
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    let line = &text[line_start..line_end];
    line.split_once('=').is_some_and(|(_, v)| v.trim().is_empty() || v.trim().starts_with('#'))
}

/// The parser points at the end of an unclosed string (often the next line
/// or the end of the file); point at its opening quote instead.
fn fix_span(text: &str, span: Range<usize>, message: &str) -> Range<usize> {
    let start = crate::diag::floor_char_boundary(text, span.start);
    let end = crate::diag::floor_char_boundary(text, span.end.max(start));
    if message.contains("multiline") || message.contains("multi-line") {
        let open = if message.contains("literal") { "'''" } else { "\"\"\"" };
        if let Some(q) = text[..start].rfind(open) {
            return q..q + 3;
        }
    }
    let quote = if message.contains("literal") { '\'' } else { '"' };
    let back_to_line = start > 0 && (start == text.len() || text[..start].ends_with('\n'));
    let probe = if back_to_line { text[..start].trim_end_matches(['\n', '\r']).len() } else { start };
    let line_start = text[..probe].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..probe];
    match line.rfind(quote) {
        Some(q) => line_start + q..probe.max(line_start + q + 1),
        None if back_to_line => line_start..probe,
        None => start..end,
    }
}

/// The line whose keys or brackets nest deepest (where a recursion limit
/// was hit; the parser gives no place for it).
fn deepest_line(text: &str) -> Option<Range<usize>> {
    let mut best: Option<(usize, Range<usize>)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        let key = content.split('=').next().unwrap_or("");
        let depth = key.matches('.').count() + content.matches(['[', '{']).count();
        if best.as_ref().is_none_or(|(d, _)| depth > *d) {
            best = Some((depth, offset..offset + content.len()));
        }
        offset += line.len();
    }
    best.filter(|(d, _)| *d > 0).map(|(_, r)| r)
}

/// The name of a table header at a span: `stage` for `[stage]`.
fn header_at(text: &str, span: &Range<usize>) -> Option<String> {
    let t = text.get(span.clone())?.trim();
    let name = t.strip_prefix('[')?.strip_suffix(']')?.trim_matches(['[', ']']).trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// The key a value at `offset` belongs to: `fraction` in `fraction = "50%"`.
fn key_before(text: &str, offset: usize) -> Option<String> {
    let offset = crate::diag::floor_char_boundary(text, offset);
    let before = &text[..offset];
    let line_start = before.rfind(['\n', '{']).map_or(0, |i| i + 1);
    let line_start = match before[line_start..].rfind(',') {
        // `a = 1, b = "x"`: the key after the last comma, unless the comma
        // is inside the list the value belongs to
        Some(c) if before[line_start + c..].contains('=') => line_start + c + 1,
        _ => line_start,
    };
    let seg = before[line_start..].trim_end().trim_end_matches(['[', ' ']);
    let key = seg.strip_suffix('=')?.trim();
    let key = key.rsplit(['.', ' ']).next()?.trim_matches('"');
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .then(|| key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_of_a_value() {
        let t = "a = 1\nmix = [{ dataset = \"x\", fraction = \"50%\" }]\n";
        let at = t.find("\"50%\"").unwrap();
        assert_eq!(key_before(t, at).as_deref(), Some("fraction"));
        let t = "[stage.training]\nlearning_rate = \"x\"\n";
        assert_eq!(key_before(t, t.find("\"x\"").unwrap()).as_deref(), Some("learning_rate"));
    }

    #[test]
    fn an_unclosed_string_points_at_its_opening_quote() {
        // the parser reports the offset after the newline (line 3); the
        // string opens on line 2
        let t = "a = 1\nname = \"open\n";
        let fixed = fix_span(t, t.len()..t.len(), "invalid basic string");
        assert_eq!(&t[fixed], "\"open");
        let t = "a = 1\nnotes = \"\"\"\nmany\nlines\n";
        let fixed = fix_span(t, t.len()..t.len(), "invalid multiline basic string");
        assert_eq!(&t[fixed], "\"\"\"");
    }

    #[test]
    fn the_deepest_line_is_found() {
        let t = "a = 1\nb.c.d.e = 2\nf = 3\n";
        let r = deepest_line(t).unwrap();
        assert_eq!(&t[r], "b.c.d.e = 2");
    }
}
