//! Inputs at the edges: chains far deeper than any published recipe (no
//! stack overflow, the exact total), and the built-in data in another order
//! (the same output, byte for byte).

#[path = "../benches/gen.rs"]
#[allow(dead_code)]
mod gen;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn mixplan() -> Command {
    let mut c = Command::cargo_bin("mixplan").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn run(c: &mut Command) -> String {
    let out = c.output().expect("runs");
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The plan of the generated case as JSON: (unique, seen) of its last stage.
fn deep(case: &str, n: usize) -> (u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    gen::write_case(case, n, dir.path()).unwrap();
    let text = run(mixplan()
        .args(["--no-builtin", "--catalog"])
        .arg(dir.path().join("catalog"))
        .arg("--recipes")
        .arg(dir.path().join("recipes"))
        .args(["plan", &gen::recipe_of(case, n), "-f", "json"]));
    let plan: Value = serde_json::from_str(&text).unwrap();
    let stage = plan["stages"].as_array().unwrap().last().unwrap().clone();
    (stage["total_unique"].as_u64().unwrap(), stage["total_seen"].as_u64().unwrap())
}

#[test]
fn a_chain_of_15000_recipes_each_including_the_last_ones_stage() {
    // r1 takes `a` (100 samples) whole; r2..r15000 each include the previous
    // recipe's stage and add nothing.
    assert_eq!(deep("include", 15_000), (100, 100));
}

#[test]
fn a_chain_of_15000_recipes_each_extending_the_last() {
    assert_eq!(deep("extends", 15_000), (100, 100));
}

#[test]
fn a_composite_15000_levels_deep() {
    // c15000 holds c14999 ... c1, which holds `leaf` (7 samples).
    assert_eq!(deep("chain", 15_000), (7, 7));
}

/// Every array of tables under `key` in `v`, reversed, recursively.
fn reverse(v: &mut toml::Value, keys: &[&str]) {
    match v {
        toml::Value::Table(t) => {
            for (k, child) in t.iter_mut() {
                if keys.contains(&k.as_str()) {
                    if let toml::Value::Array(a) = child {
                        a.reverse();
                    }
                }
                reverse(child, keys);
            }
        }
        toml::Value::Array(a) => a.iter_mut().for_each(|c| reverse(c, keys)),
        _ => {}
    }
}

/// The built-in files written to `to`, in the reverse file order (names
/// sort the other way), each with its lists under `keys` reversed.
fn permuted(from: &str, to: &Path, keys: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(from))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    names.sort();
    let n = names.len();
    for (i, path) in names.iter().enumerate() {
        let mut v: toml::Value = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        reverse(&mut v, keys);
        let name = format!("{:04}-{}", n - i, path.file_name().unwrap().to_string_lossy());
        std::fs::write(to.join(name), toml::to_string(&v).unwrap()).unwrap();
    }
}

#[test]
fn the_same_data_in_another_order_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let (cat, rec) = (dir.path().join("catalog"), dir.path().join("recipes"));
    permuted("catalog", &cat, &["dataset", "components", "aliases", "image_sources"]);
    permuted("recipes", &rec, &["mix"]);
    let commands: [&[&str]; 3] = [
        &["compare", "--all", "-f", "json"],
        &["export", "--all", "--out", "-"],
        &["catalog", "list", "-f", "csv"],
    ];
    for args in commands {
        let builtin = run(mixplan().args(args));
        let other = run(mixplan()
            .arg("--no-builtin")
            .arg("--catalog")
            .arg(&cat)
            .arg("--recipes")
            .arg(&rec)
            .args(args));
        assert!(
            builtin == other,
            "`mixplan {}` differs when the files, datasets and entries are reordered",
            args.join(" ")
        );
    }
}
