//! Values shared by the catalog and recipe schemas, with deserializers whose
//! errors say what the field accepts (never serde's internal type names).

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;

/// A count as written: a TOML integer. Checked to be positive later, where
/// the field name and location are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count(pub i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number such as 48000")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                i64::try_from(v).map(Count).map_err(|_| E::custom(too_large(v)))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Count, E> {
                i64::try_from(v).map(Count).map_err(|_| E::custom(too_large(v)))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Count, E> {
                i64::try_from(v).map(Count).map_err(|_| E::custom(too_large(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                Err(E::custom(decimal_count(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                Err(E::custom(format!("`\"{v}\"` is text; write the count as an integer such as 48000")))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Count, E> {
                Err(E::custom(format!("`{v}` is not a count; write an integer such as 48000")))
            }
        }
        d.deserialize_any(V)
    }
}

fn too_large(v: impl fmt::Display) -> String {
    format!("`{v}` is too large; counts go up to 9,223,372,036,854,775,807 (2^63 − 1)")
}

/// A count written with a decimal point or an exponent.
fn decimal_count(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 9.3e18 {
        format!("`{v}` is written as a decimal number; write the count as an integer (`{v}`)")
    } else if v.is_finite() && v.abs() >= 9.3e18 {
        too_large(v)
    } else {
        format!("`{v}` is not a whole number; a count is an integer such as 48000")
    }
}

/// A count, or a size as its source writes it (`"1.2M"`, `"about 3 million"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CountOrText {
    Count(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for CountOrText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = CountOrText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a count (1200000) or the size in the source's words (\"1.2M\")")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<CountOrText, E> {
                Ok(CountOrText::Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<CountOrText, E> {
                i64::try_from(v).map(CountOrText::Count).map_err(|_| E::custom(too_large(v)))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<CountOrText, E> {
                i64::try_from(v).map(CountOrText::Count).map_err(|_| E::custom(too_large(v)))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<CountOrText, E> {
                i64::try_from(v).map(CountOrText::Count).map_err(|_| E::custom(too_large(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<CountOrText, E> {
                Err(E::custom(format!("{}, or the source's words as text (\"1.2M\")", decimal_count(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CountOrText, E> {
                Ok(CountOrText::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A number (integer or decimal), as for `fraction`, `epochs`, `weight`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Number(pub f64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Number;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number such as 0.5 or 2")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Number, E> {
                Ok(Number(v))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Number, E> {
                Ok(Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Number, E> {
                let hint = match v.trim().strip_suffix('%') {
                    Some(p) => match p.trim().parse::<f64>() {
                        Ok(p) => format!("; {v} is written `{}`", p / 100.0),
                        Err(_) => String::new(),
                    },
                    None => String::new(),
                };
                Err(E::custom(format!("`\"{v}\"` is text; write a number such as 0.5{hint}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A value that must be a table: a list or a scalar in its place gets
/// "expected a table" instead of being read as a list of fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Table<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Table<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Table<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table (`{ key = value }` or a `[header]` with keys under it)")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Table<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Table)
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<T: Default> Default for Table<T> {
    fn default() -> Self {
        Table(T::default())
    }
}

impl<T> std::ops::Deref for Table<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

// JSON Schemas of the values above, for editors (`mixplan schema`).

impl JsonSchema for Count {
    fn schema_name() -> Cow<'static, str> {
        "Count".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "integer",
            "minimum": 1,
            "maximum": i64::MAX,
            "description": "A whole number of samples (or bytes, hours, tokens), from 1 to 2^63 − 1."
        })
    }
}

impl JsonSchema for Number {
    fn schema_name() -> Cow<'static, str> {
        "Number".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "number", "description": "A number, integer or decimal (0.5, 2)." })
    }
}

impl JsonSchema for CountOrText {
    fn schema_name() -> Cow<'static, str> {
        "CountOrText".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A count (1200000) or the size in the source's words (\"1.2M\", \"about 1,093K\").",
            "anyOf": [
                { "type": "integer", "minimum": 1, "maximum": i64::MAX },
                { "type": "string", "minLength": 1 }
            ]
        })
    }
}

impl<T: JsonSchema> JsonSchema for Table<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }

    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }

    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }

    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}

/// Turns the wording of serde and the TOML parser into ours, for messages
/// that still come from them (a table where a string belongs, …).
pub fn friendly(message: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("struct RawEntry", "a mix entry such as `{ dataset = \"vqav2\" }`"),
        ("struct RawComponent", "a component such as `{ dataset = \"vqav2\", samples = 1000 }`"),
        ("struct RawStage", "a `[[stage]]` table"),
        ("struct RawDataset", "a `[[dataset]]` table"),
        ("struct RawRecipe", "a recipe"),
        ("struct RawCatalogFile", "a catalog file of `[[dataset]]` tables"),
        ("struct Links", "a table such as `{ hf = \"org/name\", paper = \"https://…\" }`"),
        ("struct Model", "a `[model]` table"),
        ("struct Training", "a `[stage.training]` table"),
        ("struct Eval", "an `[eval]` table"),
        ("struct TextTokens", "a table such as `{ per_sample = 120.5, source = \"…\" }`"),
        ("struct Sampling", "a `[stage.sampling]` table"),
        ("struct RawEval", "an `[eval]` table"),
        ("struct RawTraining", "a `[stage.training]` table"),
        ("a sequence", "a list such as `[\"a\", \"b\"]`"),
        ("sequence", "a list"),
        ("a string", "text in quotes"),
        ("i64", "an integer"),
        ("u64", "a whole number"),
        ("f64", "a number"),
        ("a boolean", "`true` or `false`"),
        ("bool", "`true` or `false`"),
        ("enum DatasetStage", "one of pretrain, sft, preference, eval"),
        ("enum StageKind", "one of pretrain, sft, preference"),
        ("enum Modality", "one of text, image, video, audio, multi-image, interleaved, 3d"),
        ("enum Task", "a task tag"),
        ("a map", "a table"),
        ("map", "a table"),
    ];
    let mut out = message.trim_end().to_string();
    // serde: "invalid type: map, expected …" → "expected …, found a table"
    if let Some(rest) = out.strip_prefix("invalid type: ").or_else(|| out.strip_prefix("invalid value: ")) {
        if let Some((found, expected)) = rest.split_once(", expected ") {
            let found = match found {
                "map" => "a table".to_string(),
                "sequence" => "a list".to_string(),
                f if f.starts_with("string ") => format!("the text {}", &f["string ".len()..]),
                f if f.starts_with("floating point ") => {
                    format!("the number {}", f["floating point ".len()..].trim_matches('`'))
                }
                f if f.starts_with("integer ") => {
                    format!("the number {}", f["integer ".len()..].trim_matches('`'))
                }
                f if f.starts_with("boolean ") => f["boolean ".len()..].to_string(),
                f => f.to_string(),
            };
            out = format!("expected {expected}, found {found}");
        }
    }
    if let Some(rest) = out.strip_prefix("unknown variant ") {
        let (value, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        out = format!("{value} is not one of {}", expected.trim_start_matches("one of ").replace('`', ""));
    }
    for (from, to) in NAMES {
        if out.contains(from) {
            out = out.replace(&format!("expected {from}"), &format!("expected {to}"));
        }
    }
    out
}
