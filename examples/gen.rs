//! Writes a benchmark input (see `benches/gen.rs` for the cases).
//!
//! ```text
//! cargo run --release --example gen -- CASE N OUT_DIR
//! ```

#[path = "../benches/gen.rs"]
mod gen;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, case, n, out] = &args[..] else {
        eprintln!(
            "usage: gen CASE N OUT_DIR (cases: flat chain comb diamond extends include weights samples)"
        );
        std::process::exit(2);
    };
    let n: usize = n.replace('_', "").parse().expect("N is a number");
    if let Err(e) = gen::write_case(case, n, std::path::Path::new(out)) {
        eprintln!("{e}");
        std::process::exit(2);
    }
    println!(
        "plan with: mixplan --no-builtin --catalog {out}/catalog --recipes {out}/recipes plan {}",
        gen::recipe_of(case, n)
    );
}
