//! Renderers: each turns one computed value (a [`Plan`], a comparison, the
//! catalog) into text for a `Write`, in the format asked for. The library
//! never prints; `main` writes what they return.

pub mod compare;
pub mod csv;
pub mod graph;
pub mod html;
pub mod layout;
pub mod listing;
pub mod plan;

pub use layout::{Column, Layout};

/// Output formats; each command takes some of them (`--help` lists which).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// Aligned terminal tables.
    #[default]
    Table,
    /// Markdown, for papers and pull requests.
    Md,
    /// One JSON document with stable keys.
    Json,
    /// Comma-separated values with a header row.
    Csv,
    /// Graphviz DOT (`graph`).
    Dot,
    /// Mermaid flowchart (`graph`).
    Mermaid,
    /// TOML (`catalog import`).
    Toml,
    /// One self-contained HTML page with inline SVG charts (`plan`, `compare`).
    Html,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Md => "md",
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Dot => "dot",
            Format::Mermaid => "mermaid",
            Format::Toml => "toml",
            Format::Html => "html",
        }
    }
}

/// 1234567 → "1,234,567".
pub fn count(n: u128) -> String {
    crate::num::thousands(n)
}

pub fn opt_count(n: Option<u128>) -> String {
    n.map_or_else(|| "unknown".into(), count)
}

/// A count with `~` when it rests on a rounded figure; `-` when unknown.
pub fn approx_count(n: Option<u128>, approx: bool) -> String {
    match n {
        Some(n) if approx => format!("~{}", count(n)),
        Some(n) => count(n),
        None => "-".into(),
    }
}

/// A total: exact, "at least N" when only part is known, "unknown" when nothing is.
pub fn total(total: Option<u128>, known: u128) -> String {
    match total {
        Some(t) => count(t),
        None if known > 0 => format!("at least {}", count(known)),
        None => "unknown".into(),
    }
}

/// A total for a table cell: as [`total`], with "≥ N" for "at least N".
pub fn total_cell(total: Option<u128>, known: u128) -> String {
    match total {
        None if known > 0 => format!("≥ {}", count(known)),
        t => self::total(t, known),
    }
}

/// "1 epoch", "3 epochs", "0.5 epochs", "1,500 epochs".
/// A stage's training facts as short phrases, in a fixed order: batch,
/// learning rate, epochs, length, hardware, duration.
pub fn training_facts(t: &crate::recipe::schema::Training) -> Vec<String> {
    [
        t.global_batch.map(|v| format!("global batch {}", count(u128::from(v)))),
        t.learning_rate.map(|v| format!("lr {v}")),
        t.epochs.map(|v| plural(v, "epoch", "epochs")),
        t.max_length.map(|v| format!("max length {}", count(u128::from(v)))),
        t.hardware.clone(),
        t.duration.clone(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

pub fn plural(n: f64, one: &str, many: &str) -> String {
    let t = number(n);
    if t == "1" {
        format!("1 {one}")
    } else {
        format!("{t} {many}")
    }
}

pub use crate::num::{decimal, number, percent, trim_float};

/// "1 dataset", "2 datasets", "1,024 datasets".
pub fn counted(n: u128, one: &str, many: &str) -> String {
    crate::num::counted(n, one, many)
}

pub fn epochs(e: Option<f64>) -> String {
    e.map_or_else(|| "-".into(), |e| decimal(e, 3))
}

/// A table in the terminal or Markdown style, numbers right-aligned, with
/// no width limit; reports use [`Layout::table`], which fits the width.
pub fn table(md: bool, header: &[&str], rows: Vec<Vec<String>>, numeric: &[usize]) -> String {
    let columns: Vec<Column> = header
        .iter()
        .enumerate()
        .map(|(i, h)| if numeric.contains(&i) { Column::num(*h) } else { Column::text(*h) })
        .collect();
    Layout { md, width: None }.table(&columns, rows)
}

/// The text a CSV writer over a buffer has written.
pub fn csv_text(w: ::csv::Writer<Vec<u8>>) -> String {
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// A JSON document, pretty-printed, ending in a newline.
pub fn json<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// Shares as "image 94.18%, text 5.82%".
pub fn shares_line(m: &std::collections::BTreeMap<String, f64>) -> String {
    if m.is_empty() {
        return "no known counts".into();
    }
    let mut v: Vec<(&String, &f64)> = m.iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(a.1).then_with(|| a.0.cmp(b.0)));
    v.iter().map(|(k, p)| format!("{k} {}", percent(Some(**p)))).collect::<Vec<_>>().join(", ")
}

/// A leaf's chain of composites in a line: up to four in full, else the
/// first two, how many more, and the last (`omitted`: those the plan left
/// out of a very deep chain, see `LeafRow::via_omitted`).
pub fn via_short(v: &[String], omitted: u32) -> String {
    if v.len() <= 4 && omitted == 0 {
        return v.join(" → ");
    }
    let more = (v.len() - 3) as u128 + u128::from(omitted);
    format!("{} → {} → … ({} more) → {}", v[0], v[1], count(more), v[v.len() - 1])
}

pub use crate::plan::expand::via_parts;

/// A comparison in `format`, its terminal tables and lines fitted to
/// `width` columns (`None`: no limit).
pub fn comparison(c: &compare::Comparison, format: Format, width: Option<usize>) -> String {
    match format {
        Format::Json => json(&compare::rounded(c)),
        Format::Csv => compare::csv(c),
        Format::Md => compare::text(c, Layout::markdown()),
        Format::Html => html::compare::render(c),
        _ => compare::text(c, Layout::terminal(width)),
    }
}

/// "commercial 38.05%, non-commercial 20.00% (a, b), unknown 41.95% (…)".
pub fn license_summary(lines: &[crate::plan::LicenseLine]) -> String {
    if lines.is_empty() {
        return "no known counts".into();
    }
    lines
        .iter()
        .map(|l| {
            let list = if l.allows == crate::catalog::license::Use::Commercial {
                String::new()
            } else {
                let shown: Vec<&str> = l.datasets.iter().take(4).map(String::as_str).collect();
                let more = l.datasets.len().saturating_sub(4);
                let more =
                    if more > 0 { format!(" and {} more", count(more as u128)) } else { String::new() };
                format!(" ({}{more})", shown.join(", "))
            };
            format!("{} {}{list}", l.allows.as_str(), percent(l.share))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(27_670_116_110_564_327_421), "27,670,116,110,564,327,421");
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1000), "1,000");
        assert_eq!(count(665298), "665,298");
        assert_eq!(count(18446744073709551615), "18,446,744,073,709,551,615");
    }

    #[test]
    fn plurals_and_decimals_read_as_words() {
        assert_eq!(plural(1.0, "epoch", "epochs"), "1 epoch");
        assert_eq!(plural(3.0, "epoch", "epochs"), "3 epochs");
        assert_eq!(plural(0.5, "epoch", "epochs"), "0.5 epochs");
        assert_eq!(plural(1500.0, "epoch", "epochs"), "1,500 epochs");
        assert_eq!(counted(1, "dataset", "datasets"), "1 dataset");
        assert_eq!(counted(1024, "dataset", "datasets"), "1,024 datasets");
        assert_eq!(decimal(12345.678, 2), "12,345.68");
        assert_eq!(epochs(Some(1234.5)), "1,234.500");
    }

    #[test]
    fn percent_has_two_decimals() {
        // 82,783 / 665,298 = 0.124430...
        assert_eq!(percent(Some(82783.0 / 665298.0)), "12.44%");
        assert_eq!(percent(None), "-");
    }
}
