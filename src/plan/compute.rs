//! What a mix costs: tokens, training steps, FLOPs and GPU-hours, from the
//! recipe's `[model]` facts, the catalog's `text_tokens` and each stage's
//! `[stage.training]`.
//!
//! Every figure is a [`Range`]: exact when both ends agree, "at least" when
//! only the low end is known, unknown when neither is. Nothing unknown is
//! guessed: an image sample holds one image, a video sample `frames`
//! frames, and a sample whose text length no source states holds at least
//! no text and at most what `max_length` leaves; each estimate lists what
//! it assumed.
//!
//! Training FLOPs follow the 6·N·D rule part by part (vision encoder,
//! connector, LLM, in that order along the data): 2·N·D for the forward
//! pass of every part, 2·N·D for the backward pass through a part that a
//! trained part lies before (or is itself trained), 2·N·D for the weight
//! gradients of a trained part. A fully trained model costs 6·N·D; a frozen
//! LLM in front of a trained projector still costs 4·N·D.

use crate::catalog::schema::Modality;
use crate::catalog::{Catalog, Dataset};
use crate::num::Dec;
use crate::recipe::schema::{Model, Tiling, TilingScheme, Training};
use serde::Serialize;

/// A figure known exactly (`min == max`), at least `min` (`max` unknown),
/// or unknown (both `None`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Range<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl<T: Copy + std::ops::Add<Output = T>> Range<T> {
    pub fn exact(v: T) -> Self {
        Range { min: Some(v), max: Some(v) }
    }

    pub fn unknown() -> Self {
        Range { min: None, max: None }
    }

    /// Sums: the known low ends add up (an unknown part adds at least
    /// nothing), the high ends only when both are known.
    pub fn plus(self, o: Self) -> Self {
        let min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a + b),
            (a, b) => a.or(b),
        };
        Range { min, max: add(self.max, o.max) }
    }
}

fn add<T: std::ops::Add<Output = T>>(a: Option<T>, b: Option<T>) -> Option<T> {
    a.zip(b).map(|(a, b)| a + b)
}

/// The accelerator a GPU-hour estimate assumes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Accelerator {
    pub gpu: String,
    /// Peak dense BF16 throughput, in TFLOPS.
    pub peak_tflops: f64,
    /// The fraction of the peak the run is taken to reach (model FLOPs utilization).
    pub mfu: f64,
}

impl Default for Accelerator {
    fn default() -> Self {
        let (name, tflops) = ACCELERATORS[1];
        Accelerator { gpu: name.to_string(), peak_tflops: tflops, mfu: 0.4 }
    }
}

/// Peak dense BF16 TFLOPS per accelerator (the README gives the sources).
pub const ACCELERATORS: &[(&str, f64)] =
    &[("a100", 312.0), ("h100", 989.4), ("h200", 989.4), ("tpu-v4", 275.0)];

impl Accelerator {
    /// `h100`, `a100` … or a peak in TFLOPS (`400`).
    pub fn parse(name: &str, mfu: f64) -> Result<Accelerator, String> {
        let key = name.trim().to_ascii_lowercase();
        if let Some((n, t)) = ACCELERATORS.iter().find(|(n, _)| *n == key) {
            return Ok(Accelerator { gpu: n.to_string(), peak_tflops: *t, mfu });
        }
        match key.parse::<f64>() {
            Ok(t) if t.is_finite() && t > 0.0 => {
                Ok(Accelerator { gpu: format!("{t} TFLOPS"), peak_tflops: t, mfu })
            }
            _ => Err(format!(
                "expected one of {} or a peak in TFLOPS such as 400",
                ACCELERATORS.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
            )),
        }
    }
}

/// Tokens, steps and compute of a stage or a recipe.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compute {
    /// Tokens the LLM receives for images and video frames, as the samples hold them.
    pub visual_tokens: Range<u128>,
    /// Text tokens, from the catalog's `text_tokens`.
    pub text_tokens: Range<u128>,
    /// Tokens the LLM runs on: visual and text, each sample at most `max_length`.
    pub tokens: Range<u128>,
    /// Optimizer steps: seen samples ÷ global batch, rounded up.
    pub steps: Range<u128>,
    /// Training FLOPs.
    pub flops: Range<f64>,
    /// FLOPs ÷ (peak × MFU), in hours of one accelerator.
    pub gpu_hours: Range<f64>,
    /// Datasets whose text length no source states (the catalog has no
    /// `text_tokens`): no text at the low end, `max_length` at the high end.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub text_unknown: Vec<String>,
    /// What the estimate assumed, in words.
    pub assumptions: Vec<String>,
}

impl Compute {
    /// The recipe's figures: its stages' added up.
    pub fn total<'a>(stages: impl Iterator<Item = &'a Compute>) -> Option<Compute> {
        let mut out: Option<Compute> = None;
        for c in stages {
            out = Some(match out {
                None => c.clone(),
                Some(o) => {
                    let mut assumptions = o.assumptions;
                    for a in &c.assumptions {
                        if !assumptions.contains(a) {
                            assumptions.push(a.clone());
                        }
                    }
                    let mut text_unknown = o.text_unknown;
                    text_unknown.extend(c.text_unknown.iter().cloned());
                    text_unknown.sort();
                    text_unknown.dedup();
                    Compute {
                        text_unknown,
                        visual_tokens: o.visual_tokens.plus(c.visual_tokens),
                        text_tokens: o.text_tokens.plus(c.text_tokens),
                        tokens: o.tokens.plus(c.tokens),
                        steps: o.steps.plus(c.steps),
                        flops: o.flops.plus(c.flops),
                        gpu_hours: o.gpu_hours.plus(c.gpu_hours),
                        assumptions,
                    }
                }
            });
        }
        out
    }
}

/// Samples of one dataset (or of no known dataset: `None`) seen in a stage.
pub struct Part<'a> {
    pub dataset: Option<&'a Dataset>,
    /// Composites it came through, outermost first.
    pub via: Vec<&'a Dataset>,
    pub seen: Option<u128>,
}

/// Per-sample token ranges of one kind of sample.
#[derive(Debug, Clone, Copy)]
struct PerSample {
    /// LLM tokens for its images or frames.
    visual: Range<u128>,
    /// Vision-encoder tokens.
    encoder: Range<u128>,
}

/// A stage's figures.
pub fn stage(
    catalog: &Catalog,
    model: &Model,
    parts: &[Part],
    trainable: &[String],
    training: Option<&Training>,
    accelerator: &Accelerator,
) -> Compute {
    let _ = catalog;
    let mut assumptions: Vec<String> = Vec::new();
    let max_length = training.and_then(|t| t.max_length).map(u128::from);
    let image = image_tokens(model, &mut assumptions);
    let frame = frame_tokens(model, &mut assumptions);
    let mut visual = Range::exact(0u128);
    let mut encoder = Range::exact(0u128);
    let mut text = Range::exact(0u128);
    let mut tokens = Range::exact(0u128);
    let mut untold_text: Vec<String> = Vec::new();
    let mut seen_total = Range::exact(0u128);
    for p in parts {
        let per = p.dataset.map_or(
            PerSample {
                visual: Range { min: Some(0), max: None },
                encoder: Range { min: Some(0), max: None },
            },
            |d| per_sample(d, image, frame),
        );
        let t = text_per_sample(p);
        if t.is_none() && p.seen.is_some_and(|s| s > 0) {
            untold_text.push(p.dataset.map_or("(unattributed)".to_string(), |d| d.id.to_string()));
        }
        let t = t.map_or(Range { min: Some(Dec::from_int(0)), max: None }, |d| Range {
            min: Some(d),
            max: Some(d),
        });
        let Some(s) = p.seen else {
            visual.max = None;
            encoder.max = None;
            text.max = None;
            tokens.max = None;
            seen_total.max = None;
            continue;
        };
        seen_total = seen_total.plus(Range::exact(s));
        let text_part = Range { min: t.min.and_then(|d| times(d, s)), max: t.max.and_then(|d| times(d, s)) };
        visual = visual.plus(scale(per.visual, s));
        encoder = encoder.plus(scale(per.encoder, s));
        text = text.plus(text_part);
        // what the LLM runs on: each sample at most max_length
        let cap = |x: u128| max_length.map_or(x, |l| x.min(l.saturating_mul(s)));
        let vis_part = scale(per.visual, s);
        let llm = Range {
            min: add(vis_part.min, text_part.min).map(cap),
            max: add(vis_part.max, text_part.max).map(cap).or(max_length.map(|l| l.saturating_mul(s))),
        };
        tokens = tokens.plus(llm);
    }
    untold_text.sort();
    untold_text.dedup();
    if !untold_text.is_empty() {
        assumptions.push(match max_length {
            Some(_) => "a sample whose text length no source states holds no text at the low end, and fills `max_length` at the high end".to_string(),
            None => "a sample whose text length no source states holds no text at the low end; with no `max_length` there is no high end".to_string(),
        });
    }
    let mut steps = steps(seen_total, training);
    // a low end of 0 above which nothing is known says nothing: no low end
    for r in [&mut visual, &mut encoder, &mut text, &mut tokens, &mut steps] {
        if r.min == Some(0) && r.max != Some(0) {
            r.min = None;
        }
    }
    let flops = flops(model, trainable, visual, encoder, tokens, &mut assumptions);
    let per_hour = accelerator.peak_tflops * 1e12 * accelerator.mfu * 3600.0;
    let gpu_hours = Range { min: flops.min.map(|f| f / per_hour), max: flops.max.map(|f| f / per_hour) };
    assumptions.push(format!(
        "GPU-hours: {} at {} TFLOPS dense BF16 peak, {}% of it reached (MFU {})",
        accelerator.gpu,
        crate::num::trim_float(accelerator.peak_tflops),
        crate::num::trim_float(accelerator.mfu * 100.0),
        crate::num::trim_float(accelerator.mfu)
    ));
    Compute {
        visual_tokens: visual,
        text_tokens: text,
        tokens,
        steps,
        flops,
        gpu_hours,
        text_unknown: untold_text,
        assumptions,
    }
}

/// A range of per-sample tokens times `s` samples.
fn scale(r: Range<u128>, s: u128) -> Range<u128> {
    Range { min: r.min.map(|x| x.saturating_mul(s)), max: r.max.map(|x| x.saturating_mul(s)) }
}

/// round_half_even(d × s), saturating.
fn times(d: Dec, s: u128) -> Option<u128> {
    let x = d.to_rational() * num_rational::BigRational::from_integer(s.into());
    num_traits::ToPrimitive::to_u128(&crate::num::round_half_even(&x))
}

/// LLM and encoder tokens per image: (LLM [min, max], encoder [min, max]).
type ImageTokens = Option<(Range<u128>, Range<u128>)>;

fn image_tokens(m: &Model, assumptions: &mut Vec<String>) -> ImageTokens {
    if let Some(n) = m.image_tokens {
        let enc = m.encoder_tokens.unwrap_or(n);
        assumptions.push(format!("an image sample holds one image: {n} LLM tokens"));
        if m.encoder_tokens.is_none() {
            assumptions.push(format!(
                "the vision encoder runs on {n} tokens per image (the LLM's image tokens; `encoder_tokens` not given)"
            ));
        }
        return Some((Range::exact(u128::from(n)), Range::exact(u128::from(enc))));
    }
    let t = m.tiling.as_ref()?;
    let (lo, hi, tiles_lo, tiles_hi) = tiling_range(t);
    let per_tile = m.encoder_tokens.unwrap_or(t.tile_tokens);
    if m.encoder_tokens.is_none() {
        assumptions.push(format!(
            "the vision encoder runs on {} tokens per tile (the LLM's tile tokens; `encoder_tokens` not given)",
            t.tile_tokens
        ));
    }
    assumptions.push(format!(
        "{} tiling: {} to {} LLM tokens per image as the image's size decides; the low and high figures take every image at one end",
        t.scheme.as_str(),
        crate::num::thousands(lo),
        crate::num::thousands(hi)
    ));
    let enc =
        Range { min: Some(tiles_lo * u128::from(per_tile)), max: Some(tiles_hi * u128::from(per_tile)) };
    Some((Range { min: Some(lo), max: Some(hi) }, enc))
}

/// LLM tokens per image (fewest, most) and tiles per image (fewest, most)
/// under a tiling rule.
pub fn tiling_range(t: &Tiling) -> (u128, u128, u128, u128) {
    let tile = u128::from(t.tile_tokens);
    let max_tiles = u128::from(t.max_tiles.unwrap_or(1));
    match t.scheme {
        TilingScheme::Internvl => {
            // 1 tile (no thumbnail when alone) up to max_tiles + a thumbnail
            let most = max_tiles + u128::from(t.thumbnail && max_tiles > 1);
            (tile, tile * most, 1, most)
        }
        TilingScheme::LlavaNext | TilingScheme::LlavaOnevision => {
            let side = u128::from(crate::num::isqrt(t.tile_tokens));
            let most_grid = t.grids.iter().map(|g| u128::from(g[0]) * u128::from(g[1])).max().unwrap_or(1);
            let fewest_grid = t.grids.iter().map(|g| u128::from(g[0]) * u128::from(g[1])).min().unwrap_or(1);
            let most = t
                .grids
                .iter()
                .map(|g| {
                    let (rows, cols) = (u128::from(g[0]) * side, u128::from(g[1]) * side);
                    let mut features = rows * cols;
                    if t.scheme == TilingScheme::LlavaOnevision {
                        // above 1.1² × max_tiles tiles of features, they are scaled down
                        features = features.min(max_tiles * tile * 121 / 100);
                    }
                    features + rows + tile // one newline per row, plus the base image
                })
                .max()
                .unwrap_or(tile);
            // at least the base image; every grid adds tiles
            (tile, most, 1 + fewest_grid, 1 + most_grid)
        }
    }
}

fn frame_tokens(m: &Model, assumptions: &mut Vec<String>) -> Option<(u128, u128)> {
    let (per, frames) = (m.frame_tokens?, m.frames?);
    let enc = m.encoder_tokens.unwrap_or(per);
    assumptions.push(format!(
        "a video sample holds one video of {frames} frames, {per} LLM tokens each ({} per video)",
        crate::num::thousands(u128::from(per) * u128::from(frames))
    ));
    Some((u128::from(per) * u128::from(frames), u128::from(enc) * u128::from(frames)))
}

/// Visual and encoder tokens per sample, from what the dataset's samples
/// hold: a sample is one of its modalities (text: none; image: one image;
/// several images: at least one; video: one video; audio and 3D: unknown).
fn per_sample(d: &Dataset, image: ImageTokens, frame: Option<(u128, u128)>) -> PerSample {
    let unknown = Range { min: Some(0), max: None };
    let mut kinds: Vec<PerSample> = Vec::new();
    for m in &d.modalities {
        kinds.push(match m {
            Modality::Text => PerSample { visual: Range::exact(0), encoder: Range::exact(0) },
            Modality::Image => match image {
                Some((v, e)) => PerSample { visual: v, encoder: e },
                None => PerSample { visual: Range::unknown(), encoder: Range::unknown() },
            },
            Modality::MultiImage | Modality::Interleaved => match image {
                Some((v, e)) => PerSample {
                    visual: Range { min: v.min, max: None },
                    encoder: Range { min: e.min, max: None },
                },
                None => PerSample { visual: Range::unknown(), encoder: Range::unknown() },
            },
            Modality::Video => match frame {
                Some((v, e)) => PerSample { visual: Range::exact(v), encoder: Range::exact(e) },
                None => PerSample { visual: Range::unknown(), encoder: Range::unknown() },
            },
            Modality::Audio | Modality::ThreeD => PerSample { visual: unknown, encoder: unknown },
        });
    }
    // a sample is one of the kinds: the fewest tokens of any kind (an
    // unknown kind counts as none), unknown only when no kind is known
    let lo = |f: fn(&PerSample) -> Range<u128>| {
        let known = kinds.iter().any(|k| f(k).min.is_some());
        known.then(|| kinds.iter().map(|k| f(k).min.unwrap_or(0)).min().unwrap_or(0))
    };
    let hi = |f: fn(&PerSample) -> Range<u128>| {
        kinds.iter().map(|k| f(k).max).try_fold(0u128, |a, m| m.map(|m| a.max(m)))
    };
    if kinds.is_empty() {
        return PerSample { visual: unknown, encoder: unknown };
    }
    PerSample {
        visual: Range { min: lo(|k| k.visual), max: hi(|k| k.visual) },
        encoder: Range { min: lo(|k| k.encoder), max: hi(|k| k.encoder) },
    }
}

/// Text tokens per sample: the dataset's own figure, else that of the
/// closest composite it came through (its average stands for its parts).
fn text_per_sample(p: &Part) -> Option<Dec> {
    let d = p.dataset?;
    std::iter::once(d).chain(p.via.iter().rev().copied()).find_map(|d| {
        let t = d.text_tokens.as_ref()?;
        match (t.per_sample, t.total, d.samples) {
            (Some(m), _, _) => Dec::from_f64(m),
            (None, Some(total), Some(n)) if n > 0 => {
                // total ÷ samples, kept to 6 decimals
                let x = u128::from(total) * 1_000_000 / u128::from(n);
                u64::try_from(x).ok().map(|m| Dec { mant: m, exp: -6 })
            }
            _ => None,
        }
    })
}

fn steps(seen: Range<u128>, training: Option<&Training>) -> Range<u128> {
    match training.and_then(|t| t.global_batch).map(u128::from) {
        Some(b) => Range { min: seen.min.map(|s| s.div_ceil(b)), max: seen.max.map(|s| s.div_ceil(b)) },
        None => Range::unknown(),
    }
}

/// Where a `[model] params` part sits along the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    Encoder,
    Connector,
    Llm,
}

fn place(part: &str) -> Option<Place> {
    match part {
        "vision" | "vit" | "vision-encoder" | "image-encoder" => Some(Place::Encoder),
        "projector" | "connector" | "qformer" | "resampler" | "adapter" => Some(Place::Connector),
        "llm" => Some(Place::Llm),
        _ => None,
    }
}

/// Training FLOPs, part by part: 2·N·D forward, 2·N·D backward through a
/// part at or after a trained one, 2·N·D weight gradients of a trained part.
fn flops(
    m: &Model,
    trainable: &[String],
    visual: Range<u128>,
    encoder: Range<u128>,
    tokens: Range<u128>,
    assumptions: &mut Vec<String>,
) -> Range<f64> {
    if !m.params.contains_key("llm") {
        assumptions.push("FLOPs unknown: `[model] params` has no `llm` count".into());
        return Range::unknown();
    }
    let stated = !trainable.is_empty();
    let trained = |p: &str| trainable.iter().any(|t| t == p);
    let first_trained = trainable.iter().filter_map(|t| place(t)).min();
    let mut lo: Option<f64> = Some(0.0);
    let mut hi: Option<f64> = Some(0.0);
    let mut unplaced: Vec<&str> = Vec::new();
    for (part, &n) in &m.params {
        let Some(at) = place(part) else {
            unplaced.push(part);
            hi = None;
            continue;
        };
        let d = match at {
            Place::Encoder => encoder,
            Place::Connector => visual,
            Place::Llm => tokens,
        };
        let (c_lo, c_hi) = if stated {
            let c = 2.0
                + if trained(part) || first_trained.is_some_and(|f| f < at) { 2.0 } else { 0.0 }
                + if trained(part) { 2.0 } else { 0.0 };
            (c, c)
        } else {
            (2.0, 6.0)
        };
        lo = lo.zip(d.min).map(|(l, d)| l + c_lo * n as f64 * d as f64);
        hi = hi.zip(d.max).map(|(h, d)| h + c_hi * n as f64 * d as f64);
    }
    if m.params_approx {
        assumptions.push(
            "parameter counts as the source rounds them (`params_approx`): the FLOPs carry that rounding"
                .into(),
        );
    }
    let missing: Vec<&String> = trainable.iter().filter(|t| !m.params.contains_key(t.as_str())).collect();
    if !missing.is_empty() {
        hi = None;
        assumptions.push(format!(
            "trained part{} {} without a parameter count: left out of the low figure, no high figure",
            if missing.len() == 1 { "" } else { "s" },
            missing.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if !unplaced.is_empty() {
        assumptions.push(format!(
            "`params` part{} {} not placed along vision → connector → LLM: left out of the low figure, no high figure",
            if unplaced.len() == 1 { "" } else { "s" },
            unplaced.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
        ));
    }
    if stated {
        assumptions.push(
            "FLOPs: 6·N·D for each trained part, 4·N·D for a frozen part after a trained one (forward and backward), 2·N·D for a frozen part before every trained one (forward); D is the LLM's tokens for the LLM, the visual tokens for the connector, the encoder's tokens for the vision encoder; N counts every parameter, embeddings too".into(),
        );
    } else {
        assumptions.push(
            "FLOPs: the source states no trainable parts, so the low figure trains nothing (2·N·D, forward only) and the high one trains everything (6·N·D)".into(),
        );
    }
    Range { min: lo, max: hi }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiling(
        scheme: TilingScheme,
        tile: u64,
        max: Option<u64>,
        grids: Vec<[u64; 2]>,
        thumbnail: bool,
    ) -> Tiling {
        Tiling { scheme, tile_tokens: tile, max_tiles: max, grids, thumbnail, source: None }
    }

    #[test]
    fn internvl_tiles_and_thumbnail() {
        // 256 per 448-px tile; max_dynamic_patch 12 plus a thumbnail: 13 × 256 = 3,328
        let t = tiling(TilingScheme::Internvl, 256, Some(12), vec![], true);
        assert_eq!(tiling_range(&t), (256, 3_328, 1, 13));
        // a single tile gets no thumbnail
        let t = tiling(TilingScheme::Internvl, 256, Some(1), vec![], true);
        assert_eq!(tiling_range(&t), (256, 256, 1, 1));
    }

    #[test]
    fn llava_next_grids() {
        // 576 = 24²; grids 1×2 … 2×2: the 2×2 grid gives 48 × 48 + 48 newline
        // rows + 576 base = 2,928; the 3×1 grid 72 × 24 + 72 + 576 = 2,376
        let grids = vec![[1, 2], [2, 1], [2, 2], [3, 1], [1, 3]];
        let t = tiling(TilingScheme::LlavaNext, 576, None, grids, false);
        assert_eq!(tiling_range(&t), (576, 2_928, 3, 5));
        let t = tiling(TilingScheme::LlavaNext, 576, None, vec![[3, 1]], false);
        assert_eq!(tiling_range(&t).1, 2_376);
    }

    #[test]
    fn llava_onevision_scales_features_down_above_max_tiles() {
        // 729 = 27²; a 6×6 grid has 162 × 162 = 26,244 features, above
        // 1.21 × 9 × 729 = 7,938.81 → 7,938 + 162 rows + 729 = 8,829
        let t = tiling(TilingScheme::LlavaOnevision, 729, Some(9), vec![[6, 6]], false);
        assert_eq!(tiling_range(&t), (729, 8_829, 37, 37));
        // a 1×1 grid is below the limit: 729 + 27 + 729 = 1,485 (the reference's 384² row)
        let t = tiling(TilingScheme::LlavaOnevision, 729, Some(9), vec![[1, 1]], false);
        assert_eq!(tiling_range(&t).1, 1_485);
    }

    #[test]
    fn ranges_add_known_ends_only() {
        let a = Range { min: Some(1u128), max: Some(2) };
        let b = Range { min: Some(10u128), max: None };
        assert_eq!(a.plus(b), Range { min: Some(11), max: None });
        // an unknown part: the known part is a low end, there is no high end
        assert_eq!(a.plus(Range::unknown()), Range { min: Some(1), max: None });
        assert_eq!(Range::<u128>::unknown().plus(Range::unknown()), Range::unknown());
    }

    #[test]
    fn accelerators_by_name_or_peak() {
        assert_eq!(Accelerator::parse("A100", 0.4).unwrap().peak_tflops, 312.0);
        assert_eq!(Accelerator::parse("h100", 0.4).unwrap().peak_tflops, 989.4);
        assert_eq!(Accelerator::parse("400", 0.5).unwrap().gpu, "400 TFLOPS");
        assert!(Accelerator::parse("-1", 0.5).is_err());
        assert!(Accelerator::parse("nan", 0.5).is_err());
    }
}
