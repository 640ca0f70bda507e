//! What a well-made command line has: completions for the common shells, a
//! man page, exit codes and examples in `--help`, and help text on every
//! command and argument.

use assert_cmd::Command;
use clap::CommandFactory;

fn run(args: &[&str]) -> std::process::Output {
    Command::cargo_bin("mixplan").expect("binary").args(args).output().expect("runs")
}

fn stdout(args: &[&str]) -> String {
    let out = run(args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn completions_for_four_shells_know_the_commands_and_flags() {
    for (shell, marker) in [
        ("bash", "complete -F _mixplan"),
        ("zsh", "#compdef mixplan"),
        ("fish", "complete -c mixplan"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = stdout(&["completions", shell]);
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        for word in ["compare", "catalog", "schema", "wide", "batch-size"] {
            assert!(script.contains(word), "{shell}: no `{word}`");
        }
    }
    // The bash script is valid bash.
    if std::process::Command::new("bash").arg("--version").output().is_ok() {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("mixplan.bash");
        std::fs::write(&file, stdout(&["completions", "bash"])).expect("write");
        let check = std::process::Command::new("bash").arg("-n").arg(&file).output().expect("bash -n");
        assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    }
    let bad = run(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("possible values: bash"), "{bad:?}");
}

#[test]
fn the_man_page_is_roff_with_commands_exit_codes_and_examples() {
    let page = stdout(&["man"]);
    assert!(page.contains(".TH mixplan 1"), "{page}");
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH OPTIONS", ".SH SUBCOMMANDS"] {
        assert!(page.contains(section), "no {section}");
    }
    assert!(page.contains("Exit codes:") && page.contains("mixplan compare llava\\-1.5\\-7b"), "{page}");
    // man itself reads it, when installed.
    if std::process::Command::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        let dir = tempfile::tempdir().expect("tmp");
        let file = dir.path().join("mixplan.1");
        std::fs::write(&file, &page).expect("write");
        let out = std::process::Command::new("man").arg("-l").arg(&file).env("MANPAGER", "cat").output();
        if let Ok(out) = out {
            assert!(String::from_utf8_lossy(&out.stdout).contains("Plan and compare"), "{out:?}");
        }
    }
}

#[test]
fn completions_and_man_take_no_format() {
    let out = run(&["man", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: `man` does not write `--format json`; leave --format out\n"
    );
}

#[test]
fn help_shows_exit_codes_and_examples() {
    let help = stdout(&["--help"]);
    for line in [
        "Exit codes:",
        "  0  success (warnings may be printed)",
        "  1  the input is invalid; every error is printed with file:line:col",
        "  2  wrong use of the command line",
        "  3  a file could not be read or written",
        "Examples:",
        "  mixplan plan llava-1.5-7b",
    ] {
        assert!(help.lines().any(|l| l == line), "no `{line}` in\n{help}");
    }
}

#[test]
fn every_command_and_argument_has_help_text() {
    fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
        let here = format!("{path} {}", cmd.get_name()).trim().to_string();
        if cmd.get_about().is_none() && !path.is_empty() {
            missing.push(format!("`{here}` has no about"));
        }
        for arg in cmd.get_arguments() {
            let id = arg.get_id().as_str();
            if matches!(id, "help" | "version") {
                continue;
            }
            let text = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            if text.trim().is_empty() {
                missing.push(format!("`{here}`: `{id}` has no help"));
            }
        }
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub, &here, missing);
        }
    }
    let mut missing = Vec::new();
    walk(&mixplan::cli::Cli::command(), "", &mut missing);
    assert!(missing.is_empty(), "{missing:#?}");
    // The one the issue found empty.
    let search = stdout(&["catalog", "search", "--help"]);
    assert!(search.contains("What to look for; case and punctuation are forgiven"), "{search}");
}
