//! JSON Schemas of the recipe and catalog TOML formats, for editors (taplo,
//! Even Better TOML) that complete keys and check values as one types.
//!
//! The schemas are derived from the raw schema types the parser reads
//! ([`crate::recipe::schema`], [`crate::catalog::schema`]), so they cannot
//! drift from the formats; the values that need a hand-written schema
//! (counts, numbers, ids) are in [`crate::schema`] and [`crate::id`]. They
//! are JSON Schema draft-07, which the TOML language servers read. A schema
//! checks the form of a file; `mixplan check` checks the rest (ids that
//! exist, sizes that add up).

use schemars::generate::SchemaSettings;
use serde_json::Value;

/// Which file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaKind {
    /// A recipe file (`recipes/*.toml`).
    Recipe,
    /// A catalog file (`catalog/*.toml`).
    Catalog,
}

/// The JSON Schema of one format.
pub fn schema(kind: SchemaKind) -> Value {
    let generator = SchemaSettings::draft07().into_generator();
    let (schema, title, description) = match kind {
        SchemaKind::Recipe => (
            generator.into_root_schema_for::<crate::recipe::schema::RawRecipe>(),
            "mixplan recipe",
            "One model's training stages and what each takes from the dataset catalog.",
        ),
        SchemaKind::Catalog => (
            generator.into_root_schema_for::<crate::catalog::schema::RawCatalogFile>(),
            "mixplan catalog",
            "Published datasets, one `[[dataset]]` table each, every figure with its source.",
        ),
    };
    let mut v = schema.to_value();
    if let Value::Object(o) = &mut v {
        o.insert("title".into(), title.into());
        o.insert("description".into(), description.into());
    }
    no_null(&mut v);
    v
}

/// TOML has no null: an optional key is one left out, never one set to null.
fn no_null(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if let Some(Value::Array(types)) = o.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let t = types[0].clone();
                    o.insert("type".into(), t);
                }
            }
            for key in ["anyOf", "oneOf"] {
                if let Some(Value::Array(list)) = o.get_mut(key) {
                    list.retain(|s| s.get("type").is_none_or(|t| t != "null"));
                    if list.len() == 1 {
                        let only = list.remove(0);
                        o.remove(key);
                        match only {
                            // Draft-07 ignores the keys beside a `$ref`
                            // (`maximum = 1` of a fraction): keep it apart.
                            Value::Object(inner) if inner.contains_key("$ref") => {
                                o.insert("allOf".into(), Value::Array(vec![Value::Object(inner)]));
                            }
                            Value::Object(inner) => {
                                for (k, val) in inner {
                                    o.entry(k).or_insert(val);
                                }
                            }
                            other => {
                                o.insert("allOf".into(), Value::Array(vec![other]));
                            }
                        }
                    }
                }
            }
            o.values_mut().for_each(no_null);
        }
        Value::Array(a) => a.iter_mut().for_each(no_null),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn optional_keys_are_never_null_and_unknown_keys_are_refused() {
        let v = schema(SchemaKind::Recipe);
        let text = v.to_string();
        assert!(!text.contains("\"null\""), "{text}");
        assert_eq!(v["additionalProperties"], false);
        assert_eq!(v["required"], serde_json::json!(["id", "name"]));
        assert_eq!(v["$schema"], "http://json-schema.org/draft-07/schema#");
    }

    #[test]
    fn a_ref_has_no_siblings_that_draft_07_would_ignore() {
        fn check(v: &Value) {
            match v {
                Value::Object(o) => {
                    if o.contains_key("$ref") {
                        assert_eq!(o.len(), 1, "{v}");
                    }
                    o.values().for_each(check);
                }
                Value::Array(a) => a.iter().for_each(check),
                _ => {}
            }
        }
        check(&schema(SchemaKind::Recipe));
        check(&schema(SchemaKind::Catalog));
        let fraction = &schema(SchemaKind::Recipe)["definitions"]["RawEntry"]["properties"]["fraction"];
        assert_eq!(fraction["maximum"], 1, "{fraction}");
        assert_eq!(fraction["allOf"][0]["$ref"], "#/definitions/Number", "{fraction}");
    }
}
