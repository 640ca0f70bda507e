//! `--format html`: one self-contained page per `plan` or `compare`, with
//! the charts drawn as inline SVG by this module (no script, no font, no
//! style sheet or image from anywhere else, so the file reads offline and
//! prints as it shows). The figures are those of the table and JSON
//! formats: counts exact with thousands separators, shares with two
//! decimals of a percent; tooltips (`<title>`) carry the exact figures of
//! every shape.
//!
//! - [`palette`]: the colour-blind-safe colours (Paul Tol's "muted" scheme);
//! - [`svg`]: stacked bars, size bars, the stage diagram, heatmaps;
//! - [`treemap`]: the composite tree;
//! - [`plan`] and [`compare`]: the two pages.

pub mod compare;
pub mod palette;
pub mod plan;
pub mod svg;
pub mod treemap;

use crate::diag::JsonDiagnostic;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Text for HTML text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than tab and newline are not allowed in HTML.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// An id usable in `id` and `href="#…"`: ASCII letters, digits and `-`.
pub fn anchor(prefix: &str, s: &str) -> String {
    let mut out = String::from(prefix);
    for c in s.chars() {
        out.push(if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' });
    }
    out
}

const STYLE: &str = r#"
:root{--ink:#1F1F24;--muted:#5A5A66;--line:#DCDCE3;--soft:#F4F4F7;--accent:#332288}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;background:#FFFFFF;color:var(--ink);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Liberation Sans","DejaVu Sans",sans-serif}
main{max-width:1104px;margin:0 auto;padding:28px 32px 40px}
h1{font-size:27px;line-height:1.2;margin:0 0 4px}
h1 small{font-weight:400;color:var(--muted);font-size:18px}
h2{font-size:21px;margin:0 0 4px;display:flex;align-items:baseline;gap:10px;flex-wrap:wrap}
h3{font-size:15px;margin:22px 0 6px;color:var(--ink);text-transform:uppercase;letter-spacing:.04em}
h3 span{text-transform:none;letter-spacing:0;font-weight:400;color:var(--muted)}
a{color:var(--accent)}
p{margin:4px 0}
.sub{color:var(--muted);margin:0 0 6px}
.num,td.n,th.n{font-variant-numeric:tabular-nums}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin:16px 0 6px}
.card{border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:150px;background:#FFFFFF}
.card b{display:block;font-size:21px;font-variant-numeric:tabular-nums}
.card span{color:var(--muted);font-size:13px}
.facts{margin:6px 0;padding:0;list-style:none}
.facts li{margin:2px 0;display:grid;grid-template-columns:104px minmax(0,1fr);gap:0 8px}
.facts b{color:var(--muted);font-weight:600}
.ord{display:inline-block;min-width:30px;height:30px;border-radius:15px;background:var(--accent);color:#FFFFFF;text-align:center;font-size:16px;line-height:30px}
.kind{font-size:13px;font-weight:600;border:1px solid var(--accent);color:var(--accent);border-radius:10px;padding:0 8px}
.after{font-size:14px;font-weight:400;color:var(--muted)}
section.stage{border-top:3px solid var(--ink);margin-top:38px;padding-top:14px}
section.block{margin-top:26px}
svg{max-width:100%;height:auto;display:block;overflow:visible}
svg.heat{max-width:none}
svg text{font-family:inherit}
.scroll{overflow-x:auto;padding-bottom:4px}
.legend{display:flex;flex-wrap:wrap;gap:3px 16px;font-size:13px;margin:6px 0 4px}
.legend span{white-space:nowrap}
.sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px;border:1px solid rgba(0,0,0,.3)}
.bd{display:grid;grid-template-columns:120px minmax(0,1fr);gap:0 14px;align-items:start;margin:4px 0}
.bd.wide{grid-template-columns:190px minmax(0,1fr)}
.bd>div:nth-child(odd){font-weight:600;padding-top:3px;font-size:14px}
.bd>div:nth-child(even){margin-bottom:8px}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin:6px 0}
th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-weight:600;border-bottom:2px solid #B9B9C4;white-space:nowrap}
td.n,th.n{text-align:right;white-space:nowrap}
td small{color:var(--muted);font-size:12px}
tr.other td{color:var(--muted)}
.diag{border-left:4px solid #DDCC77;background:#FCFAEF;padding:6px 10px;margin:8px 0;font-size:14px}
.diag.error{border-color:#882255;background:#FBF0F4}
.diag.note{border-color:#88CCEE;background:#F1F8FC}
.diag .sev{font-weight:700;margin-right:6px}
.diag code{font-size:13px}
.diag .where,.diag .help{color:var(--muted);font-size:13px}
.muted{color:var(--muted)}
footer{margin-top:44px;border-top:1px solid var(--line);padding-top:8px;color:var(--muted);font-size:12.5px}
@media print{main{max-width:none;padding:0}section.stage{break-before:page}a{color:inherit}}
"#;

/// The whole document around `body`.
pub fn page(title: &str, body: &str) -> String {
    let mut s = String::with_capacity(body.len() + STYLE.len() + 600);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"mixplan {}\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        esc(title)
    );
    s.push_str(body);
    let _ = write!(
        s,
        "<footer>Written by mixplan {}. Counts are exact; shares are of seen samples. \
         Colours: Paul Tol's muted scheme (safe for the common colour-vision deficiencies); \
         heatmaps: ColorBrewer YlOrBr. Hover a shape for its exact figures.</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    s
}

/// A legend: a swatch and a text per item.
pub fn legend(items: &[(String, String)]) -> String {
    let mut s = String::from("<div class=\"legend\">");
    for (colour, text) in items {
        let _ = write!(s, "<span><i class=\"sw\" style=\"background:{colour}\"></i>{}</span>", esc(text));
    }
    s.push_str("</div>");
    s
}

/// Shares by key, largest first (ties by key): the order of bars and legends.
pub fn ranked(m: &BTreeMap<String, f64>) -> Vec<(&String, f64)> {
    let mut v: Vec<(&String, f64)> = m.iter().map(|(k, p)| (k, *p)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v
}

/// A breakdown (shares by key) as a stacked bar with its legend; keys that
/// carry no information are grey.
pub fn breakdown(m: &BTreeMap<String, f64>, what: &str) -> String {
    let mut segments = Vec::new();
    let mut items = Vec::new();
    let mut rank = 0;
    for (k, p) in ranked(m) {
        let colour = if palette::is_none_key(k) {
            palette::NONE
        } else {
            rank += 1;
            palette::category(rank - 1)
        };
        let pct = crate::report::percent(Some(p));
        segments.push(svg::Segment {
            label: k.clone(),
            detail: pct.clone(),
            share: p,
            colour: colour.to_string(),
            title: format!("{what} {k}: {pct} of seen samples"),
        });
        items.push((colour.to_string(), format!("{k} {pct}")));
    }
    let (mut s, whole) = svg::stacked_bar(&segments, svg::WIDTH - 134.0, 26.0, &format!("shares by {what}"));
    if !whole {
        s.push_str(&legend(&items));
    }
    s
}

/// Diagnostics where they belong, one box each.
pub fn diagnostics<'a>(list: impl IntoIterator<Item = &'a JsonDiagnostic>) -> String {
    let mut s = String::new();
    for d in list {
        let sev = d.severity.as_str();
        let _ = write!(
            s,
            "<div class=\"diag {sev}\"><span class=\"sev\">{sev}</span><code>{}</code> {}",
            esc(d.code),
            code_spans(&esc(&d.message))
        );
        if let Some(l) = &d.location {
            let _ = write!(s, " <span class=\"where\">({}:{}:{})</span>", esc(&l.file), l.line, l.column);
        }
        for note in &d.notes {
            let _ = write!(s, "<div class=\"help\">note: {}</div>", code_spans(&esc(note)));
        }
        if let Some(h) = &d.help {
            let _ = write!(s, "<div class=\"help\">help: {}</div>", code_spans(&esc(h)));
        }
        s.push_str("</div>\n");
    }
    s
}

/// Escaped text with each `…` pair (how messages quote ids) as `<code>`;
/// an unpaired backtick stays as it is.
pub fn code_spans(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len() % 2 == 0 {
        return escaped.to_string();
    }
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, p) in parts.iter().enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{p}</code>");
        } else {
            out.push_str(p);
        }
    }
    out
}

/// A signed difference of shares in percentage points; never "-0.00".
pub fn points(d: f64) -> String {
    let s = format!("{:+.2} pt", d * 100.0);
    if s == "-0.00 pt" || s == "+0.00 pt" {
        "0.00 pt".into()
    } else {
        s
    }
}

/// A table; `numeric` columns are right-aligned. Cells are HTML already;
/// `attrs[i]`, when given, is written into row i's `<tr>` as it is.
pub fn table(header: &[&str], rows: &[Vec<String>], numeric: &[usize], attrs: &[String]) -> String {
    let mut s = String::from("<table><thead><tr>");
    for (i, h) in header.iter().enumerate() {
        let c = if numeric.contains(&i) { " class=\"n\"" } else { "" };
        let _ = write!(s, "<th{c}>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>\n");
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(s, "<tr{}>", attrs.get(r).map_or("", String::as_str));
        for (i, cell) in row.iter().enumerate() {
            let c = if numeric.contains(&i) { " class=\"n\"" } else { "" };
            let _ = write!(s, "<td{c}>{cell}</td>");
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table>\n");
    s
}

/// A swatch as HTML.
pub fn swatch(colour: &str) -> String {
    format!("<i class=\"sw\" style=\"background:{colour}\"></i>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(esc("a\u{0}b\u{1b}c\nd"), "a\u{FFFD}b\u{FFFD}c\nd");
    }

    #[test]
    fn backtick_pairs_become_code() {
        assert_eq!(code_spans("a `b` c `d`"), "a <code>b</code> c <code>d</code>");
        assert_eq!(code_spans("odd ` one"), "odd ` one");
    }

    #[test]
    fn points_have_a_sign_but_no_negative_zero() {
        // 0.0599 − 0.0600 = −0.01 pt; −0.00001 rounds to zero.
        assert_eq!(points(-0.0001), "-0.01 pt");
        assert_eq!(points(-0.000_01), "0.00 pt");
        assert_eq!(points(0.0342), "+3.42 pt");
    }

    #[test]
    fn anchors_are_plain() {
        assert_eq!(anchor("stage-", "Stage 1.5/\"x\""), "stage-stage-1-5--x-");
    }

    #[test]
    fn ranked_is_largest_first_then_by_key() {
        let m: BTreeMap<String, f64> =
            [("b", 0.25), ("a", 0.25), ("c", 0.5)].iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let keys: Vec<&str> = ranked(&m).iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["c", "a", "b"]);
    }
}
