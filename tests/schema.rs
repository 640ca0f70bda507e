//! `mixplan schema recipe|catalog`: JSON Schemas of the TOML formats, for
//! editors. Each is a valid draft-07 schema; every built-in file, read as
//! JSON, validates against it with a JSON-Schema validator (the `jsonschema`
//! crate, which the editors' validators agree with on draft-07); the usual
//! mistakes fail it; and the copies in `schemas/` (which `.taplo.toml`
//! gives editors for this repository) are the binary's current output.

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn schema(kind: &str) -> Value {
    let out = Command::cargo_bin("mixplan").expect("binary").args(["schema", kind]).output().expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

fn toml_as_json(text: &str) -> Value {
    let v: toml::Value = toml::from_str(text).expect("TOML");
    serde_json::to_value(v).expect("as JSON")
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    v.sort();
    v
}

#[test]
fn the_schemas_are_valid_draft_07() {
    for kind in ["recipe", "catalog"] {
        let s = schema(kind);
        assert_eq!(s["$schema"], "http://json-schema.org/draft-07/schema#");
        assert!(jsonschema::meta::is_valid(&s), "{kind}");
        assert_eq!(s["additionalProperties"], false, "{kind}: unknown keys are refused");
    }
}

#[test]
fn every_builtin_file_validates() {
    for (kind, dir, at_least) in [("recipe", "recipes", 50), ("catalog", "catalog", 10)] {
        let validator = jsonschema::draft7::new(&schema(kind)).expect("compiles");
        let list = files(dir);
        assert!(list.len() >= at_least, "{dir}: {} files", list.len());
        for f in list {
            let text = std::fs::read_to_string(&f).expect("read");
            let errs = errors(&validator, &toml_as_json(&text));
            assert!(errs.is_empty(), "{}: {errs:#?}", f.display());
        }
    }
}

#[test]
fn the_usual_mistakes_fail_with_the_key_named() {
    let recipe = jsonschema::draft7::new(&schema("recipe")).expect("compiles");
    let cases = [
        // a misspelt key
        ("id = \"x\"\nname = \"X\"\n[[stages]]\nid = \"sft\"\nkind = \"sft\"\n", ""),
        // a stage kind that does not exist
        ("id = \"x\"\nname = \"X\"\n[[stage]]\nid = \"sft\"\nkind = \"finetune\"\n", "/stage/0/kind"),
        // a fraction above 1
        (
            "id = \"x\"\nname = \"X\"\n[[stage]]\nid = \"sft\"\nkind = \"sft\"\nmix = [{ dataset = \"a\", fraction = 1.5 }]\n",
            "/stage/0/mix/0/fraction",
        ),
        // a count written as text
        (
            "id = \"x\"\nname = \"X\"\n[[stage]]\nid = \"sft\"\nkind = \"sft\"\nmix = [{ dataset = \"a\", samples = \"5k\" }]\n",
            "/stage/0/mix/0/samples",
        ),
        // an id with a capital letter, and no name
        ("id = \"X\"\n", ""),
    ];
    for (text, path) in cases {
        let errs = errors(&recipe, &toml_as_json(text));
        assert!(!errs.is_empty(), "accepted:\n{text}");
        assert!(errs.iter().any(|e| e.ends_with(&format!(" at {path}"))), "{text}\n{errs:#?}");
    }
    let catalog = jsonschema::draft7::new(&schema("catalog")).expect("compiles");
    let errs = errors(
        &catalog,
        &toml_as_json(
            "[[dataset]]\nid = \"a\"\nname = \"A\"\nsamples = 0\nmodalities = [\"imgae\"]\nsource = \"x\"\n",
        ),
    );
    assert!(errs.iter().any(|e| e.ends_with(" at /dataset/0/samples")), "{errs:#?}");
    assert!(errs.iter().any(|e| e.ends_with(" at /dataset/0/modalities/0")), "{errs:#?}");
}

#[test]
fn the_repository_copies_are_current_and_taplo_uses_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for kind in ["recipe", "catalog"] {
        let path = root.join(format!("schemas/{kind}.schema.json"));
        let saved: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("schemas/ copy")).expect("JSON");
        assert_eq!(
            saved,
            schema(kind),
            "{} is out of date: `mixplan schema {kind} > schemas/{kind}.schema.json`",
            path.display()
        );
    }
    let taplo: toml::Value =
        toml::from_str(&std::fs::read_to_string(root.join(".taplo.toml")).expect("read")).expect("TOML");
    let rules = taplo["rule"].as_array().expect("rules");
    for (glob, file) in
        [("recipes/*.toml", "schemas/recipe.schema.json"), ("catalog/*.toml", "schemas/catalog.schema.json")]
    {
        assert!(
            rules
                .iter()
                .any(|r| r["include"].as_array().is_some_and(|i| i.iter().any(|g| g.as_str() == Some(glob)))
                    && r["schema"]["path"].as_str() == Some(file)),
            "{glob} → {file} in .taplo.toml"
        );
    }
}
