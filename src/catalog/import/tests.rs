use super::*;
use crate::load::Inputs;
use crate::quantity::Measure;

/// Imports `md` against a catalog holding one dataset, `coco` (alias COCO).
fn run(md: &str) -> (Imported, String) {
    let cat = "[[dataset]]\nid = \"coco\"\nname = \"COCO\"\naliases = [\"MS-COCO\"]\nstages = [\"pretrain\"]\nsource = \"test\"\n";
    let inputs = Inputs::from_strs(&[("c.toml", cat)], &[]);
    let mut sources = Sources::default();
    let file = sources.add("list.md", md.to_string());
    let mut diags = Diagnostics::default();
    let imported = import(file, &sources, &inputs.catalog, &mut diags);
    (imported, diags.render(&sources))
}

const TABLE: &str = "\
# My list
## Preference data
| Dataset | Model | Modality | Quantity | Notes | Link |
|---------|-------|----------|----------|-------|------|
| RLHF-V-Dataset | MiniCPM-V 2.0 | Image | 5.7k | | [RLHF-V-Dataset](https://huggingface.co/datasets/openbmb/RLHF-V-Dataset) |
| **MS-COCO** | - | Image | 118,287 | | |
| Mixed | - | Image, Video | 200K image, 10K video | two parts | [paper](https://arxiv.org/abs/2401.00001) / [code](https://github.com/o/r) |
## Corpora
| Name | Language | Size |
| :-: | :-: | :-: |
| CLUECorpus2020 | CN | 100GB |
| Web-Text v2.0 | EN & CN | 约40万条 |
| Web Text v2.0 | EN | - |
";

#[test]
fn a_table_row_becomes_a_draft() {
    let (imp, warnings) = run(TABLE);
    assert_eq!(imp.tables, 2);
    let d = &imp.drafts[0];
    assert_eq!((d.id.as_str(), d.name.as_str(), d.line), ("rlhf-v-dataset", "RLHF-V-Dataset", 5));
    assert_eq!(d.stages, [DatasetStage::Preference], "from the section heading");
    assert_eq!(d.modalities, [Modality::Image]);
    let size = d.size.as_ref().unwrap();
    assert_eq!((size.value, size.approx), (5_700, true));
    assert_eq!(d.reported.as_deref(), Some("5.7k"));
    assert_eq!(d.links.hf.as_deref(), Some("openbmb/RLHF-V-Dataset"));
    assert_eq!(d.comments, ["used by: MiniCPM-V 2.0"]);
    // one warning, for the two-figure cell of `Mixed` (line 7, column 30: `| Mixed | - | Image, Video | ` is 29 characters)
    assert!(warnings.starts_with("warning[import-size]: `Mixed`: 2 figures in one size cell"), "{warnings}");
    assert!(warnings.contains("list.md:7:30"), "{warnings}");
    assert_eq!(warnings.matches("warning[").count(), 1, "{warnings}");
}

#[test]
fn rows_the_catalog_has_are_not_drafted_again() {
    let (imp, _) = run(TABLE);
    assert_eq!(imp.known, [("MS-COCO".to_string(), "coco".to_string())]);
    assert!(imp.drafts.iter().all(|d| d.name != "MS-COCO"));
}

#[test]
fn an_ambiguous_size_is_kept_verbatim_without_samples() {
    let (imp, _) = run(TABLE);
    let d = imp.drafts.iter().find(|d| d.id == "mixed").unwrap();
    assert_eq!((d.size.as_ref(), d.reported.as_deref()), (None, Some("200K image, 10K video")));
    assert_eq!(d.modalities, [Modality::Image, Modality::Video]);
    assert_eq!(d.links.paper.as_deref(), Some("https://arxiv.org/abs/2401.00001"));
    assert_eq!(d.links.github.as_deref(), Some("https://github.com/o/r"));
}

#[test]
fn bytes_languages_and_a_heading_that_names_no_stage() {
    let (imp, _) = run(TABLE);
    let clue = imp.drafts.iter().find(|d| d.id == "cluecorpus2020").unwrap();
    let size = clue.size.as_ref().unwrap();
    assert_eq!((size.measure, size.value), (Measure::Bytes, 100_000_000_000));
    assert_eq!(clue.languages, ["zh"]);
    // "Corpora" names no stage and is not a generic heading: no guess
    assert!(clue.stages.is_empty());
    let web = imp.drafts.iter().find(|d| d.id == "web-text-v2.0").unwrap();
    assert_eq!(web.languages, ["en", "zh"]);
    assert_eq!(web.size.as_ref().map(|f| f.value), Some(400_000));
    // the same slug twice gets a suffix
    let again = imp.drafts.iter().find(|d| d.name == "Web Text v2.0").unwrap();
    assert_eq!((again.id.as_str(), again.reported.as_ref()), ("web-text-v2.0-2", None));
}

#[test]
fn the_drafts_are_a_catalog_file_that_loads() {
    let (imp, _) = run(TABLE);
    let text = to_toml(&imp, "list.md");
    assert!(text.contains("samples = 5700\napprox = true\nreported = [\"5.7k (list.md)\"]\n"), "{text}");
    assert!(text.contains("bytes = 100000000000\n"), "{text}");
    let inputs = Inputs::from_strs(&[("drafts.toml", &text)], &[]);
    let errors: Vec<String> = inputs.diags.iter().map(|d| d.message.clone()).collect();
    // the only thing `check` asks of a reviewer here: the two stages the
    // list did not give
    assert_eq!(
        errors,
        [
            "dataset `cluecorpus2020` names no stage",
            "dataset `web-text-v2.0` names no stage",
            "dataset `web-text-v2.0-2` names no stage"
        ]
    );
    assert_eq!(inputs.catalog.len(), 5 - 3);
}

#[test]
fn slugs() {
    assert_eq!(slug("LLaVA-Instruct-150K"), "llava-instruct-150k");
    assert_eq!(slug("seq - monkey - data"), "seq-monkey-data");
    assert_eq!(slug("WanJuan - 1.0"), "wanjuan-1.0");
    assert_eq!(slug("VCG+ 112K"), "vcg-112k");
    assert_eq!(slug("中文医疗对话"), "");
}

#[test]
fn headers_in_english_and_chinese() {
    let roles: Vec<Role> = ["序号", "名称", "数据分类", "语言", "下载地址", "发布机构", "简介", "Quantity"]
        .iter()
        .map(|h| role(h))
        .collect();
    use Role::*;
    assert_eq!(roles, [Other, Name, Stage, Language, Other, Publisher, Notes, Size]);
}
