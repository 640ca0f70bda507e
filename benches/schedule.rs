//! `mixplan schedule`'s index loop against a C++ reimplementation of
//! Megatron-LM's `build_blending_indices` loop (`benches/blend.cpp`,
//! compiled here with g++ -O3 -std=c++17, Megatron's own flags for
//! helpers.cpp), at 100M samples by default.
//!
//! Both fill an int16 dataset index and an int64 sample index in memory
//! that was touched beforehand; only the loop is timed. Each case runs
//! `MIXPLAN_BENCH_RUNS` times (default 5) and the medians are printed with
//! the throughput in samples per second. The arrays of both are hashed
//! (FNV-1a over their bytes) and must be equal: the benchmark fails
//! otherwise. `MIXPLAN_BENCH_SIZE` changes the sample count.
//!
//! cargo bench --bench schedule

use mixplan::export::schedule::{Blend, Blender};
use std::process::Command;
use std::time::Instant;

fn fnv(mut h: u64, bytes: impl Iterator<Item = u8>) -> u64 {
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(1_099_511_628_211);
    }
    h
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn main() {
    let size = env("MIXPLAN_BENCH_SIZE", 100_000_000) as usize;
    let runs = env("MIXPLAN_BENCH_RUNS", 5).max(1) as usize;
    let root = env!("CARGO_MANIFEST_DIR");
    let exe = format!("{root}/target/blend_cpp");
    let built = Command::new("g++")
        .args(["-O3", "-std=c++17", "-o", &exe, &format!("{root}/benches/blend.cpp")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !built {
        eprintln!("g++ is not available or failed: only mixplan is timed");
    }
    // planned counts, as a stage would give them; Megatron normalises twice
    let cases: Vec<(&str, Vec<f64>)> = vec![
        ("2 datasets (3:7)", vec![3.0, 7.0]),
        ("4 datasets (Kosmos-2 pretrain counts)", vec![1_170_000.0, 3_510_000.0, 14_040_000.0, 300_000.0]),
        ("10 datasets (1..10)", (1..=10).map(f64::from).collect()),
        ("40 datasets (1..40)", (1..=40).map(f64::from).collect()),
    ];
    println!("{size} samples, {runs} runs each; medians of the loop alone");
    for (name, counts) in cases {
        let w = Blend::new(&counts, size as u64).index_weights;
        let mut d = vec![1i16; size];
        let mut s = vec![1i64; size];
        let mut rust = Vec::new();
        for _ in 0..runs {
            d.fill(0);
            s.fill(0);
            let t = Instant::now();
            Blender::new(&w).fill(&mut d, &mut s);
            rust.push(t.elapsed().as_secs_f64());
        }
        let hash = fnv(
            fnv(1_469_598_103_934_665_603, d.iter().flat_map(|x| x.to_le_bytes())),
            s.iter().flat_map(|x| x.to_le_bytes()),
        );
        drop((d, s));
        let r = median(rust);
        print!("{name:<40} mixplan {r:>7.3} s ({:>6.1} M/s)", size as f64 / r / 1e6);
        if built {
            let mut cpp = Vec::new();
            let mut cpp_hash = String::new();
            for _ in 0..runs {
                let out = Command::new(&exe)
                    .arg(size.to_string())
                    .args(w.iter().map(|x| format!("{x:?}")))
                    .output()
                    .expect("runs");
                let text = String::from_utf8_lossy(&out.stdout).to_string();
                let mut parts = text.split_whitespace();
                cpp.push(parts.next().and_then(|t| t.parse().ok()).expect("a time"));
                cpp_hash = parts.next().unwrap_or("").to_string();
            }
            let c = median(cpp);
            let same = cpp_hash == format!("{hash:016x}");
            println!(
                "   C++ {c:>7.3} s ({:>6.1} M/s)   mixplan/C++ throughput {:.2}x   arrays {}",
                size as f64 / c / 1e6,
                c / r,
                if same { "identical" } else { "DIFFER" }
            );
            assert!(same, "{name}: mixplan's arrays differ from the C++ loop's");
        } else {
            println!();
        }
    }
}
