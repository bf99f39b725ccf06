//! Molecular graphs: atoms (element, formal charge), bonds with orders, validity, and isomer identity by graph
//! isomorphism up to the Kekulé form.

use crate::bonds::assign::{self, AtomState, Problem};
use crate::element::Element;
use crate::error::{MoleculesError, Result};
use petgraph::graph::UnGraph;

/// A bond between atoms `a` and `b` (indices into the graph's atoms, `a < b`) of order 1, 2, 3 (or more, which
/// no valence of H, C, N, O, F allows).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Bond {
    /// The lower atom index.
    pub a: usize,
    /// The higher atom index.
    pub b: usize,
    /// The bond order.
    pub order: u8,
}

/// A molecular graph with explicit hydrogens: one node per atom, bonds with orders, and formal charges.
///
/// ```
/// use equistein_molecules::{MolGraph, Element::*};
/// // Methanol, CH3OH.
/// let mut g = MolGraph::new(vec![C, O, H, H, H, H]);
/// g.add_bond(0, 1, 1).unwrap();
/// for h in 2..5 { g.add_bond(0, h, 1).unwrap(); }
/// g.add_bond(1, 5, 1).unwrap();
/// assert!(g.valid());
/// assert_eq!(g.to_smiles(), "CO");
/// assert!(g.same_molecule(&MolGraph::from_smiles("OC").unwrap()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MolGraph {
    /// The element of each atom.
    pub elements: Vec<Element>,
    /// The formal charge of each atom (0 for all but zwitterions and the like).
    pub charges: Vec<i8>,
    /// The bonds, each once, in the order added.
    pub bonds: Vec<Bond>,
}

impl MolGraph {
    /// A graph of unbonded, neutral atoms.
    pub fn new(elements: Vec<Element>) -> Self {
        let n = elements.len();
        MolGraph {
            elements,
            charges: vec![0; n],
            bonds: Vec::new(),
        }
    }

    /// The number of atoms.
    pub fn len(&self) -> usize {
        self.elements.len()
    }

    /// Whether the graph has no atoms.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// Adds a bond of `order` ≥ 1 between two different atoms, or raises the order of an existing bond by `order`.
    pub fn add_bond(&mut self, a: usize, b: usize, order: u8) -> Result<()> {
        let n = self.len();
        if a == b || a >= n || b >= n || order == 0 {
            return Err(MoleculesError::InvalidParameter {
                name: "bond",
                reason: format!("({a}, {b}) of order {order} in a graph of {n} atoms"),
            });
        }
        let (a, b) = (a.min(b), a.max(b));
        match self.bonds.iter_mut().find(|x| x.a == a && x.b == b) {
            Some(x) => x.order = x.order.saturating_add(order),
            None => self.bonds.push(Bond { a, b, order }),
        }
        Ok(())
    }

    /// The order of the bond between `a` and `b`, 0 if none.
    pub fn bond_order(&self, a: usize, b: usize) -> u8 {
        let (a, b) = (a.min(b), a.max(b));
        self.bonds
            .iter()
            .find(|x| x.a == a && x.b == b)
            .map_or(0, |x| x.order)
    }

    /// The neighbours of atom `a` with the bond orders, in bond order of addition.
    pub fn neighbours(&self, a: usize) -> Vec<(usize, u8)> {
        self.bonds
            .iter()
            .filter_map(|x| {
                if x.a == a {
                    Some((x.b, x.order))
                } else if x.b == a {
                    Some((x.a, x.order))
                } else {
                    None
                }
            })
            .collect()
    }

    /// The sum of the bond orders at atom `a`.
    pub fn valence_used(&self, a: usize) -> u32 {
        self.bonds
            .iter()
            .filter(|x| x.a == a || x.b == a)
            .map(|x| u32::from(x.order))
            .sum()
    }

    /// Whether atom `a` spends its valence exactly: its bond-order sum equals the valence of its element with its
    /// formal charge ([`Element::charged_valence`]).
    pub fn atom_stable(&self, a: usize) -> bool {
        self.elements[a]
            .charged_valence(self.charges[a])
            .is_some_and(|v| u32::from(v) == self.valence_used(a))
    }

    /// The number of atoms that spend their valence exactly.
    pub fn stable_atoms(&self) -> usize {
        (0..self.len()).filter(|&a| self.atom_stable(a)).count()
    }

    /// Whether the graph is one connected piece (an empty graph is not).
    pub fn is_connected(&self) -> bool {
        let n = self.len();
        if n == 0 {
            return false;
        }
        let mut parent: Vec<usize> = (0..n).collect();
        fn root(p: &mut [usize], mut i: usize) -> usize {
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        let mut pieces = n;
        for x in &self.bonds {
            let (ra, rb) = (root(&mut parent, x.a), root(&mut parent, x.b));
            if ra != rb {
                parent[ra] = rb;
                pieces -= 1;
            }
        }
        pieces == 1
    }

    /// A valid molecule: every atom spends its valence exactly (with its formal charge), the formal charges add
    /// up to zero, and the graph is connected.
    pub fn valid(&self) -> bool {
        self.stable_atoms() == self.len()
            && self.charges.iter().map(|&q| i32::from(q)).sum::<i32>() == 0
            && self.is_connected()
    }

    /// The formula (C, H, then N, O, F, as the QM9 files write it), e.g. `C5H8O`.
    pub fn formula(&self) -> String {
        crate::molecule::formula(&self.elements)
    }

    /// The graph with its atoms in a new order: atom `k` of the result is atom `order[k]` of this one. `order`
    /// must be a permutation of `0..len()`, else an error.
    pub fn permuted(&self, order: &[usize]) -> Result<MolGraph> {
        let n = self.len();
        let mut inverse = vec![usize::MAX; n];
        for (k, &i) in order.iter().enumerate() {
            if i >= n || inverse[i] != usize::MAX {
                return Err(MoleculesError::InvalidParameter {
                    name: "order",
                    reason: format!("not a permutation of 0..{n}"),
                });
            }
            inverse[i] = k;
        }
        if order.len() != n {
            return Err(MoleculesError::InvalidParameter {
                name: "order",
                reason: format!("{} entries for {n} atoms", order.len()),
            });
        }
        let mut g = MolGraph {
            elements: order.iter().map(|&i| self.elements[i]).collect(),
            charges: order.iter().map(|&i| self.charges[i]).collect(),
            bonds: Vec::with_capacity(self.bonds.len()),
        };
        for x in &self.bonds {
            g.add_bond(inverse[x.a], inverse[x.b], x.order)?;
        }
        Ok(g)
    }

    /// The orders each bond and the charges each atom take over all Kekulé (resonance) forms of this graph, as
    /// bit masks: bit `o` of `orders[e]` for order `o` of bond `e`, bit `q + 1` of `charges[a]` for charge `q`
    /// of atom `a`.
    ///
    /// A form here is any assignment of bond orders on the same bonds, and of charges (N⁺ or O⁻ for N and O,
    /// only in a graph that has charged atoms, with as many charged atoms and the same total), in which every
    /// atom spends its valence exactly. Two assignments of orders on one skeleton differ by shifting orders
    /// around alternating cycles, as benzene's two Kekulé forms, so graphs with equal masks are the same
    /// molecule; the charges cover resonance that moves a charge, as in an amidinium group, where
    /// `CNC(=[NH2+])…` and `C[NH+]=C(N)…` are one ion. A graph that is not valid keeps its own orders and charges.
    pub fn resonance_masks(&self) -> ResonanceMasks {
        let own_orders: Vec<u8> = self.bonds.iter().map(|x| 1u8 << x.order.min(7)).collect();
        let charge_bit = |q: i8| 1u8 << (i32::from(q) + 1).clamp(0, 7);
        let own_charges: Vec<u8> = self.charges.iter().map(|&q| charge_bit(q)).collect();
        let mut masks = ResonanceMasks {
            charges: own_charges,
            orders: own_orders,
        };
        if !self.valid() {
            return masks;
        }
        let charged = self.charges.iter().filter(|&&q| q != 0).count();
        let state = |e: Element, q: i8| {
            e.charged_valence(q).map(|valence| AtomState {
                valence,
                charge: q,
                cost: f64::from(u8::from(q != 0)),
            })
        };
        let states: Vec<Vec<AtomState>> = (0..self.len())
            .map(|a| {
                let e = self.elements[a];
                let mut v: Vec<AtomState> = state(e, self.charges[a]).into_iter().collect();
                if charged > 0 {
                    let alternatives: &[i8] = match e {
                        Element::N => &[0, 1],
                        Element::O => &[0, -1],
                        _ => &[],
                    };
                    for &q in alternatives {
                        if q != self.charges[a] {
                            v.extend(state(e, q));
                        }
                    }
                }
                v
            })
            .collect();
        let base = Problem {
            states,
            edges: self.bonds.iter().map(|x| (x.a, x.b)).collect(),
            cost: self
                .bonds
                .iter()
                .map(|x| {
                    if self.light(x) {
                        [f64::INFINITY, 0.0, f64::INFINITY, f64::INFINITY]
                    } else {
                        [f64::INFINITY, 0.0, 0.0, 0.0]
                    }
                })
                .collect(),
            total_charge: self.charges.iter().map(|&q| i32::from(q)).sum(),
            node_limit: 100_000,
            connected: false,
        };
        let absorb = |p: &Problem, masks: &mut ResonanceMasks| {
            if let Some(s) = assign::solve(p) {
                if s.charges.iter().filter(|&&q| q != 0).count() == charged {
                    for (m, &o) in masks.orders.iter_mut().zip(&s.orders) {
                        *m |= 1 << o.min(7);
                    }
                    for (m, &q) in masks.charges.iter_mut().zip(&s.charges) {
                        *m |= charge_bit(q);
                    }
                }
            }
        };
        for (e, x) in self.bonds.iter().enumerate() {
            if self.light(x) {
                continue;
            }
            for o in 1..=3u8 {
                if masks.orders[e] & (1 << o) != 0 {
                    continue;
                }
                let mut p = base.clone();
                p.cost[e] = [f64::INFINITY; 4];
                p.cost[e][usize::from(o)] = 0.0;
                absorb(&p, &mut masks);
            }
        }
        for a in 0..self.len() {
            for k in 0..base.states[a].len() {
                let q = base.states[a][k].charge;
                if masks.charges[a] & charge_bit(q) != 0 {
                    continue;
                }
                let mut p = base.clone();
                p.states[a] = vec![base.states[a][k]];
                absorb(&p, &mut masks);
            }
        }
        masks
    }

    /// Whether a bond touches a hydrogen or fluorine (always single in a valid graph).
    fn light(&self, x: &Bond) -> bool {
        self.elements[x.a].valence() == 1 || self.elements[x.b].valence() == 1
    }

    /// The same molecule: a graph isomorphism (petgraph's `is_isomorphic_matching`) that maps elements onto equal
    /// elements with the same charge set and bonds onto bonds of the same order set
    /// ([`MolGraph::resonance_masks`]), so two Kekulé forms of one aromatic ring match.
    ///
    /// ```
    /// use equistein_molecules::MolGraph;
    /// let a = MolGraph::from_smiles("C1=CC=CC=C1C").unwrap();
    /// let b = MolGraph::from_smiles("CC1=CC=CC=C1").unwrap();
    /// assert!(a.same_molecule(&b));
    /// assert!(!a.same_molecule(&MolGraph::from_smiles("C1=CC=CCC1=C").unwrap()));
    /// ```
    pub fn same_molecule(&self, other: &MolGraph) -> bool {
        if self.len() != other.len() || self.bonds.len() != other.bonds.len() {
            return false;
        }
        if self.invariant() != other.invariant() {
            return false;
        }
        same_labelled(&self.labelled(), &other.labelled())
    }

    /// A cheap isomorphism invariant: the sorted list of (element, degree) per atom and the total charge.
    pub(crate) fn invariant(&self) -> (Vec<(Element, usize)>, i32) {
        let mut degree = vec![0usize; self.len()];
        for x in &self.bonds {
            degree[x.a] += 1;
            degree[x.b] += 1;
        }
        let mut v: Vec<_> = (0..self.len())
            .map(|a| (self.elements[a], degree[a]))
            .collect();
        v.sort();
        (v, self.charges.iter().map(|&q| i32::from(q)).sum())
    }

    /// The petgraph graph labelled for [`MolGraph::same_molecule`]: nodes (element, charge mask), edges order
    /// masks.
    pub(crate) fn labelled(&self) -> UnGraph<(Element, u8), u8> {
        let masks = self.resonance_masks();
        let mut g = UnGraph::with_capacity(self.len(), self.bonds.len());
        let nodes: Vec<_> = (0..self.len())
            .map(|a| g.add_node((self.elements[a], masks.charges[a])))
            .collect();
        for (x, m) in self.bonds.iter().zip(masks.orders) {
            g.add_edge(nodes[x.a], nodes[x.b], m);
        }
        g
    }
}

/// Bit masks of the orders and charges over a graph's resonance forms ([`MolGraph::resonance_masks`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResonanceMasks {
    /// Per atom: bit `q + 1` set when the atom carries charge `q` in some form.
    pub charges: Vec<u8>,
    /// Per bond (in [`MolGraph::bonds`] order): bit `o` set when the bond has order `o` in some form.
    pub orders: Vec<u8>,
}

/// Isomorphism of two labelled graphs with equal node and edge labels.
pub(crate) fn same_labelled(
    a: &UnGraph<(Element, u8), u8>,
    b: &UnGraph<(Element, u8), u8>,
) -> bool {
    a.node_count() == b.node_count()
        && a.edge_count() == b.edge_count()
        && petgraph::algo::is_isomorphic_matching(a, b, |x, y| x == y, |x, y| x == y)
}
