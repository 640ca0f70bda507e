//! Colours of the HTML report.
//!
//! Categories use Paul Tol's "muted" qualitative scheme, made to stay
//! distinct under the common colour-vision deficiencies and in greyscale
//! print; its nine colours are ordered so that light and dark alternate,
//! which keeps neighbouring segments of a stacked bar apart. Magnitudes
//! (the heatmaps) use the ColorBrewer YlOrBr sequential scheme that Tol
//! recommends, whose lightness falls steadily, so it also reads in grey.

/// The nine category colours (Tol "muted"), light and dark alternating.
pub const CATEGORY: [&str; 9] =
    ["#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499"];

/// Everything past the ninth category ("other datasets").
pub const OTHER: &str = "#BBBBBB";

/// No information: unknown, untagged, unspecified, unattributed (Tol's "bad data" grey).
pub const NONE: &str = "#DDDDDD";

/// YlOrBr, light to dark.
const SEQUENTIAL: [&str; 9] =
    ["#FFFFE5", "#FFF7BC", "#FEE391", "#FEC44F", "#FB9A29", "#EC7014", "#CC4C02", "#993404", "#662506"];

/// Keys that carry no information get the grey of missing data.
pub fn is_none_key(key: &str) -> bool {
    matches!(key, "unknown" | "untagged" | "unspecified" | "(unattributed)" | "none")
}

/// The colour of the `rank`-th category (0 = largest); grey past the palette.
pub fn category(rank: usize) -> &'static str {
    CATEGORY.get(rank).copied().unwrap_or(OTHER)
}

fn rgb(hex: &str) -> (f64, f64, f64) {
    let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
    (f64::from((v >> 16) & 0xFF), f64::from((v >> 8) & 0xFF), f64::from(v & 0xFF))
}

/// The colour at `t` (0..=1) of the sequential scheme, interpolated in sRGB.
pub fn sequential(t: f64) -> String {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let pos = t * (SEQUENTIAL.len() - 1) as f64;
    let i = (pos.floor() as usize).min(SEQUENTIAL.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (rgb(SEQUENTIAL[i]), rgb(SEQUENTIAL[i + 1]));
    let mix = |x: f64, y: f64| (x + (y - x) * f).round() as u8;
    format!("#{:02X}{:02X}{:02X}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// WCAG relative luminance of an sRGB colour.
fn luminance(hex: &str) -> f64 {
    let lin = |c: f64| {
        let c = c / 255.0;
        if c <= 0.03928 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = rgb(hex);
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

/// Black or white, whichever contrasts more with `background`.
pub fn ink_on(background: &str) -> &'static str {
    let l = luminance(background);
    // Contrast with black is (l + 0.05) / 0.05, with white 1.05 / (l + 0.05).
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "#000000"
    } else {
        "#FFFFFF"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ink_follows_the_background() {
        // Indigo #332288 is dark (luminance ≈ 0.03): white text; sand #DDCC77 light: black.
        assert_eq!(ink_on("#332288"), "#FFFFFF");
        assert_eq!(ink_on("#DDCC77"), "#000000");
        assert_eq!(ink_on("#FFFFFF"), "#000000");
        assert_eq!(ink_on("#000000"), "#FFFFFF");
    }

    #[test]
    fn every_category_colour_has_readable_text() {
        // WCAG AA for large text is 3:1; each colour reaches it with black or white.
        for c in CATEGORY.iter().chain([&OTHER, &NONE]) {
            let l = luminance(c);
            let best = ((l + 0.05) / 0.05).max(1.05 / (l + 0.05));
            assert!(best >= 4.5, "{c}: {best}");
        }
    }

    #[test]
    fn sequential_runs_from_light_to_dark() {
        assert_eq!(sequential(0.0), "#FFFFE5");
        assert_eq!(sequential(1.0), "#662506");
        // Halfway is the fifth step exactly: 0.5 × 8 = 4.
        assert_eq!(sequential(0.5), "#FB9A29");
        assert_eq!(sequential(f64::NAN), "#FFFFE5");
        let mut last = 2.0;
        for i in 0..=20 {
            let l = luminance(&sequential(f64::from(i) / 20.0));
            assert!(l < last, "lightness must fall");
            last = l;
        }
    }

    #[test]
    fn past_the_palette_is_grey() {
        assert_eq!(category(0), "#CC6677");
        assert_eq!(category(8), "#AA4499");
        assert_eq!(category(9), OTHER);
    }
}
