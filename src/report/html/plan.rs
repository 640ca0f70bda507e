//! The HTML page of one plan: the recipe at a glance (training order,
//! stage sizes, the whole mix), then each stage with its datasets as a
//! stacked bar and a table, its composite tree, its breakdowns, its
//! entries and its warnings in place.

use super::palette::{category, NONE, OTHER};
use super::svg::{self, Segment, SizeBar, StageBox};
use super::treemap::{self, Node};
use super::{anchor, breakdown, diagnostics, esc, legend, page, swatch, table};
use crate::plan::{Breakdown, LeafRow, LicenseLine, Plan, StagePlan, Totals};
use crate::report::{approx_count, count, epochs, percent, plural, total};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub fn render(plan: &Plan) -> String {
    let mut b = String::new();
    header(plan, &mut b);
    overview(plan, &mut b);
    if plan.stages.len() > 1 {
        b.push_str(
            "<section class=\"block\"><h3>The whole recipe <span>— shares of all seen samples</span></h3>",
        );
        b.push_str(&breakdowns(&plan.breakdown, &plan.licenses));
        b.push_str("</section>\n");
    }
    b.push_str(&diagnostics(plan.recipe_warnings()));
    for (i, s) in plan.stages.iter().enumerate() {
        stage(i, s, &plan.recipe.id, &mut b);
    }
    page(&format!("{} ({}) — mixplan", plan.recipe.name, plan.recipe.id), &b)
}

/// The effective number of datasets with the JSON's 3 decimals: 10.591, 7.19, 1.
fn effective(e: f64) -> String {
    crate::report::trim_float(crate::plan::round_to(e, 3))
}

/// "1,223,426 distinct, 1,223,426 seen".
fn totals_text(t: &Totals) -> String {
    format!(
        "{} distinct samples, {} seen",
        total(t.total_unique, t.known_unique),
        total(t.total_seen, t.known_seen)
    )
}

/// A link when the value is a web address, else the text.
fn link(v: &str) -> String {
    if v.starts_with("https://") || v.starts_with("http://") {
        format!("<a href=\"{}\">{}</a>", esc(v), esc(v))
    } else {
        esc(v)
    }
}

fn header(plan: &Plan, b: &mut String) {
    let r = &plan.recipe;
    let _ = writeln!(b, "<h1>{} <small>{}</small></h1>", esc(&r.name), esc(&r.id));
    let mut sub: Vec<String> = Vec::new();
    if let Some(e) = &r.extends {
        sub.push(format!("extends <b>{}</b>", esc(e)));
    }
    if let Some(p) = &r.paper {
        sub.push(format!("paper {}", link(p)));
    }
    if let Some(c) = &r.code {
        sub.push(format!("code {}", link(c)));
    }
    if !sub.is_empty() {
        let _ = writeln!(b, "<p class=\"sub\">{}</p>", sub.join(" · "));
    }
    if let Some(d) = &r.description {
        let _ = writeln!(b, "<p>{}</p>", esc(d));
    }
    let t = &plan.totals;
    let leaves: std::collections::BTreeSet<&str> =
        plan.stages.iter().flat_map(|s| s.leaves.iter().map(|l| l.dataset.as_str())).collect();
    let mut cards = vec![
        (plural(plan.stages.len() as f64, "stage", "stages"), "in training order".to_string()),
        (total(t.total_seen, t.known_seen), "samples seen".to_string()),
        (total(t.total_unique, t.known_unique), "distinct samples".to_string()),
        (count(leaves.len() as u128), "leaf datasets".to_string()),
    ];
    if let Some(e) = plan.breakdown.effective_datasets {
        cards.push((effective(e), "effective number of datasets".into()));
    }
    b.push_str("<div class=\"cards\">");
    for (v, what) in cards {
        let _ = write!(b, "<div class=\"card\"><b>{}</b><span>{}</span></div>", esc(&v), esc(&what));
    }
    b.push_str("</div>\n");
    let mut facts: Vec<(&str, String)> = Vec::new();
    if let Some(m) = &r.model {
        let parts: Vec<String> = [
            m.llm.as_ref().map(|v| format!("LLM {v}")),
            m.vision.as_ref().map(|v| format!("vision {v}")),
            m.connector.as_ref().map(|v| format!("connector {v}")),
            m.image_tokens.map(|v| format!("{} tokens per image", count(u128::from(v)))),
            m.frames.map(|v| format!("{} frames per video", count(u128::from(v)))),
            m.resolution.as_ref().map(|v| format!("resolution {v}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !parts.is_empty() {
            facts.push(("model", esc(&parts.join(", "))));
        }
    }
    if !r.eval.is_empty() {
        facts.push(("evaluated on", esc(&r.eval.join(", "))));
    }
    if let Some(s) = &r.source {
        facts.push(("source", esc(s)));
    }
    fact_list(&facts, b);
}

fn fact_list(facts: &[(&str, String)], b: &mut String) {
    if facts.is_empty() {
        return;
    }
    b.push_str("<ul class=\"facts\">");
    for (k, v) in facts {
        let _ = write!(b, "<li><b>{}</b> {v}</li>", esc(k));
    }
    b.push_str("</ul>\n");
}

fn stage_anchor(i: usize, s: &StagePlan) -> String {
    anchor(&format!("stage-{}-", i + 1), &s.id)
}

fn overview(plan: &Plan, b: &mut String) {
    if plan.stages.is_empty() {
        b.push_str("<p class=\"muted\">This recipe has no stages.</p>");
        return;
    }
    let boxes: Vec<StageBox> = plan
        .stages
        .iter()
        .enumerate()
        .map(|(i, s)| StageBox {
            id: s.id.clone(),
            order: i + 1,
            kind: if s.trainable.is_empty() {
                s.kind.as_str().to_string()
            } else {
                format!("{} · trains {}", s.kind.as_str(), s.trainable.join(", "))
            },
            total: format!("{} seen", total(s.totals.total_seen, s.totals.known_seen)),
            after: s.after.clone(),
            note: match (&s.include, s.defined_in != plan.recipe.id) {
                (Some(inc), _) => Some(format!("mix of {inc}")),
                (None, true) => Some(format!("from {}", s.defined_in)),
                _ => None,
            },
            href: stage_anchor(i, s),
        })
        .collect();
    b.push_str("<section class=\"block\"><h3>Training order</h3>");
    b.push_str(&svg::stage_diagram(&boxes));
    if plan.stages.len() > 1 {
        b.push_str("<h3>Seen samples per stage</h3>");
        let bars: Vec<SizeBar> = plan
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| SizeBar {
                label: format!("{} · {}", i + 1, s.id),
                value: s.totals.known_seen as f64,
                text: total(s.totals.total_seen, s.totals.known_seen),
                lower_bound: s.totals.total_seen.is_none(),
            })
            .collect();
        b.push_str(&svg::size_bars(&bars, "#332288", "seen samples per stage"));
        if bars.iter().any(|b| b.lower_bound) {
            b.push_str("<p class=\"muted\">Dashed: a lower bound, part of the stage's count is unknown.</p>");
        }
    }
    b.push_str("</section>\n");
}

fn breakdowns(bd: &Breakdown, licenses: &[LicenseLine]) -> String {
    let mut s = String::from("<div class=\"bd\">");
    for (name, what, m) in [
        ("modality", "modality", &bd.by_modality),
        ("language", "language", &bd.by_language),
        ("task", "task", &bd.by_task),
        ("license", "license", &bd.by_license),
        ("generator", "generator", &bd.by_generator),
    ] {
        let _ = write!(s, "<div>{name}</div><div>{}</div>", breakdown(m, what));
    }
    let uses: BTreeMap<String, f64> =
        licenses.iter().filter_map(|l| l.share.map(|p| (l.allows.as_str().to_string(), p))).collect();
    let _ = write!(
        s,
        "<div>license allows</div><div>{}<p class=\"muted\">{}</p></div>",
        breakdown(&uses, "use"),
        esc(&crate::report::license_summary(licenses))
    );
    s.push_str("</div>\n");
    if let Some(e) = bd.effective_datasets {
        let _ = writeln!(
            s,
            "<p class=\"muted\">Effective number of datasets: {} (equally sized datasets that would spread the samples as evenly).</p>",
            effective(e)
        );
    }
    s
}

/// Whether the stage goes through composites (then leaves differ from entries).
fn composite(s: &StagePlan) -> bool {
    s.leaves.len() != s.entries.len()
        || s.leaves.iter().any(|l| !l.via.is_empty())
        || s.unattributed.is_some()
}

/// The colour of each leaf: by rank of seen samples, grey past the palette.
fn leaf_colours(s: &StagePlan) -> BTreeMap<&str, &'static str> {
    let mut order: Vec<&LeafRow> = s.leaves.iter().collect();
    order.sort_by(|a, b| b.count.seen.cmp(&a.count.seen).then_with(|| a.dataset.cmp(&b.dataset)));
    order
        .iter()
        .enumerate()
        .map(|(i, l)| (l.dataset.as_str(), if l.count.seen.is_some() { category(i) } else { NONE }))
        .collect()
}

fn stage(i: usize, s: &StagePlan, recipe: &str, b: &mut String) {
    let _ = writeln!(
        b,
        "<section class=\"stage\" id=\"{}\" data-stage=\"{}\" data-total-seen=\"{}\" data-total-unique=\"{}\" data-known-seen=\"{}\">",
        stage_anchor(i, s),
        esc(&s.id),
        s.totals.total_seen.map_or(String::new(), |v| v.to_string()),
        s.totals.total_unique.map_or(String::new(), |v| v.to_string()),
        s.totals.known_seen
    );
    let after = if s.after.is_empty() { String::new() } else { format!("after {}", s.after.join(", ")) };
    let _ = writeln!(
        b,
        "<h2><span class=\"ord\">{}</span>{} <span class=\"kind\">{}</span> <span class=\"after\">{}</span></h2>",
        i + 1,
        esc(&s.id),
        s.kind.as_str(),
        esc(&after)
    );
    let passes = if s.passes_stated {
        plural(s.passes, "epoch", "epochs")
    } else {
        "1 epoch assumed: the source states none".to_string()
    };
    let _ = writeln!(b, "<p class=\"num\"><b>{}</b> ({})</p>", esc(&totals_text(&s.totals)), esc(&passes));
    fact_list(&stage_facts(s, recipe), b);
    b.push_str(&diagnostics(&s.warnings));
    let colours = leaf_colours(s);
    let known = s.totals.known_seen;
    let _ = write!(
        b,
        "<h3>Datasets <span>— what the model sees, shares of {} seen samples</span></h3>",
        esc(&total(s.totals.total_seen, known))
    );
    b.push_str(&dataset_bar(s, &colours));
    b.push_str(&leaf_table(s, &colours));
    if composite(s) {
        b.push_str("<h3>Composite tree <span>— each rectangle a leaf dataset, framed by the composites it came through</span></h3>");
        b.push_str(&tree(s, &colours));
    }
    b.push_str("<h3>Breakdowns <span>— shares of seen samples</span></h3>");
    b.push_str(&breakdowns(&s.breakdown, &s.licenses));
    if composite(s) {
        b.push_str("<h3>Entries <span>— as the recipe writes them</span></h3>");
        b.push_str(&entry_table(s));
    }
    b.push_str("</section>\n");
}

fn stage_facts(s: &StagePlan, recipe: &str) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&str, String)> = Vec::new();
    if s.defined_in != recipe {
        f.push(("inherited", format!("from {}", esc(&s.defined_in))));
    }
    if let Some(inc) = &s.include {
        f.push(("includes", format!("the mix of {}", esc(inc))));
    }
    if !s.totals.complete && s.totals.total_unique.is_some() {
        f.push(("not complete", "part of it cannot be credited to leaf datasets".into()));
    }
    if !s.trainable.is_empty() {
        f.push(("trainable", esc(&s.trainable.join(", "))));
    }
    if let Some(v) = s.budget {
        f.push(("budget", count(u128::from(v))));
    }
    if let Some(v) = s.stated_samples {
        let said = s.stated_as.as_ref().map_or(String::new(), |t| format!(" (“{}”)", esc(t)));
        f.push(("stated", format!("{} samples{said}", count(u128::from(v)))));
    }
    if let Some(t) = &s.training {
        let parts = crate::report::training_facts(t);
        if !parts.is_empty() {
            f.push(("training", esc(&parts.join(", "))));
        }
    }
    f
}

fn dataset_bar(s: &StagePlan, colours: &BTreeMap<&str, &'static str>) -> String {
    let mut segs: Vec<Segment> = Vec::new();
    let (mut other_n, mut other_share, mut other_seen) = (0usize, 0.0, 0u128);
    let mut leaves: Vec<&LeafRow> = s.leaves.iter().filter(|l| l.count.share.is_some()).collect();
    leaves.sort_by(|a, b| b.count.seen.cmp(&a.count.seen).then_with(|| a.dataset.cmp(&b.dataset)));
    for l in leaves {
        let (share, seen) = (l.count.share.unwrap_or(0.0), l.count.seen.unwrap_or(0));
        let colour = colours.get(l.dataset.as_str()).copied().unwrap_or(OTHER);
        if colour == OTHER {
            other_n += 1;
            other_share += share;
            other_seen += seen;
            continue;
        }
        let pct = percent(Some(share));
        segs.push(Segment {
            label: l.dataset.clone(),
            detail: pct.clone(),
            share,
            colour: colour.to_string(),
            title: format!("{}: {} seen, {pct}", l.dataset, approx_count(l.count.seen, l.count.approx)),
        });
    }
    if other_n > 0 {
        let pct = percent(Some(other_share));
        segs.push(Segment {
            label: format!("{other_n} more"),
            detail: pct.clone(),
            share: other_share,
            colour: OTHER.to_string(),
            title: format!("{} other datasets: {} seen, {pct}", count(other_n as u128), count(other_seen)),
        });
    }
    if let Some(u) = s.unattributed.as_ref().filter(|u| u.share.is_some()) {
        let pct = percent(u.share);
        segs.push(Segment {
            label: "unattributed".into(),
            detail: pct.clone(),
            share: u.share.unwrap_or(0.0),
            colour: NONE.to_string(),
            title: format!("unattributed: {} seen, {pct}", approx_count(u.seen, u.approx)),
        });
    }
    let (mut out, _) = svg::stacked_bar(&segs, svg::WIDTH, 44.0, &format!("datasets of stage {}", s.id));
    if other_n > 0 {
        out.push_str(&legend(&[(
            OTHER.to_string(),
            format!("{} more datasets, each below the nine largest", count(other_n as u128)),
        )]));
    }
    out
}

/// A composite chain; a long one shortened in the middle, as the table does.
fn name_cell(id: &str, name: &str) -> String {
    if name.is_empty() || name == id {
        format!("<b>{}</b>", esc(id))
    } else {
        format!("<b>{}</b> <small>{}</small>", esc(id), esc(name))
    }
}

fn leaf_table(s: &StagePlan, colours: &BTreeMap<&str, &'static str>) -> String {
    let comp = composite(s);
    let batch = s.leaves.iter().any(|l| l.batch.is_some());
    let mut header = vec!["", "dataset"];
    if !comp {
        header.push("amount");
    }
    header.extend(["unique", "seen", "epochs", "share"]);
    let first_num = header.len() - 4;
    if comp {
        header.push("via");
    }
    if batch {
        header.extend(["per batch", "5–95%"]);
    }
    let mut numeric: Vec<usize> = (first_num..first_num + 4).collect();
    if batch {
        numeric.extend([header.len() - 2, header.len() - 1]);
    }
    let mut rows = Vec::new();
    for l in &s.leaves {
        let mut row = vec![
            swatch(colours.get(l.dataset.as_str()).copied().unwrap_or(OTHER)),
            name_cell(&l.dataset, &l.name),
        ];
        if !comp {
            let amounts: Vec<&str> =
                s.entries.iter().filter(|e| e.dataset == l.dataset).map(|e| e.amount.as_str()).collect();
            row.push(esc(&amounts.join("; ")));
        }
        row.extend([
            approx_count(l.count.unique.map(u128::from), l.count.approx),
            approx_count(l.count.seen, l.count.approx),
            epochs(l.count.epochs),
            percent(l.count.share),
        ]);
        if comp {
            row.push(esc(&crate::report::via_short(&l.via, l.via_omitted)));
        }
        if batch {
            match &l.batch {
                Some(bs) => row.extend([
                    epochs(bs.expected),
                    format!("{}–{}", count(u128::from(bs.p05)), count(u128::from(bs.p95))),
                ]),
                None => row.extend(["-".into(), "-".into()]),
            }
        }
        rows.push(row);
    }
    if let Some(u) = &s.unattributed {
        let mut row = vec![
            swatch(NONE),
            "<b>(unattributed)</b><br><small>samples no leaf dataset can be credited with</small>".into(),
        ];
        row.extend([
            approx_count(u.unique.map(u128::from), u.approx),
            approx_count(u.seen, u.approx),
            "-".into(),
            percent(u.share),
            String::new(),
        ]);
        if batch {
            row.extend(["-".into(), "-".into()]);
        }
        rows.push(row);
    }
    table(&header, &rows, &numeric, &[])
}

fn tree(s: &StagePlan, colours: &BTreeMap<&str, &'static str>) -> String {
    let mut root = Node::default();
    let mut unknown: Vec<&str> = Vec::new();
    for l in &s.leaves {
        let Some(seen) = l.count.seen else {
            unknown.push(&l.dataset);
            continue;
        };
        let mut title = format!(
            "{}: {} seen, {}",
            l.dataset,
            approx_count(Some(seen), l.count.approx),
            percent(l.count.share)
        );
        if !l.via.is_empty() {
            title.push_str(&format!("; via {}", crate::report::via_short(&l.via, l.via_omitted)));
        }
        let colour = colours.get(l.dataset.as_str()).copied().unwrap_or(OTHER).to_string();
        root.insert(
            &l.via,
            Node { name: l.dataset.clone(), value: seen, colour: Some(colour), title, ..Default::default() },
        );
    }
    if let Some(seen) = s.unattributed.as_ref().and_then(|u| u.seen) {
        let title = format!("unattributed: {} seen", count(seen));
        root.insert(
            &[],
            Node {
                name: "(unattributed)".into(),
                value: seen,
                colour: Some(NONE.into()),
                title,
                ..Default::default()
            },
        );
    }
    root.sort();
    let height = match s.leaves.len() {
        0..=12 => 300.0,
        13..=40 => 420.0,
        _ => 540.0,
    };
    let mut out = if root.value > 0 {
        treemap::render(&root, s.totals.known_seen, height, &format!("composite tree of stage {}", s.id))
    } else {
        "<p class=\"muted\">No known counts to draw.</p>".to_string()
    };
    if !unknown.is_empty() {
        let _ = write!(out, "<p class=\"muted\">Not drawn, count unknown: {}.</p>", esc(&unknown.join(", ")));
    }
    out
}

fn entry_table(s: &StagePlan) -> String {
    let rows: Vec<Vec<String>> = s
        .entries
        .iter()
        .map(|e| {
            let mut name = name_cell(&e.dataset, &e.name);
            if let Some(from) = &e.from {
                let _ = write!(name, "<br><small>from {}</small>", esc(from));
            }
            vec![
                name,
                esc(&e.amount),
                approx_count(e.count.unique.map(u128::from), e.count.approx),
                approx_count(e.count.seen, e.count.approx),
                epochs(e.count.epochs),
                percent(e.count.share),
            ]
        })
        .collect();
    table(&["dataset", "amount", "unique", "seen", "epochs", "share"], &rows, &[2, 3, 4, 5], &[])
}
