//! `--format html` of `plan` and `compare` as a user gets it: one
//! self-contained page whose figures are those of the JSON format, with
//! markup from the files escaped. tests/browser.rs opens the pages in a
//! real browser.

use assert_cmd::Command;
use serde_json::Value;

fn mixplan() -> Command {
    let mut c = Command::cargo_bin("mixplan").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn stdout(c: &mut Command) -> String {
    let out = c.output().expect("runs");
    assert!(out.status.success(), "failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Nothing in the page is fetched from elsewhere: no script, style sheet,
/// image, frame or font, and `url(…)` only for a fragment of the page
/// itself. Text from the files is escaped, so every `<` opens a real tag.
fn assert_self_contained(html: &str) {
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", &html[..80.min(html.len())]);
    assert!(html.ends_with("</html>\n"));
    for piece in html.split('<').skip(1) {
        let tag = piece.split('>').next().unwrap_or("").to_lowercase();
        let name = tag.split([' ', '\n']).next().unwrap_or("");
        assert!(
            !["script", "link", "img", "iframe", "object", "embed", "image", "use", "foreignobject"]
                .contains(&name),
            "the page holds a <{name}> tag"
        );
        for attr in [" src=", "xlink:href", "srcset"] {
            assert!(!tag.contains(attr), "<{tag}> has `{attr}`");
        }
        if name != "a" {
            assert!(!tag.contains("href=\"http"), "<{tag}> points elsewhere");
        }
    }
    let style = &html[html.find("<style>").unwrap()..html.find("</style>").unwrap()];
    assert!(!style.contains("@import") && !style.contains("@font-face"));
    assert_eq!(html.matches("url(").count(), html.matches("url(#").count(), "a `url(` outside the page");
}

/// The `<tr>` of the legend table whose dataset cell is `id`.
fn row_of<'a>(html: &'a str, section: &'a str, id: &str) -> &'a str {
    let at = section.find(&format!("<td><b>{id}</b>")).unwrap_or_else(|| panic!("no row for {id}"));
    let start = section[..at].rfind("<tr").expect("row start");
    let end = at + section[at..].find("</tr>").expect("row end");
    let _ = html;
    &section[start..end]
}

fn section_of<'a>(html: &'a str, stage: &str) -> &'a str {
    let at = html.find(&format!("data-stage=\"{stage}\"")).unwrap_or_else(|| panic!("no section {stage}"));
    let start = html[..at].rfind("<section").expect("section start");
    let end = at + html[at..].find("</section>").expect("section end");
    &html[start..end]
}

#[test]
fn plan_html_is_one_self_contained_page_with_the_llava_1_5_figures() {
    let html = stdout(mixplan().args(["plan", "llava-1.5-7b", "--format", "html"]));
    assert_self_contained(&html);
    assert!(html.contains("<title>LLaVA-1.5 7B (llava-1.5-7b) — mixplan</title>"));
    // Two stages in a diagram, each section with its totals.
    assert_eq!(html.matches("<section class=\"stage\"").count(), 2);
    assert!(html.contains("data-stage=\"pretrain\" data-total-seen=\"558128\" data-total-unique=\"558128\""));
    assert!(html.contains("data-stage=\"sft\" data-total-seen=\"665298\" data-total-unique=\"665298\""));
    assert!(html.contains("<b>665,298 distinct samples, 665,298 seen</b> (1 epoch)"));
    let sft = section_of(&html, "sft");
    // vqav2: 82,783 of 665,298 = 12.44%, through the 665K mix.
    let vqa = row_of(&html, sft, "vqav2");
    assert!(
        vqa.contains(">82,783<") && vqa.contains(">12.44%<") && vqa.contains("llava-v1.5-mix665k"),
        "{vqa}"
    );
    // The chain of a leaf two composites down, and the treemap frames.
    let reasoning = row_of(&html, sft, "llava-instruct-150k-reasoning");
    assert!(reasoning.contains("llava-v1.5-mix665k → llava-instruct-150k"), "{reasoning}");
    assert!(sft.contains("Composite tree") && sft.contains(">llava-v1.5-mix665k · 100.00%<"));
    assert!(sft.contains(">llava-instruct-150k · 23.71%<"));
    // The note about rounded parts is in the stage it belongs to.
    assert!(sft.contains("<code>rounded-parts</code>"));
    assert!(!section_of(&html, "pretrain").contains("rounded-parts"));
    // The effective number of datasets as the JSON writes it (3 decimals).
    assert!(html.contains("<b>7.19</b><span>effective number of datasets</span>"));
    assert!(sft.contains("Effective number of datasets: 10.591 "));
    // The breakdowns: 93.88% image, 6.12% text in the SFT stage.
    assert!(sft.contains(">image 93.88%<") || sft.contains("image 93.88%"));
    assert!(sft.contains("text 6.12%"));
}

#[test]
fn every_stage_total_and_leaf_count_matches_the_json() {
    for recipe in ["llava-1.5-7b", "eagle2-9b", "video-llama", "idefics2-8b", "llava-video-7b", "allava-3b"] {
        let html = stdout(mixplan().args(["plan", recipe, "-f", "html"]));
        assert_self_contained(&html);
        let v: Value = serde_json::from_str(&stdout(mixplan().args(["plan", recipe, "-f", "json"]))).unwrap();
        for s in v["stages"].as_array().unwrap() {
            let id = s["id"].as_str().unwrap();
            let seen = s["total_seen"].as_u64().map_or(String::new(), |n| n.to_string());
            let head = format!("data-stage=\"{id}\" data-total-seen=\"{seen}\"");
            assert!(html.contains(&head), "{recipe}: {head}");
            let section = section_of(&html, id);
            for leaf in s["leaves"].as_array().unwrap() {
                let ds = leaf["dataset"].as_str().unwrap();
                let row = row_of(&html, section, ds);
                if let Some(n) = leaf["seen"].as_u64() {
                    assert!(row.contains(&thousands(n)), "{recipe}/{id}/{ds}: {} not in {row}", thousands(n));
                } else {
                    assert!(row.contains(">-<"), "{recipe}/{id}/{ds}: unknown is `-`: {row}");
                }
            }
        }
    }
}

#[test]
fn an_unknown_total_reads_at_least_or_unknown_never_zero() {
    // chat-univi-7b: part of its counts is known.
    let html = stdout(mixplan().args(["plan", "chat-univi-7b", "-f", "html"]));
    let v: Value =
        serde_json::from_str(&stdout(mixplan().args(["plan", "chat-univi-7b", "-f", "json"]))).unwrap();
    let known = v["known_seen"].as_u64().unwrap();
    assert!(v["total_seen"].is_null() && known > 0);
    assert!(
        html.contains(&format!("<b>at least {}</b><span>samples seen</span>", thousands(known))),
        "{known}"
    );
    // idefics2-8b: nothing is known.
    let html = stdout(mixplan().args(["plan", "idefics2-8b", "-f", "html"]));
    assert!(html.contains("<b>unknown</b><span>samples seen</span>"));
    assert!(html.contains("data-total-seen=\"\""));
    assert!(!html.contains(">0 seen<") && !html.contains("<b>0</b>"));
}

#[test]
fn compare_html_has_the_heatmap_facts_and_pair() {
    let html =
        stdout(mixplan().args(["compare", "llava-1.5-7b", "sharegpt4v-7b", "--stage", "sft", "-f", "html"]));
    assert_self_contained(&html);
    assert!(html.contains("data-recipe=\"llava-1.5-7b\" data-total-seen=\"665298\""));
    assert!(html.contains("data-recipe=\"sharegpt4v-7b\" data-total-seen=\"665058\""));
    // Facts side by side: both use Vicuna-7B v1.5.
    assert_eq!(html.matches("<td>vicuna-7b-v1.5</td>").count(), 2);
    // The heatmap: one cell per used source; the largest share is the darkest colour.
    assert!(html.contains("class=\"heat\""));
    assert!(html.contains("fill=\"#662506\""), "the largest share gets the darkest colour");
    assert!(html.contains("llava-instruct-150k in llava-1.5-7b: 157,712 seen, 23.71%"));
    // The swap of detail-23k for the ShareGPT4V captions.
    assert!(html.contains("Only in llava-1.5-7b") && html.contains("<td>llava-instruct-150k-detail</td>"));
    assert!(html.contains("<td>sharegpt4v-cap23k</td>"));
    assert!(!html.contains("-0.00 pt"));
}

#[test]
fn compare_of_many_recipes_draws_the_similarity_matrix() {
    let html = stdout(mixplan().args(["compare", "--all", "-f", "html"]));
    assert_self_contained(&html);
    assert!(html.contains("<h1>Comparison of "));
    assert!(html.contains("same data by source, every pair"));
    // At most 80 sources in the heatmap; the rest are named as left out.
    assert!(html.contains("more sources, each used by"));
}

#[test]
fn markup_in_a_recipe_is_shown_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("evil.toml");
    std::fs::write(
        &path,
        "id = \"evil\"\nname = \"<script>alert(1)</script>\"\ndescription = \"</style><img src=x onerror=alert(2)> & co\"\n\n[[stage]]\nid = \"sft\"\nkind = \"sft\"\nmix = [{ dataset = \"vqav2\" }]\n",
    )
    .unwrap();
    let html = stdout(mixplan().args(["plan", path.to_str().unwrap(), "-f", "html"]));
    assert_self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;/style&gt;&lt;img src=x onerror=alert(2)&gt; &amp; co"));
}

#[test]
fn the_page_is_the_same_every_time() {
    let a = stdout(mixplan().args(["plan", "eagle2-9b", "-f", "html"]));
    let b = stdout(mixplan().args(["plan", "eagle2-9b", "-f", "html"]));
    assert!(a == b, "two runs differ");
}

#[test]
fn html_is_refused_where_it_is_not_offered() {
    for args in [
        &["recipes", "-f", "html"][..],
        &["graph", "llava-1.5-7b", "-f", "html"],
        &["catalog", "list", "-f", "html"],
    ] {
        let out = mixplan().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("does not write `--format html`"), "{err}");
    }
}

#[test]
fn warnings_stand_where_they_apply() {
    let dir = tempfile::tempdir().unwrap();
    for f in ["catalog.toml", "high-epochs.toml", "contamination.toml"] {
        std::fs::copy(format!("tests/fixtures/warn/{f}"), dir.path().join(f)).unwrap();
    }
    let plan = |recipe: &str| {
        let catalog = dir.path().join("catalog.toml");
        let path = dir.path().join(recipe);
        let out = mixplan()
            .args([
                "--no-builtin",
                "--catalog",
                catalog.to_str().unwrap(),
                "plan",
                path.to_str().unwrap(),
                "-f",
                "html",
            ])
            .output()
            .unwrap();
        assert!(out.status.success());
        // The page carries the warnings; stderr does not repeat them.
        assert!(!String::from_utf8_lossy(&out.stderr).contains("warning["));
        String::from_utf8(out.stdout).unwrap()
    };
    // A stage's warning is in its section, once.
    let html = plan("high-epochs.toml");
    assert_eq!(html.matches("<code>high-epochs</code>").count(), 1);
    assert!(section_of(&html, "s").contains("<code>high-epochs</code> <code>chat</code> is seen 10.00 times"));
    // A warning of the whole recipe stands before the stages.
    let html = plan("contamination.toml");
    let at = html.find("<code>contamination</code>").expect("the contamination warning");
    assert!(at < html.find("<section class=\"stage\"").unwrap());
    assert_eq!(html.matches("<code>contamination</code>").count(), 1);
}

#[test]
fn compare_leaves_the_plans_warnings_to_stderr() {
    // A comparison shows no plan's warnings, so every format prints them on stderr.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("tests/fixtures/warn/catalog.toml", dir.path().join("catalog.toml")).unwrap();
    std::fs::copy("tests/fixtures/warn/counted-twice.toml", dir.path().join("counted-twice.toml")).unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    std::fs::copy("tests/fixtures/warn/high-epochs.toml", dir.path().join("b/high-epochs.toml")).unwrap();
    for format in ["table", "json", "html", "csv", "md"] {
        let out = mixplan()
            .args(["--no-builtin", "--catalog"])
            .arg(dir.path().join("catalog.toml"))
            .arg("compare")
            .arg(dir.path().join("counted-twice.toml"))
            .arg(dir.path().join("b/high-epochs.toml"))
            .args(["-f", format])
            .output()
            .unwrap();
        assert!(out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("warning[high-epochs]"), "{format}: {err}");
    }
}
