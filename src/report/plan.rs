//! The mix report of one recipe.

use super::{count, epochs, opt_count, percent, shares_line, table, Format};
use crate::plan::{Plan, StagePlan};
use std::fmt::Write as _;

pub fn render(plan: &Plan, format: Format) -> String {
    match format {
        Format::Json => super::json(plan),
        Format::Csv => super::csv::plans(std::slice::from_ref(plan)),
        Format::Table => text(plan, false),
        Format::Md => text(plan, true),
    }
}

fn total(n: u64, complete: bool) -> String {
    if complete {
        count(n)
    } else {
        format!("at least {}", count(n))
    }
}

fn text(plan: &Plan, md: bool) -> String {
    let mut out = String::new();
    let h = |level: usize| if md { "#".repeat(level) + " " } else { String::new() };
    let _ = writeln!(out, "{}{} ({})", h(1), plan.recipe.name, plan.recipe.id);
    let _ = writeln!(out);
    let stages = plan.stages.len();
    let _ = writeln!(
        out,
        "{} stage{}, {} samples in all",
        stages,
        if stages == 1 { "" } else { "s" },
        total(plan.total_samples, plan.complete)
    );
    if let Some(parent) = &plan.recipe.extends {
        let _ = writeln!(out, "extends: {parent}");
    }
    if let Some(m) = &plan.recipe.model {
        let parts: Vec<String> = [
            m.llm.as_ref().map(|v| format!("llm {v}")),
            m.vision.as_ref().map(|v| format!("vision {v}")),
            m.connector.as_ref().map(|v| format!("connector {v}")),
            m.image_tokens.map(|v| format!("{v} tokens per image")),
            m.frames.map(|v| format!("{v} frames per video")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            let _ = writeln!(out, "model: {}", parts.join(", "));
        }
    }
    for stage in &plan.stages {
        let _ = writeln!(out);
        stage_text(&mut out, stage, md);
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "{}Recipe mix", h(2));
    let _ = writeln!(out);
    breakdown_lines(&mut out, &plan.breakdown);
    out
}

fn stage_text(out: &mut String, s: &StagePlan, md: bool) {
    let h = if md { "## " } else { "" };
    let after = if s.after.is_empty() { String::new() } else { format!(", after {}", s.after.join(", ")) };
    let _ = writeln!(
        out,
        "{h}Stage `{}` ({}{after}): {} samples",
        s.id,
        s.kind.as_str(),
        total(s.total_samples, s.complete)
    );
    let _ = writeln!(out);
    if let Some(inc) = &s.include {
        let _ = writeln!(out, "includes the mix of {inc}");
    }
    if !s.trainable.is_empty() {
        let _ = writeln!(out, "trainable: {}", s.trainable.join(", "));
    }
    if let Some(b) = s.budget {
        let _ = writeln!(out, "budget: {}", count(b));
    }
    if let Some(n) = s.stated_samples {
        let said = s.stated_as.as_ref().map_or(String::new(), |t| format!(" (\"{t}\")"));
        let _ = writeln!(out, "the source states: {} samples{said}", count(n));
    }
    if let Some(t) = &s.training {
        let parts: Vec<String> = [
            t.global_batch.map(|v| format!("global batch {v}")),
            t.learning_rate.map(|v| format!("lr {v}")),
            t.epochs.map(|v| format!("{v} epochs")),
            t.max_length.map(|v| format!("max length {v}")),
            t.hardware.clone(),
            t.duration.clone(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            let _ = writeln!(out, "training: {}", parts.join(", "));
        }
    }
    let rows = s
        .entries
        .iter()
        .map(|e| {
            let mut name = e.dataset.clone();
            if let Some(from) = &e.from {
                name = format!("{name} (from {from})");
            }
            vec![
                name,
                e.amount.clone(),
                approx_count(e.samples, e.approx),
                epochs(e.epochs),
                percent(e.share),
            ]
        })
        .collect();
    let _ = writeln!(out, "\nentries (as the recipe writes them):");
    out.push_str(&table(md, &["dataset", "amount", "samples", "epochs", "share"], rows, &[2, 3, 4]));
    let composite = s.leaves.len() != s.entries.len() || s.leaves.iter().any(|l| !l.via.is_empty());
    if composite {
        let batch = s.leaves.iter().any(|l| l.batch.is_some());
        let mut header = vec!["leaf dataset", "samples", "epochs", "share", "via"];
        if batch {
            header.extend(["per batch", "5–95%", "P(none)"]);
        }
        let rows = s
            .leaves
            .iter()
            .map(|l| {
                let mut row = vec![
                    l.dataset.clone(),
                    approx_count(l.samples, l.approx),
                    epochs(l.epochs),
                    percent(l.share),
                    l.via.join(" → "),
                ];
                if batch {
                    match &l.batch {
                        Some(b) => row.extend([
                            epochs(b.expected),
                            format!("{}–{}", b.p05, b.p95),
                            b.p_none.map_or("-".into(), |p| format!("{p:.4}")),
                        ]),
                        None => row.extend(["-".into(), "-".into(), "-".into()]),
                    }
                }
                row
            })
            .collect();
        let _ = writeln!(out, "\nleaves (what the model sees):");
        out.push_str(&table(md, &header, rows, &[1, 2, 3, 5, 6, 7]));
    }
    let _ = writeln!(out);
    breakdown_lines(out, &s.breakdown);
    if let Some(e) = s.effective_datasets {
        let _ = writeln!(out, "effective number of datasets: {e:.2}");
    }
    for w in &s.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
}

fn breakdown_lines(out: &mut String, b: &crate::plan::Breakdown) {
    let _ = writeln!(out, "by modality: {}", shares_line(&b.by_modality));
    let _ = writeln!(out, "by language: {}", shares_line(&b.by_language));
    let _ = writeln!(out, "by generator: {}", shares_line(&b.by_generator));
    let _ = writeln!(out, "by license: {}", shares_line(&b.by_license));
}

/// `~76,860` for a count that rests on a rounded figure.
fn approx_count(n: Option<u64>, approx: bool) -> String {
    match n {
        Some(n) if approx => format!("~{}", count(n)),
        n => opt_count(n),
    }
}
