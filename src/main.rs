//! The `mixplan` binary: parse the command line, run, print, exit.

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = mixplan::cli::Cli::parse();
    let outcome = mixplan::cli::run(cli);
    // A closed pipe (`mixplan plan x | head`) is not an error.
    let _ = std::io::stdout().write_all(&outcome.stdout);
    let _ = std::io::stderr().write_all(outcome.stderr.as_bytes());
    // The process ends here: the system takes the inputs back at once.
    std::mem::forget(outcome.inputs);
    ExitCode::from(outcome.code)
}
