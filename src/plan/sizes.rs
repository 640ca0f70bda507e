//! Dataset sizes: a plain dataset's own figure, a composite's worked out
//! from its components, children first, only for the datasets a command
//! reaches, each once. Iterative: a composite chain of any depth costs its
//! length.
//!
//! The rules for a composite with a stated `samples`:
//! - it must agree with the sum of its components (an error if both are
//!   exact, a warning if the stated figure is `approx`: the sum is used);
//! - an exact stated figure over components some of which are rounded is
//!   kept, and split in the components' proportions (a note says so);
//! - with a component of unknown size the stated figure is the size.

use crate::catalog::{Catalog, DsId};
use crate::diag::{codes, Diagnostic, Diagnostics, Subject};
use rustc_hash::FxHashMap;

/// The size of a dataset as the planner uses it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Size {
    /// What taking the dataset whole gives; `None` when unknown.
    pub size: Option<u64>,
    /// The size rests on a rounded figure somewhere.
    pub approx: bool,
    /// What the components add up to when every part is known: the
    /// composite's samples split in these proportions. Else the size.
    pub denom: Option<u64>,
}

/// Sizes worked out so far, by dataset.
#[derive(Debug, Default)]
pub struct Sizes {
    known: FxHashMap<DsId, Size>,
}

impl Sizes {
    pub fn get(&self, ix: DsId) -> Size {
        self.known.get(&ix).copied().unwrap_or_default()
    }

    /// Works out the sizes of `roots` and everything they contain that is
    /// not known yet. `order` must list the datasets children first (see
    /// [`super::expand::reach`]).
    pub fn fill(&mut self, catalog: &Catalog, order: &[DsId], diags: &mut Diagnostics) {
        for &ix in order {
            if !self.known.contains_key(&ix) {
                let s = self.compute(catalog, ix, diags);
                self.known.insert(ix, s);
            }
        }
    }

    fn compute(&self, catalog: &Catalog, ix: DsId, diags: &mut Diagnostics) -> Size {
        let ds = catalog.get(ix);
        let Some(components) = &ds.components else {
            return Size { size: ds.samples, approx: ds.approx, denom: ds.samples };
        };
        let mut sum: Option<u64> = Some(0);
        let mut sum_approx = false;
        let mut overflow = false;
        for c in components {
            let child = c.child.map(|ch| self.get(ch)).unwrap_or_default();
            let held = c.samples.or(child.size);
            sum_approx |= c.samples.is_none() && child.approx;
            sum = match (sum, held) {
                (Some(s), Some(h)) => s.checked_add(h).or_else(|| {
                    overflow = true;
                    None
                }),
                _ => None,
            };
        }
        let subject = || Subject::Dataset(ds.id.to_string());
        if overflow {
            diags.push(
                Diagnostic::error(
                    codes::OVERFLOW,
                    format!("the size of composite `{}` does not fit in 64 bits", ds.id),
                )
                .at(ds.at.components.clone())
                .label("these components add up to more than 18,446,744,073,709,551,615 samples")
                .help("check the component counts")
                .about(subject()),
            );
            return Size::default();
        }
        let denom = sum.filter(|&s| s > 0);
        match (ds.samples, sum) {
            (Some(stated), Some(sum)) if stated != sum && sum_approx && !ds.approx => {
                diags.push(
                    Diagnostic::note(
                        codes::ROUNDED_PARTS,
                        format!(
                            "composite `{}` states {}; its components, some of them rounded, add up to {}",
                            ds.id,
                            crate::num::counted(u128::from(stated), "sample", "samples"),
                            crate::num::thousands(u128::from(sum))
                        ),
                    )
                    .at(ds.at.samples.clone())
                    .label("exact figure kept")
                    .note_line("the planner splits the exact figure in the components' proportions")
                    .about(subject()),
                );
                Size { size: Some(stated), approx: false, denom }
            }
            (Some(stated), Some(sum)) if stated != sum => {
                let (severity, help) = if ds.approx {
                    (
                        crate::diag::Severity::Warning,
                        "the figure is marked approx, so the planner uses the components' sum; keep the stated figure in `reported`",
                    )
                } else {
                    (
                        crate::diag::Severity::Error,
                        "fix the figure or a component, or set `approx = true` if the figure is rounded",
                    )
                };
                diags.push(
                    Diagnostic::new(
                        severity,
                        codes::COMPOSITE_MISMATCH,
                        format!(
                            "composite `{}` states {} but its components add up to {}",
                            ds.id,
                            crate::num::counted(u128::from(stated), "sample", "samples"),
                            crate::num::thousands(u128::from(sum))
                        ),
                    )
                    .at(ds.at.samples.clone())
                    .key(ds.id.to_string())
                    .label("stated here")
                    .help(help)
                    .about(subject()),
                );
                Size { size: Some(sum), approx: sum_approx, denom }
            }
            (_, Some(sum)) => Size { size: Some(sum), approx: sum_approx, denom },
            (stated, None) => Size { size: stated, approx: ds.approx, denom: stated },
        }
    }
}
