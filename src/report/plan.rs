//! The mix report of one recipe.

use super::{approx_count, count, epochs, percent, plural, shares_line, total, Column, Format, Layout};
use crate::diag::JsonDiagnostic;
use crate::plan::{Breakdown, LicenseLine, Plan, StagePlan};
use std::fmt::Write as _;

pub fn render(plan: &Plan, format: Format) -> String {
    render_width(plan, format, None)
}

/// The report with its terminal tables and lines fitted to `width` columns
/// (`None`: no limit).
pub fn render_width(plan: &Plan, format: Format, width: Option<usize>) -> String {
    match format {
        Format::Json => super::json(plan),
        Format::Csv => super::csv::plans(std::slice::from_ref(plan)),
        Format::Md => text(plan, Layout::markdown()),
        Format::Html => super::html::plan::render(plan),
        _ => text(plan, Layout::terminal(width)),
    }
}

/// "1,223,426 distinct samples, 1,223,426 seen".
fn totals_line(t: &crate::plan::Totals) -> String {
    let u = total(t.total_unique, t.known_unique);
    let s = total(t.total_seen, t.known_seen);
    format!("{u} distinct samples, {s} seen")
}

fn text(plan: &Plan, lay: Layout) -> String {
    let mut out = String::new();
    out.push_str(&lay.heading(1, &format!("{} ({})", plan.recipe.name, plan.recipe.id)));
    let _ = writeln!(out);
    let mut facts = vec![format!(
        "{}: {}",
        plural(plan.stages.len() as f64, "stage", "stages"),
        totals_line(&plan.totals)
    )];
    if let Some(parent) = &plan.recipe.extends {
        facts.push(format!("extends: {parent}"));
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
            facts.push(format!("model: {}", parts.join(", ")));
        }
    }
    if !plan.recipe.eval.is_empty() {
        facts.push(format!("evaluated on: {}", plan.recipe.eval.join(", ")));
    }
    if let Some(a) = &plan.accelerator {
        facts.push(format!(
            "GPU-hours for: {} ({} TFLOPS dense BF16) at MFU {}",
            a.gpu,
            super::trim_float(a.peak_tflops),
            super::trim_float(a.mfu)
        ));
    }
    lines(&mut out, &facts, lay);
    for stage in &plan.stages {
        let _ = writeln!(out);
        stage_text(&mut out, stage, lay, &plan.recipe.id);
    }
    let _ = writeln!(out);
    out.push_str(&lay.heading(2, "Recipe mix (seen samples)"));
    let _ = writeln!(out);
    let mut facts = breakdown_lines(&plan.breakdown, &plan.licenses);
    facts.extend(plan.recipe_warnings().into_iter().map(warning_line));
    lines(&mut out, &facts, lay);
    if let Some(c) = &plan.compute {
        let _ = writeln!(out);
        out.push_str(&lay.heading(2, "Compute (estimate, all stages)"));
        let _ = writeln!(out);
        let mut facts = compute_lines(c);
        if !c.text_unknown.is_empty() {
            let shown: Vec<&str> = c.text_unknown.iter().take(4).map(String::as_str).collect();
            let more = c.text_unknown.len().saturating_sub(4);
            let more = if more > 0 { format!(" and {more} more") } else { String::new() };
            facts.push(format!("text length unknown for: {}{more}", shown.join(", ")));
        }
        facts.extend(c.assumptions.iter().map(|a| format!("assumed: {a}")));
        lines(&mut out, &facts, lay);
    }
    out
}

/// Tokens, steps, FLOPs and GPU-hours, each "N", "N – M", "at least N" or "unknown".
fn compute_lines(c: &crate::plan::compute::Compute) -> Vec<String> {
    use crate::plan::compute::Range;
    let counts = |r: &Range<u128>| match (r.min, r.max) {
        (Some(a), Some(b)) if a == b => count(a),
        (Some(a), Some(b)) => format!("{} – {}", count(a), count(b)),
        (Some(0), None) | (None, None) => "unknown".into(),
        (Some(a), None) => format!("at least {}", count(a)),
        (None, Some(b)) => format!("at most {}", count(b)),
    };
    let float = |r: &Range<f64>, f: &dyn Fn(f64) -> String| match (r.min, r.max) {
        (Some(a), Some(b)) if f(a) == f(b) => f(a),
        (Some(a), Some(b)) => format!("{} – {}", f(a), f(b)),
        (Some(a), None) if a > 0.0 => format!("at least {}", f(a)),
        (None, Some(b)) => format!("at most {}", f(b)),
        _ => "unknown".into(),
    };
    vec![
        format!(
            "tokens: {} visual, {} text; the LLM runs on {}",
            counts(&c.visual_tokens),
            counts(&c.text_tokens),
            counts(&c.tokens)
        ),
        format!("steps: {}", counts(&c.steps)),
        format!("training FLOPs: {}", float(&c.flops, &|x| format!("{x:.2e}"))),
        format!("GPU-hours: {}", float(&c.gpu_hours, &|x| hours(x))),
    ]
}

/// 0.04 → "0.04", 19.81 → "19.8", 1234.5 → "1,235".
fn hours(x: f64) -> String {
    if x >= 1000.0 {
        count(x.round() as u128)
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// Lines that stay lines in Markdown too (a list there).
fn lines(out: &mut String, lines: &[String], lay: Layout) {
    for l in lines {
        out.push_str(&lay.item(l));
    }
}

fn stage_text(out: &mut String, s: &StagePlan, lay: Layout, recipe: &str) {
    let after = if s.after.is_empty() { String::new() } else { format!(", after {}", s.after.join(", ")) };
    let inherited =
        if s.defined_in == recipe { String::new() } else { format!(", inherited from {}", s.defined_in) };
    out.push_str(&lay.heading(2, &format!("Stage `{}` ({}{after}{inherited})", s.id, s.kind.as_str())));
    let _ = writeln!(out);
    let passes = if s.passes_stated {
        plural(s.passes, "epoch", "epochs")
    } else {
        "1 epoch assumed: the source states none".to_string()
    };
    let mut facts = vec![format!("{} ({passes})", totals_line(&s.totals))];
    if !s.totals.complete && s.totals.total_unique.is_some() {
        facts.push("not complete: part of it cannot be credited to leaf datasets".into());
    }
    if let Some(inc) = &s.include {
        facts.push(format!("includes the mix of {inc}"));
    }
    if !s.trainable.is_empty() {
        facts.push(format!("trainable: {}", s.trainable.join(", ")));
    }
    if let Some(b) = s.budget {
        facts.push(format!("budget: {}", count(u128::from(b))));
    }
    if let Some(p) = &s.sampling {
        let mut params = Vec::new();
        if let Some(t) = p.t {
            params.push(format!("t = {}", super::trim_float(t)));
        }
        if let Some(k) = p.k {
            params.push(format!("k = {}", count(u128::from(k))));
        }
        if let Some(e) = p.max_epochs {
            params.push(format!("max_epochs = {}", super::trim_float(e)));
        }
        let params = if params.is_empty() { String::new() } else { format!(" ({})", params.join(", ")) };
        facts.push(format!("sampling: {}{params}", p.policy));
    }
    if let Some(n) = s.stated_samples {
        let said = s.stated_as.as_ref().map_or(String::new(), |t| format!(" (\"{t}\")"));
        facts
            .push(format!("the source states: {}{said}", super::counted(u128::from(n), "sample", "samples")));
    }
    if let Some(t) = &s.training {
        let parts = crate::report::training_facts(t);
        if !parts.is_empty() {
            facts.push(format!("training: {}", parts.join(", ")));
        }
    }
    lines(out, &facts, lay);
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
                approx_count(e.count.unique.map(u128::from), e.count.approx),
                approx_count(e.count.seen, e.count.approx),
                epochs(e.count.epochs),
                percent(e.count.share),
            ]
        })
        .collect();
    let _ = writeln!(out);
    out.push_str(&lay.para("entries (as the recipe writes them):"));
    let _ = writeln!(out);
    let columns = [
        Column::text("dataset").min(20),
        Column::text("amount").min(10).optional(3),
        Column::num("unique"),
        Column::num("seen").optional(1),
        Column::num("epochs").optional(2),
        Column::num("share"),
    ];
    out.push_str(&lay.table(&columns, rows));
    let composite = s.leaves.len() != s.entries.len()
        || s.leaves.iter().any(|l| !l.via.is_empty())
        || s.unattributed.is_some();
    let batch = s.leaves.iter().any(|l| l.batch.is_some());
    if composite || batch {
        let mut columns = vec![
            Column::text("leaf dataset").min(20),
            Column::num("unique"),
            Column::num("seen").optional(2),
            Column::num("epochs").optional(3),
            Column::num("share"),
            Column::text("via").min(24).optional(4),
        ];
        if batch {
            columns.extend([
                Column::num("per batch").optional(1),
                Column::num("5–95%").optional(1),
                Column::num("P(none)").optional(5),
            ]);
        }
        let mut rows: Vec<Vec<String>> = s
            .leaves
            .iter()
            .map(|l| {
                let mut row = vec![
                    l.dataset.clone(),
                    approx_count(l.count.unique.map(u128::from), l.count.approx),
                    approx_count(l.count.seen, l.count.approx),
                    epochs(l.count.epochs),
                    percent(l.count.share),
                    super::via_short(&l.via, l.via_omitted),
                ];
                if batch {
                    match &l.batch {
                        Some(b) => row.extend([
                            epochs(b.expected),
                            format!("{}–{}", count(u128::from(b.p05)), count(u128::from(b.p95))),
                            b.p_none.map_or("-".into(), |p| format!("{p:.4}")),
                        ]),
                        None => row.extend(["-".into(), "-".into(), "-".into()]),
                    }
                }
                row
            })
            .collect();
        if let Some(u) = &s.unattributed {
            let mut row = vec![
                "(unattributed)".to_string(),
                approx_count(u.unique.map(u128::from), u.approx),
                approx_count(u.seen, u.approx),
                "-".into(),
                percent(u.share),
                String::new(),
            ];
            if batch {
                row.extend(["-".into(), "-".into(), "-".into()]);
            }
            rows.push(row);
        }
        let _ = writeln!(out);
        out.push_str(&lay.para("leaves (what the model sees):"));
        let _ = writeln!(out);
        out.push_str(&lay.table(&columns, rows));
    }
    if !s.targets.is_empty() {
        let rows = s
            .targets
            .iter()
            .map(|t| {
                vec![
                    t.target.clone(),
                    percent(t.share),
                    percent(t.achieved),
                    count(t.wanted),
                    t.samples.map_or("-".into(), count),
                ]
            })
            .collect();
        let _ = writeln!(out);
        out.push_str(&lay.para("targets (per pass):"));
        let _ = writeln!(out);
        let columns = [
            Column::text("target").min(12),
            Column::num("share"),
            Column::num("reached"),
            Column::num("wanted"),
            Column::num("samples"),
        ];
        out.push_str(&lay.table(&columns, rows));
    }
    let _ = writeln!(out);
    let mut facts = breakdown_lines(&s.breakdown, &s.licenses);
    if let Some(c) = &s.compute {
        facts.extend(compute_lines(c));
    }
    for w in &s.warnings {
        facts.push(warning_line(w));
    }
    lines(out, &facts, lay);
}

/// A composite chain, shortened in the middle when long.
fn breakdown_lines(b: &Breakdown, licenses: &[LicenseLine]) -> Vec<String> {
    let mut out = vec![
        format!("by modality: {}", shares_line(&b.by_modality)),
        format!("by language: {}", shares_line(&b.by_language)),
        format!("by task: {}", shares_line(&b.by_task)),
        format!("by generator: {}", shares_line(&b.by_generator)),
        format!("by license: {}", shares_line(&b.by_license)),
        format!("license summary: {}", super::license_summary(licenses)),
    ];
    if let Some(e) = b.effective_datasets {
        out.push(format!("effective number of datasets: {}", super::decimal(e, 2)));
    }
    out
}

fn warning_line(w: &JsonDiagnostic) -> String {
    let at = w.location.as_ref().map_or(String::new(), |l| format!(" ({}:{}:{})", l.file, l.line, l.column));
    format!("{}[{}]: {}{at}", w.severity.as_str(), w.code, w.message)
}
