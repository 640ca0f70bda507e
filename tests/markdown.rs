//! Markdown that renders: every `--format md` output, parsed by a
//! CommonMark parser with GitHub's tables (pulldown-cmark), has the intended
//! structure: one title, headings for sections, facts as list items (never
//! lines run together into one paragraph), tables whose every row has every
//! cell and whose numeric columns, and only those, are right-aligned
//! (`---:`); names never turn into emphasis, links or HTML.

use assert_cmd::Command;
use pulldown_cmark::{Alignment, Event, Options, Parser, Tag, TagEnd};

fn md(args: &[&str]) -> String {
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .args(["--format", "md"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

#[derive(Debug, Default)]
struct Table {
    align: Vec<Alignment>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// What a Markdown document is made of, as a renderer sees it.
#[derive(Debug, Default)]
struct Doc {
    headings: Vec<(usize, String)>,
    items: Vec<String>,
    paragraphs: Vec<String>,
    tables: Vec<Table>,
    /// Two source lines run into one paragraph or item.
    soft_breaks: Vec<String>,
    /// Emphasis, links, images or HTML: none of our text should make them.
    stray: Vec<String>,
}

fn parse(text: &str) -> Doc {
    let mut doc = Doc::default();
    let mut buf = String::new();
    let mut table: Option<Table> = None;
    let mut row: Vec<String> = Vec::new();
    for event in Parser::new_ext(text, Options::ENABLE_TABLES) {
        match event {
            Event::Start(Tag::Table(align)) => table = Some(Table { align, ..Default::default() }),
            Event::End(TagEnd::Table) => doc.tables.extend(table.take()),
            Event::End(TagEnd::TableCell) => row.push(std::mem::take(&mut buf).trim().to_string()),
            Event::End(TagEnd::TableHead) => {
                if let Some(t) = table.as_mut() {
                    t.header = std::mem::take(&mut row);
                }
            }
            Event::End(TagEnd::TableRow) => {
                if let Some(t) = table.as_mut() {
                    t.rows.push(std::mem::take(&mut row));
                }
            }
            Event::End(TagEnd::Heading(level)) => {
                doc.headings.push((level as usize, std::mem::take(&mut buf)))
            }
            Event::End(TagEnd::Item) => doc.items.push(std::mem::take(&mut buf)),
            Event::End(TagEnd::Paragraph) if table.is_none() => {
                // A paragraph inside a list item belongs to the item.
                doc.paragraphs.push(buf.clone());
            }
            Event::Start(Tag::Paragraph | Tag::Item | Tag::Heading { .. } | Tag::TableCell) => buf.clear(),
            Event::Text(t) | Event::Code(t) => buf.push_str(&t),
            Event::SoftBreak => {
                doc.soft_breaks.push(buf.clone());
                buf.push(' ');
            }
            // `- **field**: value` in `catalog show`.
            Event::Start(Tag::Strong) | Event::End(TagEnd::Strong) => {}
            Event::Start(Tag::Emphasis | Tag::Link { .. } | Tag::Image { .. })
            | Event::Html(_)
            | Event::InlineHtml(_) => doc.stray.push(format!("{event:?} near {buf:?}")),
            _ => {}
        }
    }
    doc
}

/// A cell that holds a number as the reports write them: a count, a share,
/// a difference, a range, "≥ N", "~N", "-" or "unknown".
fn numeric(cell: &str) -> bool {
    let c = cell.trim();
    if c.is_empty() || c == "-" || c == "unknown" {
        return true;
    }
    let c = c.trim_start_matches("≥ ").trim_start_matches("at least ").trim_start_matches('~');
    let c = c.trim_end_matches(" pt").trim_end_matches('%');
    c.split([' ', '·', '–']).filter(|p| !p.is_empty()).all(|p| {
        let p = p.trim_start_matches(['+', '-', '~']);
        !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit() || ch == ',' || ch == '.')
    })
}

/// The checks every Markdown output passes.
fn well_formed(name: &str, text: &str) -> Doc {
    let doc = parse(text);
    assert!(doc.soft_breaks.is_empty(), "{name}: lines run together: {:?}", doc.soft_breaks);
    assert!(doc.stray.is_empty(), "{name}: {:?}", doc.stray);
    assert!(!doc.headings.is_empty() && doc.headings[0].0 == 1, "{name}: no title first: {:?}", doc.headings);
    for t in &doc.tables {
        assert_eq!(t.align.len(), t.header.len(), "{name}: {t:?}");
        for r in &t.rows {
            assert_eq!(r.len(), t.header.len(), "{name}: a row without every cell: {r:?} in {:?}", t.header);
        }
        for (i, a) in t.align.iter().enumerate() {
            let cells: Vec<&str> = t.rows.iter().map(|r| r[i].as_str()).collect();
            let all_numeric = cells.iter().all(|c| numeric(c));
            let some_value = cells.iter().any(|c| !matches!(c.trim(), "" | "-" | "unknown"));
            if *a == Alignment::Right {
                assert!(all_numeric, "{name}: column `{}` is right-aligned but holds {cells:?}", t.header[i]);
            } else if all_numeric && some_value {
                panic!("{name}: numeric column `{}` is not right-aligned ({a:?}): {cells:?}", t.header[i]);
            }
        }
    }
    doc
}

#[test]
fn the_plan_is_a_title_stage_sections_fact_lists_and_aligned_tables() {
    let doc = well_formed("plan llava-1.5-7b", &md(&["plan", "llava-1.5-7b"]));
    let headings: Vec<(usize, &str)> = doc.headings.iter().map(|(l, t)| (*l, t.as_str())).collect();
    assert_eq!(
        headings,
        [
            (1, "LLaVA-1.5 7B (llava-1.5-7b)"),
            (2, "Stage pretrain (pretrain)"),
            (2, "Stage sft (sft, after pretrain)"),
            (2, "Recipe mix (seen samples)"),
            (2, "Compute (estimate, all stages)"),
        ]
    );
    for fact in [
        "665,298 distinct samples, 665,298 seen (1 epoch)",
        "by modality: image 93.88%, text 6.12%",
        "by license: unknown 61.95%, CC-BY-4.0 38.05%",
        "effective number of datasets: 10.59",
    ] {
        assert!(doc.items.iter().any(|i| i == fact), "no item `{fact}` in {:?}", doc.items);
    }
    // Entries of each stage, then the leaves of the SFT stage.
    assert_eq!(doc.tables.len(), 3);
    let leaves = &doc.tables[2];
    assert_eq!(leaves.header, ["leaf dataset", "unique", "seen", "epochs", "share", "via"]);
    assert_eq!(leaves.align[0], Alignment::None);
    assert!(leaves.align[1..5].iter().all(|a| *a == Alignment::Right), "{:?}", leaves.align);
    let vqa = leaves.rows.iter().find(|r| r[0] == "vqav2").expect("a vqav2 row");
    assert_eq!(vqa[1..5], ["82,783", "82,783", "1.000", "12.44%"]);
}

#[test]
fn every_builtin_plan_renders_as_markdown() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("recipes");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).expect("recipes/") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "toml") {
            let id = path.file_stem().unwrap().to_string_lossy().into_owned();
            let doc = well_formed(&id, &md(&["plan", &id, "--batch-size", "auto"]));
            assert!(doc.headings.iter().filter(|(l, _)| *l == 2).count() >= 2, "{id}: {:?}", doc.headings);
            n += 1;
        }
    }
    assert!(n >= 50, "{n} recipes");
}

#[test]
fn comparisons_render_as_markdown() {
    let two = well_formed("compare 2", &md(&["compare", "llava-1.5-7b", "sharegpt4v-7b", "--stage", "sft"]));
    assert!(
        doc_has(&two, "Only in llava-1.5-7b (1)") && doc_has(&two, "Shared sources (10)"),
        "{:?}",
        two.headings
    );
    let shared =
        two.tables.iter().find(|t| t.header[0] == "source" && t.header.len() == 4).expect("shared sources");
    assert_eq!(shared.align, [Alignment::None, Alignment::Right, Alignment::Right, Alignment::Right]);
    let three = well_formed("compare 3", &md(&["compare", "llava-1.5-7b", "sharegpt4v-7b", "video-llava"]));
    assert!(three.items.iter().any(|i| i.starts_with("video-llava: ")), "{:?}", three.items);
    let all = well_formed("compare --all", &md(&["compare", "--all"]));
    assert!(doc_has(&all, "Most similar pairs") && doc_has(&all, "Datasets used by the most recipes"));
    well_formed("compare entries", &md(&["compare", "--all", "--level", "entry", "--stage", "preference"]));
}

fn doc_has(doc: &Doc, heading: &str) -> bool {
    doc.headings.iter().any(|(_, h)| h == heading)
}

#[test]
fn listings_render_as_markdown() {
    // Lists have no title of their own: a table is the whole document.
    for args in [&["recipes"][..], &["catalog", "list"], &["catalog", "search", "llava"]] {
        let doc = parse(&md(args));
        assert!(doc.soft_breaks.is_empty() && doc.stray.is_empty(), "{args:?}: {doc:?}");
        assert_eq!(doc.tables.len(), 1, "{args:?}");
        let t = &doc.tables[0];
        assert!(t.rows.len() > 10, "{args:?}");
        assert_eq!(t.align.last(), Some(&Alignment::Right), "{args:?}: {:?}", t.header);
    }
    let show = parse(&md(&["catalog", "show", "llava-v1.5-mix665k"]));
    assert!(show.soft_breaks.is_empty(), "{:?}", show.soft_breaks);
    assert_eq!(
        show.headings[0],
        (1, "LLaVA-Instruct-665K (llava_v1_5_mix665k) (llava-v1.5-mix665k)".to_string())
    );
    assert!(show.items.iter().any(|i| i == "samples: 665,298"), "{:?}", show.items);
    assert_eq!(show.tables.len(), 2);
    assert_eq!(show.tables[1].align, [Alignment::None, Alignment::Right, Alignment::Right, Alignment::Right]);
}

#[test]
fn an_export_of_two_plans_is_two_documents_in_one() {
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["export", "llava-1.5-7b", "llava-13b", "--out", "-", "--format", "md"])
        .output()
        .expect("runs");
    let doc = well_formed("export", &String::from_utf8(out.stdout).expect("utf-8"));
    assert_eq!(doc.headings.iter().filter(|(l, _)| *l == 1).count(), 2, "{:?}", doc.headings);
}

#[test]
fn markdown_special_characters_in_names_stay_text() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(
        dir.path().join("odd.toml"),
        "[[dataset]]\nid = \"odd\"\nname = \"*Star* _under_ <b>bold</b> [link](x) a|b\\n# c\"\nstages = [\"sft\"]\n\
         samples = 10\nsource = \"test\"\ndescription = \"one\\n- two\"\n",
    )
    .expect("write");
    let out = Command::cargo_bin("mixplan")
        .expect("binary")
        .args(["--catalog", dir.path().to_str().unwrap(), "catalog", "show", "odd", "-f", "md"])
        .output()
        .expect("runs");
    let doc = parse(&String::from_utf8(out.stdout).expect("utf-8"));
    assert!(doc.stray.is_empty(), "{:?}", doc.stray);
    // A line break in a name or a description does not start a heading or an item.
    assert_eq!(doc.headings.len(), 1, "{:?}", doc.headings);
    assert_eq!(doc.headings[0].1, "*Star* _under_ <b>bold</b> [link](x) a|b # c (odd)");
    assert!(doc.items.iter().any(|i| i == "description: one - two"), "{:?}", doc.items);
}
