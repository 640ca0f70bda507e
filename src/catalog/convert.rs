//! Catalog entries as written ([`RawDataset`]) checked and turned into
//! [`Dataset`]s. Every problem of an entry is reported, not the first only.

use super::schema::{RawDataset, TextTokens};
use super::{Catalog, Component, Dataset, Locs, RefLocs};
use crate::diag::{codes, Diagnostic, Diagnostics, FileId, Loc, Subject};
use crate::schema::Count;
use crate::schema::Table;
use toml::Spanned;

pub(crate) fn loc_of<T>(file: FileId, s: &Spanned<T>) -> Loc {
    Loc::new(file, s.span())
}

/// A count of 1 or more, from a TOML integer.
pub(crate) fn positive(
    file: FileId,
    field: &str,
    value: &Option<Spanned<Count>>,
    diags: &mut Diagnostics,
) -> Option<u64> {
    let v = value.as_ref()?;
    match u64::try_from(v.get_ref().0) {
        Ok(n) if n > 0 => Some(n),
        _ => {
            diags.push(
                Diagnostic::error(
                    codes::INVALID_VALUE,
                    format!("`{field}` must be a whole number of 1 or more"),
                )
                .at(Some(loc_of(file, v)))
                .label(format!("found {}", crate::num::group(&v.get_ref().0.to_string())))
                .help(format!("leave `{field}` out when no source gives the figure")),
            );
            None
        }
    }
}

/// A converted entry, or the id and place of one that could not be.
pub type Converted = Result<Box<Dataset>, (String, Loc)>;

/// Parses a catalog file and converts its entries (no catalog needed: this
/// runs on many files at once).
pub fn parse_file(file: FileId, text: &str, diags: &mut Diagnostics) -> Vec<Converted> {
    crate::parse::parse_tables::<Spanned<Table<RawDataset>>, _>(
        file,
        text,
        "dataset",
        diags,
        |entry, diags| {
            match entry {
                Ok(entry) => Some(convert(file, entry, diags)),
                // An entry that could not be read, known by its id if it has one.
                Err(id) => id.map(|(id, span)| Err((id, Loc::new(file, span)))),
            }
        },
    )
}

/// Parses a catalog file and adds its entries to `catalog` in `layer`.
pub fn add_file(catalog: &mut Catalog, file: FileId, text: &str, layer: u8, diags: &mut Diagnostics) {
    for e in parse_file(file, text, diags) {
        match e {
            Ok(ds) => catalog.insert(ds, layer, diags),
            Err((id, loc)) => catalog.insert_broken(&id, loc),
        }
    }
}

/// A dataset checked and converted, or its id and where it is written.
fn convert(file: FileId, entry: Spanned<Table<RawDataset>>, diags: &mut Diagnostics) -> Converted {
    let raw = entry.into_inner().0;
    let id = raw.id.get_ref().clone();
    let id_loc = loc_of(file, &raw.id);
    let mut local = Diagnostics::default();
    let d = &mut local;
    let samples = positive(file, "samples", &raw.samples, d);
    let bytes = positive(file, "bytes", &raw.bytes, d);
    let hours = positive(file, "hours", &raw.hours, d);
    let tokens = positive(file, "tokens", &raw.tokens, d);
    for lang in &raw.languages {
        let l = lang.get_ref();
        let ok = l == "multi" || (l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()));
        if !ok {
            d.push(
                Diagnostic::error(codes::INVALID_VALUE, format!("invalid language `{l}`"))
                    .at(Some(loc_of(file, lang)))
                    .help("use a two-letter ISO 639-1 code such as `en` or `zh`, or `multi`"),
            );
        }
    }
    if raw.stages.is_empty() {
        d.push(
            Diagnostic::error(codes::NO_STAGE, format!("dataset `{id}` names no stage"))
                .at(Some(id_loc.clone()))
                .help("add `stages = [...]` with pretrain, sft, preference or eval"),
        );
    }
    let text_tokens = raw.text_tokens.as_ref().and_then(|t| text_tokens(file, t, d));
    let source = match raw.source {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            d.push(
                Diagnostic::error(codes::MISSING_SOURCE, format!("dataset `{id}` has no `source`"))
                    .at(Some(id_loc.clone()))
                    .help("say where its figures were read: paper table, dataset card or repository"),
            );
            String::new()
        }
    };
    let components = raw.components.as_ref().map(|list| {
        if list.get_ref().is_empty() {
            d.push(
                Diagnostic::error(codes::INVALID_VALUE, format!("composite `{id}` has no components"))
                    .at(Some(loc_of(file, list)))
                    .help("list its parts, or leave `components` out for a plain dataset"),
            );
        }
        list.get_ref()
            .iter()
            .map(|c| {
                let c_ref = &c.get_ref().0;
                Component {
                    dataset: c_ref.dataset.get_ref().clone(),
                    samples: positive(file, "samples", &c_ref.samples, d),
                    loc: loc_of(file, c),
                    dataset_loc: loc_of(file, &c_ref.dataset),
                    child: None,
                }
            })
            .collect::<Vec<_>>()
    });
    let failed = local.has_errors();
    if !local.is_empty() {
        let subject = Subject::Dataset(id.to_string());
        diags.extend(local.into_vec().into_iter().map(|x| x.about(subject.clone())));
    }
    if failed {
        return Err((id.to_string(), id_loc));
    }
    let refs = !raw.aliases.is_empty() || raw.variant_of.is_some() || !raw.image_sources.is_empty();
    let at = Locs {
        id: id_loc,
        samples: raw.samples.as_ref().map(|s| loc_of(file, s)),
        components: raw.components.as_ref().map(|c| loc_of(file, c)),
        refs: refs.then(|| {
            Box::new(RefLocs {
                aliases: raw.aliases.iter().map(|a| loc_of(file, a)).collect(),
                variant_of: raw.variant_of.as_ref().map(|v| loc_of(file, v)),
                image_sources: raw.image_sources.iter().map(|s| loc_of(file, s)).collect(),
                variant_of_ix: None,
                image_sources_ix: Vec::new(),
            })
        }),
    };
    Ok(Box::new(Dataset {
        id,
        name: raw.name.into_inner(),
        aliases: raw.aliases.into_iter().map(Spanned::into_inner).collect(),
        stages: raw.stages,
        modalities: raw.modalities,
        languages: raw.languages.into_iter().map(Spanned::into_inner).collect(),
        tasks: raw.tasks,
        samples,
        unit: raw.unit,
        approx: raw.approx,
        reported: raw.reported,
        bytes,
        hours,
        tokens,
        text_tokens: text_tokens.map(Box::new),
        generated_by: raw.generated_by,
        variant_of: raw.variant_of.map(Spanned::into_inner),
        image_sources: raw.image_sources.into_iter().map(Spanned::into_inner).collect(),
        license: raw.license,
        publisher: raw.publisher,
        links: raw.links.0.boxed(),
        source,
        description: raw.description,
        notes: raw.notes,
        components,
        at,
    }))
}

/// `text_tokens` checked: a positive mean or total, and a source.
fn text_tokens(
    file: FileId,
    t: &Spanned<Table<super::schema::RawTextTokens>>,
    d: &mut Diagnostics,
) -> Option<TextTokens> {
    let raw = &t.get_ref().0;
    let mut ok = true;
    let per_sample = raw.per_sample.as_ref().map(|m| (m.get_ref().0, loc_of(file, m)));
    if let Some((m, loc)) = &per_sample {
        if !(m.is_finite() && *m > 0.0) {
            d.push(
                Diagnostic::error(codes::INVALID_VALUE, "`per_sample` must be a finite number above 0")
                    .at(Some(loc.clone()))
                    .label(format!("found {m}")),
            );
            ok = false;
        }
    }
    let total = positive(file, "total", &raw.total, d);
    ok &= raw.total.is_none() || total.is_some();
    if per_sample.is_none() && raw.total.is_none() {
        d.push(
            Diagnostic::error(codes::MISSING_KEY, "`text_tokens` needs `per_sample` or `total`")
                .at(Some(loc_of(file, t)))
                .help("write `text_tokens = { per_sample = 120.5, source = \"…\" }`"),
        );
        ok = false;
    }
    let source = match &raw.source {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => {
            d.push(
                Diagnostic::error(codes::MISSING_SOURCE, "`text_tokens` has no `source`")
                    .at(Some(loc_of(file, t)))
                    .help("say where the figure was read"),
            );
            return None;
        }
    };
    ok.then(|| TextTokens { per_sample: per_sample.map(|p| p.0), total, source })
}
