//! Sizes as people write them in awesome lists and papers: `150k`,
//! `1177.6K`, `约40万条`, `超2TB`, `396,209篇`, `3k + 条`.
//!
//! One reader turns such a cell into figures. The rules:
//!
//! - multipliers: `k`/`K`/`thousand`/`千` (10^3), `M`/`million` (10^6),
//!   `B`/`billion` (10^9), `万` (10^4), `亿` (10^8); `万亿` multiplies both;
//! - units: `KB`/`MB`/`GB`/`TB`/`PB` (decimal) give bytes, `h`/`hours`/`小时`
//!   give hours, `tokens` gives tokens; anything else counts samples;
//! - a plain integer (`117,238`, `8631528`, `1,200 hours`) is exact; a
//!   figure with a multiplier or an abbreviated unit (`150k`, `100GB`,
//!   `300h`) is approximate, and so is any figure with a marker:
//!   `约`, `近`, `~`, `≈`, `about`, `around`, `approx.`, `nearly`, `超`, `>`,
//!   `over`, `more than`, or a `+` after it;
//! - counters and nouns after a figure (`条`, `个`, `篇`, `张`, `dialogues`,
//!   `训练数据`) are ignored, but a count of datasets or tasks
//!   (`50 datasets`, `9个任务`) is not a size;
//! - digits glued to letters (`GPT-4V`, `ChatGPT3.5`, `Qwen2`) belong to a
//!   name, not a figure;
//! - a cell with more than one figure is ambiguous: [`Reading::Many`].
//!
//! The value is exact: `1177.6K` is 1,177,600; a figure that is not a whole
//! number (`1.2345K`) is an error, never rounded.

use std::fmt;
use std::ops::Range;

/// What a figure measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Samples,
    Bytes,
    Hours,
    Tokens,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Samples => "samples",
            Measure::Bytes => "bytes",
            Measure::Hours => "hours",
            Measure::Tokens => "tokens",
        }
    }
}

/// One figure read from a cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figure {
    pub value: u64,
    pub measure: Measure,
    pub approx: bool,
    /// The place of the last digit written: 1 for `117,238`, 100,000 for
    /// `1.2M`, 1,000 for `150k`. Half of it is the rounding the writer used.
    pub unit: u64,
    /// Where the figure is in the text (bytes).
    pub span: Range<usize>,
}

impl Figure {
    /// Whether `n` is what this figure says, within the rounding it was
    /// written with: `1.2M` covers 1,150,000 to 1,250,000.
    pub fn covers(&self, n: u64) -> bool {
        let diff = u128::from(n.abs_diff(self.value));
        2 * diff <= u128::from(self.unit) || (self.unit == 1 && diff == 0)
    }
}

/// What a cell says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// No figure: empty, `-`, or words only.
    Nothing,
    One(Figure),
    /// More than one figure: which one is the size is for a person to say.
    Many(Vec<Figure>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuantityError {
    pub span: Range<usize>,
    pub kind: QuantityErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QuantityErrorKind {
    NotWhole,
    TooLarge,
    Negative,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            QuantityErrorKind::NotWhole => write!(f, "the figure is not a whole number"),
            QuantityErrorKind::TooLarge => write!(f, "the figure is too large"),
            QuantityErrorKind::Negative => write!(f, "a size cannot be negative"),
        }
    }
}

impl std::error::Error for QuantityError {}

/// Reads every figure in `text`.
pub fn read(text: &str) -> Result<Reading, QuantityError> {
    let mut figures = Vec::new();
    let mut pos = 0;
    while let Some(start) = next_number(text, pos) {
        let (figure, end) = figure_at(text, start)?;
        figures.extend(figure);
        pos = end;
    }
    let marked = has_marker(text);
    Ok(match figures.len() {
        0 => Reading::Nothing,
        1 => {
            let mut f = figures.remove(0);
            f.approx |= marked;
            Reading::One(f)
        }
        _ => Reading::Many(figures),
    })
}

/// The byte offset of the next digit run that starts a figure: not glued
/// to a word on its left (`GPT-4`, `Qwen2`, `v1.5`).
fn next_number(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            if !glued_left(text, i) {
                return Some(i);
            }
            while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    None
}

fn glued_left(text: &str, i: usize) -> bool {
    let mut before = text[..i].chars().rev();
    match before.next() {
        Some(c) if c.is_ascii_alphabetic() => true,
        Some('-' | '_' | '.') => before.next().is_some_and(|c| c.is_ascii_alphanumeric()),
        _ => false,
    }
}

/// Reads the figure that starts at `start`; `None` if it turns out to be
/// part of a word (`4V`) or a count of something that is not a size.
fn figure_at(text: &str, start: usize) -> Result<(Option<Figure>, usize), QuantityError> {
    let (digits, frac_digits, mut end) = scan_number(text, start);
    // `40余万`, `3千多`: "and more", between the number and its multiplier.
    let more = text[end..].starts_with(['余', '多']);
    if more {
        end += '余'.len_utf8();
    }
    let rest = &text[end..];
    let after_space = rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len();
    let (mult_exp, measure, suffix_len) = suffix(&rest[after_space..]);
    let suffixed = suffix_len > 0;
    if suffixed {
        end += after_space + suffix_len;
    } else if rest.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        // `4V`, `2x`: a name or a factor, not a figure.
        let word_end = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        return Ok((None, end + word_end));
    }
    if counts_collections(&text[end..]) {
        return Ok((None, end));
    }
    let span = start..end;
    let err = |kind| QuantityError { span: span.clone(), kind };
    if negative(text, start) {
        return Err(err(QuantityErrorKind::Negative));
    }
    let exp = mult_exp as i32 - frac_digits as i32;
    if exp < 0 && !digits.ends_with(&"0".repeat((-exp) as usize)) {
        return Err(err(QuantityErrorKind::NotWhole));
    }
    let value = scale(&digits, exp).ok_or_else(|| err(QuantityErrorKind::TooLarge))?;
    let unit = 10u64.checked_pow(exp.max(0) as u32).ok_or_else(|| err(QuantityErrorKind::TooLarge))?;
    // `150k`, `100GB`, `300h` are rounded; `1,200 hours` is not.
    let spelled_out = ["tokens", "hours", "hour", "小时"].iter().any(|w| rest[after_space..].starts_with(w));
    let approx = (suffixed && !spelled_out) || more;
    Ok((Some(Figure { value, measure, approx, unit, span }), end))
}

/// A minus sign (`-` or `−`) right before the number, not joining two words.
fn negative(text: &str, start: usize) -> bool {
    let mut before = text[..start].chars().rev().skip_while(|c| *c == ' ');
    match before.next() {
        Some('-' | '−' | '－') => !before.next().is_some_and(char::is_alphanumeric),
        _ => false,
    }
}

/// Digits (thousands commas dropped, decimal point dropped), how many of them
/// came after the point, and where the number ends.
fn scan_number(text: &str, start: usize) -> (String, usize, usize) {
    let bytes = text.as_bytes();
    let mut digits = String::new();
    let mut frac = None;
    let mut i = start;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_digit() {
            digits.push(b as char);
            if let Some(n) = frac.as_mut() {
                *n += 1;
            }
        } else if b == b',' && frac.is_none() && thousands_group(bytes, i) {
            // `396,209`: a group of exactly three digits follows.
        } else if b == b'.' && frac.is_none() && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
            frac = Some(0);
        } else {
            break;
        }
        i += 1;
    }
    (digits, frac.unwrap_or(0), i)
}

fn thousands_group(bytes: &[u8], comma: usize) -> bool {
    let group = &bytes[comma + 1..bytes.len().min(comma + 4)];
    group.len() == 3
        && group.iter().all(u8::is_ascii_digit)
        && !bytes.get(comma + 4).is_some_and(u8::is_ascii_digit)
}

/// The digits times 10^exp; with a negative `exp` the dropped digits are
/// zeros (checked by the caller), so they are cut off, never divided away.
fn scale(digits: &str, exp: i32) -> Option<u64> {
    let kept =
        if exp < 0 { &digits[..digits.len().saturating_sub(exp.unsigned_abs() as usize)] } else { digits };
    let kept = kept.trim_start_matches('0');
    if kept.is_empty() {
        return Some(0);
    }
    let n: u128 = kept.parse().ok()?;
    let v = n.checked_mul(10u128.checked_pow(exp.max(0) as u32)?)?;
    u64::try_from(v).ok()
}

/// Suffixes after a number: (power of ten, measure, length in bytes). The
/// longest match wins; an ASCII suffix must end at a word boundary.
fn suffix(rest: &str) -> (u32, Measure, usize) {
    const SUFFIXES: &[(&str, u32, Measure)] = &[
        ("万亿", 12, Measure::Samples),
        ("亿", 8, Measure::Samples),
        ("万", 4, Measure::Samples),
        ("千", 3, Measure::Samples),
        ("小时", 0, Measure::Hours),
        ("thousand", 3, Measure::Samples),
        ("million", 6, Measure::Samples),
        ("billion", 9, Measure::Samples),
        ("tokens", 0, Measure::Tokens),
        ("hours", 0, Measure::Hours),
        ("hour", 0, Measure::Hours),
        ("hrs", 0, Measure::Hours),
        ("KB", 3, Measure::Bytes),
        ("MB", 6, Measure::Bytes),
        ("GB", 9, Measure::Bytes),
        ("TB", 12, Measure::Bytes),
        ("PB", 15, Measure::Bytes),
        ("G", 9, Measure::Bytes),
        ("h", 0, Measure::Hours),
        ("k", 3, Measure::Samples),
        ("K", 3, Measure::Samples),
        ("M", 6, Measure::Samples),
        ("B", 9, Measure::Samples),
    ];
    let found = SUFFIXES.iter().find(|(s, ..)| {
        rest.starts_with(s)
            && (!s.is_ascii() || !rest[s.len()..].starts_with(|c: char| c.is_ascii_alphanumeric()))
    });
    let Some(&(s, exp, measure)) = found else {
        return (0, Measure::Samples, 0);
    };
    // `1.2M tokens`, `34B tokens`: a multiplier, then the measure.
    let tail = rest[s.len()..].trim_start();
    if exp > 0 && measure == Measure::Samples && tail.starts_with("tokens") {
        return (exp, Measure::Tokens, rest.len() - tail.len() + "tokens".len());
    }
    (exp, measure, s.len())
}

/// `50 datasets`, `9个任务`: the number counts collections, not samples.
fn counts_collections(rest: &str) -> bool {
    let rest = rest.trim_start().trim_start_matches(['个', '种']);
    let lower = rest.to_lowercase();
    ["dataset", "subset", "task", "language", "categor", "class", "数据集", "任务", "类"]
        .iter()
        .any(|w| lower.starts_with(w))
}

/// Whether the text marks its figure as approximate.
fn has_marker(text: &str) -> bool {
    const SIGNS: &[char] = &['约', '近', '超', '~', '～', '≈', '>', '+', '＋'];
    if text.contains(SIGNS) {
        return true;
    }
    let lower = text.to_lowercase();
    ["about", "around", "approx", "approximately", "nearly", "over", "more than", "roughly", "almost"]
        .iter()
        .any(|w| contains_word(&lower, w))
}

/// `word` stands alone in `text` (`over 26M`, not `overall`).
fn contains_word(text: &str, word: &str) -> bool {
    text.match_indices(word).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + word.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

#[cfg(test)]
mod tests;
