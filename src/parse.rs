//! TOML text into the raw schema types, with errors in our words: a syntax
//! or schema problem becomes a diagnostic at the offending span, naming the
//! key and what it accepts.

use crate::diag::{codes, Diagnostic, Diagnostics, FileId, Loc};
use serde::de::DeserializeOwned;

/// Parses TOML into a raw schema type; a syntax or schema error becomes a
/// diagnostic pointing at the offending span, in our words.
pub fn parse_toml<T: DeserializeOwned>(file: FileId, text: &str, diags: &mut Diagnostics) -> Option<T> {
    match toml::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            diags.push(toml_error(file, text, &e));
            None
        }
    }
}

fn toml_error(file: FileId, text: &str, e: &toml::de::Error) -> Diagnostic {
    let raw = e.message().trim_end();
    let first = raw.lines().next().unwrap_or(raw);
    let span = e.span().map(|s| if first.contains("string") { fix_span(text, s) } else { s });
    let key = span.as_ref().and_then(|s| key_before(text, s.start));
    let (code, message, help) = if let Some(field) = first.strip_prefix("unknown field ") {
        let field = field.split(',').next().unwrap_or(field).trim();
        let expected = first.split_once("expected ").map(|(_, e)| e.to_string());
        let help = expected.map_or("check the spelling; the format is in the README".to_string(), |e| {
            format!("the keys here are {e}")
        });
        (codes::UNKNOWN_KEY, format!("unknown key {field}"), Some(help))
    } else if let Some(field) = first.strip_prefix("missing field ") {
        (
            codes::MISSING_KEY,
            format!("missing key {field}"),
            Some("add the key; the format is in the README".into()),
        )
    } else if [
        "invalid type",
        "invalid value",
        "invalid length",
        "unknown variant",
        "invalid id",
        "`",
        "an id ",
    ]
    .iter()
    .any(|p| first.starts_with(p))
    {
        let what = crate::schema::friendly(first);
        let what = match what.strip_prefix("unknown variant ") {
            Some(rest) => {
                let (value, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
                format!(
                    "{value} is not one of the accepted values: {}",
                    expected.trim_start_matches("one of ").replace('`', "")
                )
            }
            None => what,
        };
        let message = match &key {
            Some(k) => format!("`{k}`: {what}"),
            None => what,
        };
        let code = if first.starts_with("invalid id") || first.starts_with("an id ") {
            codes::INVALID_ID
        } else {
            codes::WRONG_TYPE
        };
        (code, message, None)
    } else {
        (codes::SYNTAX, format!("invalid TOML: {}", crate::schema::friendly(first)), None)
    };
    Diagnostic::error(code, message).at(span.map(|s| Loc::new(file, s))).maybe_help(help)
}

/// The parser points at the end of an unclosed string, which is the next
/// line; point at its opening quote instead.
fn fix_span(text: &str, span: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let start = crate::diag::floor_char_boundary(text, span.start);
    let end = crate::diag::floor_char_boundary(text, span.end.max(start));
    if start > 0 && (start == text.len() || text[..start].ends_with('\n')) {
        // Back to the last line with content.
        let line_end = text[..start].trim_end_matches(['\n', '\r']).len();
        let line_start = text[..line_end].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[line_start..line_end];
        if let Some(q) = line.rfind('"') {
            return line_start + q..line_end;
        }
        return line_start..line_end;
    }
    start..end
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
    fn an_unclosed_string_points_at_its_line() {
        // the parser reports the offset after the newline (line 3); the
        // string opens on line 2
        let t = "a = 1\nname = \"open\n";
        let fixed = fix_span(t, t.len()..t.len());
        assert_eq!(&t[fixed], "\"open");
    }
}
