//! SMILES to [`MolGraph`] through `purr`: hydrogens made explicit, charges kept, aromatic input kekulised.

use crate::bonds::assign::{self, AtomState, Problem};
use crate::element::Element;
use crate::error::{MoleculesError, Result};
use crate::graph::MolGraph;
use purr::feature::{AtomKind, BondKind, BracketSymbol};
use purr::graph::Builder;

impl MolGraph {
    /// Reads a SMILES string (organic subset and bracket atoms of H, C, N, O, F; ring closures; single, double,
    /// triple and aromatic bonds; charges) into a graph with every hydrogen an atom of its own: the heavy atoms
    /// in the order written, then the hydrogens, each after its heavy atom's earlier ones. Aromatic input
    /// (`c1ccccc1`) is turned into one Kekulé form. Stereo marks are ignored.
    ///
    /// ```
    /// use equistein_molecules::{MolGraph, Element};
    /// let g = MolGraph::from_smiles("[NH3+]CCC([O-])=O").unwrap();
    /// assert_eq!(g.formula(), "C3H7NO2");
    /// assert!(g.valid());
    /// assert_eq!(g.charges.iter().filter(|q| **q != 0).count(), 2);
    /// assert!(MolGraph::from_smiles("C1CC").is_err()); // an unclosed ring
    /// ```
    pub fn from_smiles(smiles: &str) -> Result<MolGraph> {
        let err = |reason: String| MoleculesError::Smiles {
            smiles: smiles.to_string(),
            reason,
        };
        let mut builder = Builder::new();
        purr::read::read(smiles, &mut builder, None).map_err(|e| match e {
            purr::read::Error::EndOfLine => err("unexpected end of the string".into()),
            purr::read::Error::Character(i) => err(format!("unexpected character at position {i}")),
        })?;
        let atoms = builder.build().map_err(|e| match e {
            purr::graph::Error::Join(a, b) => {
                err(format!("bad ring-closure bond between atoms {a} and {b}"))
            }
            purr::graph::Error::Rnum(i) => err(format!("unclosed ring at position {i}")),
        })?;
        let n_heavy = atoms.len();
        let mut elements = Vec::with_capacity(n_heavy * 2);
        let mut charges = Vec::with_capacity(n_heavy * 2);
        let mut hydrogens = Vec::with_capacity(n_heavy);
        for (i, atom) in atoms.iter().enumerate() {
            let (symbol, charge) = match &atom.kind {
                AtomKind::Star => return Err(err(format!("atom {i}: `*` is not an element"))),
                AtomKind::Aliphatic(a) => (a.to_string(), 0i8),
                AtomKind::Aromatic(a) => (a.to_string(), 0i8),
                AtomKind::Bracket { symbol, charge, .. } => {
                    let s = match symbol {
                        BracketSymbol::Star => {
                            return Err(err(format!("atom {i}: `*` is not an element")))
                        }
                        BracketSymbol::Element(e) => e.to_string(),
                        BracketSymbol::Aromatic(e) => e.to_string(),
                    };
                    (s, charge.as_ref().map_or(0, |q| q.into()))
                }
            };
            let symbol = capitalised(&symbol);
            let element = Element::parse(&symbol).ok_or_else(|| {
                err(format!(
                    "atom {i}: element {symbol} is not one of H, C, N, O, F"
                ))
            })?;
            elements.push(element);
            charges.push(charge);
            hydrogens.push(atom.suppressed_hydrogens());
        }
        // Heavy-atom (and explicit [H]) bonds, each once; aromatic ones to be kekulised.
        let mut bonds = Vec::new();
        for (i, atom) in atoms.iter().enumerate() {
            for bond in &atom.bonds {
                let j = bond.tid;
                if j <= i || j >= n_heavy {
                    continue;
                }
                let aromatic = match bond.kind {
                    BondKind::Aromatic => true,
                    BondKind::Elided => atom.is_aromatic() && atoms[j].is_aromatic(),
                    _ => false,
                };
                bonds.push((i, j, if aromatic { 0 } else { bond.order() }));
            }
        }
        let mut g = MolGraph {
            elements,
            charges,
            bonds: Vec::new(),
        };
        for (i, &h) in hydrogens.iter().enumerate() {
            for _ in 0..h {
                g.elements.push(Element::H);
                g.charges.push(0);
                bonds.push((i, g.elements.len() - 1, 1));
            }
        }
        if bonds.iter().any(|b| b.2 == 0) {
            kekulise(&g, &mut bonds)
                .ok_or_else(|| err("the aromatic rings have no Kekulé form".into()))?;
        }
        for (a, b, o) in bonds {
            g.add_bond(a, b, o)?;
        }
        Ok(g)
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// Gives every aromatic bond (order 0 in `bonds`) order 1 or 2 so that each atom spends its valence.
fn kekulise(g: &MolGraph, bonds: &mut [(usize, usize, u8)]) -> Option<()> {
    let states = (0..g.len())
        .map(|a| {
            let valence = g.elements[a].charged_valence(g.charges[a])?;
            Some(vec![AtomState {
                valence,
                charge: g.charges[a],
                cost: 0.0,
            }])
        })
        .collect::<Option<Vec<_>>>()?;
    let problem = Problem {
        states,
        edges: bonds.iter().map(|b| (b.0, b.1)).collect(),
        cost: bonds
            .iter()
            .map(|b| {
                let mut c = [f64::INFINITY; 4];
                if b.2 == 0 {
                    c[1] = 0.0;
                    c[2] = 0.0;
                } else {
                    c[usize::from(b.2.min(3))] = 0.0;
                }
                c
            })
            .collect(),
        total_charge: g.charges.iter().map(|&q| i32::from(q)).sum(),
        node_limit: 1_000_000,
        connected: false,
    };
    let s = assign::solve(&problem)?;
    for (b, o) in bonds.iter_mut().zip(s.orders) {
        b.2 = o;
    }
    Some(())
}
