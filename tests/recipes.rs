//! Every published recipe plans to the totals its sources give.
//!
//! One row per stage: the total the plan must reach, worked out by hand from
//! the sourced parts (in the comment), whether every part's size is known,
//! the total as the source states it (the recipe's `stated_samples`), and
//! whether the two agree within the rounding the source wrote it in. Where
//! they do not, the sources disagree with themselves, the row says how, and
//! the plan must carry the warning.

use mixplan::diag::Diagnostics;
use mixplan::load::{Inputs, Overlays};
use mixplan::plan::{Plan, PlanOptions, Planner};
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// Whether the stated figure and the planned total agree.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stated {
    /// The source gives no total for the stage, only its parts (or nothing).
    None,
    /// The plan is within the rounding of the stated figure.
    Agrees(&'static str),
    /// A known discrepancy in the sources: the plan warns.
    Differs(&'static str),
    /// The stage is incomplete, so there is no comparing yet.
    Unchecked(&'static str),
}

use Stated::{Agrees, Differs, Unchecked};

struct Row {
    recipe: &'static str,
    stage: &'static str,
    total: u64,
    complete: bool,
    stated: Stated,
}

const fn row(recipe: &'static str, stage: &'static str, total: u64, complete: bool, stated: Stated) -> Row {
    Row { recipe, stage, total, complete, stated }
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // ALLaVA paper Table: PT total 1,093K = text 298K ((143K + 6K) x 2
    // epochs) + caption 795K (715K ALLaVA captions + 80K ShareGPT4V). The
    // dataset cards give the captions as 505,588 LAION + 202,552 VFLAN =
    // 708,140, 6,860 short of 715K:
    // 505,588 + 202,552 + 143,000 x 2 + 6,000 x 2 + 80,000 = 1,086,140
    row("allava-3b", "pretrain", 1_086_140, true, Differs("1,093K")),
    // FT 1,521K = text 149K + VQA 1,372K (715K ALLaVA + 657K LLaVA-1.5);
    // the cards: 505,588 + 203,065 instructions, so
    // 657,000 + 505,588 + 203,065 + 143,000 + 6,000 = 1,514,653
    row("allava-3b", "sft", 1_514_653, true, Differs("1,521K")),
    // Infinity-MM card: 10M captions; 25.8M general instructions in three
    // parts of 8.6M (paper Table 3); 6M selective; 3M GPT-4 and synthetic
    row("aquila-vl-2b", "stage1", 10_000_000, true, Agrees("10M")),
    row("aquila-vl-2b", "stage2a", 8_600_000, true, Stated::None),
    row("aquila-vl-2b", "stage2b", 8_600_000, true, Stated::None),
    row("aquila-vl-2b", "stage2c", 8_600_000, true, Stated::None),
    row("aquila-vl-2b", "stage3", 6_000_000, true, Agrees("6M")),
    row("aquila-vl-2b", "stage4", 3_000_000, true, Agrees("3M")),
    // All-Seeing v2 README: LLaVA-1.5's data, then 5M CC12M + 10M AS-1B +
    // 15M GRiT = 30M, then as_mix_4m for two epochs = 8M
    row("asmv2-13b", "stage1-pretrain", 558_128, true, Agrees("558K")),
    row("asmv2-13b", "stage1-finetune", 665_298, true, Agrees("665K")),
    row("asmv2-13b", "stage2-pretrain", 30_000_000, true, Stated::None),
    row("asmv2-13b", "stage2-finetune", 8_000_000, true, Stated::None),
    // Cambrian README: 2.5M alignment data, 7M curated instructions
    row("cambrian-1-8b", "connector", 2_500_000, true, Agrees("2.5M")),
    row("cambrian-1-8b", "sft", 7_000_000, true, Agrees("7M")),
    // CogVLM: pretraining amounts not read from a primary source; SFT is
    // CogVLM-SFT-311K plus unnamed amounts of other sets
    row("cogvlm-17b", "pretrain-caption", 0, false, Stated::None),
    row("cogvlm-17b", "pretrain-grounding", 0, false, Stated::None),
    row("cogvlm-17b", "sft", 311_000, false, Stated::None),
    // Idefics2: datasets named, amounts not given
    row("idefics2-8b", "pretrain", 0, false, Stated::None),
    row("idefics2-8b", "sft", 0, false, Stated::None),
    // InternVL-Chat-V1-2 card: "8192x4800=39.3M" over named datasets with no
    // amounts; SFT "approximately 1.2M", while the repository's file list
    // gives 102,025 + 157,712 + 665,058 + 200,000 + 18,317 + 12,413 +
    // 10,211 + 72,318 + 29,765 = 1,267,819
    row("internvl-chat-v1-2", "pretrain", 0, false, Unchecked("39.3M")),
    row("internvl-chat-v1-2", "sft", 1_267_819, true, Differs("approximately 1.2M")),
    // MMPR card: "about 3 million samples"
    row("internvl2-8b-mpo", "mpo", 3_000_000, true, Agrees("about 3 million")),
    // LayoutLLM Sec. 4.1: 5.7 million pretraining and 300K SFT instructions
    row("layoutllm", "layout-pretrain", 5_700_000, true, Agrees("5.7 million")),
    row("layoutllm", "layout-sft", 300_000, true, Agrees("300K")),
    // LLaVA-1.5 README: 558K LCS; 665K mix = 665,298 records
    row("llava-1.5-7b", "pretrain", 558_128, true, Agrees("558K")),
    row("llava-1.5-7b", "sft", 665_298, true, Agrees("665K")),
    row("llava-1.5-13b", "pretrain", 558_128, true, Agrees("558K")),
    row("llava-1.5-13b", "sft", 665_298, true, Agrees("665K")),
    // LLaVA v1: CC3M filtered to 595K; 158K instructions x 3 epochs =
    // 157,712 x 3 = 473,136
    row("llava-13b", "pretrain", 595_000, true, Agrees("595K")),
    row("llava-13b", "sft", 473_136, true, Stated::None),
    // LLaVA-NeXT-Interleave abstract: M4-Instruct, 1,177.6k samples
    row("llava-next-interleave-7b", "sft", 1_177_600, true, Agrees("1,177.6k")),
    // LLaVA-OneVision paper: 558K; 4M mid-stage (one file of unstated
    // size); 3.2M single-image; 1.6M OneVision. Its own per-dataset figures
    // add up to 3,146,300 and 1,323,500: 53,700 and 276,500 short
    row("llava-onevision-7b", "pretrain", 558_128, true, Agrees("558K")),
    row("llava-onevision-7b", "mid", 3_971_000, false, Unchecked("4M")),
    row("llava-onevision-7b", "si", 3_146_300, true, Differs("3.2M")),
    row("llava-onevision-7b", "ov", 1_323_500, true, Differs("1.6M")),
    // LLaVA-Plus script: (157,712 + 117,000) x 3 epochs = 824,136
    row("llava-plus-7b", "pretrain", 595_000, true, Agrees("595K")),
    row("llava-plus-7b", "sft", 824_136, true, Stated::None),
    // LLaVA-Video: OneVision's first stages, then 1,335,500 + 255,000 +
    // 975,300 = 2,565,800 and three files of unstated size
    row("llava-video-7b", "pretrain", 558_128, true, Stated::None),
    row("llava-video-7b", "mid", 3_971_000, false, Stated::None),
    row("llava-video-7b", "si", 3_146_300, true, Stated::None),
    row("llava-video-7b", "video", 2_565_800, false, Stated::None),
    // RLAIF-V README: 83,132 pairs; RLHF-V README: about 5.7k
    row("minicpm-llama3-v-2.5", "rlaif-v", 83_132, true, Agrees("83,132")),
    row("minicpm-v-2.0", "rlhf-v", 5_700, true, Agrees("about 5.7k")),
    // MoE-LLaVA TRAIN.md: 558K; 157K + 220K + 331K + 256K = 964K; 665K
    row("moe-llava-phi2", "pretrain", 558_128, true, Agrees("558K")),
    row("moe-llava-phi2", "sft", 964_000, true, Stated::None),
    row("moe-llava-phi2", "moe", 665_298, true, Agrees("665K")),
    // DocOwl 1.5 README: ~3M + ~1M; ~57w (570,000) + DocReason25K 25,877
    row("mplug-docowl1.5", "structure-learning", 4_000_000, true, Stated::None),
    row("mplug-docowl1.5", "multitask-tuning", 595_877, true, Stated::None),
    // Muffin: pretraining amounts not given; 117,238 + 157,712 = 274,950
    row("muffin-13b", "pretrain", 0, false, Stated::None),
    row("muffin-13b", "sft", 274_950, true, Stated::None),
    // ShareGPT4V: LLaVA-1.5's projector; 1246K; 665K
    row("sharegpt4v-7b", "llava-projector", 558_128, true, Agrees("558K")),
    row("sharegpt4v-7b", "pretrain", 1_246_000, true, Agrees("1246K")),
    row("sharegpt4v-7b", "sft", 665_000, true, Agrees("665K")),
    // ShareGPT4Video-8B card: 153K + 28K = 181K
    row("sharegpt4video-8b", "sft", 181_000, true, Stated::None),
    // Silkie: all of VLFeedback, 80,258 instructions
    row("silkie", "dpo", 80_258, true, Stated::None),
    // SPA-VL: the released SPA-VL-DPO_90k model
    row("spa-vl-dpo", "dpo", 90_000, true, Agrees("90k")),
    // Valley README: 595K + 703K = 1,298,000; 157,712 + 11,000 + 65,000
    row("valley", "pretrain", 1_298_000, true, Stated::None),
    row("valley", "sft", 233_712, true, Stated::None),
    // Video-ChatGPT: its 100K video instructions
    row("video-chatgpt", "sft", 100_000, true, Agrees("100K")),
    // Video-LLaMA README: 2.5M + 595K; 157,712 + 3,500 + 11,000 = 172,212;
    // the audio branch trains on the same data
    row("video-llama", "pretrain", 3_095_000, true, Stated::None),
    row("video-llama", "sft", 172_212, true, Stated::None),
    row("video-llama", "audio-pretrain", 3_095_000, true, Stated::None),
    row("video-llama", "audio-sft", 172_212, true, Stated::None),
    // Video-LLaVA Sec. 4.1.1: 558,128 + 702,000 = 1,260,128;
    // 665,298 + 100,000 = 765,298
    row("video-llava", "pretrain", 1_260_128, true, Stated::None),
    row("video-llava", "sft", 765_298, true, Stated::None),
    // VideoChat config: 12,423,374 + 10,700,000 + 3,318,333 + 1,000,000 +
    // 328,000 + 108,077 = 27,877,784; SFT 11,000 + 3,362 + 2,000 + 2,000
    row("videochat", "pretrain", 27_877_784, true, Stated::None),
    row("videochat", "sft", 18_362, true, Stated::None),
    // VideoChat2 configs: 12,423,374 + 10,700,000 + 3,318,333; stage 2 adds
    // InternVid 10,000,000, SBU, COCO and VG; stage 3 "2M samples", whose
    // per-source figures add up to 1,924,008
    row("videochat2", "stage1", 26_441_707, true, Stated::None),
    row("videochat2", "stage2", 37_877_784, true, Stated::None),
    row("videochat2", "stage3", 1_924_008, true, Agrees("2M")),
    // VideoLLaMA 2 Table 2 states 12.2M, but its own "used" column adds up
    // to 4M + 2.8M + 2.8M + 650K + 595K + 7,805 = 10,852,805
    row("videollama2", "pretrain", 10_852_805, true, Differs("12.2M")),
    // Table 3 groups: 665,298 (for LLaVA's 198K + 466K) + 225K + 161K +
    // 120K + 82K + 79K + 23K = 1,355,298
    row("videollama2", "sft", 1_355_298, true, Stated::None),
    row("videollama2", "audio-pretrain", 400_000, true, Agrees("400K")),
    row("videollama2", "audio-sft", 227_000, false, Unchecked("698K")),
    row("videollama2", "av-joint", 663_400, false, Unchecked("836K")),
    // ViP-LLaVA card: 558K; 1.2M; 26K
    row("vip-llava-13b", "pretrain", 558_128, true, Agrees("558K")),
    row("vip-llava-13b", "sft", 1_200_000, true, Agrees("1.2M")),
    row("vip-llava-13b", "gpt4v-ft", 26_000, true, Agrees("26K")),
];

/// The built-in recipes, planned once for all the tests of this file.
fn plans() -> &'static [Plan] {
    static PLANS: OnceLock<Vec<Plan>> = OnceLock::new();
    PLANS.get_or_init(plan_all)
}

fn plan_all() -> Vec<Plan> {
    let inputs = Inputs::load(&Overlays::default()).expect("built-in data loads");
    let mut diags = Diagnostics::default();
    let planner = Planner::new(&inputs, &mut diags);
    let plans = planner.plan_all(&PlanOptions::default(), &mut diags);
    assert!(!diags.has_errors(), "{}", diags.render(&inputs.sources));
    plans
}

#[test]
fn every_recipe_and_stage_has_a_row() {
    let planned: BTreeSet<(String, String)> =
        plans().iter().flat_map(|p| p.stages.iter().map(|s| (p.recipe.id.clone(), s.id.clone()))).collect();
    let rows: BTreeSet<(String, String)> = ROWS.iter().map(|r| (r.recipe.into(), r.stage.into())).collect();
    assert_eq!(planned, rows);
}

#[test]
fn every_stage_plans_to_its_sourced_total() {
    let plans = plans();
    let mut wrong = Vec::new();
    for r in ROWS {
        let p = plans.iter().find(|p| p.recipe.id == r.recipe).expect("recipe planned");
        let s = p.stages.iter().find(|s| s.id == r.stage).expect("stage planned");
        if (s.total_samples, s.complete) != (r.total, r.complete) {
            wrong.push(format!(
                "{}:{} plans {} (complete: {}), the sources give {} (complete: {})",
                r.recipe, r.stage, s.total_samples, s.complete, r.total, r.complete
            ));
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn stated_totals_agree_within_their_rounding_or_are_flagged() {
    let plans = plans();
    for r in ROWS {
        let p = plans.iter().find(|p| p.recipe.id == r.recipe).unwrap();
        let s = p.stages.iter().find(|s| s.id == r.stage).unwrap();
        let flagged = s.warnings.iter().any(|w| w.contains("the stage's source states"));
        let at = format!("{}:{}", r.recipe, r.stage);
        match r.stated {
            Stated::None => assert_eq!(s.stated_as, None, "{at}"),
            Agrees(text) | Differs(text) | Unchecked(text) => {
                assert_eq!(s.stated_as.as_deref(), Some(text), "{at}");
                assert_eq!(flagged, matches!(r.stated, Differs(_)), "{at}: {:?}", s.warnings);
            }
        }
    }
}

#[test]
fn the_recipes_the_seed_lists_name_all_exist() {
    // DIGEST.md, "Published recipes", one recipe (or more) per model
    let models = [
        "llava-13b",
        "llava-1.5-7b",
        "sharegpt4v-7b",
        "cogvlm-17b",
        "llava-onevision-7b",
        "llava-video-7b",
        "llava-next-interleave-7b",
        "sharegpt4video-8b",
        "aquila-vl-2b",
        "cambrian-1-8b",
        "internvl-chat-v1-2",
        "internvl2-8b-mpo",
        "minicpm-v-2.0",
        "minicpm-llama3-v-2.5",
        "silkie",
        "spa-vl-dpo",
        "mplug-docowl1.5",
        "idefics2-8b",
        "vip-llava-13b",
        "moe-llava-phi2",
        "asmv2-13b",
        "llava-plus-7b",
        "allava-3b",
        "muffin-13b",
        "layoutllm",
        "video-llama",
        "videollama2",
        "videochat",
        "videochat2",
        "valley",
        "video-chatgpt",
        "video-llava",
    ];
    let rows: BTreeSet<&str> = ROWS.iter().map(|r| r.recipe).collect();
    for m in models {
        assert!(rows.contains(m), "{m}");
    }
}
