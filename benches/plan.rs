//! Planning speed: the built-in LLaVA-1.5 recipe, every built-in recipe, and
//! 60 levels of shared diamonds (2^60 paths), which must cost edges, not paths;
//! and the size reader and `catalog import` on a seed list.

use criterion::{criterion_group, criterion_main, Criterion};
use mixplan::diag::Diagnostics;
use mixplan::id::Id;
use mixplan::load::{Inputs, Overlays};
use mixplan::plan::{PlanOptions, Planner};
use std::hint::black_box;

fn diamonds(levels: usize) -> String {
    let leaf = |id: &str| {
        format!("[[dataset]]\nid = \"{id}\"\nname = \"{id}\"\nstages = [\"sft\"]\nsamples = 1\nsource = \"bench\"\n\n")
    };
    let mut cat = leaf("a") + &leaf("b");
    let mut below = ("a".to_string(), "b".to_string());
    for level in 1..=levels {
        let pair = (format!("l{level}x"), format!("l{level}y"));
        for id in [&pair.0, &pair.1] {
            cat += &format!(
                "[[dataset]]\nid = \"{id}\"\nname = \"{id}\"\nstages = [\"sft\"]\nsource = \"bench\"\ncomponents = [{{dataset=\"{}\",samples=1}}, {{dataset=\"{}\",samples=1}}]\n\n",
                below.0, below.1
            );
        }
        below = pair;
    }
    cat
}

fn bench(c: &mut Criterion) {
    let builtin = Inputs::load(&Overlays::default()).expect("built-in data");
    c.bench_function("load built-in catalog and recipes", |b| {
        b.iter(|| Inputs::load(&Overlays::default()).expect("loads"))
    });
    c.bench_function("plan llava-1.5-7b (graph + expansion + plan)", |b| {
        b.iter(|| {
            let mut d = Diagnostics::default();
            let planner = Planner::new(&builtin, &mut d);
            black_box(planner.plan(&Id::parse("llava-1.5-7b").expect("id"), &PlanOptions::default(), &mut d))
        })
    });
    c.bench_function("plan every built-in recipe", |b| {
        b.iter(|| {
            let mut d = Diagnostics::default();
            let planner = Planner::new(&builtin, &mut d);
            black_box(planner.plan_all(&PlanOptions::default(), &mut d))
        })
    });
    let cat = diamonds(61);
    let recipe = "id = \"r\"\nname = \"R\"\n[[stage]]\nid = \"s\"\nkind = \"sft\"\nmix = [{dataset=\"l61x\",samples=1000}]\n";
    let list = include_str!("../tests/fixtures/seeds/004_5d2ad158fdc6e8a1.md");
    let mut sources = mixplan::diag::Sources::default();
    let file = sources.add("004.md", list);
    c.bench_function("catalog import of seed list 004 (5 tables, 44 rows)", |b| {
        b.iter(|| {
            let mut d = Diagnostics::default();
            let imported = mixplan::catalog::import::import(file, &sources, &builtin.catalog, &mut d);
            black_box(mixplan::catalog::import::to_toml(&imported, "004.md"))
        })
    });
    let cells =
        ["150k", "1177.6K", "约40万条", "超2600万个", "396,209篇", "约64k条提示生成256k个样本", "100GB"];
    c.bench_function("read 7 size cells", |b| {
        b.iter(|| cells.iter().for_each(|t| drop(black_box(mixplan::quantity::read(t)))))
    });
    c.bench_function("plan 60 levels of shared diamonds", |b| {
        b.iter(|| {
            let inputs = Inputs::from_strs(&[("c.toml", &cat)], &[("r.toml", recipe)]);
            let mut d = Diagnostics::default();
            let planner = Planner::new(&inputs, &mut d);
            black_box(planner.plan(&Id::parse("r").expect("id"), &PlanOptions::default(), &mut d))
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
