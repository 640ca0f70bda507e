//! `catalog search`: datasets whose id, name, alias, publisher or task
//! contains a text, forgiving case and punctuation.

use super::{Catalog, Dataset};

/// Lowercase letters and digits only: `LLaVA_Instruct-150K` → `llavainstruct150k`.
fn squash(s: &str) -> String {
    s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect()
}

/// Datasets whose id, name, alias, publisher or task tag contains `text`,
/// forgiving case and punctuation; exact id or alias matches first, then
/// other name matches, then publisher and task matches.
pub fn search<'a>(catalog: &'a Catalog, text: &str) -> Vec<&'a Dataset> {
    let needle = squash(text);
    let mut hits: Vec<(u8, &Dataset)> = catalog
        .iter()
        .filter_map(|d| {
            let names = std::iter::once(d.id.as_str())
                .chain(std::iter::once(d.name.as_str()))
                .chain(d.aliases.iter().map(String::as_str));
            let mut rank = None;
            for n in names {
                let s = squash(n);
                if s == needle {
                    rank = Some(0);
                    break;
                }
                if s.contains(&needle) {
                    rank = rank.or(Some(1));
                }
            }
            if rank.is_none() && d.publisher.as_deref().is_some_and(|p| squash(p).contains(&needle)) {
                rank = Some(2);
            }
            if rank.is_none() && d.tasks.iter().any(|t| squash(t.as_str()) == needle) {
                rank = Some(3);
            }
            rank.map(|r| (r, d))
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.id.cmp(&b.1.id)));
    hits.into_iter().map(|(_, d)| d).collect()
}
