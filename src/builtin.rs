//! The built-in data as the build checked it, in one blob the binary reads
//! at start-up instead of parsing TOML.
//!
//! Layout: an 8-byte little-endian length H, then H bytes of MessagePack
//! holding the [`Header`] (dataset ids, folded aliases, each dataset's
//! place in the rest, and every recipe), then the datasets one after
//! another, each its own MessagePack value, decoded only when a command
//! touches it.

use crate::catalog::Catalog;
use crate::recipe::{Recipe, Recipes};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    pub ids: Vec<String>,
    pub aliases: Vec<(String, u32)>,
    /// (offset, length) of each dataset after the header.
    pub places: Vec<(u32, u32)>,
    pub recipes: Vec<Recipe>,
}

/// The blob of a checked catalog and its recipes.
pub fn encode(catalog: &Catalog, recipes: Recipes) -> Vec<u8> {
    let (datasets, ids, aliases) = catalog.encode();
    let mut places = Vec::with_capacity(datasets.len());
    let mut at = 0u32;
    for d in &datasets {
        places.push((at, d.len() as u32));
        at += d.len() as u32;
    }
    let header = Header { ids, aliases, places, recipes: recipes.into_recipes() };
    let head = rmp_serde::to_vec_named(&header).expect("the header encodes");
    let mut out = Vec::with_capacity(8 + head.len() + at as usize);
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    for d in datasets {
        out.extend_from_slice(&d);
    }
    out
}

/// The catalog (datasets still encoded) and the recipes of a blob.
pub fn decode(blob: &'static [u8]) -> (Catalog, Vec<Recipe>) {
    let (len, rest) = blob.split_at(8);
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
    let (head, data) = rest.split_at(len);
    let header: Header = rmp_serde::from_slice(head).expect("the build wrote a valid header");
    let raw = header.places.iter().map(|&(off, n)| &data[off as usize..(off + n) as usize]).collect();
    (Catalog::from_builtin(raw, header.ids, header.aliases), header.recipes)
}
