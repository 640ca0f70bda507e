use super::*;

/// One figure: (value, measure, approx, unit).
type Read = (u64, Measure, bool, u64);

fn one(text: &str) -> Read {
    match read(text) {
        Ok(Reading::One(f)) => (f.value, f.measure, f.approx, f.unit),
        other => panic!("{text:?}: expected one figure, got {other:?}"),
    }
}

fn many(text: &str) -> Vec<u64> {
    match read(text) {
        Ok(Reading::Many(fs)) => fs.iter().map(|f| f.value).collect(),
        other => panic!("{text:?}: expected several figures, got {other:?}"),
    }
}

use Measure::{Bytes, Hours, Samples, Tokens};

#[test]
fn every_quantity_string_of_the_seed_digest() {
    // The list at the end of seeds/DIGEST.md, in its order. A suffixed
    // figure is approximate and its unit is the place of its last digit.
    let cases: &[(&str, Read)] = &[
        ("150k", (150_000, Samples, true, 1_000)),
        ("665k", (665_000, Samples, true, 1_000)),
        ("311k", (311_000, Samples, true, 1_000)),
        ("1.6M", (1_600_000, Samples, true, 100_000)),
        ("1.2M", (1_200_000, Samples, true, 100_000)),
        ("4.8M", (4_800_000, Samples, true, 100_000)),
        ("34.7M", (34_700_000, Samples, true, 100_000)),
        ("178k", (178_000, Samples, true, 1_000)),
        ("1177.6K", (1_177_600, Samples, true, 100)),
        ("10M", (10_000_000, Samples, true, 1_000_000)),
        ("5.7k", (5_700, Samples, true, 100)),
        ("83k", (83_000, Samples, true, 1_000)),
        ("380k", (380_000, Samples, true, 1_000)),
        ("100k", (100_000, Samples, true, 1_000)),
        ("3M", (3_000_000, Samples, true, 1_000_000)),
        // sizes on disk go to bytes (decimal units), never to samples
        ("100GB", (100_000_000_000, Bytes, true, 1_000_000_000)),
        ("超2TB", (2_000_000_000_000, Bytes, true, 1_000_000_000_000)),
        // 约 = about; 万 = 10^4; 条 is a counter
        ("约40万条", (400_000, Samples, true, 10_000)),
        ("120万训练数据", (1_200_000, Samples, true, 10_000)),
        ("115万", (1_150_000, Samples, true, 10_000)),
        // a plain integer with thousands commas is exact; 篇 is a counter
        ("396,209篇", (396_209, Samples, false, 1)),
        // 超 = over
        ("超2600万个", (26_000_000, Samples, true, 10_000)),
        ("50K", (50_000, Samples, true, 1_000)),
        ("300万", (3_000_000, Samples, true, 10_000)),
        ("56k个多轮对话", (56_000, Samples, true, 1_000)),
        ("145k", (145_000, Samples, true, 1_000)),
        ("3k + 条", (3_000, Samples, true, 1_000)),
        ("117,238", (117_238, Samples, false, 1)),
        ("8631528", (8_631_528, Samples, false, 1)),
        ("127K", (127_000, Samples, true, 1_000)),
    ];
    for (text, want) in cases {
        assert_eq!(one(text), *want, "{text:?}");
    }
    // two figures, prompts and samples: which is the size is not for a
    // parser to decide
    assert_eq!(many("约64k条提示生成256k个样本"), [64_000, 256_000]);
}

#[test]
fn the_repaired_seed_files_damaged_counters_are_still_counters() {
    // repaired/004 has 捡 where the original had 条
    assert_eq!(one("约40万捡"), (400_000, Samples, true, 10_000));
    assert_eq!(one("3k + 捡"), (3_000, Samples, true, 1_000));
}

#[test]
fn cells_with_no_size() {
    for text in
        ["", "-", "—", "one million", "N/A", "GPT-4V captions", "50 datasets", "10 datasets", "9个任务"]
    {
        assert_eq!(read(text), Ok(Reading::Nothing), "{text:?}");
    }
}

#[test]
fn digits_inside_names_are_not_figures() {
    // GPT-4V, ChatGPT3.5 and Qwen2 are names; the cell's only figure is 100K
    assert_eq!(one("100K GPT-4V captions"), (100_000, Samples, true, 1_000));
    assert_eq!(one("300万, by ChatGPT3.5"), (3_000_000, Samples, true, 10_000));
    assert_eq!(one("Qwen2 answers to 12,000 prompts"), (12_000, Samples, false, 1));
    // `4V` alone is a word, not 4 samples
    assert_eq!(read("4V"), Ok(Reading::Nothing));
}

#[test]
fn several_figures_are_ambiguous() {
    assert_eq!(many("200K image, 10K video, 10K audio"), [200_000, 10_000, 10_000]);
    assert_eq!(many("~3M parsing + ~1M text localization"), [3_000_000, 1_000_000]);
    assert_eq!(many("1.2M (table); 100K GPT-4V captions (text)"), [1_200_000, 100_000]);
    assert_eq!(many("RefGPT-Fact：5万；RefGPT-Code：3.9万"), [50_000, 39_000]);
    assert_eq!(many("<IM_内科>220606个问答对；总计792099个问答对"), [220_606, 792_099]);
}

#[test]
fn hours_bytes_and_tokens() {
    assert_eq!(one("300 h"), (300, Hours, true, 1));
    assert_eq!(one("3000h"), (3_000, Hours, true, 1));
    assert_eq!(one("300小时"), (300, Hours, false, 1));
    assert_eq!(one("1,200 hours"), (1_200, Hours, false, 1));
    assert_eq!(one("60732GB"), (60_732_000_000_000, Bytes, true, 1_000_000_000));
    assert_eq!(one("200G语料库"), (200_000_000_000, Bytes, true, 1_000_000_000));
    assert_eq!(one("1.5MB"), (1_500_000, Bytes, true, 100_000));
    assert_eq!(one("34B tokens"), (34_000_000_000, Tokens, true, 1_000_000_000));
    assert_eq!(one("1,000,000 tokens"), (1_000_000, Tokens, false, 1));
}

#[test]
fn markers_make_a_plain_integer_approximate() {
    assert_eq!(one("about 90,000"), (90_000, Samples, true, 1));
    assert_eq!(one("~450000 images"), (450_000, Samples, true, 1));
    assert_eq!(one("≈ 12000"), (12_000, Samples, true, 1));
    assert_eq!(one("over 13,000 users"), (13_000, Samples, true, 1));
    assert_eq!(one("more than 500"), (500, Samples, true, 1));
    assert_eq!(one("40余万"), (400_000, Samples, true, 10_000));
    assert_eq!(one("2亿"), (200_000_000, Samples, true, 100_000_000));
    assert_eq!(one("1.5 million"), (1_500_000, Samples, true, 100_000));
    // words that merely start like a marker are not markers
    assert_eq!(one("overall 26,000"), (26_000, Samples, false, 1));
}

#[test]
fn exact_values_never_rounded() {
    assert_eq!(one("1,093K"), (1_093_000, Samples, true, 1_000));
    assert_eq!(one("2.50k"), (2_500, Samples, true, 10));
    assert_eq!(one("0.4M"), (400_000, Samples, true, 100_000));
    let err = read("1.2345K").unwrap_err();
    assert_eq!((err.kind, err.span), (QuantityErrorKind::NotWhole, 0..7));
    assert_eq!(read("99999999999999999999").unwrap_err().kind, QuantityErrorKind::TooLarge);
    assert_eq!(read("20000000000B").unwrap_err().kind, QuantityErrorKind::TooLarge);
}

#[test]
fn a_figure_covers_what_its_rounding_allows() {
    let fig = |t| match read(t) {
        Ok(Reading::One(f)) => f,
        other => panic!("{other:?}"),
    };
    // 1.2M was rounded to 100,000: 1,150,000 ..= 1,250,000
    let f = fig("1.2M");
    assert!(f.covers(1_150_000) && f.covers(1_250_000) && f.covers(1_200_000));
    assert!(!f.covers(1_149_999) && !f.covers(1_250_001));
    // LLaVA-OneVision states 3.2M; its per-dataset figures add up to
    // 3,146,300, 53,700 below: more than the 50,000 the rounding allows
    assert!(!fig("3.2M").covers(3_146_300));
    // a plain integer covers itself only
    let f = fig("117,238");
    assert!(f.covers(117_238) && !f.covers(117_237) && !f.covers(117_239));
}

#[test]
fn degenerate_figures_are_errors_not_panics() {
    // "0." and 128 zeros: zero, never a division by 10^128
    let zeros = format!("0.{}", "0".repeat(128));
    assert!(matches!(read(&zeros), Ok(Reading::One(Figure { value: 0, .. }))));
    // 60 digits: too large, an error
    assert!(read(&"9".repeat(60)).is_err());
    // leading zeros do not overflow the parser
    assert!(matches!(read(&format!("{}7", "0".repeat(60))), Ok(Reading::One(Figure { value: 7, .. }))));
}

#[test]
fn a_negative_size_is_an_error() {
    for t in ["-1000", "−5", " - 3k", "about -2M"] {
        let e = read(t).unwrap_err();
        assert_eq!(e.kind, QuantityErrorKind::Negative, "{t}");
    }
    // a hyphen between words is not a minus: "GPT-4", "Top-5 100k"
    assert!(matches!(read("Top-5 100k"), Ok(Reading::One(Figure { value: 100_000, .. }))));
}
