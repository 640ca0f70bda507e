//! Planning speed, in process (criterion). Each scale and depth case runs at
//! two sizes, ten times apart, so growth can be read off: a linear case
//! takes about ten times as long at the larger size. The cases (and the
//! inputs `benches/run.sh` times as whole processes) are written by
//! `benches/gen.rs`; `parse only` is the baseline of the same files read
//! with the `toml` crate alone.

#[path = "gen.rs"]
mod gen;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mixplan::load::{Inputs, Overlays};
use mixplan::plan::{PlanOptions, Planner};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// Loads the files of a case and plans its recipe: what `mixplan plan` does
/// minus rendering.
fn load_and_plan(dir: &Path, recipe: &str) {
    let overlays = Overlays {
        catalog_dirs: vec![dir.join("catalog")],
        recipe_dirs: vec![dir.join("recipes")],
        no_builtin: true,
        ..Default::default()
    };
    let inputs = Inputs::load(&overlays).expect("the case loads");
    let planner = Planner::new(&inputs);
    let r = planner.find(recipe).expect("the case's recipe");
    let planned = planner.plan(r, &PlanOptions::default());
    assert!(planned.plan.is_some(), "{:?}", planned.diags.first());
    black_box(planned);
}

fn parse_only(dir: &Path) {
    for sub in ["catalog", "recipes"] {
        let mut files: Vec<PathBuf> =
            std::fs::read_dir(dir.join(sub)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for f in files {
            let t: toml::Table = std::fs::read_to_string(f).unwrap().parse().unwrap();
            black_box(t);
        }
    }
}

fn cases(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("a temporary directory");
    let sizes: &[(&str, [usize; 2])] = &[
        ("chain", [1_000, 10_000]),
        ("comb", [1_000, 10_000]),
        ("diamond", [100, 1_000]),
        ("extends", [250, 2_500]),
        ("include", [300, 3_000]),
        ("weights", [3_000, 30_000]),
        ("samples", [3_000, 30_000]),
        ("flat", [10_000, 100_000]),
    ];
    for (case, ns) in sizes {
        let mut group = c.benchmark_group(*case);
        group.sample_size(10);
        for &n in ns {
            let dir = root.path().join(format!("{case}-{n}"));
            gen::write_case(case, n, &dir).expect("a known case");
            let recipe = gen::recipe_of(case, n);
            group.bench_with_input(BenchmarkId::new("load and plan", n), &dir, |b, d| {
                b.iter(|| load_and_plan(d, &recipe))
            });
            group.bench_with_input(BenchmarkId::new("parse only", n), &dir, |b, d| b.iter(|| parse_only(d)));
        }
        group.finish();
    }
}

fn builtin(c: &mut Criterion) {
    c.bench_function("load the built-in data", |b| {
        b.iter(|| black_box(Inputs::load(&Overlays::default()).expect("loads")))
    });
    let inputs = Inputs::load(&Overlays::default()).expect("built-in data");
    c.bench_function("plan llava-1.5-7b", |b| {
        b.iter(|| {
            let planner = Planner::new(&inputs);
            let r = planner.find("llava-1.5-7b").expect("id");
            black_box(planner.plan(r, &PlanOptions::default()))
        })
    });
    c.bench_function("plan every built-in recipe", |b| {
        b.iter(|| {
            let planner = Planner::new(&inputs);
            for r in inputs.recipes.sorted() {
                black_box(planner.plan(r, &PlanOptions::default()));
            }
        })
    });
    let list = include_str!("../tests/fixtures/seeds/004_5d2ad158fdc6e8a1.md");
    let mut sources = mixplan::diag::Sources::default();
    let file = sources.add("004.md", list.to_string());
    c.bench_function("catalog import of seed list 004", |b| {
        b.iter(|| {
            let mut d = mixplan::diag::Diagnostics::default();
            let imported = mixplan::catalog::import::import(file, &sources, &inputs.catalog, &mut d);
            black_box(mixplan::catalog::import::to_toml(&imported, "004.md"))
        })
    });
    let cells =
        ["150k", "1177.6K", "约40万条", "超2600万个", "396,209篇", "约64k条提示生成256k个样本", "100GB"];
    c.bench_function("read 7 size cells", |b| {
        b.iter(|| cells.iter().for_each(|t| drop(black_box(mixplan::quantity::read(t)))))
    });
}

criterion_group!(benches, builtin, cases);
criterion_main!(benches);
