//! The charts, as inline SVG written by hand: stacked bars, bars of sizes,
//! the stage diagram and a heatmap. Text stays text (selectable, searchable)
//! and every shape carries a `<title>` with its exact figures.
//!
//! SVG user units are CSS pixels at the page's design width ([`WIDTH`]);
//! label widths are estimated from the character count (no font metrics
//! without a browser), generously, so a label that might not fit is left
//! to the legend instead.

use super::esc;
use super::palette::{ink_on, sequential, NONE};
use std::fmt::Write as _;

/// The drawing width of a full-width chart.
pub const WIDTH: f64 = 1040.0;

/// Estimated width of `text` at `size` px (sans-serif averages ~0.55 em).
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * 0.6
}

/// `text` cut to at most `width` px with "…".
pub fn fit(text: &str, width: f64, size: f64) -> Option<String> {
    if text_width(text, size) <= width {
        return Some(text.to_string());
    }
    let keep = (width / (size * 0.6)).floor() as usize;
    (keep >= 4).then(|| text.chars().take(keep - 1).collect::<String>() + "…")
}

/// A number for an SVG attribute: one decimal, no "-0.0".
pub fn n(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == 0.0 {
        "0".into()
    } else if r.fract() == 0.0 {
        format!("{r:.0}")
    } else {
        format!("{r:.1}")
    }
}

/// One part of a stacked bar.
pub struct Segment {
    /// The label drawn inside when there is room.
    pub label: String,
    /// A second line under the label in a tall bar (the share), else after it.
    pub detail: String,
    /// Its share of the whole bar (0..=1).
    pub share: f64,
    pub colour: String,
    /// The tooltip: exact figures.
    pub title: String,
}

/// Opens an `<svg>` of the given size that scales with the page.
pub fn open(width: f64, height: f64, class: &str, label: &str) -> String {
    format!(
        "<svg class=\"{class}\" viewBox=\"0 0 {} {}\" width=\"{}\" role=\"img\" aria-label=\"{}\">",
        n(width),
        n(height),
        n(width),
        esc(label)
    )
}

/// A 100% stacked bar: segments left to right, labels inside where they
/// fit (two lines when `height` allows). The flag is true when every label
/// was drawn whole, so no legend is needed.
pub fn stacked_bar(segments: &[Segment], width: f64, height: f64, aria: &str) -> (String, bool) {
    let mut s = open(width, height, "bar", aria);
    if segments.iter().all(|g| g.share <= 0.0) {
        let _ = write!(
            s,
            "<rect x=\"0\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"{NONE}\"/><text x=\"8\" y=\"{}\" font-size=\"13\">no known counts</text></svg>",
            n(width),
            n(height),
            n(height / 2.0 + 4.5)
        );
        return (s, true);
    }
    let mut x = 0.0;
    let mut whole = true;
    let two = height >= 38.0;
    let size = if two { 13.0 } else { 12.0 };
    for g in segments.iter().filter(|g| g.share > 0.0) {
        let w = g.share * width;
        let _ = write!(
            s,
            "<g><title>{}</title><rect x=\"{}\" y=\"0\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#FFFFFF\" stroke-width=\"1\"/>",
            esc(&g.title),
            n(x),
            n(w),
            n(height),
            g.colour
        );
        let ink = ink_on(&g.colour);
        let lines: Vec<(String, f64)> = if two {
            vec![(g.label.clone(), height / 2.0 - 3.0), (g.detail.clone(), height / 2.0 + 13.0)]
        } else {
            vec![(format!("{} {}", g.label, g.detail).trim().to_string(), height / 2.0 + size * 0.35)]
        };
        for (text, y) in lines.iter().filter(|(t, _)| !t.is_empty()) {
            let shown = fit(text, w - 8.0, size);
            whole &= shown.as_deref() == Some(text.as_str());
            if let Some(t) = shown {
                let _ = write!(
                    s,
                    "<text x=\"{}\" y=\"{}\" font-size=\"{}\" fill=\"{ink}\">{}</text>",
                    n(x + 4.0),
                    n(*y),
                    n(size),
                    esc(&t)
                );
            }
        }
        s.push_str("</g>");
        x += w;
    }
    s.push_str("</svg>");
    (s, whole)
}

/// One bar of a size chart.
pub struct SizeBar {
    pub label: String,
    /// The length, in the chart's unit (known samples).
    pub value: f64,
    /// The figure written beside it ("558,128", "at least 3,000,000").
    pub text: String,
    /// Drawn lighter and dashed: only a lower bound is known.
    pub lower_bound: bool,
}

/// Horizontal bars, one per row, lengths in proportion to `value`.
pub fn size_bars(bars: &[SizeBar], colour: &str, aria: &str) -> String {
    let row = 26.0;
    let label_w = bars.iter().map(|b| text_width(&b.label, 13.0)).fold(60.0, f64::max).min(260.0) + 12.0;
    let text_w = bars.iter().map(|b| text_width(&b.text, 13.0)).fold(0.0, f64::max) + 12.0;
    let bar_w = (WIDTH - label_w - text_w).max(100.0);
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let height = row * bars.len() as f64 + 4.0;
    let mut s = open(WIDTH, height, "sizes", aria);
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        let w =
            if max > 0.0 { (b.value / max * bar_w).max(if b.value > 0.0 { 2.0 } else { 0.0 }) } else { 0.0 };
        let style = if b.lower_bound {
            format!("fill=\"{colour}\" fill-opacity=\"0.45\" stroke=\"{colour}\" stroke-dasharray=\"4 3\"")
        } else {
            format!("fill=\"{colour}\"")
        };
        let label = fit(&b.label, label_w - 12.0, 13.0).unwrap_or_default();
        let _ = write!(
            s,
            "<g><title>{}: {}</title><text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {style}/><text x=\"{}\" y=\"{}\" font-size=\"13\" class=\"num\">{}</text></g>",
            esc(&b.label),
            esc(&b.text),
            n(label_w - 8.0),
            n(y + 17.0),
            esc(&label),
            n(label_w),
            n(y + 3.0),
            n(w),
            n(row - 8.0),
            n(label_w + w + 6.0),
            n(y + 17.0),
            esc(&b.text)
        );
    }
    s.push_str("</svg>");
    s
}

/// One box of the stage diagram.
pub struct StageBox {
    pub id: String,
    /// Position in training order, from 1.
    pub order: usize,
    pub kind: String,
    pub total: String,
    /// The ids of the stages it comes after.
    pub after: Vec<String>,
    /// A note under the box (`mix of valley:pretrain`, `from llava-1.5-7b`).
    pub note: Option<String>,
    /// The anchor of the stage's section.
    pub href: String,
}

/// The stages left to right in layers: a stage sits one column right of
/// the last stage it comes after; arrows follow `after`.
pub fn stage_diagram(boxes: &[StageBox]) -> String {
    let layer = layers(boxes);
    let columns = layer.iter().copied().max().map_or(1, |m| m + 1);
    let gap = 44.0;
    let box_w = ((WIDTH - gap * (columns as f64 - 1.0)) / columns as f64).min(230.0);
    let box_h = 66.0;
    let row_h = box_h + if boxes.iter().any(|b| b.note.is_some()) { 30.0 } else { 14.0 };
    let mut rows_in = vec![0usize; columns];
    let mut at = Vec::new();
    for l in &layer {
        at.push((*l, rows_in[*l]));
        rows_in[*l] += 1;
    }
    let rows = rows_in.iter().copied().max().unwrap_or(1);
    let height = row_h * rows as f64;
    let pos = |i: usize| {
        let (c, r) = at[i];
        (c as f64 * (box_w + gap), r as f64 * row_h + 2.0)
    };
    let mut s = open(WIDTH, height, "stages", "training order of the stages");
    s.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0 0L10 5L0 10z\" fill=\"#444\"/></marker></defs>");
    for (i, b) in boxes.iter().enumerate() {
        for a in &b.after {
            let Some(j) = boxes.iter().position(|x| &x.id == a) else { continue };
            let ((x1, y1), (x2, y2)) = (pos(j), pos(i));
            let (sx, sy, ex, ey) = (x1 + box_w, y1 + box_h / 2.0, x2 - 2.0, y2 + box_h / 2.0);
            let mid = (sx + ex) / 2.0;
            let _ = write!(
                s,
                "<path d=\"M{} {}C{} {} {} {} {} {}\" fill=\"none\" stroke=\"#444\" stroke-width=\"1.6\" marker-end=\"url(#arrow)\"/>",
                n(sx), n(sy), n(mid), n(sy), n(mid), n(ey), n(ex), n(ey)
            );
        }
    }
    for (i, b) in boxes.iter().enumerate() {
        let (x, y) = pos(i);
        let title = fit(&format!("{} · {}", b.order, b.id), box_w - 20.0, 14.0).unwrap_or_default();
        let _ = write!(
            s,
            "<a href=\"#{}\"><g><title>stage {} `{}` ({}): {}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"7\" fill=\"#F4F4F7\" stroke=\"#332288\" stroke-width=\"1.5\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"14\" font-weight=\"700\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"12.5\" fill=\"#55555F\">{}</text>\
             <text x=\"{}\" y=\"{}\" font-size=\"12.5\" class=\"num\">{}</text></g></a>",
            esc(&b.href),
            b.order,
            esc(&b.id),
            esc(&b.kind),
            esc(&b.total),
            n(x), n(y), n(box_w), n(box_h),
            n(x + 10.0), n(y + 20.0), esc(&title),
            n(x + 10.0), n(y + 38.0), esc(&b.kind),
            n(x + 10.0), n(y + 56.0), esc(&fit(&b.total, box_w - 20.0, 12.5).unwrap_or_default())
        );
        if let Some(note) = &b.note {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"#55555F\" font-style=\"italic\">{}</text>",
                n(x + 4.0),
                n(y + box_h + 16.0),
                esc(&fit(note, box_w + gap - 8.0, 12.0).unwrap_or_default())
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The column of each stage: 0 without `after` (within these stages),
/// else one past the column of its latest predecessor. Stages come in
/// training order, so a predecessor is always placed first; a later one
/// (bad data) is ignored rather than followed.
fn layers(boxes: &[StageBox]) -> Vec<usize> {
    let mut layer: Vec<usize> = Vec::with_capacity(boxes.len());
    for b in boxes {
        let l = b
            .after
            .iter()
            .filter_map(|a| boxes.iter().position(|x| &x.id == a))
            .filter(|&j| j < layer.len())
            .map(|j| layer[j] + 1)
            .max()
            .unwrap_or(0);
        layer.push(l);
    }
    layer
}

/// One cell of a heatmap.
#[derive(Clone, Default)]
pub struct HeatCell {
    /// Not drawn when false (the recipe does not use it).
    pub used: bool,
    /// 0..=1; `None` for used but unknown.
    pub value: Option<f64>,
    pub text: String,
    pub title: String,
}

/// Rows × columns of cells coloured by value (square root of value ÷ the
/// largest, so small shares still show); labels rotated over the columns.
pub fn heatmap(rows: &[String], cols: &[String], cells: &[Vec<HeatCell>], aria: &str) -> String {
    let (cell_w, cell_h) = (66.0, 21.0);
    let label_w = rows.iter().map(|r| text_width(r, 12.5)).fold(80.0, f64::max).min(280.0) + 16.0;
    let head = cols.iter().map(|c| text_width(c, 12.5)).fold(40.0, f64::max).min(220.0) * 0.72 + 16.0;
    let width = label_w + cell_w * cols.len() as f64 + head;
    let height = head + cell_h * rows.len() as f64 + 2.0;
    let max = cells.iter().flatten().filter_map(|c| c.value).fold(0.0, f64::max);
    let mut s = open(width, height, "heat", aria);
    for (j, c) in cols.iter().enumerate() {
        let x = label_w + cell_w * (j as f64 + 0.5);
        let _ = write!(
            s,
            "<text transform=\"translate({} {}) rotate(-45)\" font-size=\"12.5\">{}</text>",
            n(x),
            n(head - 6.0),
            esc(&fit(c, 210.0, 12.5).unwrap_or_default())
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = head + cell_h * i as f64;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12.5\" text-anchor=\"end\">{}</text>",
            n(label_w - 8.0),
            n(y + 15.0),
            esc(&fit(r, label_w - 12.0, 12.5).unwrap_or_default())
        );
        let _ = write!(
            s,
            "<line x1=\"{}\" x2=\"{}\" y1=\"{}\" y2=\"{}\" stroke=\"#E4E4EA\"/>",
            n(label_w),
            n(label_w + cell_w * cols.len() as f64),
            n(y + cell_h),
            n(y + cell_h)
        );
        for (j, c) in cells[i].iter().enumerate().filter(|(_, c)| c.used) {
            let fill = match c.value {
                Some(v) if max > 0.0 => sequential(0.06 + 0.94 * (v / max).sqrt()),
                Some(_) => sequential(0.06),
                None => NONE.to_string(),
            };
            let x = label_w + cell_w * j as f64;
            let _ = write!(
                s,
                "<g><title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{fill}\" stroke=\"#FFFFFF\"/><text x=\"{}\" y=\"{}\" font-size=\"11.5\" text-anchor=\"middle\" fill=\"{}\" class=\"num\">{}</text></g>",
                esc(&c.title),
                n(x),
                n(y),
                n(cell_w),
                n(cell_h),
                n(x + cell_w / 2.0),
                n(y + 15.0),
                ink_on(&fill),
                esc(&c.text)
            );
        }
    }
    s.push_str("</svg>");
    s
}

/// The colour key of [`heatmap`]: swatches at a few values up to `max`.
pub fn heat_key(max: f64, format: impl Fn(f64) -> String) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for t in [0.0, 0.0625, 0.25, 0.5625, 1.0] {
        // The colour at value v is sequential(0.06 + 0.94·√(v/max)); these are v/max = t.
        let fill = sequential(0.06 + 0.94 * f64::sqrt(t));
        let _ = write!(
            s,
            "<span><i class=\"sw\" style=\"background:{fill}\"></i>{}</span>",
            esc(&format(t * max))
        );
    }
    let _ =
        write!(s, "<span><i class=\"sw\" style=\"background:{NONE}\"></i>used, share unknown</span></div>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sb(id: &str, after: &[&str]) -> StageBox {
        StageBox {
            id: id.into(),
            order: 0,
            kind: "sft".into(),
            total: "1".into(),
            after: after.iter().map(|s| s.to_string()).collect(),
            note: None,
            href: id.into(),
        }
    }

    #[test]
    fn stages_go_one_column_right_of_what_they_follow() {
        // video-llama: two branches of two stages each.
        let b = [
            sb("pretrain", &[]),
            sb("sft", &["pretrain"]),
            sb("audio-pretrain", &[]),
            sb("audio-sft", &["audio-pretrain"]),
        ];
        assert_eq!(layers(&b), vec![0, 1, 0, 1]);
        // A chain, and a stage after two others.
        let b = [sb("a", &[]), sb("b", &["a"]), sb("c", &["a", "b"])];
        assert_eq!(layers(&b), vec![0, 1, 2]);
        // A reference forward (or to itself) is not followed.
        let b = [sb("a", &["b"]), sb("b", &["b"])];
        assert_eq!(layers(&b), vec![0, 0]);
    }

    #[test]
    fn labels_that_do_not_fit_are_cut_or_left_out() {
        // 10 chars × 12 px × 0.6 = 72 px.
        assert_eq!(fit("abcdefghij", 72.0, 12.0).as_deref(), Some("abcdefghij"));
        // 50 px keeps floor(50 / 7.2) = 6 chars: 5 and "…".
        assert_eq!(fit("abcdefghij", 50.0, 12.0).as_deref(), Some("abcde…"));
        assert_eq!(fit("abcdefghij", 20.0, 12.0), None);
    }

    #[test]
    fn numbers_are_short_and_never_negative_zero() {
        assert_eq!(n(-0.01), "0");
        assert_eq!(n(12.0), "12");
        assert_eq!(n(12.345), "12.3");
    }

    #[test]
    fn a_bar_with_nothing_known_says_so() {
        let (s, whole) = stacked_bar(&[], 100.0, 20.0, "x");
        assert!(s.contains("no known counts") && whole);
    }

    #[test]
    fn labels_that_do_not_fit_ask_for_a_legend() {
        let seg = |label: &str, share| Segment {
            label: label.into(),
            detail: "50.00%".into(),
            share,
            colour: "#CC6677".into(),
            title: String::new(),
        };
        // 200 px: each half is 100 px, less 8 px padding; "a 50.00%" is 8 × 7.2 = 57.6 px.
        let (s, whole) = stacked_bar(&[seg("a", 0.5), seg("b", 0.5)], 200.0, 26.0, "x");
        assert!(whole && s.contains(">a 50.00%<") && s.contains(">b 50.00%<"));
        // A 20-character label needs 144 px: cut, so a legend is needed.
        let (s, whole) = stacked_bar(&[seg("abcdefghijklmnopqrst", 0.5), seg("b", 0.5)], 200.0, 26.0, "x");
        assert!(!whole && s.contains("…"));
        // A tall bar writes the detail on a second line.
        let (s, whole) = stacked_bar(&[seg("abcdefghij", 1.0)], 200.0, 40.0, "x");
        assert!(whole && s.contains(">abcdefghij<") && s.contains(">50.00%<"));
    }

    #[test]
    fn labels_and_titles_are_escaped() {
        let seg = Segment {
            label: "<b>".into(),
            detail: String::new(),
            share: 1.0,
            colour: "#332288".into(),
            title: "a & \"b\"".into(),
        };
        let (s, whole) = stacked_bar(&[seg], 500.0, 30.0, "<x>");
        assert!(whole);
        assert!(s.contains("&lt;b&gt;") && s.contains("a &amp; &quot;b&quot;") && s.contains("&lt;x&gt;"));
        assert!(!s.contains("<b>"));
    }
}
