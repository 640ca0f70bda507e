//! Identifiers of datasets, recipes and stages, validated when they are read.

use serde::{Deserialize, Deserializer, Serialize};
use std::borrow::Cow;
use std::fmt;

/// A name as looked up: trimmed, lowercase, `_` and spaces as `-`
/// (`LLaVA_Instruct` finds `llava-instruct`). Two ids or aliases with the
/// same folded name are an error.
pub fn fold(name: &str) -> Cow<'_, str> {
    // an ASCII byte other than a space at each end: nothing to trim
    let bare = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii() && !b.is_ascii_whitespace());
    let t = if bare(name.as_bytes().first()) && bare(name.as_bytes().last()) { name } else { name.trim() };
    if t.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.') {
        return Cow::Borrowed(t);
    }
    Cow::Owned(
        t.chars()
            .map(|c| match c {
                '_' | ' ' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect(),
    )
}

/// A lowercase identifier: `[a-z0-9]` first, then `[a-z0-9._-]`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Id(Box<str>);

impl Id {
    /// Checks the spelling rule; the error says what is wrong.
    pub fn parse(s: &str) -> Result<Id, String> {
        let mut chars = s.chars();
        match chars.next() {
            None => return Err("an id cannot be empty".into()),
            Some(c) if !(c.is_ascii_lowercase() || c.is_ascii_digit()) => {
                return Err(format!("invalid id `{s}`: it must start with a lowercase letter or a digit"))
            }
            _ => {}
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')))
        {
            return Err(format!(
                "invalid id `{s}`: `{bad}` is not allowed (use lowercase letters, digits, `.`, `_` and `-`)"
            ));
        }
        Ok(Id(s.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl schemars::JsonSchema for Id {
    fn schema_name() -> Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9._-]*$",
            "description": "An id: lowercase letters, digits, `.`, `_` and `-`, starting with a letter or a digit."
        })
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Id {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <Cow<'de, str>>::deserialize(d)?;
        Id::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::borrow::Borrow<str> for Id {
    fn borrow(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_catalog_spelling() {
        assert!(Id::parse("llava-v1.5-mix665k").is_ok());
        assert!(Id::parse("3d-llm_data").is_ok());
    }

    #[test]
    fn names_fold_to_one_key() {
        assert_eq!(fold("LLaVA_Instruct 150K"), "llava-instruct-150k");
        assert_eq!(fold("a_b"), fold("a-b"));
        assert!(matches!(fold("vqav2"), Cow::Borrowed(_)));
        // spaces at the ends go, Unicode ones too; inner ones become `-`
        assert_eq!(fold("  vqav2\t"), "vqav2");
        assert_eq!(fold("\u{3000}vqav2\u{a0}"), "vqav2");
        assert_eq!(fold("\u{3000}"), "");
        assert_eq!(fold(""), "");
        assert_eq!(fold("é b"), "é-b");
    }

    #[test]
    fn rejects_capitals_spaces_and_leading_punctuation() {
        assert!(Id::parse("LLaVA").unwrap_err().contains("must start"));
        assert!(Id::parse("llava 665k").unwrap_err().contains("` ` is not allowed"));
        assert!(Id::parse("-x").is_err());
        assert!(Id::parse("").is_err());
    }
}
