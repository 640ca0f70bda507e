//! The HTML page of a comparison: totals, model and training facts side by
//! side, each recipe's mix by source dataset as stacked bars in shared
//! colours, a heatmap of shares by source across recipes, modality shares,
//! and the overlap of every pair.

use super::palette::{category, is_none_key, NONE, OTHER};
use super::svg::{self, HeatCell, Segment, SizeBar};
use super::{esc, legend, page, table};
use crate::report::compare::{Comparison, Level, Overlap, Pair, Row};
use crate::report::{count, percent, total};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The heatmap shows at most this many sources (the most used); CSV and JSON have all.
const HEAT_ROWS: usize = 80;

/// Above this many recipes the pairs are shown as a matrix only.
const PAIR_TABLE: usize = 6;

pub fn render(c: &Comparison) -> String {
    let mut b = String::new();
    let scope = c.stage_kind.map_or("all stages".to_string(), |k| format!("{} stages", k.as_str()));
    let level = match c.level {
        Level::Entry => "entries as the recipes write them",
        Level::Leaf => "leaf datasets, what the models see",
    };
    let title = if c.recipes.len() > PAIR_TABLE {
        format!("Comparison of {} recipes", c.recipes.len())
    } else {
        format!("Comparison of {}", c.recipes.join(", "))
    };
    let _ = writeln!(b, "<h1>{}</h1><p class=\"sub\">{}; {}. Shares are of each recipe's seen samples in the compared stages.</p>", esc(&title), esc(&scope), level);
    totals(c, &mut b);
    facts(c, &mut b);
    mixes(c, &mut b);
    heat(c, &mut b);
    modalities(c, &mut b);
    overlap(c, &mut b);
    page(&format!("{title} — mixplan"), &b)
}

fn totals(c: &Comparison, b: &mut String) {
    b.push_str("<section class=\"block\"><h3>Seen samples in the compared stages</h3>");
    let bars: Vec<SizeBar> = c
        .totals
        .iter()
        .map(|t| SizeBar {
            label: t.recipe.clone(),
            value: t.totals.known_seen as f64,
            text: total(t.totals.total_seen, t.totals.known_seen),
            lower_bound: t.totals.total_seen.is_none(),
        })
        .collect();
    b.push_str(&svg::size_bars(&bars, "#332288", "seen samples per recipe"));
    let rows: Vec<Vec<String>> = c
        .totals
        .iter()
        .map(|t| {
            vec![
                format!("<b>{}</b>", esc(&t.recipe)),
                esc(&if t.stages.is_empty() { "none".into() } else { t.stages.join(", ") }),
                total(t.totals.total_unique, t.totals.known_unique),
                total(t.totals.total_seen, t.totals.known_seen),
            ]
        })
        .collect();
    let attrs: Vec<String> = c
        .totals
        .iter()
        .map(|t| {
            let seen = t.totals.total_seen.map_or(String::new(), |v| v.to_string());
            format!(" class=\"recipe-total\" data-recipe=\"{}\" data-total-seen=\"{seen}\"", esc(&t.recipe))
        })
        .collect();
    b.push_str(&table(&["recipe", "stages", "unique", "seen"], &rows, &[2, 3], &attrs));
    b.push_str("</section>\n");
}

fn facts(c: &Comparison, b: &mut String) {
    if c.facts.is_empty() {
        return;
    }
    b.push_str("<section class=\"block\"><h3>Model and training <span>— side by side</span></h3><div class=\"scroll\">");
    let mut header = vec!["fact"];
    header.extend(c.recipes.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = c
        .facts
        .iter()
        .map(|f| {
            std::iter::once(format!("<b>{}</b>", esc(&f.fact)))
                .chain(f.values.iter().map(|v| {
                    v.as_deref().map_or("<span class=\"muted\">–</span>".into(), |v| {
                        esc(&v.replace("; ", "\n")).replace('\n', "<br>")
                    })
                }))
                .collect()
        })
        .collect();
    b.push_str(&table(&header, &rows, &[], &[]));
    b.push_str("</div></section>\n");
}

/// Colours by key over all recipes: the keys with the largest summed share
/// first, keys that carry no information grey.
fn colours_of<'a>(keys: impl Iterator<Item = (&'a str, f64)>) -> BTreeMap<String, &'static str> {
    let mut sums: BTreeMap<&str, f64> = BTreeMap::new();
    for (k, v) in keys {
        *sums.entry(k).or_default() += v;
    }
    let mut order: Vec<(&str, f64)> = sums.into_iter().collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let mut rank = 0;
    order
        .into_iter()
        .map(|(k, _)| {
            let colour = if is_none_key(k) {
                NONE
            } else {
                rank += 1;
                category(rank - 1)
            };
            (k.to_string(), colour)
        })
        .collect()
}

/// One stacked bar per recipe, labelled; `parts(i)` gives (key, share) of recipe i.
fn bars_per_recipe(
    c: &Comparison,
    colours: &BTreeMap<String, &'static str>,
    what: &str,
    parts: impl Fn(usize) -> Vec<(String, f64)>,
) -> String {
    let mut s = String::from("<div class=\"bd wide\">");
    for (i, r) in c.recipes.iter().enumerate() {
        let mut p = parts(i);
        p.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let mut segs: Vec<Segment> = Vec::new();
        let (mut more, mut more_share) = (0usize, 0.0);
        for (k, share) in p {
            let colour = colours.get(&k).copied().unwrap_or(OTHER);
            if colour == OTHER {
                more += 1;
                more_share += share;
                continue;
            }
            let pct = percent(Some(share));
            let title = format!("{r}: {what} {k} {pct}");
            segs.push(Segment { label: k, detail: pct, share, colour: colour.into(), title });
        }
        if more > 0 {
            let pct = percent(Some(more_share));
            segs.push(Segment {
                label: format!("{more} more"),
                detail: pct.clone(),
                share: more_share,
                colour: OTHER.into(),
                title: format!("{r}: {} other {what}s, {pct}", count(more as u128)),
            });
        }
        let _ = write!(
            s,
            "<div>{}</div><div>{}</div>",
            esc(r),
            svg::stacked_bar(&segs, svg::WIDTH - 204.0, 26.0, &format!("{r} by {what}")).0
        );
    }
    s.push_str("</div>");
    s
}

fn key_legend(colours: &BTreeMap<String, &'static str>, other: &str) -> String {
    let mut items: Vec<(String, String)> = Vec::new();
    let mut keyed: Vec<(&String, &&str)> = colours.iter().filter(|(_, c)| **c != OTHER).collect();
    keyed.sort_by_key(|(k, c)| {
        (super::palette::CATEGORY.iter().position(|x| x == *c).unwrap_or(99), (*k).clone())
    });
    for (k, c) in keyed {
        items.push((c.to_string(), k.clone()));
    }
    if colours.values().any(|c| *c == OTHER) {
        items.push((OTHER.into(), other.into()));
    }
    legend(&items)
}

fn mixes(c: &Comparison, b: &mut String) {
    let known = |row: &Row, i: usize| row.cells[i].share.filter(|_| row.cells[i].used);
    let colours =
        colours_of(c.sources.iter().flat_map(|r| {
            (0..c.recipes.len()).filter_map(move |i| known(r, i).map(|s| (r.key.as_str(), s)))
        }));
    b.push_str("<section class=\"block\"><h3>Mix by source dataset <span>— <code>variant_of</code> followed; the same colour is the same source in every bar</span></h3>");
    b.push_str(&bars_per_recipe(c, &colours, "source", |i| {
        c.sources.iter().filter_map(|r| known(r, i).map(|s| (r.key.clone(), s))).collect()
    }));
    b.push_str(&key_legend(&colours, "other sources"));
    if c.totals.iter().any(|t| t.totals.total_seen.is_none()) {
        b.push_str("<p class=\"muted\">A recipe whose seen total is unknown has no shares and an empty bar; the heatmap marks what it uses.</p>");
    }
    b.push_str("</section>\n");
}

fn heat(c: &Comparison, b: &mut String) {
    let mut rows: Vec<&Row> = c.sources.iter().collect();
    let sum = |r: &Row| r.cells.iter().filter_map(|x| x.share).sum::<f64>();
    rows.sort_by(|a, b| {
        b.used_by.cmp(&a.used_by).then(sum(b).total_cmp(&sum(a))).then_with(|| a.key.cmp(&b.key))
    });
    let shown = rows.len().min(HEAT_ROWS);
    let cells: Vec<Vec<HeatCell>> = rows[..shown]
        .iter()
        .map(|r| {
            r.cells
                .iter()
                .zip(&c.recipes)
                .map(|(cell, recipe)| HeatCell {
                    used: cell.used,
                    value: cell.share,
                    text: cell.share.map_or("used".into(), |s| percent(Some(s))),
                    title: format!(
                        "{} in {recipe}: {} seen, {}; datasets: {}",
                        r.key,
                        cell.seen.map_or("unknown".into(), count),
                        cell.share.map_or("share unknown".into(), |s| percent(Some(s))),
                        cell.datasets.join(", ")
                    ),
                })
                .collect()
        })
        .collect();
    let labels: Vec<String> = rows[..shown].iter().map(|r| r.key.clone()).collect();
    let _ = write!(
        b,
        "<section class=\"block\"><h3>Shares by source across recipes <span>— {} sources, those most recipes use first</span></h3>",
        count(rows.len() as u128)
    );
    let max = cells.iter().flatten().filter_map(|x| x.value).fold(0.0, f64::max);
    let _ = write!(
        b,
        "<div class=\"scroll\">{}</div>",
        svg::heatmap(&labels, &c.recipes, &cells, "shares by source and recipe")
    );
    b.push_str(&svg::heat_key(max, |v| percent(Some(v))));
    if shown < rows.len() {
        let _ = write!(
            b,
            "<p class=\"muted\">{} more sources, each used by {} recipe, are left out here; <code>--format csv</code> and <code>--format json</code> have them all.</p>",
            count((rows.len() - shown) as u128),
            rows[shown].used_by
        );
    }
    b.push_str("</section>\n");
}

fn modalities(c: &Comparison, b: &mut String) {
    let colours = colours_of(c.by_modality.values().flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), *v))));
    b.push_str("<section class=\"block\"><h3>By modality</h3>");
    b.push_str(&bars_per_recipe(c, &colours, "modality", |i| {
        c.by_modality
            .get(&c.recipes[i])
            .map_or_else(Vec::new, |m| m.iter().map(|(k, v)| (k.clone(), *v)).collect())
    }));
    b.push_str(&key_legend(&colours, "other modalities"));
    b.push_str("</section>\n");
}

fn overlap(c: &Comparison, b: &mut String) {
    if c.pairs.is_empty() {
        return;
    }
    b.push_str("<section class=\"block\"><h3>Overlap <span>— same data: Σ min(share in A, share in B) over the sources both use; jaccard: shared ÷ all sources the two use</span></h3>");
    let n = c.recipes.len();
    if n > 2 {
        let find = |a: usize, z: usize| {
            c.pairs.iter().find(|p| p.a == c.recipes[a.min(z)] && p.b == c.recipes[a.max(z)])
        };
        let cells: Vec<Vec<HeatCell>> = (0..n)
            .map(|i| {
                (0..n)
                    .map(|j| match find(i, j).filter(|_| i != j) {
                        Some(p) => HeatCell {
                            used: true,
                            value: p.by_source.same_data,
                            text: p.by_source.same_data.map_or("?".into(), |s| percent(Some(s))),
                            title: format!(
                                "{} and {}: same data {}, {} sources shared, jaccard {:.3}",
                                p.a,
                                p.b,
                                same(&p.by_source),
                                p.by_source.shared,
                                p.by_source.jaccard
                            ),
                        },
                        None => HeatCell::default(),
                    })
                    .collect()
            })
            .collect();
        let _ = write!(
            b,
            "<div class=\"scroll\">{}</div>",
            svg::heatmap(&c.recipes, &c.recipes, &cells, "same data by source, every pair")
        );
        let max = cells.iter().flatten().filter_map(|x| x.value).fold(0.0, f64::max);
        b.push_str(&svg::heat_key(max, |v| percent(Some(v))));
    }
    if n <= PAIR_TABLE {
        pair_table(c, b);
    }
    if let [p] = c.pairs.as_slice() {
        pair_detail(c, p, b);
    }
    b.push_str("</section>\n");
}

fn same(o: &Overlap) -> String {
    o.same_data.map_or("unknown".into(), |s| percent(Some(s)))
}

fn pair_table(c: &Comparison, b: &mut String) {
    let rows: Vec<Vec<String>> = c
        .pairs
        .iter()
        .map(|p| {
            vec![
                esc(&p.a),
                esc(&p.b),
                format!("{} · {:.3}", p.by_dataset.shared, p.by_dataset.jaccard),
                same(&p.by_dataset),
                format!("{} · {:.3}", p.by_source.shared, p.by_source.jaccard),
                same(&p.by_source),
                format!("{} · {:.3}", p.by_media.shared, p.by_media.jaccard),
            ]
        })
        .collect();
    b.push_str(&table(
        &[
            "recipe",
            "recipe",
            "datasets shared · jaccard",
            "same data",
            "sources shared · jaccard",
            "same data (sources)",
            "media shared · jaccard",
        ],
        &rows,
        &[2, 3, 4, 5, 6],
        &[],
    ));
}

fn pair_detail(c: &Comparison, p: &Pair, b: &mut String) {
    let share_of = |key: &str, i: usize| c.rows.iter().find(|r| r.key == key).and_then(|r| r.cells[i].share);
    for (name, list, i) in [(&p.a, &p.only_in_a, 0), (&p.b, &p.only_in_b, 1)] {
        let _ = write!(b, "<h3>Only in {} <span>— {}</span></h3>", esc(name), count(list.len() as u128));
        if list.is_empty() {
            b.push_str("<p class=\"muted\">nothing</p>");
            continue;
        }
        let rows: Vec<Vec<String>> = list.iter().map(|d| vec![esc(d), percent(share_of(d, i))]).collect();
        b.push_str(&table(&["dataset", "share"], &rows, &[1], &[]));
    }
    let _ = write!(b, "<h3>Shared sources <span>— {}</span></h3>", count(p.shared_sources.len() as u128));
    if p.shared_sources.is_empty() {
        b.push_str("<p class=\"muted\">none</p>");
        return;
    }
    let rows: Vec<Vec<String>> = p
        .shared_sources
        .iter()
        .map(|d| {
            vec![
                esc(&d.source),
                percent(d.share_a),
                percent(d.share_b),
                d.difference.map_or("-".into(), super::points),
            ]
        })
        .collect();
    b.push_str(&table(&["source", p.a.as_str(), p.b.as_str(), "difference"], &rows, &[1, 2, 3], &[]));
}
