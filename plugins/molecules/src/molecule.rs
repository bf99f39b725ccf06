//! A molecule's atoms and positions (Å), its formula, and the canonical atom order that gives every molecule of
//! one formula the same type list.

use crate::element::{Element, FEATURE_LEN};
use crate::error::{MoleculesError, Result};

/// Atoms with positions in Å (the unit of the XYZ files).
#[derive(Debug, Clone, PartialEq)]
pub struct Molecule {
    /// The element of each atom.
    pub elements: Vec<Element>,
    /// The position of each atom, `[x, y, z]` in Å.
    pub positions: Vec<[f64; 3]>,
}

impl Molecule {
    /// A molecule from its elements and positions: the lengths must agree and every coordinate be finite.
    pub fn new(elements: Vec<Element>, positions: Vec<[f64; 3]>) -> Result<Self> {
        if elements.len() != positions.len() {
            return Err(MoleculesError::Mismatch {
                what: "molecule",
                reason: format!(
                    "{} elements but {} positions",
                    elements.len(),
                    positions.len()
                ),
            });
        }
        for (a, p) in positions.iter().enumerate() {
            if let Some(c) = p.iter().position(|v| !v.is_finite()) {
                return Err(MoleculesError::NonFiniteInput {
                    what: "molecule positions",
                    sample: a,
                    coordinate: c,
                });
            }
        }
        Ok(Molecule {
            elements,
            positions,
        })
    }

    /// The number of atoms.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the molecule has no atoms.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The distance between atoms `a` and `b` in Å.
    pub fn distance(&self, a: usize, b: usize) -> f64 {
        distance(&self.positions[a], &self.positions[b])
    }

    /// The formula as the QM9 files write it: C, H, then N, O, F (counts of 1 omitted), e.g. `C5H8O`, `C2NF3`.
    ///
    /// ```
    /// use equistein_molecules::{Element, Molecule};
    /// let m = Molecule::new(vec![Element::O, Element::H, Element::H], vec![[0.0; 3]; 3]).unwrap();
    /// assert_eq!(m.formula(), "H2O");
    /// ```
    pub fn formula(&self) -> String {
        formula(&self.elements)
    }

    /// The permutation that sorts the atoms by [`Element::CANONICAL_ORDER`] (C, N, O, F, H), stable, so atoms of
    /// one element keep their relative order: `order[k]` is the original index of the k-th atom.
    pub fn canonical_order(&self) -> Vec<usize> {
        let rank = |e: Element| {
            Element::CANONICAL_ORDER
                .iter()
                .position(|x| *x == e)
                .unwrap_or(0)
        };
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|&i| rank(self.elements[i]));
        order
    }

    /// The molecule with its atoms in the canonical order ([`Molecule::canonical_order`]), so that every molecule
    /// of one formula has the same element list.
    ///
    /// ```
    /// use equistein_molecules::{Element::*, Molecule};
    /// let a = Molecule::new(vec![H, O, C, H], vec![[0.0; 3], [1.0; 3], [2.0; 3], [3.0; 3]]).unwrap();
    /// let c = a.canonicalised();
    /// assert_eq!(c.elements, vec![C, O, H, H]);
    /// assert_eq!(c.positions[2], [0.0; 3]);
    /// ```
    pub fn canonicalised(&self) -> Molecule {
        self.permuted(&self.canonical_order())
    }

    /// The molecule with atom `k` taken from original atom `order[k]`. `order` must be a permutation of
    /// `0..len()` (indices past the end are skipped).
    pub fn permuted(&self, order: &[usize]) -> Molecule {
        let keep: Vec<usize> = order.iter().copied().filter(|&i| i < self.len()).collect();
        Molecule {
            elements: keep.iter().map(|&i| self.elements[i]).collect(),
            positions: keep.iter().map(|&i| self.positions[i]).collect(),
        }
    }

    /// The atom-type features ([`Element::features`]) of every atom, row by row.
    pub fn type_features(&self) -> Vec<[f64; FEATURE_LEN]> {
        self.elements.iter().map(|e| e.features()).collect()
    }

    /// The positions as one flat row `[x0, y0, z0, x1, …]`, the layout of a particle of the core.
    pub fn flat_positions(&self) -> Vec<f64> {
        self.positions.iter().flatten().copied().collect()
    }
}

/// The Euclidean distance of two points.
pub(crate) fn distance(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let dx = a[0] - b[0];
    let dy = a[1] - b[1];
    let dz = a[2] - b[2];
    (dx * dx + dy * dy + dz * dz).sqrt()
}

/// The formula of a list of elements in the order of the QM9 files: C, H, then N, O, F (`C2H4NF3`, `H3N`).
pub(crate) fn formula(elements: &[Element]) -> String {
    let mut out = String::new();
    for e in [Element::C, Element::H, Element::N, Element::O, Element::F] {
        let n = elements.iter().filter(|x| **x == e).count();
        if n > 0 {
            out.push_str(e.symbol());
            if n > 1 {
                out.push_str(&n.to_string());
            }
        }
    }
    out
}
