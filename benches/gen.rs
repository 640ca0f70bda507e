//! The scale and depth inputs of the benchmarks, written into a directory:
//! `catalog/` and `recipes/` folders to pass to `mixplan --no-builtin
//! --catalog DIR/catalog --recipes DIR/recipes`. Used by `benches/plan.rs`
//! and by `examples/gen.rs` (for `benches/run.sh`).
//!
//! Cases (N is the size of the case):
//! - `flat`: N datasets in 10 catalog files, one recipe `r` of one stage
//!   taking every tenth dataset (N/10 entries);
//! - `chain`: a composite chain N deep (c1 holds a leaf, c(k) holds c(k-1));
//!   the recipe takes the top;
//! - `comb`: N composites, c(k) holding leaf l(k) and c(k+1): N leaves, the
//!   k-th k composites deep; the recipe takes c0;
//! - `diamond`: N levels of two composites, each holding both of the level
//!   below (2^N paths); the recipe takes 1,000 samples of the top;
//! - `extends`: N recipes, r1 with one stage and r(k) extending r(k-1); plan
//!   `rN`;
//! - `include`: N recipes, r(k) with one stage including r(k-1)'s stage;
//!   plan `rN`;
//! - `weights`: one stage of N weighted entries over N datasets (budget
//!   10^12);
//! - `samples`: the same stage with `samples =` instead of weights.

use std::fmt::Write as _;
use std::path::Path;

fn dataset(out: &mut String, id: &str, samples: Option<u64>, components: &str) {
    let _ = writeln!(out, "[[dataset]]\nid = \"{id}\"\nname = \"Dataset {id}\"\nstages = [\"sft\"]");
    let _ = writeln!(out, "modalities = [\"image\"]\nlanguages = [\"en\"]");
    if let Some(n) = samples {
        let _ = writeln!(out, "samples = {n}");
    }
    if !components.is_empty() {
        let _ = writeln!(out, "components = [{components}]");
    }
    let _ = writeln!(out, "license = \"CC-BY-4.0\"\nsource = \"generated for the benchmarks\"\n");
}

fn recipe_head(out: &mut String, id: &str) {
    let _ = writeln!(out, "id = \"{id}\"\nname = \"Recipe {id}\"\nsource = \"generated\"\n");
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).expect("create the output directory");
    std::fs::write(dir.join(name), text).expect("write a file");
}

/// The recipe to plan for a case of size `n`.
pub fn recipe_of(case: &str, n: usize) -> String {
    match case {
        "extends" | "include" => format!("r{n}"),
        _ => "r".into(),
    }
}

/// Writes case `case` of size `n` into `out`; `Err` for an unknown case.
pub fn write_case(case: &str, n: usize, out: &Path) -> Result<(), String> {
    let (cat, rec) = (out.join("catalog"), out.join("recipes"));
    match case {
        "flat" => {
            let files = 10;
            for f in 0..files {
                let mut text = String::new();
                for i in (f..n).step_by(files) {
                    dataset(&mut text, &format!("d{i}"), Some(1000 + (i as u64 % 977)), "");
                }
                write(&cat, &format!("part{f:02}.toml"), &text);
            }
            let mut r = String::new();
            recipe_head(&mut r, "r");
            let _ = writeln!(r, "[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [");
            for i in (0..n).step_by(10) {
                let _ = writeln!(r, "  {{ dataset = \"d{i}\" }},");
            }
            let _ = writeln!(r, "]");
            write(&rec, "r.toml", &r);
        }
        "chain" => {
            let mut text = String::new();
            dataset(&mut text, "leaf", Some(7), "");
            dataset(&mut text, "c1", None, "{ dataset = \"leaf\" }");
            for k in 2..=n {
                dataset(&mut text, &format!("c{k}"), None, &format!("{{ dataset = \"c{}\" }}", k - 1));
            }
            write(&cat, "chain.toml", &text);
            let mut r = String::new();
            recipe_head(&mut r, "r");
            let _ = writeln!(r, "[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{{ dataset = \"c{n}\" }}]");
            write(&rec, "r.toml", &r);
        }
        "comb" => {
            let mut text = String::new();
            for k in 0..n {
                dataset(&mut text, &format!("l{k}"), Some(100), "");
                let next =
                    if k + 1 < n { format!(", {{ dataset = \"c{}\" }}", k + 1) } else { String::new() };
                dataset(&mut text, &format!("c{k}"), None, &format!("{{ dataset = \"l{k}\" }}{next}"));
            }
            write(&cat, "comb.toml", &text);
            let mut r = String::new();
            recipe_head(&mut r, "r");
            let _ = writeln!(r, "[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{{ dataset = \"c0\" }}]");
            write(&rec, "r.toml", &r);
        }
        "diamond" => {
            let mut text = String::new();
            dataset(&mut text, "a", Some(1), "");
            dataset(&mut text, "b", Some(1), "");
            let mut below = ("a".to_string(), "b".to_string());
            for level in 1..=n {
                let pair = (format!("l{level}x"), format!("l{level}y"));
                let comps = format!(
                    "{{ dataset = \"{}\", samples = 1 }}, {{ dataset = \"{}\", samples = 1 }}",
                    below.0, below.1
                );
                dataset(&mut text, &pair.0, None, &comps);
                dataset(&mut text, &pair.1, None, &comps);
                below = pair;
            }
            write(&cat, "diamond.toml", &text);
            let mut r = String::new();
            recipe_head(&mut r, "r");
            let _ = writeln!(r, "allow = [\"counted-twice\"]\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{{ dataset = \"{}\", samples = 1000 }}]", below.0);
            write(&rec, "r.toml", &r);
        }
        "extends" | "include" => {
            let mut text = String::new();
            dataset(&mut text, "a", Some(100), "");
            write(&cat, "a.toml", &text);
            for k in 1..=n {
                let mut r = String::new();
                recipe_head(&mut r, &format!("r{k}"));
                if k == 1 {
                    let _ =
                        writeln!(r, "[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{{ dataset = \"a\" }}]");
                } else if case == "extends" {
                    let _ = writeln!(r, "extends = \"r{}\"", k - 1);
                } else {
                    let _ = writeln!(
                        r,
                        "[[stage]]\nid = \"s\"\nkind = \"sft\"\ninclude = \"r{}:s\"\nmix = []",
                        k - 1
                    );
                }
                write(&rec, &format!("r{k}.toml"), &r);
            }
        }
        "weights" | "samples" => {
            let mut text = String::new();
            for i in 0..n {
                dataset(&mut text, &format!("d{i}"), Some(1000), "");
            }
            write(&cat, "cat.toml", &text);
            let mut r = String::new();
            recipe_head(&mut r, "r");
            let budget = if case == "weights" { format!("budget = {}\n", 4 * n) } else { String::new() };
            let _ = writeln!(r, "[[stage]]\nid = \"s\"\nkind = \"sft\"\n{budget}mix = [");
            for i in 0..n {
                let amount = if case == "weights" {
                    format!("weight = {}", 1 + i % 7)
                } else {
                    format!("samples = {}", 1 + i % 7)
                };
                let _ = writeln!(r, "  {{ dataset = \"d{i}\", {amount} }},");
            }
            let _ = writeln!(r, "]");
            write(&rec, "r.toml", &r);
        }
        other => return Err(format!("unknown case `{other}`")),
    }
    Ok(())
}
