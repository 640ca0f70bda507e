//! The built-in data as the build checked it, in one blob the binary reads
//! at start-up instead of parsing TOML.
//!
//! Layout: an 8-byte little-endian length H, then H bytes of MessagePack
//! holding the [`Header`] (dataset ids, folded aliases, each recipe's id and links, and the
//! place of each dataset and recipe in the rest), then the datasets and the
//! recipes one after another, each its own MessagePack value, decoded only
//! when a command touches it.

use crate::catalog::Catalog;
use crate::recipe::{Recipes, Skeleton};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    pub ids: Vec<String>,
    pub aliases: Vec<(String, u32)>,
    /// (offset, length) of each dataset after the header.
    pub places: Vec<(u32, u32)>,
    /// Each recipe's id and links.
    pub skeletons: Vec<Skeleton>,
    /// (offset, length) of each recipe after the header.
    pub recipe_places: Vec<(u32, u32)>,
}

/// The blob of a checked catalog and its recipes.
pub fn encode(catalog: &Catalog, recipes: Recipes) -> Vec<u8> {
    let (datasets, ids, aliases) = catalog.encode();
    let recipes = recipes.into_recipes();
    let skeletons = recipes.iter().map(Skeleton::of).collect();
    let recipes: Vec<Vec<u8>> =
        recipes.iter().map(|r| rmp_serde::to_vec_named(r).expect("a recipe encodes")).collect();
    let mut at = 0u32;
    let mut place = |d: &Vec<u8>| {
        let p = (at, d.len() as u32);
        at += d.len() as u32;
        p
    };
    let places = datasets.iter().map(&mut place).collect();
    let recipe_places = recipes.iter().map(&mut place).collect();
    let header = Header { ids, aliases, places, skeletons, recipe_places };
    let head = rmp_serde::to_vec_named(&header).expect("the header encodes");
    let mut out = Vec::with_capacity(8 + head.len() + at as usize);
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    for d in datasets.iter().chain(&recipes) {
        out.extend_from_slice(d);
    }
    out
}

/// The catalog and the recipes of a blob, each dataset and recipe still
/// encoded.
pub fn decode(blob: &'static [u8], recipes: &mut Recipes) -> Catalog {
    let (len, rest) = blob.split_at(8);
    let len = u64::from_le_bytes(len.try_into().expect("8 bytes")) as usize;
    let (head, data) = rest.split_at(len);
    let header: Header = rmp_serde::from_slice(head).expect("the build wrote a valid header");
    let slice = |&(off, n): &(u32, u32)| &data[off as usize..(off + n) as usize];
    for (skeleton, place) in header.skeletons.into_iter().zip(&header.recipe_places) {
        recipes.push_encoded(skeleton, slice(place), 0);
    }
    let raw = header.places.iter().map(slice).collect();
    Catalog::from_builtin(raw, header.ids, header.aliases)
}

#[cfg(test)]
mod tests {
    use crate::load::{Inputs, Overlays};
    use crate::recipe::Skeleton;

    /// The links the graph reads from the header are those of the recipes
    /// the blob decodes to.
    #[test]
    fn every_recipe_decodes_to_its_skeleton() {
        let inputs = Inputs::load(&Overlays::default()).expect("built-in data");
        assert!(inputs.recipes.len() > 50);
        for r in inputs.recipes.ixs() {
            let decoded = Skeleton::of(inputs.recipes.get(r));
            assert_eq!(format!("{decoded:?}"), format!("{:?}", inputs.recipes.skeleton(r)));
        }
    }
}
